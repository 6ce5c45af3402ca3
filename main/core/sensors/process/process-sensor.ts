// The process sensor: runs the best native helper this machine allows (eBPF, else the netlink proc
// connector), turns its messages into ECS events and hands them over in batches. It owns the helper.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NewEvent } from '../../store/index.js';
import type { SensorState } from '../file-watch.js';
import { HelperStream, type HelperMessage } from './helper-stream.js';
import { BootClock, ExecutableHasher, Normalizer } from './normalize.js';
import { ProcessTable, type ProcInfo } from './process-table.js';
import { privilegeFacts, privilegeFix, selfTestReason } from './privilege.js';
import { PROC_POLL_MS, ProcPoller } from './proc-poller.js';

export type ProcessTierChoice = 'auto' | 'ebpf' | 'cn_proc' | 'proc_poll' | 'off';

const TIERS = [
  {
    tier: 'ebpf', binary: 'mamori-proc-ebpf',
    limits: 'none known: command lines, exits and system calls are captured in the kernel',
  },
  {
    tier: 'cn_proc', binary: 'mamori-proc-cn',
    limits: 'command lines are read from /proc after the fact: a process that exits at once may have none, and an '
      + 'exec chain may show a later program\'s command line; no working directory for short-lived processes; no network, '
      + 'memfd or module system calls; ptrace without the request',
  },
  {
    tier: 'proc_poll', binary: null,
    limits: `/proc is read every ${PROC_POLL_MS / 1000} s: a process that lives shorter is not seen at all; no forks, exit codes `
      + 'or system calls; times are when a read noticed the process; another user\'s program path needs privilege',
  },
] as const;

// Events are written in batches at most every FLUSH_GAP_MS: a lone event is stored within ~20 ms, a storm
// still gets big transactions. FLUSH_MS is the safety net for events held back by a pending hash.
const FLUSH_GAP_MS = 20;
const FLUSH_MS = 100;
const FLUSH_MAX = 5000;

export interface ProcessSensorOptions {
  helpersDir: string;
  choice: ProcessTierChoice;
  hashFile(path: string): Promise<string>;
  onEvents(events: NewEvent[]): void;
  log(level: 'info' | 'warn', message: string): void;
}

export class ProcessSensor {
  readonly id = 'process';
  private stream: HelperStream | ProcPoller | null = null;
  private tier: (typeof TIERS)[number] | null = null;
  private state: SensorState['state'] = 'stopped';
  private detail: string | null = null;
  private dropped = 0;
  /** Events in the helper's order; an exec still waiting for its executable's hash holds back the ones after it,
   *  so the store's order (ids) is the order things happened. */
  private queue: { event: NewEvent | null }[] = [];
  private pending = 0;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private lastFlush = 0;
  private normalizer: Normalizer | null = null;
  private table: ProcessTable | null = null;

  constructor(private readonly o: ProcessSensorOptions) {}

  async start(): Promise<void> {
    if (this.stream || this.o.choice === 'off') return;
    const reasons: string[] = [];
    for (const t of TIERS) {
      if (this.o.choice !== 'auto' && this.o.choice !== t.tier) continue;
      if (t.binary === null) {
        // The last tier needs no helper and no privilege beyond reading /proc.
        this.table = new ProcessTable();
        this.normalizer = new Normalizer(this.table, new BootClock(), new ExecutableHasher(this.o.hashFile), (e) => this.push(e));
        const poller = new ProcPoller({ onMessages: (batch) => this.onMessages(batch), log: (m) => this.o.log('warn', m) });
        await poller.start();
        this.running(poller, t, reasons);
        return;
      }
      const binary = join(this.o.helpersDir, t.binary);
      if (!existsSync(binary)) { reasons.push(`${t.tier}: ${t.binary} is not built`); continue; }
      const test = spawnSync(binary, ['--self-test'], { encoding: 'utf8', timeout: 15_000 });
      if (test.status !== 0) {
        reasons.push(`${t.tier}: ${selfTestReason(test.error?.message || test.stdout || test.stderr || `exit ${test.status}`)}`);
        continue;
      }
      const stream = new HelperStream({
        binary,
        onMessages: (batch) => this.onMessages(batch),
        onExit: (why) => { this.state = 'failed'; this.detail = `${t.binary} stopped: ${why}`; this.o.log('warn', this.detail); },
        log: (line) => this.o.log('info', `${t.binary}: ${line}`),
      });
      try {
        this.table = new ProcessTable();
        this.normalizer = new Normalizer(this.table, new BootClock(), new ExecutableHasher(this.o.hashFile), (e) => this.push(e));
        await stream.start();
      } catch (err) {
        reasons.push(`${t.tier}: ${(err as Error).message}`);
        continue;
      }
      this.running(stream, t, reasons);
      return;
    }
    this.state = 'failed';
    this.detail = `no process sensor could start: ${reasons.join('; ') || 'none selected'}${this.fixFor(reasons)}`;
    this.o.log('warn', this.detail);
  }

  private running(source: HelperStream | ProcPoller, t: (typeof TIERS)[number], reasons: string[]): void {
    this.stream = source;
    this.tier = t;
    this.state = 'running';
    this.detail = reasons.length ? `fell back: ${reasons.join('; ')}${this.fixFor(reasons)}` : null;
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  /** "; to let Mamori record programs ... run: sudo ..." when missing privilege is why a helper could not start. */
  private fixFor(reasons: string[]): string {
    const fix = privilegeFix(this.o.helpersDir, reasons, privilegeFacts(this.o.helpersDir));
    return fix ? `; ${fix}` : '';
  }


  /** One read's messages. An exec whose exit is already in the same batch gets no /proc reads: the process is gone. */
  private onMessages(batch: HelperMessage[]): void {
    let exitAt: Map<number, number> | null = null;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      if (m.type === 'exit' && typeof m.pid === 'number') (exitAt ??= new Map()).set(m.pid, i);
    }
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i]!;
      let exited = false;
      if (exitAt && m.type === 'exec' && typeof m.pid === 'number') {
        const j = exitAt.get(m.pid);
        // Same pid and start time: the same process, not a later one that reused the pid.
        exited = j !== undefined && j > i && (m.start_ns === undefined || batch[j]!.start_ns === undefined || m.start_ns === batch[j]!.start_ns);
      }
      this.onMessage(m, exited);
    }
  }

  private onMessage(m: HelperMessage, exited: boolean): void {
    if (m.type === 'drop') { this.dropped += typeof m.count === 'number' ? m.count : 1; return; }
    if (m.type === 'log') { this.o.log(m.level === 'warn' ? 'warn' : 'info', `${this.tier?.binary}: ${String(m.message)}`); return; }
    const out = this.normalizer!.normalize(m, exited);
    if (!out) return;
    if (out instanceof Promise) {
      const slot: { event: NewEvent | null } = { event: null };
      this.queue.push(slot);
      this.pending++;
      void out.then((e) => { this.pending--; slot.event = e; this.flushSoon(); });
    } else {
      this.push(out);
    }
  }

  private push(e: NewEvent): void {
    if (!this.stream && this.state !== 'running') return; // a late libraries event after stop: nowhere to go
    this.queue.push({ event: e });
    if (this.queue.length >= FLUSH_MAX) this.flush();
    else this.flushSoon();
  }

  private flushSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => { this.soon = null; this.flush(); }, Math.max(0, FLUSH_GAP_MS - (Date.now() - this.lastFlush)));
  }

  private flush(): void {
    this.lastFlush = Date.now();
    let ready = 0;
    while (ready < this.queue.length && this.queue[ready]!.event) ready++;
    if (!ready) return;
    const batch = this.queue.splice(0, ready).map((slot) => slot.event!);
    this.o.onEvents(batch);
  }

  /** What the sensor knows about a pid (live or recently exited), for other sensors to name the process. */
  knownProcess(pid: number): ProcInfo | null {
    return this.table?.get(pid) ?? this.table?.findExited(pid) ?? null;
  }

  async stop(): Promise<void> {
    await this.stream?.stop();
    this.stream = null;
    while (this.pending) await new Promise((r) => setTimeout(r, 10));
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = this.soon = null;
    this.flush();
    if (this.state === 'running') this.state = 'stopped';
  }

  status(): SensorState & { tier: string | null; limits: string | null; eventsLost: number } {
    const lost = this.dropped + (this.stream?.gaps ?? 0);
    return { id: this.id, state: this.state, detail: this.detail, tier: this.tier?.tier ?? null, limits: this.tier?.limits ?? null, eventsLost: lost };
  }
}
