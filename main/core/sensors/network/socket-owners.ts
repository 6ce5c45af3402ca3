// Which process holds a socket: every open socket is an fd symlink "socket:[INODE]" under /proc/PID/fd.
// One pass over /proc per poll, stopping as soon as every wanted inode is found.
import { readdirSync, readlinkSync } from 'node:fs';

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

export interface OwnerScan {
  /** inode -> the pid holding it (the lowest pid when several do: usually the process that opened it, before forking workers). */
  owners: Map<number, number>;
  /** Processes whose fds could not be read (exited meanwhile, or not permitted): their sockets stay unattributed. */
  unreadable: number;
  /** How many fd links were read: the cost of the scan. */
  linksRead: number;
}

function pids(procRoot: string): number[] {
  let names: string[];
  try { names = readdirSync(procRoot); } catch { return []; }
  const out: number[] = [];
  for (const n of names) if (/^\d+$/.test(n)) out.push(Number(n));
  return out.sort((a, b) => a - b);
}

/** Finds the holders of `wanted` socket inodes. Unreadable processes are skipped and counted, never thrown on. */
export function findSocketOwners(wanted: ReadonlySet<number>, procRoot = '/proc'): OwnerScan {
  const owners = new Map<number, number>();
  let unreadable = 0;
  let linksRead = 0;
  if (!wanted.size) return { owners, unreadable, linksRead };
  for (const pid of pids(procRoot)) {
    const dir = `${procRoot}/${pid}/fd`;
    let fds: string[];
    try { fds = readdirSync(dir); } catch { unreadable++; continue; }
    for (const fd of fds) {
      let link: string;
      try { link = readlinkSync(`${dir}/${fd}`); } catch { continue; } // closed meanwhile
      linksRead++;
      const m = SOCKET_LINK.exec(link);
      if (!m) continue;
      const inode = Number(m[1]);
      if (wanted.has(inode) && !owners.has(inode)) owners.set(inode, pid);
    }
    if (owners.size === wanted.size) break;
  }
  return { owners, unreadable, linksRead };
}
