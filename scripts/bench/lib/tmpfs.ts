// A private tmpfs for the files group: the only filesystem its cores mark and exec-guard (never / or a real
// disk). Unmounted at the end, on an error and on Ctrl-C (lib/cleanup.ts runs the hook before it removes paths).
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync, statSync } from 'node:fs';
import { onCleanup } from './cleanup.js';

export interface Tmpfs {
  /** The mount point (a real path: fanotify reports paths relative to it). */
  readonly path: string;
  /** Unmounts now (lazily when busy); idempotent. */
  unmount(): void;
}

/** Mounts a tmpfs of `sizeMb` on `dir` (created); throws with mount's message when it cannot. */
export function mountTmpfs(dir: string, sizeMb: number): Tmpfs {
  mkdirSync(dir, { recursive: true });
  const path = realpathSync(dir);
  const parentDev = statSync(path).dev;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0755`, 'mamori-bench', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount -t tmpfs on ${path} failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
  if (statSync(path).dev === parentDev) throw new Error(`${path} is not a new filesystem after mount`);
  const unmount = onCleanup(() => {
    const u = spawnSync('umount', [path], { encoding: 'utf8' });
    if (u.status !== 0) spawnSync('umount', ['-l', path]); // a process still inside: detach it now, freed when it leaves
  });
  return { path, unmount };
}
