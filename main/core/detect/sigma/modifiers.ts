// One Sigma detection item (`Field|mod1|mod2: values`) compiled into a predicate over an event view.
// Sigma 2.x modifiers: comparison (contains, startswith, endswith, all, exists, cased, neq, re with i/m/s,
// cidr, lt/lte/gt/gte, fieldref, expand), encodings (base64, base64offset, utf16le, utf16be, utf16, wide,
// windash) and time parts (minute, hour, day, week, month, year).
// String matching is case-insensitive unless `cased`; `*` and `?` are wildcards, `\` escapes them.
import { fail } from './errors.js';
import { LiteralSet, regexMinLength } from './prefilter.js';

export type Scalar = string | number | boolean | null;
/** What a field holds on an event: absent (undefined), a scalar, or a list (process args) of which any may match. */
export type FieldValue = Scalar | undefined | readonly Scalar[];

export interface FieldReader {
  /** The raw value of a Sigma field on this event (after the field mapping). */
  get(field: string): FieldValue;
  /** Lower-cased string form of the field, computed once per event. */
  lower(field: string): string | null;
}

export type Check = (r: FieldReader) => boolean;

const KNOWN = new Set([
  'contains', 'startswith', 'endswith', 'all', 'exists', 'cased', 'neq', 're', 'i', 'm', 's', 'cidr', 'lt', 'lte', 'gt', 'gte',
  'fieldref', 'expand', 'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide', 'windash',
  'minute', 'hour', 'day', 'week', 'month', 'year',
]);
const TIME_PARTS = new Set(['minute', 'hour', 'day', 'week', 'month', 'year']);
const NUMERIC = new Set(['lt', 'lte', 'gt', 'gte']);

export interface ItemOptions {
  /** Values for `expand` placeholders (%name%), from Mamori's configuration. */
  placeholders?: Readonly<Record<string, readonly string[]>>;
}

/** Compiles `field|mods: values` into one check. `values` is the YAML value: a scalar or a list. */
export function compileItem(field: string, mods: string[], raw: unknown, o: ItemOptions = {}): Check {
  for (const m of mods) if (!KNOWN.has(m)) fail('UNKNOWN_MODIFIER', `${field}: unknown modifier "${m}"`);
  let values = (Array.isArray(raw) ? raw : [raw]) as unknown[];
  for (const v of values) {
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) fail('BAD_VALUE', `${field}: values must be strings, numbers, booleans or null`);
  }
  const has = (m: string) => mods.includes(m);
  const all = has('all');

  if (has('exists')) {
    if (mods.length !== 1 || values.length !== 1 || typeof values[0] !== 'boolean') fail('BAD_MODIFIER', `${field}|exists takes exactly true or false`);
    const want = values[0] as boolean;
    return (r) => isPresent(r.get(field)) === want;
  }
  if (has('expand')) values = expand(field, values, o.placeholders ?? {});
  if (!values.length) fail('BAD_VALUE', `${field}: no values`);

  let checks: Check[];
  if (has('re')) checks = values.map((v) => regexCheck(field, v, mods));
  else if (has('cidr')) checks = values.map((v) => cidrCheck(field, v));
  else if (mods.some((m) => NUMERIC.has(m))) checks = values.map((v) => numericCheck(field, v, mods));
  else if (has('fieldref')) checks = values.map((v) => fieldrefCheck(field, v, mods));
  else checks = stringChecks(field, values, mods);

  const joined: Check = checks.length === 1 ? checks[0]!
    : all ? (r) => { for (const c of checks) if (!c(r)) return false; return true; }
      : (r) => { for (const c of checks) if (c(r)) return true; return false; };
  return has('neq') ? (r) => isPresent(r.get(field)) && !joined(r) : joined;
}

function isPresent(v: FieldValue): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
}

const scalars = (v: FieldValue): readonly Scalar[] => (v === undefined ? [] : Array.isArray(v) ? v : [v as Scalar]);

// ---- strings: wildcards, case, contains/startswith/endswith, encodings ----------------------------------

/** A Sigma string: `*` any run, `?` one character, `\*` `\?` `\\` literal; other backslashes are literal. */
function parseWildcards(s: string): { parts: (string | '*' | '?')[] } {
  const parts: (string | '*' | '?')[] = [];
  let lit = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && (s[i + 1] === '*' || s[i + 1] === '?' || s[i + 1] === '\\')) { lit += s[++i]; continue; }
    if (c === '*' || c === '?') { if (lit) parts.push(lit); lit = ''; parts.push(c); continue; }
    lit += c;
  }
  if (lit) parts.push(lit);
  return { parts };
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function stringChecks(field: string, values: unknown[], mods: string[]): Check[] {
  const cased = mods.includes('cased');
  const timePart = mods.find((m) => TIME_PARTS.has(m));
  let strs: string[] = [];
  for (const v of values) {
    if (v === null) return [(r) => !isPresent(r.get(field)) || r.get(field) === ''];
    strs.push(String(v));
  }
  if (timePart) return strs.map((s) => timeCheck(field, timePart, s));
  // Encodings, in the order written (utf16 before base64 decides the bytes that are encoded).
  let bytes: Buffer[] | null = null;
  for (const m of mods) {
    if (m === 'windash') strs = strs.flatMap(windash);
    else if (m === 'utf16le' || m === 'wide' || m === 'utf16be' || m === 'utf16') bytes = strs.map((s) => utf16(s, m));
    else if (m === 'base64' || m === 'base64offset') {
      const src = bytes ?? strs.map((s) => Buffer.from(s, 'utf8'));
      strs = m === 'base64' ? src.map((b) => b.toString('base64')) : src.flatMap(base64Offsets);
      bytes = null;
    }
  }
  if (bytes) fail('BAD_MODIFIER', `${field}: ${mods.join('|')}: utf16/wide must be followed by base64 or base64offset`);
  const mode = mods.includes('contains') ? 'contains' : mods.includes('startswith') ? 'startswith' : mods.includes('endswith') ? 'endswith' : 'equals';
  // base64offset yields fragments: they only make sense as contains.
  const how = mods.includes('base64offset') && mode === 'equals' ? 'contains' : mode;
  // Any-of plain values: one check reads the field once and tries them all (a set for equality), instead of
  // one check per value each reading the field. (`all` keeps one check per value: on a list field each value
  // may sit in a different item.)
  const plain = mods.includes('all') ? [] : strs.filter((s) => !parseWildcards(s).parts.some((p) => p === '*' || p === '?'));
  const rest = strs.filter((s) => !plain.includes(s));
  return [...(plain.length > 1 ? [anyLiteralCheck(field, plain.map((s) => parseWildcards(s).parts.join('')), how, cased)] : plain.length ? [patternCheck(field, plain[0]!, how, cased)] : []),
    ...rest.map((s) => patternCheck(field, s, how, cased))];
}

const MODES = ['contains', 'startswith', 'endswith'] as const;

/**
 * Plain text items (no wildcard, no case, no encoding, no regex): how the field's lower-cased text is tested,
 * for rules compiled to one function (compiled.ts). The reading of stringChecks below for that case: any of
 * the values (escapes resolved), or all of them with `all`.
 */
export function plainItem(mods: readonly string[], raw: unknown): { how: 'contains' | 'startswith' | 'endswith' | 'equals'; literals: string[]; all: boolean } | null {
  const modes = mods.filter((m) => (MODES as readonly string[]).includes(m));
  if (modes.length > 1 || mods.some((m) => m !== 'all' && !modes.includes(m))) return null;
  const values = Array.isArray(raw) ? raw : [raw];
  if (!values.length) return null;
  const literals: string[] = [];
  for (const v of values) {
    if (typeof v !== 'string' && typeof v !== 'number') return null;
    const { parts } = parseWildcards(String(v));
    if (parts.some((p) => p === '*' || p === '?')) return null; // wildcards: the general check
    literals.push(parts.join('').toLowerCase());
  }
  return { how: (modes[0] as 'contains' | 'startswith' | 'endswith' | undefined) ?? 'equals', literals, all: mods.includes('all') };
}

/** From this many `contains` literals on, one automaton pass beats a search per literal. */
export const MANY_LITERALS = 6;
/** The automaton lumps non-ASCII characters together: fine for a prefilter, not for a verdict. */
export const isAscii = (l: string) => { for (let i = 0; i < l.length; i++) if (l.charCodeAt(i) > 127) return false; return true; };

/** Whether the field equals / contains / starts with / ends with any of these literals. */
function anyLiteralCheck(field: string, literals: string[], mode: 'contains' | 'startswith' | 'endswith' | 'equals', cased: boolean): Check {
  const lits = cased ? literals : literals.map((l) => l.toLowerCase());
  if (mode === 'equals') {
    const set = new Set(lits);
    return (r) => someString(r, field, !cased, (s) => set.has(s));
  }
  // Many substrings: one automaton pass over the text instead of one search per literal. (ASCII only: the
  // automaton lumps other characters together, which is fine for a prefilter but not for a verdict.)
  const set = mode === 'contains' && lits.length >= MANY_LITERALS && lits.every(isAscii) ? new LiteralSet(lits.map((literal, id) => ({ literal, id }))) : null;
  const test = set ? (s: string) => set.test(s)
    : mode === 'contains' ? (s: string) => { for (const l of lits) if (s.includes(l)) return true; return false; }
    : mode === 'startswith' ? (s: string) => { for (const l of lits) if (s.startsWith(l)) return true; return false; }
      : (s: string) => { for (const l of lits) if (s.endsWith(l)) return true; return false; };
  return (r) => someString(r, field, !cased, test);
}

function patternCheck(field: string, value: string, mode: 'contains' | 'startswith' | 'endswith' | 'equals', cased: boolean): Check {
  const { parts } = parseWildcards(value);
  const wild = parts.some((p) => p === '*' || p === '?');
  if (!wild) {
    const lit = cased ? parts.join('') : parts.join('').toLowerCase();
    const test = mode === 'contains' ? (s: string) => s.includes(lit)
      : mode === 'startswith' ? (s: string) => s.startsWith(lit)
        : mode === 'endswith' ? (s: string) => s.endsWith(lit) : (s: string) => s === lit;
    return (r) => someString(r, field, !cased, test);
  }
  // Anchors only where the pattern is pinned, and no leading/trailing `.*`: nested `.*` backtrack badly.
  let anchorStart = mode === 'equals' || mode === 'startswith';
  let anchorEnd = mode === 'equals' || mode === 'endswith';
  const body = parts.filter((p, i) => !(p === '*' && parts[i - 1] === '*'));
  while (body[0] === '*') { body.shift(); anchorStart = false; }
  while (body[body.length - 1] === '*') { body.pop(); anchorEnd = false; }
  const src = body.map((p) => (p === '*' ? '[\\s\\S]*?' : p === '?' ? '[\\s\\S]' : reEscape(p))).join('');
  const re = new RegExp(`${anchorStart ? '^' : ''}${src}${anchorEnd ? '$' : ''}`, cased ? 'u' : 'iu');
  const test = (s: string) => re.test(s);
  return (r) => someString(r, field, false, test);
}

/** Whether any string value of the field (lower-cased when asked) passes `test`; no arrays for scalar fields. */
function someString(r: FieldReader, field: string, lower: boolean, test: (s: string) => boolean): boolean {
  if (lower) { const l = r.lower(field); if (l !== null) return test(l); } // the common case: one read
  const v = r.get(field);
  if (v === undefined || v === null) return false;
  if (!Array.isArray(v)) return !lower && test(String(v)); // (lower-cased scalars were tried above)
  for (const x of v as readonly Scalar[]) {
    if (x !== null && test(lower ? String(x).toLowerCase() : String(x))) return true;
  }
  return false;
}

function readStrings(v: FieldValue): string[] {
  const out: string[] = [];
  for (const x of scalars(v)) if (x !== null) out.push(String(x));
  return out;
}

function lowerStrings(r: FieldReader, field: string): string[] {
  const v = r.get(field);
  if (Array.isArray(v)) return readStrings(v).map((s) => s.toLowerCase());
  const l = r.lower(field);
  return l === null ? [] : [l];
}

/** `-` or `/` at the start of a word, in each of the forms Windows tools accept (Sigma 2: five dashes). */
function windash(s: string): string[] {
  if (!/(^|\s)[-/–—―]/u.test(s)) return [s];
  return ['-', '/', '–', '—', '―'].map((d) => s.replace(/(^|\s)[-/–—―]/gu, `$1${d}`));
}

function utf16(s: string, m: string): Buffer {
  const le = Buffer.from(s, 'utf16le');
  if (m === 'utf16le' || m === 'wide') return le;
  const be = Buffer.from(le);
  be.swap16();
  return m === 'utf16be' ? be : Buffer.concat([Buffer.from([0xff, 0xfe]), le]); // utf16: with its byte order mark
}

/** The three base64 renderings of `b` at byte offsets 0, 1, 2 in a longer stream, minus the unstable edges. */
function base64Offsets(b: Buffer): string[] {
  const starts = [0, 2, 3];
  const ends = [0, -3, -2];
  return [0, 1, 2].map((i) => {
    const enc = Buffer.concat([Buffer.alloc(i), b]).toString('base64');
    const endCut = ends[(b.length + i) % 3]!;
    return enc.slice(starts[i], endCut === 0 ? undefined : endCut);
  });
}

function expand(field: string, values: unknown[], placeholders: Readonly<Record<string, readonly string[]>>): unknown[] {
  return values.flatMap((v) => {
    if (typeof v !== 'string') return [v];
    const m = /%([A-Za-z0-9_.-]+)%/.exec(v);
    if (!m) return [v];
    const subs = placeholders[m[1]!];
    if (!subs) return fail('BAD_VALUE', `${field}|expand: placeholder %${m[1]}% has no value in Mamori's configuration`);
    return subs.map((s) => v.replace(m[0], s));
  });
}

// ---- regular expressions ----------------------------------------------------------------------------------

function regexCheck(field: string, v: unknown, mods: string[]): Check {
  if (typeof v !== 'string') return fail('BAD_VALUE', `${field}|re: the value must be a string`);
  let src = v;
  let flags = 'u';
  // PCRE-style leading inline flags, common in Sigma rules: (?i) (?s) (?m) and combinations.
  const inline = /^\(\?([imsx]+)\)/.exec(src);
  if (inline) {
    if (inline[1]!.includes('x')) return fail('BAD_MODIFIER', `${field}|re: the (?x) flag is not supported`);
    flags += inline[1];
    src = src.slice(inline[0].length);
  }
  for (const f of ['i', 'm', 's']) if (mods.includes(f) && !flags.includes(f)) flags += f;
  let re: RegExp;
  try {
    re = new RegExp(src, flags);
  } catch (err) {
    try {
      re = new RegExp(src, flags.replace('u', '')); // PCRE allows escapes that unicode mode rejects (\-, \/ ...)
    } catch {
      return fail('BAD_VALUE', `${field}|re: ${(err as Error).message}`);
    }
  }
  const min = regexMinLength(src);
  const test = min > 0 ? (s: string) => s.length >= min && re.test(s) : (s: string) => re.test(s);
  return (r) => someString(r, field, false, test);
}

// ---- numbers, addresses, times, other fields -----------------------------------------------------------

function numericCheck(field: string, v: unknown, mods: string[]): Check {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return fail('BAD_VALUE', `${field}|${mods.join('|')}: needs a number, got ${JSON.stringify(v)}`);
  const op = mods.find((m) => NUMERIC.has(m))!;
  const cmp = op === 'lt' ? (x: number) => x < n : op === 'lte' ? (x: number) => x <= n : op === 'gt' ? (x: number) => x > n : (x: number) => x >= n;
  return (r) => scalars(r.get(field)).some((x) => {
    const num = typeof x === 'number' ? x : typeof x === 'string' && x.trim() !== '' ? Number(x) : NaN;
    return Number.isFinite(num) && cmp(num);
  });
}

interface Cidr { v6: boolean; net: bigint; mask: bigint }

function parseIp(s: string): { v6: boolean; n: bigint } | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const o = v4.slice(1).map(Number);
    if (o.some((x) => x > 255)) return null;
    return { v6: false, n: BigInt(((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!) };
  }
  if (!s.includes(':')) return null;
  let text = s.replace(/%.*$/, '');
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text); // ::ffff:1.2.3.4
  if (tail) {
    const four = parseIp(tail[1]!);
    if (!four) return null;
    text = text.slice(0, -tail[1]!.length) + `${(four.n >> 16n).toString(16)}:${(four.n & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    n = (n << 16n) + BigInt(parseInt(g, 16));
  }
  return { v6: true, n };
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address for matching. */
function normalizeIp(ip: { v6: boolean; n: bigint }): { v6: boolean; n: bigint } {
  return ip.v6 && ip.n >> 32n === 0xffffn ? { v6: false, n: ip.n & 0xffffffffn } : ip;
}

function cidrCheck(field: string, v: unknown): Check {
  const m = typeof v === 'string' ? /^([^/]+)(?:\/(\d{1,3}))?$/.exec(v.trim()) : null;
  const ip = m ? parseIp(m[1]!) : null;
  if (!m || !ip) return fail('BAD_VALUE', `${field}|cidr: ${JSON.stringify(v)} is not an IPv4 or IPv6 network`);
  const bits = ip.v6 ? 128 : 32;
  const len = m[2] === undefined ? bits : Number(m[2]);
  if (len > bits) return fail('BAD_VALUE', `${field}|cidr: prefix /${len} is too long`);
  const full = (1n << BigInt(bits)) - 1n;
  const mask = len === 0 ? 0n : (full >> BigInt(bits - len)) << BigInt(bits - len);
  const net: Cidr = { v6: ip.v6, net: ip.n & mask, mask };
  return (r) => readStrings(r.get(field)).some((s) => {
    const a = parseIp(s);
    if (!a) return false;
    const x = net.v6 ? a : normalizeIp(a);
    return x.v6 === net.v6 && (x.n & net.mask) === net.net;
  });
}

function timeCheck(field: string, part: string, v: string): Check {
  const want = Number(v);
  if (!Number.isInteger(want)) return fail('BAD_VALUE', `${field}|${part}: needs a whole number, got ${JSON.stringify(v)}`);
  return (r) => readStrings(r.get(field)).some((s) => {
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) return false;
    const got = part === 'minute' ? d.getUTCMinutes() : part === 'hour' ? d.getUTCHours() : part === 'day' ? d.getUTCDate()
      : part === 'month' ? d.getUTCMonth() + 1 : part === 'year' ? d.getUTCFullYear() : isoWeek(d);
    return got === want;
  });
}

function isoWeek(d: Date): number {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  t.setUTCDate(t.getUTCDate() + 4 - (t.getUTCDay() || 7));
  return Math.ceil(((t.getTime() - Date.UTC(t.getUTCFullYear(), 0, 1)) / 86_400_000 + 1) / 7);
}

function fieldrefCheck(field: string, v: unknown, mods: string[]): Check {
  if (typeof v !== 'string' || !v) return fail('BAD_VALUE', `${field}|fieldref: the value must name another field`);
  const cased = mods.includes('cased');
  const mode = mods.includes('contains') ? 'contains' : mods.includes('startswith') ? 'startswith' : mods.includes('endswith') ? 'endswith' : 'equals';
  return (r) => {
    const others = cased ? readStrings(r.get(v)) : lowerStrings(r, v);
    const mine = cased ? readStrings(r.get(field)) : lowerStrings(r, field);
    return others.some((o) => mine.some((s) => (mode === 'contains' ? s.includes(o) : mode === 'startswith' ? s.startsWith(o)
      : mode === 'endswith' ? s.endsWith(o) : s === o)));
  };
}
