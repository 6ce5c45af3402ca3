// Exceptions: what the user said is fine. An alert an exception matches is not raised and not acted on.
// The same function decides for a new alert and for the preview over past alerts, so the preview shows
// exactly what the exception will suppress.
import { readFileSync } from 'node:fs';
import type { Alert, ResponseException } from '../../../preload/contract/index.js';

/** What an exception looks at: fields every alert has, whether stored or about to be. */
export type ExceptionSubject = Pick<Alert, 'ruleId' | 'file' | 'process'>;

/** Paths a Debian package installed (from dpkg's lists); null when the package is not installed. */
export type PackageFiles = (pkg: string) => ReadonlySet<string> | null;

export function exceptionMatches(ex: Pick<ResponseException, 'kind' | 'value'>, a: ExceptionSubject, packageFiles: PackageFiles = dpkgFiles): boolean {
  const paths = [a.file?.path, a.process?.executable].filter((x): x is string => !!x);
  switch (ex.kind) {
    case 'rule': return a.ruleId === ex.value;
    case 'hash': return !!a.file?.sha256 && a.file.sha256.toLowerCase() === ex.value.trim().toLowerCase();
    case 'path': { const re = globRegex(ex.value, true); return paths.some((p) => re.test(p)); }
    case 'commandLine': return !!a.process?.command_line && globRegex(ex.value, false).test(a.process.command_line);
    case 'package': { const files = packageFiles(ex.value.trim()); return !!files && paths.some((p) => files.has(p)); }
  }
}

/** Checks an exception before it is saved: a clear message, or null when it is usable. */
export function exceptionProblem(ex: Pick<ResponseException, 'kind' | 'value'>): string | null {
  const v = ex.value.trim();
  if (!v) return 'the value is empty';
  if (ex.kind === 'hash' && !/^[0-9a-fA-F]{64}$/.test(v)) return 'a hash exception takes a SHA-256: 64 hexadecimal characters';
  if (ex.kind === 'path' && !v.startsWith('/')) return 'a path exception starts with / (use * and ** for parts of it)';
  if (ex.kind === 'path' && /^\/\*\*?$/.test(v)) return 'this would match every file: name a folder or a file';
  if (ex.kind === 'commandLine' && /^\**$/.test(v)) return 'this would match every command line';
  if (ex.kind === 'package' && !/^[a-z0-9][a-z0-9+.-]+$/.test(v)) return 'a Debian package name is lower-case letters, digits, + - and .';
  return null;
}

const globs = new Map<string, RegExp>();

/** `*` any run (within one folder for paths), `**` any run across folders, `?` one character; whole value, case-sensitive. */
function globRegex(glob: string, isPath: boolean): RegExp {
  const key = `${isPath ? 'p' : 'c'}${glob}`;
  let re = globs.get(key);
  if (!re) {
    let src = '';
    for (let i = 0; i < glob.length; i++) {
      const c = glob[i]!;
      if (c === '*' && glob[i + 1] === '*') { src += '.*'; i++; continue; }
      if (c === '*') { src += isPath ? '[^/]*' : '.*'; continue; }
      if (c === '?') { src += isPath ? '[^/]' : '.'; continue; }
      src += c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
    }
    re = new RegExp(`^${src}$`, 's');
    if (globs.size > 1000) globs.clear();
    globs.set(key, re);
  }
  return re;
}

const dpkgCache = new Map<string, { at: number; files: ReadonlySet<string> | null }>();

/** dpkg's file list of a package (plain or multi-arch name), cached for a minute. */
export function dpkgFiles(pkg: string): ReadonlySet<string> | null {
  if (!/^[a-z0-9][a-z0-9+.-]+$/.test(pkg)) return null;
  const hit = dpkgCache.get(pkg);
  if (hit && Date.now() - hit.at < 60_000) return hit.files;
  let files: Set<string> | null = null;
  for (const name of [pkg, `${pkg}:amd64`, `${pkg}:arm64`, `${pkg}:i386`, `${pkg}:all`]) {
    try {
      const text = readFileSync(`/var/lib/dpkg/info/${name}.list`, 'utf8');
      files ??= new Set();
      for (const line of text.split('\n')) if (line) files.add(line);
    } catch { /* not this name */ }
  }
  dpkgCache.set(pkg, { at: Date.now(), files });
  return files;
}
