// The network sensor's /proc/net tier. At start it records every connection and listening socket that
// already exists (the eBPF tier only sees what happens after it attached). After that it polls the tables
// only while the process sensor cannot see connect/accept/bind/listen itself (cn_proc tier, or none).
import { readFileSync } from 'node:fs';
import type { NewEvent } from '../../store/index.js';
import type { SensorState } from '../file-watch.js';
import { PROC_NET_TABLES, parseProcNet, socketAction, type ProcNetSocket, type SocketAction } from './proc-net.js';
import { ProcessFacts } from './process-facts.js';
import { findSocketOwners } from './socket-owners.js';

export type NetworkSensorChoice = 'auto' | 'off';

export const DEFAULT_NETWORK_POLL_MS = 2000;
const MIN_POLL_MS = 100;
/** Marks events from this tier, so users and rules can tell them from the system-call events. */
export const PROC_NET_PROVIDER = 'proc_net';

export interface NetworkSensorOptions {
  choice: NetworkSensorChoice;
  /** How often the tables are read while polling (ms). */
  pollMs?: number;
  /** True while another sensor reports connect/accept/bind/listen as they happen (the eBPF process tier). */
  syscallsCovered(): boolean;
  onEvents(events: NewEvent[]): void;
  log(level: 'info' | 'warn', message: string): void;
}

interface Found { socket: ProcNetSocket; action: SocketAction; key: string }

class UserNames {
  private names = new Map<number, string>();
  private loadedAt = 0;
  name(uid: number): string | null {
    if (!this.names.has(uid) && Date.now() - this.loadedAt > 60_000) this.load(); // a user added since the last read
    return this.names.get(uid) ?? null;
  }
  private load(): void {
    this.loadedAt = Date.now();
    this.names = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , uid] = line.split(':');
        if (name && uid) this.names.set(Number(uid), name);
      }
    } catch { /* no passwd: ids only */ }
  }
}

export class NetworkSensor {
  readonly id = 'network';
  private readonly pollMs: number;
  private state: SensorState['state'] = 'stopped';
  private failure: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Sockets already reported (inode + what it was reported as): a UDP socket that connects after binding is reported again. */
  private seen = new Set<string>();
  private readonly users = new UserNames();
  private readonly counts = { snapshot: 0, polled: 0, unattributed: 0 };

  constructor(private readonly o: NetworkSensorOptions) {
    this.pollMs = o.pollMs ?? DEFAULT_NETWORK_POLL_MS;
    if (!Number.isFinite(this.pollMs) || this.pollMs < MIN_POLL_MS) {
      throw new Error(`network poll interval must be at least ${MIN_POLL_MS} ms, got ${o.pollMs}`);
    }
  }

  async start(): Promise<void> {
    if (this.timer || this.o.choice === 'off') return;
    try {
      this.counts.snapshot = this.poll(true);
    } catch (err) {
      this.state = 'failed';
      this.failure = (err as Error).message;
      this.o.log('warn', `network sensor: ${this.failure}`);
      return;
    }
    this.state = 'running';
    this.failure = null;
    this.timer = setInterval(() => this.tick(), this.pollMs);
    this.timer.unref();
  }

  private tick(): void {
    // While system calls are seen, the diff baseline stays as it was: if that tier stops, the first poll
    // reports everything opened since (some twice) rather than miss it.
    if (this.o.syscallsCovered()) return;
    try {
      this.counts.polled += this.poll(false);
    } catch (err) {
      this.o.log('warn', `network sensor poll failed: ${(err as Error).message}`);
    }
  }

  /** Reads the tables, reports sockets not reported before; returns how many events it emitted. */
  private poll(snapshot: boolean): number {
    const sockets = this.readTables();
    const current = new Set<string>();
    const fresh: Found[] = [];
    for (const socket of sockets) {
      const action = socketAction(socket);
      if (!action || socket.inode === 0) continue; // closing, half-open, or not yet accepted (no fd holds it)
      const key = `${socket.inode}:${action}`;
      current.add(key);
      if (!this.seen.has(key)) fresh.push({ socket, action, key });
    }
    for (const key of this.seen) if (!current.has(key)) this.seen.delete(key); // closed: forget
    if (!fresh.length) return 0;

    const { owners } = findSocketOwners(new Set(fresh.map((f) => f.socket.inode)));
    const facts = new ProcessFacts();
    const now = new Date().toISOString();
    const events: NewEvent[] = [];
    for (const f of fresh) {
      this.seen.add(f.key);
      const pid = owners.get(f.socket.inode);
      const proc = pid !== undefined ? facts.ecs(pid) : null;
      if (!proc) { this.counts.unattributed++; continue; } // kernel-owned, or the process exited meanwhile
      events.push(this.event(f, proc, now, snapshot));
    }
    if (events.length) this.o.onEvents(events);
    return events.length;
  }

  private readTables(): ProcNetSocket[] {
    const out: ProcNetSocket[] = [];
    const missing: string[] = [];
    for (const t of PROC_NET_TABLES) {
      let text: string;
      try { text = readFileSync(`/proc/net/${t.file}`, 'latin1'); } catch { missing.push(t.file); continue; }
      out.push(...parseProcNet(text, t.transport, t.type));
    }
    // tcp6/udp6 are absent when IPv6 is disabled; without any table there is nothing to watch.
    if (missing.length === PROC_NET_TABLES.length) throw new Error('cannot read /proc/net/tcp, tcp6, udp or udp6');
    return out;
  }

  private event(f: Found, proc: NewEvent['process'], now: string, snapshot: boolean): NewEvent {
    const s = f.socket;
    return {
      '@timestamp': now,
      // late: read from /proc after the fact, like the cn_proc tier's details.
      event: { kind: 'network', action: f.action, sequence: null, late: true, provider: PROC_NET_PROVIDER, ...(snapshot ? { snapshot: true } : {}) },
      process: proc,
      user: { id: s.uid, name: this.users.name(s.uid) },
      source: { ip: s.local.ip, port: s.local.port },
      ...(f.action === 'connection' ? { destination: { ip: s.remote.ip, port: s.remote.port, path: null } } : {}),
      network: { type: s.type, transport: s.transport },
    };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.state === 'running') this.state = 'stopped';
  }

  private polling(): boolean {
    return this.state === 'running' && !this.o.syscallsCovered();
  }

  status(): SensorState & { tier: string | null; limits: string | null } {
    if (this.o.choice === 'off') return { id: this.id, state: 'stopped', detail: 'turned off', tier: null, limits: null };
    const c = this.counts;
    const detail = this.state === 'failed' ? this.failure
      : this.state !== 'running' ? null
      : this.polling()
        ? `reading /proc/net every ${this.pollMs / 1000} s because the process sensor does not see network system calls; `
          + `${c.snapshot} sockets found at start, ${c.polled} since${c.unattributed ? `, ${c.unattributed} with no process` : ''}`
        : `${c.snapshot} sockets found at start; new connections come from the eBPF process sensor`;
    const limits = this.polling()
      ? `connections that open and close within ${this.pollMs / 1000} s are missed; times are when a poll saw the socket, not when it opened; `
        + 'unconnected UDP shows only the local address; sockets of other network namespaces (containers) are not seen'
      : 'at start: sockets of other network namespaces (containers) are not seen';
    return { id: this.id, state: this.state, detail, tier: this.state === 'running' ? PROC_NET_PROVIDER : null, limits };
  }
}
