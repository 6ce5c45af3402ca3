// What /proc still tells about a process right after its exec, for the fields the helper did not capture in
// the kernel. Cheap when the process is already gone: the first failed read says so and the rest are skipped.
import { readlinkSync } from 'node:fs';
import { readLoaderEnv } from './libraries.js';

export interface ExecContext {
  cwd: string | null;
  /** LD_PRELOAD / LD_LIBRARY_PATH / LD_AUDIT entries ([] when none or unreadable). */
  env: string[];
  /** readlink /proc/PID/exe (the caller keeps it only when it says memfd or deleted). */
  exeLink: string | null;
}

export interface ExecContextWanted { cwd: boolean; env: boolean; exeLink: boolean }

/** Reads the wanted fields; `gone` when the process no longer has them (exited, or a zombie). */
export function readExecContext(pid: number, want: ExecContextWanted): ExecContext & { gone: boolean } {
  const out = { cwd: null as string | null, env: [] as string[], exeLink: null as string | null, gone: false };
  if (want.cwd) {
    try {
      out.cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch (err) {
      // ENOENT: exited (a zombie has no cwd either). Anything else (EACCES) is not a sign it is gone.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') { out.gone = true; return out; }
    }
  }
  if (want.env) {
    out.env = readLoaderEnv(pid) ?? [];
  }
  if (want.exeLink) {
    try { out.exeLink = readlinkSync(`/proc/${pid}/exe`); } catch { /* gone meanwhile */ }
  }
  return out;
}
