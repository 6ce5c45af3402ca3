// Turning a signal result into the entry the user sees for one process.
import { describeCode, type ProcessControlCode } from './errors.js';
import { describeProcess, entityOf } from './proc.js';
import type { SignalResult } from './signaller.js';
import type { ProcessActionEntry, ProcessOutcome } from './types.js';

export function newEntry(p: { pid: number; ticks: number; ppid?: number | null }, outcome: ProcessOutcome = 'failed'): ProcessActionEntry {
  return { entityId: entityOf(p), pid: p.pid, ppid: p.ppid ?? null, ...describeProcess(p), outcome, changed: false };
}

export function who(e: ProcessActionEntry): string {
  const name = e.executable ? e.executable.slice(e.executable.lastIndexOf('/') + 1) : null;
  return name ? `${name} (pid ${e.pid})` : `process ${e.pid}`;
}

export function fail(e: ProcessActionEntry, code: ProcessControlCode, detail = ''): void {
  e.outcome = 'failed';
  e.changed = false;
  e.code = code;
  e.message = describeCode(code, who(e), detail);
}

/** A result that is not ok: the process exited (gone, not a failure), or it could not be signalled. */
export function applyNotOk(e: ProcessActionEntry, r: SignalResult): void {
  if (r.code === 'GONE' || r.code === 'REUSED') {
    e.outcome = 'gone';
    e.changed = false;
    e.code = r.code;
    const now = r.actualTicks !== undefined ? ` (now ${e.pid}-${r.actualTicks})` : '';
    e.message = describeCode(r.code, who(e), now);
    return;
  }
  if (r.code === 'PROTECTED') return fail(e, 'PROTECTED');
  if (r.code === 'EPERM' || r.code === 'EACCES') return fail(e, 'PERMISSION_DENIED');
  if (r.code === 'HELPER_FAILED') return fail(e, 'HELPER_FAILED');
  fail(e, 'FAILED', ` (${r.code ?? 'unknown error'})`);
}

