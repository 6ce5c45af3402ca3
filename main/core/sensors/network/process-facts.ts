// What an event says about the process holding a socket, read from /proc the moment the socket is found.
// Entity ids are built exactly as the process sensor builds them, so both tiers' events land in one process tree.
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import type { NewEvent } from '../../store/index.js';
import { commandLine, entityId, readProcStat } from '../process/index.js';

type EcsProcess = NewEvent['process'];

interface Facts {
  entityId: string;
  executable: string | null;
  commandLine: string | null;
  args: string[] | null;
  comm: string | null;
  startNs: number | null;
  ppid: number | null;
}

/** CLOCK_BOOTTIME ns (what /proc start times count) -> wall clock. */
const bootWallMs = (() => {
  try { return Date.now() - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000; } catch { return null; }
})();

function read(pid: number, nowNs: number): Facts | null {
  const stat = readProcStat(pid);
  if (!stat) return null; // exited
  let args: string[] | null = null;
  let executable: string | null = null;
  let comm: string | null = null;
  try { args = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter((a, i, all) => a || i < all.length - 1); } catch { /* gone */ }
  try { executable = readlinkSync(`/proc/${pid}/exe`); } catch { /* kernel thread, gone, or not permitted */ }
  try { comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { /* gone */ }
  return {
    entityId: entityId(pid, stat.startNs, nowNs), executable, args: args?.length ? args : null,
    commandLine: args?.length ? commandLine(args) : null, comm, startNs: stat.startNs, ppid: stat.ppid,
  };
}

/** Reads each process at most once per poll: a server with 500 connections costs one /proc read. */
export class ProcessFacts {
  private readonly cache = new Map<number, Facts | null>();
  private readonly nowNs = Number(process.hrtime.bigint());

  private get(pid: number): Facts | null {
    if (!this.cache.has(pid)) this.cache.set(pid, read(pid, this.nowNs));
    return this.cache.get(pid)!;
  }

  /** The ECS process of `pid`, with its parent; null when it exited before it could be read. */
  ecs(pid: number): EcsProcess | null {
    const p = this.get(pid);
    if (!p) return null;
    const parent = p.ppid ? this.get(p.ppid) : null;
    return {
      entity_id: p.entityId, pid, name: p.executable ? basename(p.executable) : p.comm, executable: p.executable,
      command_line: p.commandLine, args: p.args,
      start: bootWallMs !== null && p.startNs !== null ? new Date(bootWallMs + p.startNs / 1e6).toISOString() : null,
      parent: p.ppid ? {
        entity_id: parent?.entityId ?? null, pid: p.ppid, executable: parent?.executable ?? null, command_line: parent?.commandLine ?? null,
      } : null,
    };
  }
}
