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

  constructor(private readonly known: (pid: number) => ProcInfo | null) {}

  actor(pid: number, tsNs: number): Actor {
    const info = this.known(pid);
    if (info) return { process: fromInfo(info, this.known), uid: info.uid };
    const now = Date.now();
    const hit = this.cache.get(pid);
    if (hit && now - hit.at < KEEP_MS) return hit.actor;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    const actor = readProc(pid, tsNs);
    this.cache.set(pid, { at: now, actor });
    return actor;
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
