// Two ways to send a signal to "this pid, if it is still the process that started at TICKS":
// - pidfd: the mamori-proc-signal helper pins the process with a pidfd before it checks the start time,
//   so the signal can never reach a process that took over the pid (no race at all);
// - check-then-kill: read the start time from /proc, then process.kill(). A pid reused in the
//   microseconds between the two would be hit: only used when the helper is not there.
import { execFile } from 'node:child_process';
import { readStat } from './proc.js';

export type SignalName = 'KILL' | 'STOP' | 'CONT' | 'TERM';
export type Method = 'pidfd' | 'check-then-kill';

export interface Target { pid: number; ticks: number }

/** Per target: ok, or a code (GONE, REUSED, PROTECTED, EPERM, other errno names, HELPER_FAILED). */
export interface SignalResult {
  ok: boolean;
  code?: string;
  /** The state letter before the signal (T = already stopped). */
  state?: string;
  /** For REUSED: the start time of the process that holds the pid now. */
  actualTicks?: number;
}

export interface Signaller {
  readonly method: Method;
  send(signal: SignalName, targets: Target[]): Promise<SignalResult[]>;
}

/** The helper could not run at all (missing, or no pidfds here): the caller may fall back. */
export class HelperUnavailable extends Error {
  constructor(readonly code: 'HELPER_MISSING' | 'HELPER_UNUSABLE', message: string) {
    super(message);
  }
}

const CHUNK = 2000; // targets per helper run: keeps argv far below the kernel's limit
const HELPER_TIMEOUT_MS = 15_000;

function run(helper: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; spawnError?: NodeJS.ErrnoException }> {
  return new Promise((resolve) => {
    execFile(helper, args, { timeout: HELPER_TIMEOUT_MS, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
      if (e && typeof e.code === 'string') resolve({ code: null, stdout, stderr, spawnError: e });
      else resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr });
    });
  });
}

export class PidfdSignaller implements Signaller {
  readonly method = 'pidfd' as const;
  constructor(private readonly helper: string) {}

  async send(signal: SignalName, targets: Target[]): Promise<SignalResult[]> {
    const out: SignalResult[] = [];
    for (let i = 0; i < targets.length; i += CHUNK) out.push(...(await this.sendChunk(signal, targets.slice(i, i + CHUNK))));
    return out;
  }

  private async sendChunk(signal: SignalName, targets: Target[]): Promise<SignalResult[]> {
    const r = await run(this.helper, [signal, ...targets.map((t) => `${t.pid}:${t.ticks}`)]);
    if (r.spawnError) {
      const missing = r.spawnError.code === 'ENOENT' || r.spawnError.code === 'EACCES';
      throw new HelperUnavailable(missing ? 'HELPER_MISSING' : 'HELPER_UNUSABLE', `${this.helper}: ${r.spawnError.message}`);
    }
    if (r.code === 3) throw new HelperUnavailable('HELPER_UNUSABLE', r.stderr.trim() || 'the helper cannot run here');
    const lines = r.stdout.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return null; } });
    const hello = lines[0];
    if (!hello || hello.type !== 'hello' || hello.protocol !== 1) {
      throw new HelperUnavailable('HELPER_UNUSABLE', `${this.helper} did not say hello with protocol 1 (exit ${r.code}): ${r.stderr.trim()}`);
    }
    // Results come in argument order; anything the helper did not answer for is unknown, not done.
    const results = lines.slice(1).filter((l) => l?.type === 'result');
    return targets.map((t, i) => {
      const l = results[i];
      if (!l || l.pid !== t.pid || l.ticks !== t.ticks) return { ok: false, code: 'HELPER_FAILED' };
      return {
        ok: l.ok === true,
        code: typeof l.code === 'string' ? l.code : undefined,
        state: typeof l.state === 'string' ? l.state : undefined,
        actualTicks: typeof l.actual_ticks === 'number' ? l.actual_ticks : undefined,
      };
    });
  }
}

/** Is the helper there and able to work here? (its --self-test) */
export async function helperReady(helper: string): Promise<HelperUnavailable | null> {
  const r = await run(helper, ['--self-test']);
  if (r.spawnError) {
    const missing = r.spawnError.code === 'ENOENT' || r.spawnError.code === 'EACCES';
    return new HelperUnavailable(missing ? 'HELPER_MISSING' : 'HELPER_UNUSABLE',
      missing ? `The native helper ${helper} is not built (make -C native-helpers).` : `${helper}: ${r.spawnError.message}`);
  }
  if (r.code !== 0) return new HelperUnavailable('HELPER_UNUSABLE', `${helper} --self-test failed: ${(r.stdout + r.stderr).trim()}`);
  return null;
}

const SIGNALS: Record<SignalName, NodeJS.Signals> = { KILL: 'SIGKILL', STOP: 'SIGSTOP', CONT: 'SIGCONT', TERM: 'SIGTERM' };

export class CheckThenKillSignaller implements Signaller {
  readonly method = 'check-then-kill' as const;

  async send(signal: SignalName, targets: Target[]): Promise<SignalResult[]> {
    return targets.map((t) => {
      // The same refusals as the helper's, in the same order.
      if (t.pid <= 1 || t.pid === process.pid) return { ok: false, code: 'PROTECTED' };
      const s = readStat(t.pid);
      if (!s) return { ok: false, code: 'GONE' };
      if (s.ticks !== t.ticks) return { ok: false, code: 'REUSED', state: s.state, actualTicks: s.ticks };
      if (s.state === 'Z' || s.state === 'X') return { ok: false, code: 'GONE', state: s.state };
      if (s.kernelThread) return { ok: false, code: 'PROTECTED', state: s.state };
      try {
        process.kill(t.pid, SIGNALS[signal]);
        return { ok: true, state: s.state };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        return { ok: false, code: code === 'ESRCH' ? 'GONE' : (code ?? 'FAILED'), state: s.state };
      }
    });
  }
}
