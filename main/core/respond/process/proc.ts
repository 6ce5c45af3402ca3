// Reading /proc for process actions: identity (pid + start time), state, parent, kernel-thread flag.
// Entity ids are `${pid}-${ticks}`: ticks = start time in 10 ms units since boot, which is /proc/PID/stat
// field 22 as is (CLK_TCK is 100 on every Linux Mamori targets; see sensors/process/process-table.ts).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { commandLine } from '../../sensors/process/index.js';
import { ProcessControlError } from './errors.js';

const PF_KTHREAD = 0x00200000;

export interface ProcStat {
  pid: number;
  ticks: number;
  /** R, S, D, T (stopped), t (traced), Z (zombie), X, I ... */
  state: string;
  ppid: number;
  pgrp: number;
  kernelThread: boolean;
}

export interface EntityRef {
  entityId: string;
  pid: number;
  ticks: number;
}

export const entityOf = (p: { pid: number; ticks: number }): string => `${p.pid}-${p.ticks}`;

/** PID-TICKS -> pid and ticks. Ids made without a start time (PID-tTICKS) cannot be verified: refused. */
export function parseEntityId(entityId: string): EntityRef {
  const m = /^(\d{1,10})-(t?)(\d{1,15})$/.exec(entityId);
  const pid = m ? Number(m[1]) : NaN;
  if (!m || pid < 1 || pid > 0x7fffffff) {
    throw new ProcessControlError('INVALID_ENTITY_ID', `"${entityId}" is not a process id Mamori understands (expected PID-TICKS).`, entityId);
  }
  if (m[2]) {
    throw new ProcessControlError('ENTITY_UNVERIFIABLE',
      `Process ${entityId} was recorded without its start time, so Mamori cannot prove that pid ${pid} is still the same program; nothing was done.`, entityId);
  }
  return { entityId, pid, ticks: Number(m[3]) };
}

export function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' '); // comm may hold spaces and ')'; f[0] is field 3
  if (f.length < 20) return null;
  return {
    pid, state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]),
    kernelThread: (Number(f[6]) & PF_KTHREAD) !== 0, ticks: Number(f[19]),
  };
}

/** Exited (zombie or being released), or the pid now holds someone else: nothing of this entity runs. */
export function isGone(ref: { pid: number; ticks: number }): boolean {
  const s = readStat(ref.pid);
  return !s || s.ticks !== ref.ticks || s.state === 'Z' || s.state === 'X';
}

/** Every process now: pid -> stat. */
export function snapshot(): Map<number, ProcStat> {
  const all = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const s = readStat(Number(name));
    if (s) all.set(s.pid, s);
  }
  return all;
}

/** The descendants of root in this snapshot, parents before children. A child cannot have started before
 * its parent, so a process whose ppid names a pid that was reused since is not taken for a child. */
export function descendants(snap: Map<number, ProcStat>, root: ProcStat): ProcStat[] {
  if (snap.get(root.pid)?.ticks !== root.ticks) return []; // the root exited: its children went to init
  const children = new Map<number, ProcStat[]>();
  for (const p of snap.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const out: ProcStat[] = [];
  const queue = [root];
  const seen = new Set<number>([root.pid]);
  for (let i = 0; i < queue.length; i++) {
    const parent = queue[i]!;
    for (const c of children.get(parent.pid) ?? []) {
      if (seen.has(c.pid) || c.ticks < parent.ticks) continue;
      seen.add(c.pid);
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** What to show the user and record: the image and command line, read before the process is touched. */
export function describeProcess(p: { pid: number; ticks: number }): { executable: string | null; commandLine: string | null } {
  let executable: string | null = null;
  let cmd: string | null = null;
  try { executable = readlinkSync(`/proc/${p.pid}/exe`); } catch { /* gone, kernel thread, or not allowed */ }
  try {
    const args = readFileSync(`/proc/${p.pid}/cmdline`, 'latin1').split('\0');
    if (args.at(-1) === '') args.pop();
    cmd = args.length ? commandLine(args) : null;
  } catch { /* gone */ }
  // Read after the pid may have changed hands: only keep what belonged to this very process.
  if (readStat(p.pid)?.ticks !== p.ticks) return { executable: null, commandLine: null };
  return { executable, commandLine: cmd };
}
