// What a process loaded: shared objects from /proc/PID/maps, loader variables from its environment, and
// /etc/ld.so.preload. Read shortly after exec (the dynamic loader maps libraries after the exec event).
import { readFileSync } from 'node:fs';

const LOADER_VARS = ['LD_PRELOAD=', 'LD_LIBRARY_PATH=', 'LD_AUDIT='];
const SYSTEM_LIB_DIRS = ['/usr/lib/', '/lib/', '/usr/lib64/', '/lib64/', '/usr/local/lib/', '/snap/', '/nix/store/', '/opt/'];

export function loaderEnv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter((v) => LOADER_VARS.some((p) => v.startsWith(p)));
  } catch {
    return []; // gone, or not ours to read
  }
}

export interface MappedLibraries { libraries: string[]; unusual: string[] }

/** File-backed shared objects mapped into the process; the unusual ones flagged. null when it is gone. */
export function mappedLibraries(pid: number, executable: string | null): MappedLibraries | null {
  let maps: string;
  try { maps = readFileSync(`/proc/${pid}/maps`, 'latin1'); } catch { return null; }
  const seen = new Set<string>();
  for (const line of maps.split('\n')) {
    // address perms offset dev inode pathname (the pathname may contain spaces)
    const m = /^\S+ (\S{4}) \S+ \S+ (\d+)\s+(.+)$/.exec(line);
    if (!m || m[2] === '0') continue;
    const path = m[3]!;
    if (path === executable || !(/\.so(\.|$| )/.test(path) || path.startsWith('/memfd:') || path.endsWith(' (deleted)'))) continue;
    seen.add(path);
  }
  const libraries = [...seen].sort();
  const unusual = libraries.filter((p) => p.startsWith('/memfd:') || p.endsWith(' (deleted)') || !SYSTEM_LIB_DIRS.some((d) => p.startsWith(d)));
  return { libraries, unusual };
}

let preloadCache: { at: number; entries: string[] } | null = null;

/** /etc/ld.so.preload entries (re-read at most every 10 s). Rarely legitimate: a classic rootkit trick. */
export function ldSoPreload(now = Date.now()): string[] {
  if (preloadCache && now - preloadCache.at < 10_000) return preloadCache.entries;
  let entries: string[] = [];
  try {
    entries = readFileSync('/etc/ld.so.preload', 'utf8').split(/\s+/).filter((e) => e && !e.startsWith('#'));
  } catch { /* absent: the normal case */ }
  preloadCache = { at: now, entries };
  return entries;
}
