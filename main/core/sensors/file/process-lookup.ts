// Who did it: a file event's pid joined to the process sensor's table, else read once from /proc (and kept a
// few seconds, so a storm from one process costs one read).
import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { TelemetryEvent } from '../../../../preload/contract/index.js';
import { commandLine, entityId, readProcStat, type ProcInfo } from '../process/index.js';

export interface Actor {
  process: TelemetryEvent['process'];
  uid: number | null;
}

const KEEP_MS = 5000;
const MAX_CACHED = 4096;

export class ProcessLookup {
  private readonly cache = new Map<number, { at: number; actor: Actor }>();
  /** Entities whose table record was checked against /proc: entity id -> the executable found current. */
  private readonly current = new Map<string, string>();

  constructor(private readonly known: (pid: number) => ProcInfo | null) {}

  /**
   * `beforeExec`: asked while the process is being held at an exec (the exec guard): what /proc shows is the
   * program it is leaving, so it is not kept for the file events that follow.
   */
  actor(pid: number, tsNs: number, o: { beforeExec?: boolean } = {}): Actor {
    const info = this.known(pid);
    const behind = info !== null && this.behindExec(info);
    if (info && !behind) return { process: fromInfo(info, this.known), uid: info.uid };
    const now = Date.now();
    const hit = this.cache.get(pid);
    // A table behind an exec means the process changed program since anything was cached: read again.
    if (hit && !behind && !o.beforeExec && now - hit.at < KEEP_MS) return hit.actor;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    const actor = readProc(pid, tsNs);
    // Same process (pid + start time), only its exec is not in the table yet: keep the sensor's ids.
    if (info) actor.process = { ...actor.process, entity_id: info.entityId, parent: fromInfo(info, this.known).parent };
    if (!o.beforeExec) this.cache.set(pid, { at: now, actor });
    return actor;
  }

  /**
   * The file sensor can be ahead of the process sensor: a child forked by node writes right after its exec,
   * and the table still holds the fork (executable node). A live process whose /proc exe is another file
   * than the table's executable is re-read. (Compared by inode: the table keeps the path exec was given,
   * e.g. /bin/sh, where /proc names /usr/bin/dash.) A record found current is not checked again.
   */
  private behindExec(info: ProcInfo): boolean {
    if (info.exitedAt !== null || !info.executable) return false;
    if (this.current.get(info.entityId) === info.executable) return false;
    let running, recorded;
    try { running = statSync(`/proc/${info.pid}/exe`); } catch { return false; }
    try { recorded = statSync(info.executable); } catch { return true; }
    if (running.ino !== recorded.ino || running.dev !== recorded.dev) return true;
    if (this.current.size >= MAX_CACHED) this.current.clear();
    this.current.set(info.entityId, info.executable);
    return false;
  }
}

function fromInfo(p: ProcInfo, known: (pid: number) => ProcInfo | null): TelemetryEvent['process'] {
  const parent = p.ppid !== null ? known(p.ppid) : null;
  return {
    entity_id: p.entityId, pid: p.pid, name: p.executable ? basename(p.executable) : null, executable: p.executable,
    command_line: p.commandLine, args: p.args,
    parent: p.ppid === null ? null : {
      entity_id: p.parentEntity ?? parent?.entityId ?? null, pid: p.ppid, executable: parent?.executable ?? null,
      command_line: parent?.commandLine ?? null,
    },
  };
}

/** The process as /proc shows it now; only the pid when it is already gone. */
function readProc(pid: number, tsNs: number): Actor {
  const stat = readProcStat(pid);
  let args: string[] | null = null;
  let executable: string | null = null;
  let uid: number | null = null;
  try { args = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter((a, i, all) => a || i < all.length - 1); } catch { /* gone */ }
  try { executable = readlinkSync(`/proc/${pid}/exe`); } catch { /* gone or a kernel thread */ }
  try { uid = statSync(`/proc/${pid}`).uid; } catch { /* gone */ }
  if (!args?.length) args = null;
  return {
    uid,
    process: {
      entity_id: entityId(pid, stat?.startNs ?? null, tsNs), pid, name: executable ? basename(executable) : null, executable,
      command_line: args ? commandLine(args) : null, args,
      parent: stat ? { entity_id: null, pid: stat.ppid, executable: null, command_line: null } : null,
    },
  };
}
