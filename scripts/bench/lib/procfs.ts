// What /proc says about a process: CPU ticks, resident memory, children. Linux only.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ, the unit of utime/stime in /proc/PID/stat: 100 on every Linux architecture Mamori targets. */
export const CLK_TCK = 100;

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime of every thread of the process, in ticks (1/CLK_TCK s). Waited-for children not included. */
  cpuTicks: number;
}

export function procStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text.slice(close + 2).split(' '); // f[0] is field 3 (state)
    return { pid, comm, ppid: Number(f[1]), cpuTicks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

/** VmRSS in bytes (resident: anonymous + file-backed + shared memory), or null when the process is gone. */
export function vmRss(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Direct children of a process (from every thread's children list). */
export function childPids(pid: number): number[] {
  const out = new Set<number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').trim().split(/\s+/)) if (c) out.add(Number(c));
      } catch { /* thread gone */ }
    }
  } catch { /* process gone */ }
  return [...out];
}

/** A process and all its descendants. */
export function processTree(pid: number): number[] {
  const all: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift()!;
    all.push(p);
    queue.push(...childPids(p));
  }
  return all;
}

/** Pids of processes whose comm is exactly this (e.g. the kernel's kauditd thread). */
export function pidsByComm(comm: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (procStat(Number(name))?.comm === comm) out.push(Number(name));
  }
  return out;
}

/** Sum of the CPU ticks of these processes (gone ones count 0). */
export function cpuTicksOf(pids: number[]): number {
  return pids.reduce((sum, p) => sum + (procStat(p)?.cpuTicks ?? 0), 0);
}
