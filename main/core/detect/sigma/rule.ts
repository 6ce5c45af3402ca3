// One Sigma rule document -> a validated, compiled rule: metadata, the logsource route, and a match
// function built once (detection items compiled by modifiers.ts, the condition by condition.ts).
import type { EventKind, Severity } from '../../../../preload/contract/index.js';
import { compileMatcher, type ItemShape, type SearchShape } from './compiled.js';
import { ConditionMatcher, indexTree, namesIn, parseCondition, type CondNode } from './condition.js';
import { fail, SigmaError } from './errors.js';
import { AUDIT_TYPE_OF, AUDIT_TYPES, COARSE_SOURCES, fieldSlot, REPEATING_SOURCES, routeOf, sourceOf, unsupportedReason, type EventFields, type LogsourceRoute } from './fields.js';
import { compileItem, type Check, type FieldReader, type ItemOptions } from './modifiers.js';
import { andAnchors, conditionAnchors, itemAnchors, orAnchors, type Anchors } from './prefilter.js';

export interface Explanation { title?: string; what: string; why: string; do: string }

export interface RuleMeta {
  id: string;
  /** Sigma 2 `name`: how correlation rules refer to it (else by id). */
  name: string | null;
  title: string;
  description: string;
  level: string;
  severity: Severity;
  status: string | null;
  tags: string[];
  /** ATT&CK technique ids from the tags (attack.t1059.004 -> T1059.004). */
  techniques: string[];
  falsepositives: string[];
  /** Mamori's own rules: plain-language text per language. */
  explain: { en?: Explanation; ja?: Explanation } | null;
}

export interface CompiledRule extends RuleMeta {
  route: LogsourceRoute;
  /** Literals that must occur for a match, as clauses (prefilter.ts); null: always run the rule. */
  anchors: Anchors;
  routeKey: string;
  /** The event kinds it can match (an auditd rule's record type rules out the others); null: all its route sees. */
  kinds: ReadonlySet<EventKind> | null;
  /** False: only feeds correlations (Sigma 2 `generate: false` on the correlation keeps it quiet). */
  generate: boolean;
  matches(fields: EventFields): boolean;
}

const LEVELS: Record<string, Severity> = {
  informational: 'informational', low: 'low', medium: 'medium', high: 'high', critical: 'critical',
};

export type Doc = Record<string, unknown>;

export const isMap = (x: unknown): x is Doc => x !== null && typeof x === 'object' && !Array.isArray(x);
const str = (x: unknown): string | null => (typeof x === 'string' && x.trim() ? x : null);
const strList = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : typeof x === 'string' ? [x] : []);

export function ruleMeta(doc: Doc, where: string): RuleMeta {
  const title = str(doc.title) ?? fail('NOT_A_RULE', `${where}: no title`);
  const id = str(doc.id) ?? fail('BAD_FIELD', `${where}: no id (Sigma rules need a UUID id)`);
  const level = (str(doc.level) ?? 'medium').toLowerCase();
  const severity = LEVELS[level] ?? fail('BAD_FIELD', `${where}: level "${String(doc.level)}" is not informational, low, medium, high or critical`);
  const tags = strList(doc.tags);
  const techniques = tags.map((t) => /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(t)?.[1]?.toUpperCase()).filter((t): t is string => !!t);
  const m = isMap(doc.mamori) ? doc.mamori : null;
  const explain = m && isMap(m.explain) ? readExplain(m.explain, where) : null;
  const sev = m ? str(m.severity) : null;
  return {
    id, name: str(doc.name), title, description: str(doc.description) ?? '', level,
    severity: sev ? (LEVELS[sev] ?? fail('BAD_FIELD', `${where}: mamori.severity "${sev}" is not a severity`)) : severity,
    status: str(doc.status), tags, techniques, falsepositives: strList(doc.falsepositives), explain,
  };
}

function readExplain(x: Doc, where: string): RuleMeta['explain'] {
  const out: NonNullable<RuleMeta['explain']> = {};
  for (const lang of ['en', 'ja'] as const) {
    const e = x[lang];
    if (e === undefined) continue;
    if (!isMap(e) || !str(e.what) || !str(e.why) || !str(e.do)) fail('BAD_FIELD', `${where}: mamori.explain.${lang} needs what, why and do`);
    const d = e as Doc;
    out[lang] = { what: String(d.what).trim(), why: String(d.why).trim(), do: String(d.do).trim(), ...(str(d.title) ? { title: String(d.title).trim() } : {}) };
  }
  return out;
}

/** Compiles a detection rule document (not a correlation). Throws SigmaError with a code. */
/** `interpret`: run the condition tree as it is, not compiled to one function (tests compare the two). */
export interface RuleOptions extends ItemOptions { interpret?: boolean }

export function compileRule(doc: Doc, where: string, o: RuleOptions = {}): CompiledRule & { note: string | null } {
  const meta = ruleMeta(doc, where);
  const ls = isMap(doc.logsource) ? doc.logsource : fail('NOT_A_RULE', `${where}: no logsource`);
  const lsFields = { product: str(ls.product) ?? undefined, category: str(ls.category) ?? undefined, service: str(ls.service) ?? undefined };
  const why = unsupportedReason(lsFields);
  if (why) fail('UNSUPPORTED_LOGSOURCE', why);
  const route = routeOf(lsFields)!;
  const det = isMap(doc.detection) ? doc.detection : fail('NOT_A_RULE', `${where}: no detection`);
  const conditionRaw = det.condition;
  const conditions = Array.isArray(conditionRaw) ? conditionRaw : [conditionRaw];
  if (conditionRaw === undefined || !conditions.length) fail('BAD_CONDITION', `${where}: the detection has no condition`);
  const identifiers = Object.keys(det).filter((k) => k !== 'condition' && k !== 'timeframe');
  const trees = conditions.map((c) => parseCondition(typeof c === 'string' ? c : fail('BAD_CONDITION', 'a condition must be text'), identifiers));
  const used = new Set<string>();
  for (const t of trees) namesIn(t, used);
  const searches = new Map<string, Search>();
  for (const name of used) searches.set(name, compileSearch(name, det[name], route, o));
  const impossible = auditImpossible(lsFields, searches);
  if (impossible && trees.every((t) => kleene(t, (n) => (impossible.has(n) ? false : null)) === false)) {
    fail('UNSUPPORTED_LOGSOURCE', `auditd record type ${[...impossible.values()].flat().join(', ')}: Mamori's sensors produce only ${[...AUDIT_TYPES].join(', ')}`);
  }
  const names = [...used];
  const anchors = orAnchors(trees.map((t) => conditionAnchors(t, (n) => searches.get(n)!.anchors)));
  const shapes = new Map([...searches].map(([n, s]) => [n, s.shape]));
  const compiled = o.interpret ? null : compileMatcher(trees, shapes, (field) => fieldSlot(route, field));
  const matcher = compiled ? null : new ConditionMatcher(trees.map((t) => indexTree(t, names)), names.map((n) => searches.get(n)!.check));
  return {
    ...meta, route, anchors, routeKey: lsFields.category ?? `service:${lsFields.service}`, kinds: auditKinds(lsFields, route, trees, searches), generate: true, matches: compiled ?? ((fields) => matcher!.matches(fields)),
    note: notesFor(route, searches),
  };
}

interface Search { check: (r: FieldReader) => boolean; shape: SearchShape; fields: string[]; auditTypes: string[] | null; anchors: Anchors }

/** A search identifier: a map (AND of items), a list of maps (OR), or a list of keywords. */
function compileSearch(name: string, body: unknown, route: LogsourceRoute, o: ItemOptions): Search {
  if (isMap(body)) return mapSearch(name, body, route, o);
  if (Array.isArray(body) && body.length && body.every(isMap)) {
    const parts = body.map((b) => mapSearch(name, b as Doc, route, o));
    const check: Check = (r) => { for (const p of parts) if (p.check(r)) return true; return false; };
    return {
      check, shape: { t: 'any', parts: parts.map((p) => p.shape) },
      fields: parts.flatMap((p) => p.fields), auditTypes: null, anchors: orAnchors(parts.map((p) => p.anchors)),
    };
  }
  if (Array.isArray(body) || typeof body === 'string' || typeof body === 'number') {
    const words = (Array.isArray(body) ? body : [body]).map((w) => {
      if (typeof w !== 'string' && typeof w !== 'number') return fail('BAD_DETECTION', `${name}: keywords must be strings`);
      return String(w);
    });
    const item = compileItem('keywords', ['contains'], words);
    const check: Check = (r) => keywordsMatch(item, r);
    const shape: SearchShape = { t: 'map', items: [{ field: '', mods: ['contains'], raw: words, check, keywords: true }] };
    return { check, shape, fields: [], auditTypes: null, anchors: itemAnchors(KEYWORDS, ['contains'], words, { useful: true }) };
  }
  return fail('BAD_DETECTION', `${name}: a search must be a map of fields, a list of maps or a list of keywords`);
}

function mapSearch(name: string, body: Doc, route: LogsourceRoute, o: ItemOptions): Search {
  const checks: Check[] = [];
  const items: ItemShape[] = [];
  const fields: string[] = [];
  const anchors: Anchors[] = [];
  let auditTypes: string[] | null = null;
  for (const [key, value] of Object.entries(body)) {
    const [field, ...mods] = key.split('|');
    if (!field) {
      // `|all: [...]` (a key with modifiers only): keywords, all of them (or any) somewhere in the event.
      const withContains = mods.includes('contains') ? mods : ['contains', ...mods];
      const item = compileItem('keywords', withContains, value, o);
      const check: Check = (r) => keywordsMatch(item, r);
      checks.push(check);
      items.push({ field: '', mods: withContains, raw: value, check, keywords: true });
      anchors.push(itemAnchors(KEYWORDS, withContains, value, { useful: true }));
      continue;
    }
    if (sourceOf(route, field) === null) {
      fail('UNMAPPED_FIELD', `${name}: field "${field}" ${route.unmapped?.[field] ?? "has no counterpart in Mamori's events for this logsource"}`);
    }
    try {
      const check = compileItem(field, mods, value, o);
      checks.push(check);
      items.push({ field, mods, raw: value, check });
    } catch (err) {
      if (err instanceof SigmaError) throw new SigmaError(err.code, `${name}: ${err.message}`);
      throw err;
    }
    fields.push(field);
    const src = sourceOf(route, field)!;
    if (src === '$audit_type' && !mods.length) {
      auditTypes = (Array.isArray(value) ? value : [value]).map(String);
      // A record type the sensors never produce: this search never matches (no anchor can ever hold).
      // One they do produce narrows nothing down: every exec is an EXECVE record.
      anchors.push(auditTypes.some((t) => AUDIT_TYPES.has(t)) ? null : [[]]);
    } else {
      anchors.push(itemAnchors(field, mods, value, { useful: src !== '$audit_type', coarse: COARSE_SOURCES.has(src), repeats: REPEATING_SOURCES.has(src) }));
    }
  }
  return {
    check: (r) => { for (const c of checks) if (!c(r)) return false; return true; }, shape: { t: 'map', items }, fields, auditTypes, anchors: andAnchors(anchors),
  };
}

/** The prefilter's name for the keyword text (EventFields.keywordText()). */
export const KEYWORDS = '$keywords';

/** A reader over one text, reused: keyword checks run for many events and must not allocate. */
class TextReader implements FieldReader {
  text = '';
  get(): string { return this.text; }
  lower(): string { return this.text; }
}
const keywordReader = new TextReader();

/** Keywords look at the event's text fields joined (so `|all` words may sit in different fields). */
function keywordsMatch(check: Check, r: FieldReader): boolean {
  keywordReader.text = (r as FieldReader & { keywordText(): string }).keywordText();
  return check(keywordReader);
}

/** auditd searches that require a record type the sensors never produce (they can never match). */
function auditImpossible(ls: { service?: string }, searches: Map<string, Search>): Map<string, string[]> | null {
  if (ls.service !== 'auditd') return null;
  const out = new Map<string, string[]>();
  for (const [n, s] of searches) if (s.auditTypes && !s.auditTypes.some((t) => AUDIT_TYPES.has(t))) out.set(n, s.auditTypes);
  return out.size ? out : null;
}

/** auditd: the kinds of event whose record type every condition's searches allow (null: not auditd). */
function auditKinds(ls: { service?: string }, route: LogsourceRoute, trees: CondNode[], searches: Map<string, Search>): Set<EventKind> | null {
  if (ls.service !== 'auditd') return null;
  const kinds = new Set<EventKind>();
  for (const { kind } of route.events) {
    const type = AUDIT_TYPE_OF[kind];
    const ruledOut = (n: string) => {
      const types = searches.get(n)!.auditTypes;
      return types && !types.some((t) => t.toUpperCase() === type) ? false : null;
    };
    if (!trees.every((t) => kleene(t, ruledOut) === false)) kinds.add(kind);
  }
  return kinds;
}

/** Three-valued evaluation: can the condition still be true when some searches are known false? */
function kleene(node: CondNode, known: (n: string) => boolean | null): boolean | null {
  switch (node.t) {
    case 'id': return known(node.name);
    case 'not': { const x = kleene(node.x, known); return x === null ? null : !x; }
    case 'and': {
      const xs = node.xs.map((x) => kleene(x, known));
      return xs.includes(false) ? false : xs.every((x) => x === true) ? true : null;
    }
    case 'or': {
      const xs = node.xs.map((x) => kleene(x, known));
      return xs.includes(true) ? true : xs.every((x) => x === false) ? false : null;
    }
    case 'of': {
      const xs = node.names.map(known);
      const need = node.count === 'all' ? xs.length : node.count;
      const possible = xs.filter((x) => x !== false).length;
      return possible < need ? false : null;
    }
  }
}

function notesFor(route: LogsourceRoute, searches: Map<string, Search>): string | null {
  if (!route.note) return null;
  const used = [...searches.values()].flatMap((s) => s.fields);
  if (route.note.startsWith('DestinationHostname') && !used.includes('DestinationHostname')) return null;
  return route.note;
}
