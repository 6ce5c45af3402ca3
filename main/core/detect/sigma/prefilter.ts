// Why the cost per event does not grow with every rule. Each rule gets "anchors": literal strings, at least
// one of which must appear in a field for the rule to have any chance (derived from its condition: the
// literal part of an item every match needs). One Aho-Corasick pass per field over the event then names
// the few rules worth running; rules without a usable anchor (regexes, numbers, negations only) always run.
import type { CondNode } from './condition.js';

export interface Anchor { field: string; literal: string }
/** null: no anchor, the rule must always run. Otherwise at least one anchor holds whenever the rule matches. */
export type Anchors = Anchor[] | null;

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

/**
 * The longest text a regular expression cannot match without: literal characters outside groups, classes
 * and optional parts, when the pattern has no top-level alternative. '' when there is none.
 */
export function regexLiteral(src: string): string {
  const s = src.replace(/^\(\?[imsx]+\)/, '');
  let best = '';
  let run = '';
  let depth = 0;
  const end = () => { if (run.length > best.length) best = run; run = ''; };
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
      if (depth === 0) { run += n; continue; }
      continue;
    }
    if (c === '(') { depth++; end(); continue; }
    if (c === ')') { depth--; end(); continue; }
    if (c === '|') { if (depth === 0) return ''; continue; }
    if (c === '[') { end(); while (i < s.length && s[i] !== ']') { if (s[i] === '\\') i++; i++; } continue; }
    if (depth > 0) continue;
    if (c === '*' || c === '?' || c === '{') {
      run = run.slice(0, -1); // the character before was optional (or counted): not required as written
      end();
      if (c === '{') while (i < s.length && s[i] !== '}') i++;
      continue;
    }
    if (c === '+') { end(); continue; }
    if (c === '.' || c === '^' || c === '$') { end(); continue; }
    run += c;
  }
  end();
  return best;
}

/** Anchors of one item (`field|mods: values`), or null when it cannot give any (or `useful` is false). */
export function itemAnchors(field: string, mods: string[], raw: unknown, useful: boolean): Anchors {
  if (!useful || mods.some((m) => UNANCHORABLE.has(m))) return null;
  const values = Array.isArray(raw) ? raw : [raw];
  const literals: string[] = [];
  const isRe = mods.includes('re');
  for (const v of values) {
    if (typeof v !== 'string' && typeof v !== 'number') return null;
    const lit = (isRe ? regexLiteral(String(v)) : longestLiteral(String(v))).toLowerCase();
    if (lit.length < MIN_LITERAL) return null;
    literals.push(lit);
  }
  if (!literals.length) return null;
  // `all`: every value must be there, so the longest one alone is a necessary condition.
  const chosen = mods.includes('all') ? [literals.reduce((a, b) => (b.length > a.length ? b : a))] : literals;
  return chosen.map((literal) => ({ field, literal }));
}

/** The better of two necessary conditions: fewer and longer literals filter more. */
export function better(a: Anchors, b: Anchors): Anchors {
  if (!a) return b;
  if (!b) return a;
  const score = (x: Anchor[]) => Math.min(...x.map((y) => y.literal.length)) - x.length;
  return score(b) > score(a) ? b : a;
}

/** A search that is an AND of items: any one item's anchors are necessary; take the best. */
export function andAnchors(items: Anchors[]): Anchors {
  let best: Anchors = null;
  for (const a of items) best = better(best, a);
  return best;
}

/** OR: all branches need anchors, and the union is necessary. */
export function orAnchors(branches: Anchors[]): Anchors {
  if (!branches.length || branches.some((b) => b === null)) return null;
  return branches.flatMap((b) => b!);
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

// Printable ASCII gets a symbol each; everything else shares one. A literal with other characters can then
// match a little more often than it should (a superset: still a necessary condition, never a miss).
const SYMBOLS = 96;
const symbolOf = (c: number) => (c >= 32 && c < 127 ? c - 32 : 95);

/**
 * Many literals, one pass: which of them occur in a text. Built as a full automaton (every state has a
 * next state for every symbol), so scanning is one array read per character.
 */
export class LiteralSet {
  private readonly next: Uint32Array;
  /** Per state, the ids of the literals that end there (its own and its suffixes'). */
  private readonly out: (number[] | null)[];

  constructor(entries: { literal: string; id: number }[]) {
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
    this.next = new Uint32Array(n * SYMBOLS);
    const fail = new Uint32Array(n);
    const queue: number[] = [];
    for (let sym = 0; sym < SYMBOLS; sym++) {
      const child = children[0]!.get(sym);
      if (child !== undefined) { this.next[sym] = child; queue.push(child); }
    }
    for (let q = 0; q < queue.length; q++) {
      const st = queue[q]!;
      for (const id of outs[fail[st]!]!) if (!outs[st]!.includes(id)) outs[st]!.push(id);
      for (let sym = 0; sym < SYMBOLS; sym++) {
        const child = children[st]!.get(sym);
        if (child !== undefined) {
          fail[child] = this.next[fail[st]! * SYMBOLS + sym]!;
          this.next[st * SYMBOLS + sym] = child;
          queue.push(child);
        } else {
          this.next[st * SYMBOLS + sym] = this.next[fail[st]! * SYMBOLS + sym]!;
        }
      }
    }
    this.out = outs.map((o) => (o.length ? o : null));
  }

  /**
   * For every literal found in `text`: sets marks[id] = stamp and, the first time in this stamp, appends id
   * to `found` (no allocation beyond that list: runs for every event).
   */
  mark(text: string, marks: Uint32Array, stamp: number, found: number[]): void {
    const next = this.next;
    let st = 0;
    for (let i = 0; i < text.length; i++) {
      st = next[st * SYMBOLS + symbolOf(text.charCodeAt(i))]!;
      const o = this.out[st];
      if (o === null) continue;
      for (let k = 0; k < o!.length; k++) {
        const id = o![k]!;
        if (marks[id] !== stamp) { marks[id] = stamp; found.push(id); }
      }
    }
  }
}
