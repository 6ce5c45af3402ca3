// The lines mamori-yara writes (native-helpers/PROTOCOL.md, "YARA scanning"), checked as they arrive:
// the helper is our own code, but a line we cannot make sense of must not throw inside a stream handler.

export const YARA_PROTOCOL_VERSION = 1;

export type MetaValue = string | number | boolean;

export interface YaraMatch {
  rule: string;
  /** The rule file's path relative to the rules folder it was found in (its file name for a file given directly). */
  namespace: string;
  tags: string[];
  meta: Record<string, MetaValue>;
}

export interface YaraCompileProblem {
  /** COMPILE (libyara rejected the file), ENOENT/EACCES/... (could not read it), NO_RULE_FILES, WARNING. */
  code: string;
  file: string;
  line: number;
  rule?: string;
  message: string;
}

export interface HelperLine {
  type: string;
  [field: string]: unknown;
}

export function parseLine(line: string): HelperLine | null {
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v === 'object' && v !== null && typeof (v as HelperLine).type === 'string') return v as HelperLine;
  } catch {
    // fall through
  }
  return null;
}

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

export function toProblem(m: HelperLine): YaraCompileProblem {
  const p: YaraCompileProblem = { code: str(m.code, 'COMPILE'), file: str(m.file), line: num(m.line), message: str(m.message) };
  if (typeof m.rule === 'string') p.rule = m.rule;
  return p;
}

export function toMatches(v: unknown): YaraMatch[] {
  if (!Array.isArray(v)) return [];
  return v.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null).map((m) => {
    const meta: Record<string, MetaValue> = {};
    if (typeof m.meta === 'object' && m.meta !== null) {
      for (const [k, val] of Object.entries(m.meta as Record<string, unknown>)) {
        if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean') meta[k] = val;
      }
    }
    return {
      rule: str(m.rule),
      namespace: str(m.namespace),
      tags: Array.isArray(m.tags) ? m.tags.filter((t): t is string => typeof t === 'string') : [],
      meta,
    };
  });
}

export { str as asString, num as asNumber };

/** A file found inside an archive or container by a deep scan (`{"type":"scan","deep":true}`). */
export interface DeepMember {
  /** Slash-joined path from the scanned file's name down: `outer.zip/inner.tar/clam.exe`. */
  path: string;
  size: number;
  sha256: string;
  md5: string;
  sha1: string;
  /** The member's name is absolute or climbs out with `..` (nothing is written to disk; worth telling). */
  suspiciousName: boolean;
  /** The member was itself opened as an archive or container (its members follow it). */
  container: boolean;
  matches: YaraMatch[];
}

export type DeepProblemCode =
  | 'BOMB_RATIO' | 'TOO_DEEP' | 'TOO_MANY_ENTRIES' | 'TOO_BIG' | 'TRUNCATED' | 'CORRUPT' | 'ENCRYPTED' | 'UNSUPPORTED'
  | 'TIMEOUT' | 'ENOMEM' | 'YARA_ERROR';

/** Why (part of) a container could not be looked into. */
export interface DeepProblem {
  path: string;
  code: DeepProblemCode | string;
  message: string;
}

const HEX = /^[0-9a-f]+$/;

export function toMembers(v: unknown): DeepMember[] {
  if (!Array.isArray(v)) return [];
  return v.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null && typeof m.path === 'string'
    && typeof m.sha256 === 'string' && HEX.test(m.sha256)).map((m) => ({
    path: m.path as string,
    size: num(m.size),
    sha256: m.sha256 as string,
    md5: str(m.md5),
    sha1: str(m.sha1),
    suspiciousName: m.suspicious_name === true,
    container: m.container === true,
    matches: toMatches(m.matches),
  }));
}

export function toDeepProblems(v: unknown): DeepProblem[] {
  if (!Array.isArray(v)) return [];
  return v.filter((p): p is Record<string, unknown> => typeof p === 'object' && p !== null)
    .map((p) => ({ path: str(p.path), code: str(p.code, 'CORRUPT'), message: str(p.message) }));
}
