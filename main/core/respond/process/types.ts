// What a process action returns: every process it touched (or meant to), so the caller can record the
// action, show it, and undo it.
import type { ProcessControlCode } from './errors.js';
import type { Method } from './signaller.js';

export type ProcessOutcome = 'killed' | 'stopped' | 'resumed' | 'gone' | 'failed';

export interface ProcessActionEntry {
  entityId: string;
  pid: number;
  ppid: number | null;
  executable: string | null;
  commandLine: string | null;
  outcome: ProcessOutcome;
  /** false when the process was already in the wanted state: already exited, already stopped, not stopped. */
  changed: boolean;
  code?: ProcessControlCode;
  message?: string;
}

export type Undo =
  | { possible: true; action: 'resume'; entityIds: string[] }
  | { possible: false; reason: string };

export interface TreeResult {
  action: 'kill' | 'suspend' | 'resume';
  /** The entity asked for; null for resumeTree(list). */
  root: string | null;
  /** pidfd: race-free through the helper. check-then-kill: /proc start time checked, then kill(2). */
  method: Method;
  /** Why the helper was not used, when method is check-then-kill without being asked for. */
  fallback?: { code: 'HELPER_MISSING' | 'HELPER_UNUSABLE'; message: string };
  /** No process failed: each is now in the wanted state, or gone (for kill, gone is done). */
  ok: boolean;
  /** Nothing needed doing (e.g. killing a process that had already exited). */
  alreadyDone: boolean;
  /** false when the tree kept growing past the limits and some processes were not reached. */
  complete: boolean;
  processes: ProcessActionEntry[];
  undo: Undo;
  /** One sentence for the user. */
  summary: string;
  at: string;
}
