// Why the cost per event does not grow with every rule. Each rule gets "anchors": literal strings derived
// from its condition (the literal part of an item every match needs), grouped in clauses: one literal of
// each clause must appear in its field for the rule to have any chance. One Aho-Corasick pass per field over
// the event then names the few rules worth running; rules without a usable anchor (regexes, numbers,
// negations only) always run.
import type { CondNode } from './condition.js';

/**
 * `exact`: the whole (lower-cased) value must equal the literal: a hash lookup, not a scan.
 * `basename`: with exact, the value's last path segment must equal it (`Image|endswith: /bash`).
 * `coarse`: the field has few values (a user name, a direction), so the anchor holds for many events.
 * `repeats`: the field's values repeat from event to event (an executable, a parent), so the plan looks at
 * each distinct value once (plan.ts): more literals there cost memory, not time per event.
 */
export interface Anchor { field: string; literal: string; exact?: true; coarse?: true; basename?: true; repeats?: true }
/** One of these must hold (an OR). Empty: can never hold (the rule never matches). */
export type Clause = Anchor[];
/**
 * null: no anchor, the rule must always run. Otherwise every clause holds whenever the rule matches (an AND
 * of ORs), so `Image|endswith: /cat` and `CommandLine|contains: /etc/` both have to be seen before it runs.
 */
export type Anchors = Clause[] | null;

/** At most this many clauses per rule: the most selective ones (each costs a mark when it holds). */
export const MAX_CLAUSES = 3;

const UNANCHORABLE = new Set([
  'cidr', 'lt', 'lte', 'gt', 'gte', 'fieldref', 'exists', 'neq', 'cased', 'base64', 'base64offset', 'utf16le', 'utf16be',
  'utf16', 'wide', 'windash', 'expand', 'minute', 'hour', 'day', 'week', 'month', 'year',
]);
const MIN_LITERAL = 2;

/** The longest run of literal text in a Sigma string value (wildcards split it). */
function longestLiteral(v: string): string {
  let best = '';
  let cur = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\' && (v[i + 1] === '*' || v[i + 1] === '?' || v[i + 1] === '\\')) { cur += v[++i]; continue; }
    if (c === '*' || c === '?') { if (cur.length > best.length) best = cur; cur = ''; continue; }
    cur += c;
  }
  return cur.length > best.length ? cur : best;
}

/** The one text a regular expression cannot match without ('' when there is none, or only alternatives). */
export function regexLiteral(src: string): string {
  const lits = regexLiterals(src);
  return lits.length === 1 ? lits[0]! : '';
}

const MAX_ALTERNATIVES = 16;
const SPECIAL = new Set([...'\\[](){}.*+?^$|']);

/** A group's alternatives when each is plain text (`(W|R)`, `(?:curl|wget)`), else null. */
function literalAlternatives(body: string): string[] | null {
  if (/^\?[=!<]/.test(body)) return null; // lookaround: matches no text
  const alts: string[] = [];
  let cur = '';
  for (let i = body.startsWith('?:') ? 2 : 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') { const n = body[i + 1] ?? ''; if (/[a-zA-Z0-9]/.test(n) || !n) return null; cur += n; i++; continue; }
    if (c === '|') { alts.push(cur); cur = ''; continue; }
    if (SPECIAL.has(c)) return null;
    cur += c;
  }
  alts.push(cur);
  return alts;
}

/**
 * Texts of which a regular expression cannot match without one: literal characters outside classes and
 * optional parts, where a group of plain alternatives (`-(W|R)`) multiplies them (-w, -r). [] when there
 * is none or the pattern has a top-level alternative. The best run wins: long texts, few of them.
 */
export function regexLiterals(src: string): string[] {
  const s = src.replace(/^\(\?[imsx]+\)/, '');
  let best: string[] = [];
  let cur: string[] = [''];
  let before: string[] = [''];
  const score = (x: string[]) => (x.length && x.every((v) => v) ? Math.min(...x.map((v) => v.length)) - (x.length - 1) : -Infinity);
  const end = () => { if (score(cur) > score(best)) best = cur; cur = ['']; before = ['']; };
  const append = (texts: string[]) => {
    before = cur;
    if (cur.length * texts.length > MAX_ALTERNATIVES) { end(); return; }
    cur = cur.flatMap((c) => texts.map((t) => c + t));
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1] ?? '';
      i++;
      if (/[a-zA-Z0-9]/.test(n)) {
        // \s \d \w \b \1 ...: a class, an assertion or a code; skip what the code spells (\x41 is "A", not "41").
        end();
        if (n === 'x') i += 2;
        else if (n === 'c') i += 1;
        else if ((n === 'u' || n === 'p' || n === 'P' || n === 'k') && /[{<]/.test(s[i + 1] ?? '')) { while (i < s.length && s[i] !== '}' && s[i] !== '>') i++; }
        else if (n === 'u') i += 4;
        continue;
      }
      append([n]);
      continue;
    }
    if (c === '(') {
      // Find the matching parenthesis (escapes and classes skipped).
      let depth = 1;
      let j = i + 1;
      for (; j < s.length && depth > 0; j++) {
        if (s[j] === '\\') { j++; continue; }
        if (s[j] === '[') { while (j < s.length && s[j] !== ']') { if (s[j] === '\\') j++; j++; } continue; }
        if (s[j] === '(') depth++;
        else if (s[j] === ')') depth--;
      }
      const alts = depth === 0 ? literalAlternatives(s.slice(i + 1, j - 1)) : null;
      i = j - 1;
      if (alts) append(alts); else end();
      continue;
    }
    if (c === '|') return [];
    if (c === '[') { end(); while (i < s.length && s[i] !== ']') { if (s[i] === '\\') i++; i++; } continue; }
    if (c === '*' || c === '?' || c === '{') {
      cur = before; // the atom before was optional (or counted): not required as written
      end();
      if (c === '{') while (i < s.length && s[i] !== '}') i++;
      continue;
    }
    if (c === '+' || c === '.' || c === '^' || c === '$' || c === ')') { end(); continue; }
    append([c]);
  }
  end();
  return best;
}

/**
 * The fewest characters (UTF-16 units) a match of a regular expression can span: shorter text cannot match,
 * so the regex need not run (`[^/]{100,}$` on a 30-character path). 0 when there is no floor or the pattern
 * is beyond this reading (then the regex always runs).
 */
export function regexMinLength(src: string): number {
  const s = src.replace(/^\(\?[imsx]+\)/, '');
  let i = 0;
  const fail = (): never => { throw new Error('unsure'); };
  const skipTo = (end: string) => { while (i < s.length && s[i] !== end) i++; if (s[i] !== end) fail(); i++; };
  function alternatives(): number {
    let best = sequence();
    while (s[i] === '|') { i++; best = Math.min(best, sequence()); }
    return best;
  }
  function sequence(): number {
    let total = 0;
    while (i < s.length && s[i] !== '|' && s[i] !== ')') {
      let n = atom();
      const q = s[i];
      const counted = q === '{' ? /^\{(\d+)(,\d*)?\}/.exec(s.slice(i)) : null;
      if (q === '*' || q === '?') { i++; n = 0; } else if (q === '+') i++;
      else if (counted) { i += counted[0].length; n *= Number(counted[1]); }
      if ((q === '*' || q === '?' || q === '+' || counted) && s[i] === '?') i++; // lazy
      total += n;
    }
    return total;
  }
  function atom(): number {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1] ?? fail();
      i += 2;
      if (n === 'b' || n === 'B') return 0;
      if (/[1-9]/.test(n)) { while (/[0-9]/.test(s[i] ?? '')) i++; return 0; } // a back-reference may be empty
      if (n === 'k') { skipTo('>'); return 0; }
      if (n === 'x') { i += 2; return 1; }
      if (n === 'c') { i += 1; return 1; }
      if ((n === 'u' || n === 'p' || n === 'P') && s[i] === '{') { skipTo('}'); return 1; }
      if (n === 'u') { i += 4; return 1; }
      return 1;
    }
    if (c === '^' || c === '$') { i++; return 0; }
    if (c === '[') {
      i++;
      if (s[i] === '^') i++;
      while (i < s.length && s[i] !== ']') i += s[i] === '\\' ? 2 : 1;
      if (s[i] !== ']') fail();
      i++;
      return 1;
    }
    if (c === '(') {
      i++;
      let look = false;
      if (s[i] === '?') {
        const n = s[i + 1];
        if (n === ':') i += 2;
        else if (n === '=' || n === '!') { i += 2; look = true; }
        else if (n === '<' && (s[i + 2] === '=' || s[i + 2] === '!')) { i += 3; look = true; }
        else if (n === '<') skipTo('>');
        else fail();
      }
      const n = alternatives();
      if (s[i] !== ')') fail();
      i++;
      return look ? 0 : n;
    }
    if (c === '*' || c === '+' || c === '?' || c === ')') fail();
    i++;
    return 1;
  }
  try {
    const n = alternatives();
    return i === s.length ? n : 0;
  } catch {
    return 0;
  }
}

/** Anchors of one item (`field|mods: values`), or null when it cannot give any (or `useful` is false). */
export function itemAnchors(field: string, mods: string[], raw: unknown, source: { useful: boolean; coarse?: boolean; repeats?: boolean }): Anchors {
  if (!source.useful || mods.some((m) => UNANCHORABLE.has(m))) return null;
  const values = Array.isArray(raw) ? raw : [raw];
  const how = { ...(source.coarse ? { coarse: true as const } : {}), ...(source.repeats ? { repeats: true as const } : {}) };
  // Per value, the anchors one of which it needs (several for a regex with alternatives).
  const perValue: Anchor[][] = [];
  for (const v of values) {
    if (typeof v !== 'string' && typeof v !== 'number') return null;
    const text = String(v);
    // A plain value with no modifier must equal the field: even one letter (auditd's a0 "w") narrows well.
    if (!mods.length && text !== '' && !/[*?\\]/.test(text)) { perValue.push([{ field, literal: text.toLowerCase(), exact: true, ...how }]); continue; }
    if (mods.length === 1 && mods[0] === 'endswith' && /^\/[^/*?\\]+$/.test(text)) {
      perValue.push([{ field, literal: text.slice(1).toLowerCase(), exact: true, basename: true, ...how }]);
      continue;
    }
    const lits = mods.includes('re') ? regexLiterals(text) : [longestLiteral(text)];
    if (!lits.length || lits.some((l) => l.length < MIN_LITERAL)) return null;
    perValue.push(lits.map((l) => ({ field, literal: l.toLowerCase(), ...how })));
  }
  if (!perValue.length) return null;
  // `all`: every value must be there, so each value's anchors are a clause of their own.
  return mods.includes('all') ? andAnchors(perValue.map((v) => [v])) : [perValue.flat()];
}

/** How well a clause filters: fewer and longer literals filter more. */
function clauseScore(c: Clause): number {
  // An empty clause (the search can never match) beats everything; an equality is worth a long literal; a
  // coarse field only beats having nothing. A last path segment scores as the '/name' it was written as:
  // names like "sh" are common.
  if (!c.length) return Infinity;
  let min = Infinity;
  for (const a of c) min = Math.min(min, a.coarse ? -1000 : a.basename ? a.literal.length + 1 : a.exact ? 12 : a.literal.length);
  return min - c.length;
}

const sameClause = (a: Clause, b: Clause) => a.length === b.length && a.every((x, i) => {
  const y = b[i]!;
  return x.field === y.field && x.literal === y.literal && !!x.exact === !!y.exact && !!x.basename === !!y.basename;
});

/** A search that is an AND of items: every item's clauses are necessary; keep the best few. */
export function andAnchors(items: Anchors[]): Anchors {
  const clauses: Clause[] = [];
  for (const a of items) {
    if (!a) continue;
    for (const c of a) {
      if (!c.length) return [[]];
      if (!clauses.some((k) => sameClause(k, c))) clauses.push(c);
    }
  }
  if (!clauses.length) return null;
  // Stable: equal scores keep the order written. The best clause leads; the others only when cheap to see.
  const ranked = clauses.map((c, i) => ({ c, i, s: clauseScore(c) })).sort((x, y) => y.s - x.s || x.i - y.i).map((x) => x.c);
  return [ranked[0]!, ...ranked.slice(1).filter(cheapClause)].slice(0, MAX_CLAUSES);
}

/**
 * A clause worth adding beside the best one: equalities (one more key in a hash lookup the plan makes
 * anyway), literals in fields whose values repeat (looked at once per distinct value), or a short list of
 * literals. A long list would grow the Aho-Corasick table scanned for every command line, which must stay in
 * the CPU cache: with every clause of every rule it grew from 2,500 to 19,000 states and cost more than the
 * rule runs it saved.
 */
function cheapClause(c: Clause): boolean {
  if (c.some((a) => a.coarse)) return false;
  if (c.every((a) => a.exact || a.repeats)) return true;
  return c.length <= FEW_LITERALS && c.every((a) => a.literal.length >= MIN_LITERAL + 1);
}
const FEW_LITERALS = 16;

/**
 * OR: all branches need anchors. Each branch implies its own i-th clause, so the union of the branches'
 * i-th clauses is necessary, for every i that all of them have. A branch that can never match drops out.
 */
export function orAnchors(branches: Anchors[]): Anchors {
  if (!branches.length || branches.some((b) => b === null)) return null;
  const live = (branches as Clause[][]).filter((b) => !b.some((c) => !c.length));
  if (!live.length) return [[]];
  const width = Math.min(...live.map((b) => b.length));
  const out: Clause[] = [];
  for (let i = 0; i < width; i++) out.push(live.flatMap((b) => b[i]!));
  // The union of unrelated clauses filters less than the first ones alone: keep the useful ones.
  return andAnchors([out]);
}

/** Anchors of a whole condition from those of its searches. */
export function conditionAnchors(node: CondNode, search: (name: string) => Anchors): Anchors {
  switch (node.t) {
    case 'id': return search(node.name);
    case 'not': return null;
    case 'and': return andAnchors(node.xs.map((x) => conditionAnchors(x, search)));
    case 'or': return orAnchors(node.xs.map((x) => conditionAnchors(x, search)));
    case 'of': return node.count === 'all' ? andAnchors(node.names.map(search)) : orAnchors(node.names.map(search));
  }
}

// ---- Aho-Corasick over lower-cased field values ---------------------------------------------------------

/**
 * Many literals, one pass: which of them occur in a text. Built as a full automaton (every state has a
 * next state for every symbol), so scanning is one array read per character. Symbols are only the
 * characters the literals use (every other character is symbol 0, which leads back toward the root), and
 * states fit 16 bits when they can: the table stays small enough for the CPU cache, where a 96-symbol
 * 32-bit table for SigmaHQ's command-line literals was 1 MB and every character was a cache miss.
 */
export class LiteralSet {
  private readonly next: Uint16Array | Uint32Array;
  private readonly width: number;
  /** ASCII character -> symbol (0: in no literal); every non-ASCII character shares `wide`. */
  private readonly symbols = new Uint8Array(128);
  private readonly wide: number;
  /** Per state, the ids of the literals that end there (its own and its suffixes'): outIds[outStart[st]..outStart[st+1]). */
  private readonly outStart: Uint32Array;
  private readonly outIds: Uint32Array;

  constructor(entries: { literal: string; id: number }[]) {
    let count = 1;
    let wide = 0;
    for (const { literal } of entries) {
      for (let i = 0; i < literal.length; i++) {
        const c = literal.charCodeAt(i);
        if (c >= 128) { if (!wide) wide = count++; } else if (!this.symbols[c]) this.symbols[c] = count++;
      }
    }
    this.wide = wide;
    const width = this.width = count;
    const symbolOf = (c: number) => (c < 128 ? this.symbols[c]! : wide);
    // The trie first, with child maps; then the automaton in flat arrays.
    const children: Map<number, number>[] = [new Map()];
    const outs: number[][] = [[]];
    for (const { literal, id } of entries) {
      let st = 0;
      for (let i = 0; i < literal.length; i++) {
        const sym = symbolOf(literal.charCodeAt(i));
        let child = children[st]!.get(sym);
        if (child === undefined) { child = children.length; children.push(new Map()); outs.push([]); children[st]!.set(sym, child); }
        st = child;
      }
      if (!outs[st]!.includes(id)) outs[st]!.push(id);
    }
    const n = children.length;
    const next = this.next = n <= 0xffff ? new Uint16Array(n * width) : new Uint32Array(n * width);
    const fail = new Uint32Array(n);
    const queue: number[] = [];
    for (let sym = 1; sym < width; sym++) {
      const child = children[0]!.get(sym);
      if (child !== undefined) { next[sym] = child; queue.push(child); }
    }
    for (let q = 0; q < queue.length; q++) {
      const st = queue[q]!;
      for (const id of outs[fail[st]!]!) if (!outs[st]!.includes(id)) outs[st]!.push(id);
      for (let sym = 0; sym < width; sym++) {
        const child = children[st]!.get(sym);
        if (child !== undefined) {
          fail[child] = next[fail[st]! * width + sym]!;
          next[st * width + sym] = child;
          queue.push(child);
        } else {
          next[st * width + sym] = next[fail[st]! * width + sym]!;
        }
      }
    }
    this.outStart = new Uint32Array(n + 1);
    for (let st = 0; st < n; st++) this.outStart[st + 1] = this.outStart[st]! + outs[st]!.length;
    this.outIds = Uint32Array.from(outs.flat());
  }

  /** Whether any of the literals occurs in `text`. */
  test(text: string): boolean {
    const { next, width, symbols, wide, outStart } = this;
    let st = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      st = next[st * width + (c < 128 ? symbols[c]! : wide)]!;
      if (outStart[st + 1]! !== outStart[st]!) return true;
    }
    return false;
  }

  /**
   * For every literal found in `text`: sets marks[id] = stamp and, the first time in this stamp, appends id
   * to `found` (no allocation beyond that list: runs for every event).
   */
  mark(text: string, marks: Uint32Array, stamp: number, found: number[]): void {
    const { next, width, symbols, wide, outStart, outIds } = this;
    let st = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      st = next[st * width + (c < 128 ? symbols[c]! : wide)]!;
      const end = outStart[st + 1]!;
      for (let k = outStart[st]!; k < end; k++) {
        const id = outIds[k]!;
        if (marks[id] !== stamp) { marks[id] = stamp; found.push(id); }
      }
    }
  }
}
