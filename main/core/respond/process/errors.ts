// Coded errors for process actions. The codes are this module's own (like YaraScanError's); the API layer
// maps them to the contract's ErrorCode. Every message says what happened in words a non-expert can act on.

export type ProcessControlCode =
  | 'INVALID_ENTITY_ID'   // not of the form PID-TICKS
  | 'ENTITY_UNVERIFIABLE' // PID-tTICKS: the start time was never known, so the pid cannot be checked
  | 'GONE'                // the process has already exited (for kill: already done)
  | 'REUSED'              // the pid now belongs to a different process: left alone
  | 'PERMISSION_DENIED'
  | 'PROTECTED'           // pid 1, Mamori itself or one of its ancestors, a kernel thread
  | 'HELPER_MISSING'      // native helper not built (check-then-kill used instead)
  | 'HELPER_UNUSABLE'     // the helper cannot work here, e.g. no pidfds (check-then-kill used instead)
  | 'HELPER_FAILED'       // the helper broke mid-way; the processes it did not answer for are unknown
  | 'TOO_MANY_PROCESSES'  // the tree kept growing past the limit (a fork bomb?)
  | 'FAILED';             // any other system error (errno name in the message)

export class ProcessControlError extends Error {
  constructor(readonly code: ProcessControlCode, message: string, readonly entityId: string | null = null) {
    super(message);
    this.name = 'ProcessControlError';
  }
}

/** Text for a per-process code, naming the process. */
export function describeCode(code: ProcessControlCode, who: string, detail = ''): string {
  switch (code) {
    case 'GONE': return `${who} had already exited.`;
    case 'REUSED': return `${who} has exited and its process number now belongs to another program${detail}; that program was left alone.`;
    case 'PERMISSION_DENIED': return `Mamori is not allowed to signal ${who}; it needs to run as root to act on other users' programs.`;
    case 'PROTECTED': return `${who} is protected${detail}: Mamori never stops or kills it.`;
    case 'ENTITY_UNVERIFIABLE': return `${who} has no known start time, so Mamori cannot be sure the process number still means the same program.`;
    case 'INVALID_ENTITY_ID': return `${who} is not a process id Mamori understands (expected PID-TICKS).`;
    case 'HELPER_FAILED': return `The signalling helper stopped before answering for ${who}${detail}.`;
    case 'TOO_MANY_PROCESSES': return `${who} was not reached: the process tree grew past the limit${detail}.`;
    default: return `Could not signal ${who}${detail}.`;
  }
}
