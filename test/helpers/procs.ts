// What /proc says about a process a test started: state, parent, group and start time, and its entity id
// exactly as the process sensor makes it (PID-START, start in 10 ms ticks since boot).
import { readFileSync } from 'node:fs';
import { entityId, readProcStat } from '../../main/core/sensors/process/index.js';

export interface ProcStat { pid: number; ticks: number; state: string; ppid: number; pgrp: number }

/** null when the process is gone (reaped). */
export function procStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' '); // comm may hold spaces and ')'
    return { pid, state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]), ticks: Number(f[19]) };
  } catch {
    return null;
  }
}

export const entityOfPid = (pid: number) => entityId(pid, readProcStat(pid)!.startNs, 0);
