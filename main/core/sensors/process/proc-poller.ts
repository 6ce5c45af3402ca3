// The last process tier, where no helper can run (no privilege for eBPF or the proc connector, or helpers not
// built): /proc read every interval. It turns what appeared and what vanished into the same exec/exit messages
// the helpers send, so the normaliser, the store and the UI do not know the difference. What it cannot see is
// stated in its limits: anything shorter than the interval, exit codes, forks, system calls.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { HelperMessage } from './helper-stream.js';
import { readProcStat } from './process-table.js';

export const PROC_POLL_MS = 1000;

export interface ProcPollerOptions {
  intervalMs?: number;
  onMessages(messages: HelperMessage[]): void;
  log(message: string): void;
}

const bootNs = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1e9;

function uidOf(pid: number): number | null {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

export class ProcPoller {
  /** What the last poll saw: pid -> start time (ns since boot), so a reused pid is a new process. */
  private known = new Map<number, number>();
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  /** Helpers count missing sequence numbers here; polling has none to miss (what it misses is in its limits). */
  readonly gaps = 0;

  constructor(private readonly o: ProcPollerOptions) {}

  /** The first look only learns what already runs (those are not new); later looks report the differences. */
  async start(): Promise<void> {
    this.known = this.snapshot();
    this.timer = setInterval(() => this.poll(), this.o.intervalMs ?? PROC_POLL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private snapshot(): Map<number, number> {
    const now = new Map<number, number>();
    let names: string[];
    try { names = readdirSync('/proc'); } catch (err) { this.o.log(`cannot read /proc: ${(err as Error).message}`); return now; }
    for (const name of names) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      const stat = readProcStat(pid);
      if (stat) now.set(pid, stat.startNs);
    }
    return now;
  }

  private poll(): void {
    const ts = bootNs();
    const current = this.snapshot();
    const batch: HelperMessage[] = [];
    for (const [pid, startNs] of this.known) {
      if (current.get(pid) !== startNs) batch.push({ type: 'exit', seq: ++this.seq, ts_ns: ts, pid, start_ns: startNs, exit_code: null, late: true });
    }
    for (const [pid, startNs] of current) {
      if (this.known.get(pid) === startNs) continue;
      const stat = readProcStat(pid);
      if (!stat) continue; // gone already
      let argv: string[] | null = null;
      try {
        const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        argv = raw ? raw.replace(/\0$/, '').split('\0') : null;
      } catch { /* gone */ }
      let filename: string | null = null;
      try { filename = readlinkSync(`/proc/${pid}/exe`); } catch { /* kernel thread, gone, or another user's */ }
      if (filename?.endsWith(' (deleted)')) filename = filename.slice(0, -' (deleted)'.length);
      batch.push({
        type: 'exec', seq: ++this.seq, ts_ns: Math.max(startNs, ts - (this.o.intervalMs ?? PROC_POLL_MS) * 1e6), pid, ppid: stat.ppid,
        start_ns: startNs, filename, argv, uid: uidOf(pid), late: true,
      });
    }
    this.known = current;
    if (batch.length) this.o.onMessages(batch);
  }
}
