// A rule's whole condition as one JavaScript function. Interpreting the condition tree and calling a closure
// per detection item costs more than the string tests themselves (every call site sees every rule, so none is
// inlined); generated code reads each field's lower-cased text by its slot and tests it in place.
// The generated source holds only slot numbers, indexes and operators: every value from the rule (literals,
// sets, automata, and the item checks for everything that is not plain text) is passed in the constants
// array `k`, never written into the source, so a rule cannot inject code.
import type { CondNode } from './condition.js';
import { KEYWORD_SOURCES, slotOfSource, type EventFields } from './fields.js';
import { isAscii, MANY_LITERALS, plainItem, type Check } from './modifiers.js';
import { LiteralSet } from './prefilter.js';

/**
 * A detection item: its field, modifiers and values, and its compiled check (used for what is not plain).
 * `keywords`: no field, the values are looked for in the keyword fields (fields.ts KEYWORD_SOURCES).
 */
export interface ItemShape { field: string; mods: string[]; raw: unknown; check: Check; keywords?: true }
/** A search: a map of items (all must hold), a list of maps (any), or something else (keywords). */
export type SearchShape = { t: 'map'; items: ItemShape[] } | { t: 'any'; parts: SearchShape[] } | { t: 'opaque'; check: Check };

const KEYWORD_SLOTS = KEYWORD_SOURCES.map(slotOfSource);

type Matcher = (fields: EventFields) => boolean;

/**
 * The condition trees (any may hold) as one function, or null when the source cannot be compiled here (code
 * generation disallowed): the caller then interprets the tree.
 */
export function compileMatcher(trees: CondNode[], searches: ReadonlyMap<string, SearchShape>, slotOf: (field: string) => number): Matcher | null {
  const k: unknown[] = [];
  const constant = (x: unknown) => { k.push(x); return `k[${k.length - 1}]`; };

  /** Plain keywords, looked for in each keyword field's text: the same as in their joined text, without the join. */
  const keywords = (it: ItemShape): string => {
    const plain = plainItem(it.mods, it.raw);
    const general = `${constant(it.check)}(f)`;
    // (A newline or an empty keyword is about the joined text itself: the general check.)
    if (!plain || plain.how !== 'contains' || plain.literals.some((l) => l === '' || l.includes('\n'))) return general;
    const inAnyField = (test: string) => `(${KEYWORD_SLOTS.map((slot) => `((t = f.lowerAt(${slot})) !== null && ${test})`).join(' || ')})`;
    if (plain.all) return `(${plain.literals.map((l) => inAnyField(`t.includes(${constant(l)})`)).join(' && ')})`;
    return inAnyField(containsAny(plain.literals));
  };

  /** Whether t contains any of the literals. */
  const containsAny = (literals: string[]): string => {
    if (literals.length >= MANY_LITERALS && literals.every(isAscii)) return `${constant(new LiteralSet(literals.map((literal, id) => ({ literal, id }))))}.test(t)`;
    return `(${literals.map((l) => `t.includes(${constant(l)})`).join(' || ')})`;
  };

  const item = (it: ItemShape): string => {
    if (it.keywords) return keywords(it);
    const plain = plainItem(it.mods, it.raw);
    const slot = slotOf(it.field);
    const general = `${constant(it.check)}(f)`;
    if (!plain || slot < 0) return general;
    let test: string;
    const { how, literals, all } = plain;
    if (how === 'equals' && !all && literals.length > 1) test = `${constant(new Set(literals))}.has(t)`;
    else if (how === 'contains' && !all) test = containsAny(literals);
    else {
      const method = how === 'contains' ? 'includes' : how === 'startswith' ? 'startsWith' : how === 'endswith' ? 'endsWith' : null;
      const one = (l: string) => (method ? `t.${method}(${constant(l)})` : `t === ${constant(l)}`);
      test = `(${literals.map(one).join(all ? ' && ' : ' || ')})`;
    }
    // Scalars are tested on their lower-cased text; lists (argv) and absent fields take the general check.
    return `((t = f.lowerAt(${slot})) !== null ? ${test} : ${general})`;
  };

  const search = (s: SearchShape): string => {
    switch (s.t) {
      case 'map': return s.items.length ? `(${s.items.map(item).join(' && ')})` : 'true';
      case 'any': return `(${s.parts.map(search).join(' || ')})`;
      case 'opaque': return `${constant(s.check)}(f)`;
    }
  };

  const node = (n: CondNode): string => {
    switch (n.t) {
      case 'id': return search(searches.get(n.name)!);
      case 'not': return `!${node(n.x)}`;
      case 'and': return `(${n.xs.map(node).join(' && ')})`;
      case 'or': return `(${n.xs.map(node).join(' || ')})`;
      case 'of': {
        const xs = n.names.map((name) => search(searches.get(name)!));
        if (n.count === 'all') return `(${xs.join(' && ')})`;
        if (n.count === 1) return `(${xs.join(' || ')})`;
        return `((${xs.map((x) => `(${x} ? 1 : 0)`).join(' + ')}) >= ${Number(n.count)})`;
      }
    }
  };

  const body = trees.map(node).join(' || ');
  try {
    // Built from slots, indexes and operators only (see the top of this file).
    return new Function('k', `"use strict"; return function matches(f) { let t; return ${body}; };`)(k) as Matcher;
  } catch {
    return null;
  }
}
