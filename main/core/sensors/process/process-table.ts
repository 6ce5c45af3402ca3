// What the sensor knows about each live process: identity (pid + start time), image, command line,
// parent. Fed by fork/exec/exit; processes that started before Mamori are read from /proc on demand.
import { readFileSync, readlinkSync } from 'node:fs';

export interface ProcInfo {
  entityId: string;
  pid: number;
  startNs: number | null;
  ppid: number | null;
  parentEntity: string | null;
  executable: string | null;
  commandLine: string | null;
  args: string[] | null;
  uid: number | null;
  exitedAt: number | null;
  /** process.start as ISO text, computed once for all the events of this process. */
  startIso?: string | null;
}

const TICK_NS = 10_000_000; // entity ids use 10 ms resolution: what /proc's clock ticks give (CLK_TCK=100)
const RECENT_EXITED_MAX = 5000;
// USER_HZ, what /proc/PID/stat counts start times in: 100 on every Linux architecture Mamori targets.
const CLK_TCK = 100;

/** pid + start time: a reused pid is a different entity. `t` marks an id made from the event time instead. */
export function entityId(pid: number, startNs: number | null, fallbackNs: number): string {
  return startNs !== null ? `${pid}-${Math.floor(startNs / TICK_NS)}` : `${pid}-t${Math.floor(fallbackNs / TICK_NS)}`;
}

/** A command line people can read and copy: arguments with spaces or quotes are quoted. */
export function commandLine(args: string[]): string {
  return args.map((a) => (a === '' ? "''" : /[\s'"\\$`]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a)).join(' ');
}

export function readProcStat(pid: number): { ppid: number; startNs: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const after = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // comm may contain spaces and ')'
    return { ppid: Number(after[1]), startNs: Math.round((Number(after[19]) * 1e9) / CLK_TCK) };
  } catch {
    return null;
  }
}

export class ProcessTable {
  private readonly live = new Map<number, ProcInfo>();
  /** Recently exited, by pid (the latest holder of each pid), oldest first: O(1) to add, evict and find. */
  private readonly exited = new Map<number, ProcInfo>();

  get(pid: number): ProcInfo | undefined {
    return this.live.get(pid);
  }

  /** The process now holding this pid; read from /proc if it started before we watched. */
  lookup(pid: number, nowNs: number): ProcInfo | null {
    const known = this.live.get(pid);
    if (known) return known;
    const stat = readProcStat(pid);
    if (!stat) return null;
    let args: string[] | null = null;
    let executable: string | null = null;
    try { args = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter((a, i, all) => a || i < all.length - 1); } catch { /* gone */ }
    try { executable = readlinkSync(`/proc/${pid}/exe`); } catch { /* kernel thread or gone */ }
    const info: ProcInfo = {
      entityId: entityId(pid, stat.startNs, nowNs), pid, startNs: stat.startNs, ppid: stat.ppid, parentEntity: null,
      executable, args: args?.length ? args : null, commandLine: args?.length ? commandLine(args) : null, uid: null, exitedAt: null,
    };
    this.live.set(pid, info);
    return info;
  }

  set(info: ProcInfo): void {
    this.live.set(info.pid, info);
  }

  /** Keeps the exited process findable a little longer (late events, children exiting after it). */
  exit(pid: number, atNs: number): ProcInfo | undefined {
    const info = this.live.get(pid);
    if (!info) return undefined;
    this.live.delete(pid);
    info.exitedAt = atNs;
    this.exited.delete(pid); // re-insert so the map's order stays oldest-exited first
    this.exited.set(pid, info);
    if (this.exited.size > RECENT_EXITED_MAX) this.exited.delete(this.exited.keys().next().value!);
    return info;
  }

  findExited(pid: number): ProcInfo | undefined {
    return this.exited.get(pid);
  }
}
