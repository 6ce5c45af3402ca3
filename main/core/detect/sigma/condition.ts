// Sigma conditions: `and`, `or`, `not`, parentheses, identifiers, and `1 of x*`, `all of x*`, `N of x*`,
// `1 of them`, `all of them` (them: every search identifier except those starting with `_`).
// Parsed once into a tree, checked against the identifiers a rule defines, indexed, then evaluated lazily.
import { fail } from './errors.js';

export type CondNode =
  | { t: 'id'; name: string }
  | { t: 'not'; x: CondNode }
  | { t: 'and' | 'or'; xs: CondNode[] }
  | { t: 'of'; count: number | 'all'; names: string[]; pattern: string };

type Token = { k: 'word'; v: string } | { k: '(' } | { k: ')' };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\()|(\))|([^\s()]+))/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < text.length && (m = re.exec(text))) {
    at = re.lastIndex;
    if (m[1]) out.push({ k: '(' });
    else if (m[2]) out.push({ k: ')' });
    else if (m[3]) out.push({ k: 'word', v: m[3] });
  }
  if (text.slice(at).trim()) fail('BAD_CONDITION', `cannot read the condition near "${text.slice(at)}"`);
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them']);

function globToRegExp(p: string): RegExp {
  return new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** Parses a condition; identifiers and patterns are resolved against `identifiers` (the detection's names). */
export function parseCondition(text: string, identifiers: readonly string[]): CondNode {
  if (typeof text !== 'string' || !text.trim()) return fail('BAD_CONDITION', 'the condition is empty');
  const tokens = tokenize(text);
  let i = 0;
  const peekWord = () => { const t = tokens[i]; return t?.k === 'word' ? t.v.toLowerCase() : null; };
  const expectEnd = (what: string) => fail('BAD_CONDITION', `"${text}": expected ${what}`);

  const primary = (): CondNode => {
    const t = tokens[i];
    if (!t) return expectEnd('an identifier, "not", "(" or "1 of"/"all of"');
    if (t.k === '(') {
      i++;
      const x = orExpr();
      if (tokens[i]?.k !== ')') return expectEnd('")"');
      i++;
      return x;
    }
    if (t.k === ')') return expectEnd('an expression before ")"');
    const word = t.v;
    const lower = word.toLowerCase();
    if ((lower === 'all' || lower === 'any' || /^\d+$/.test(word)) && (tokens[i + 1] as { v?: string } | undefined)?.v?.toLowerCase() === 'of') {
      const target = tokens[i + 2];
      if (target?.k !== 'word') return expectEnd(`a name pattern or "them" after "${word} of"`);
      i += 3;
      const count = lower === 'all' ? 'all' as const : lower === 'any' ? 1 : Number(word);
      if (count !== 'all' && count < 1) return fail('BAD_CONDITION', `"${text}": "${word} of" needs at least 1`);
      const names = target.v === 'them'
        ? identifiers.filter((n) => !n.startsWith('_'))
        : identifiers.filter((n) => globToRegExp(target.v).test(n));
      if (!names.length) return fail('UNKNOWN_IDENTIFIER', `"${word} of ${target.v}" matches no search identifier`);
      return { t: 'of', count, names, pattern: target.v };
    }
    if (KEYWORDS.has(lower)) return expectEnd(`an identifier, not "${word}"`);
    if (!identifiers.includes(word)) return fail('UNKNOWN_IDENTIFIER', `the condition names "${word}", which the detection does not define`);
    i++;
    return { t: 'id', name: word };
  };
  const notExpr = (): CondNode => {
    if (peekWord() === 'not') { i++; return { t: 'not', x: notExpr() }; }
    return primary();
  };
  const andExpr = (): CondNode => {
    const xs = [notExpr()];
    while (peekWord() === 'and') { i++; xs.push(notExpr()); }
    return xs.length === 1 ? xs[0]! : { t: 'and', xs };
  };
  const orExpr = (): CondNode => {
    const xs = [andExpr()];
    while (peekWord() === 'or') { i++; xs.push(andExpr()); }
    return xs.length === 1 ? xs[0]! : { t: 'or', xs };
  };
  const tree = orExpr();
  if (i < tokens.length) {
    const t = tokens[i]!;
    return fail('BAD_CONDITION', `"${text}": unexpected ${t.k === 'word' ? `"${t.v}"` : `"${t.k}"`}`);
  }
  return tree;
}

/** A condition tree with search identifiers replaced by their index (evaluated without closures). */
export type IndexedNode =
  | { t: 'id'; i: number }
  | { t: 'not'; x: IndexedNode }
  | { t: 'and' | 'or'; xs: IndexedNode[] }
  | { t: 'of'; count: number | 'all'; is: number[] };

export function indexTree(node: CondNode, names: string[]): IndexedNode {
  switch (node.t) {
    case 'id': return { t: 'id', i: names.indexOf(node.name) };
    case 'not': return { t: 'not', x: indexTree(node.x, names) };
    case 'and': case 'or': return { t: node.t, xs: node.xs.map((x) => indexTree(x, names)) };
    case 'of': return { t: 'of', count: node.count, is: node.names.map((n) => names.indexOf(n)) };
  }
}

/**
 * Runs a rule's condition on one event (R: what the searches read). Each search is checked at most once per event (memo) and only when
 * the condition needs it (and/or short-circuit). No allocation per event: this runs for every rule that can
 * see an event.
 */
export class ConditionMatcher<R> {
  private readonly memo: Int8Array;
  private fields: R | null = null;

  constructor(private readonly trees: IndexedNode[], private readonly checks: ((r: R) => boolean)[]) {
    this.memo = new Int8Array(checks.length);
  }

  matches(fields: R): boolean {
    this.memo.fill(0);
    this.fields = fields;
    try {
      for (const t of this.trees) if (this.eval(t)) return true;
      return false;
    } finally {
      this.fields = null;
    }
  }

  private test(i: number): boolean {
    const m = this.memo[i];
    if (m) return m === 2;
    const r = this.checks[i]!(this.fields!);
    this.memo[i] = r ? 2 : 1;
    return r;
  }

  private eval(node: IndexedNode): boolean {
    switch (node.t) {
      case 'id': return this.test(node.i);
      case 'not': return !this.eval(node.x);
      case 'and': for (const x of node.xs) { if (!this.eval(x)) return false; } return true;
      case 'or': for (const x of node.xs) { if (this.eval(x)) return true; } return false;
      case 'of': {
        if (node.count === 'all') { for (const i of node.is) { if (!this.test(i)) return false; } return true; }
        let hits = 0;
        for (const i of node.is) if (this.test(i) && ++hits >= (node.count as number)) return true;
        return false;
      }
    }
  }
}

/** The identifiers a condition names (to compile only those). */
export function namesIn(node: CondNode, into = new Set<string>()): Set<string> {
  if (node.t === 'id') into.add(node.name);
  else if (node.t === 'not') namesIn(node.x, into);
  else if (node.t === 'of') for (const n of node.names) into.add(n);
  else for (const x of node.xs) namesIn(x, into);
  return into;
}
