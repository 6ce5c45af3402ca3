// Process response: kill, suspend and resume a process tree by entity id (pid + start time), so a pid
// that was reused by another program is never signalled. The only public door of this module.
export { ProcessControl, type ProcessControlOptions } from './process-control.js';
export { ProcessControlError, type ProcessControlCode } from './errors.js';
export { parseEntityId } from './proc.js';
export type { Method as SignalMethod } from './signaller.js';
export type { ProcessActionEntry, ProcessOutcome, TreeResult, Undo } from './types.js';
