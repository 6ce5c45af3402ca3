// What a process loaded: shared objects from /proc/PID/maps, loader variables from its environment, and
// /etc/ld.so.preload. Read shortly after exec (the dynamic loader maps libraries after the exec event).
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

const LOADER_VARS = ['LD_PRELOAD=', 'LD_LIBRARY_PATH=', 'LD_AUDIT='];
const SYSTEM_LIB_DIRS = ['/usr/lib/', '/lib/', '/usr/lib64/', '/lib64/', '/usr/local/lib/', '/snap/', '/nix/store/', '/opt/'];

/** The loader-relevant entries of an environment ("NAME=value" strings), in their order. */
export function loaderVars(entries: readonly string[]): string[] {
  return entries.filter((v) => LOADER_VARS.some((p) => v.startsWith(p)));
}

// One buffer reused for every /proc/PID/environ read: most environments fit, bigger ones grow it once.
let environBuf = Buffer.allocUnsafe(64 * 1024);
const LD = Buffer.from('LD_');

/** LD_PRELOAD / LD_LIBRARY_PATH / LD_AUDIT from /proc/PID/environ; null when it cannot be read (gone, not ours).
 *  Only the entries that start with "LD_" are decoded: the rest of the environment is never turned into strings. */
export function readLoaderEnv(pid: number): string[] | null {
  let fd: number;
  try { fd = openSync(`/proc/${pid}/environ`, 'r'); } catch { return null; }
  let len = 0;
  try {
    for (;;) {
      if (len === environBuf.length) { const bigger = Buffer.allocUnsafe(environBuf.length * 2); environBuf.copy(bigger); environBuf = bigger; }
      const n = readSync(fd, environBuf, len, environBuf.length - len, null);
      if (n === 0) break;
      len += n;
    }
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
  const out: string[] = [];
  for (let at = environBuf.indexOf(LD, 0); at >= 0 && at < len; at = environBuf.indexOf(LD, at + 1)) {
    if (at > 0 && environBuf[at - 1] !== 0) continue; // "LD_" inside another entry
    let end = environBuf.indexOf(0, at);
    if (end < 0 || end > len) end = len;
    const entry = environBuf.toString('latin1', at, end);
    if (LOADER_VARS.some((p) => entry.startsWith(p))) out.push(entry);
    at = end;
  }
  return out;
}

/** The loader variables of a running process ([] when it cannot be read). */
export function loaderEnv(pid: number): string[] {
  return readLoaderEnv(pid) ?? [];
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
