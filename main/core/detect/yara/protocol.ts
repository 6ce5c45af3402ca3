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
