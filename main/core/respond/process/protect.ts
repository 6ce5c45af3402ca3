// What Mamori must never stop or kill, whatever a rule or a user asks: the init process (the machine
// would go down), Mamori itself and the processes it runs under (the protection would switch itself off,
// or take the user's session with it), and kernel threads (signals do nothing useful there).
import { readStat, type ProcStat } from './proc.js';

/** Mamori's own pid and every ancestor up to pid 1, read now (a parent can change when it exits). */
export function mamoriLineage(): Set<number> {
  const lineage = new Set<number>([process.pid]);
  let pid = process.pid;
  for (let i = 0; i < 4096 && pid > 1; i++) {
    const ppid = readStat(pid)?.ppid ?? 0;
    if (ppid < 1 || lineage.has(ppid)) break;
    lineage.add(ppid);
    pid = ppid;
  }
  return lineage;
}

/** Why this process is protected, in words for the user; null if it is not. */
export function protectedReason(p: Pick<ProcStat, 'pid'> & Partial<ProcStat>, lineage: Set<number>): string | null {
  if (p.pid === 1) return ' (it is the system\'s init process)';
  if (p.pid === process.pid) return ' (it is Mamori itself)';
  if (lineage.has(p.pid)) return ' (Mamori runs under it)';
  if (p.kernelThread) return ' (it is part of the kernel)';
  return null;
}
