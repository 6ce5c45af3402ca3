// Sigma conditions: precedence, parentheses, not, `N of` with patterns and `them`, and coded errors.
import { describe, expect, it } from 'vitest';
import { compileMatcher } from '../../../../../main/core/detect/sigma/compiled.js';
import { ConditionMatcher, indexTree, parseCondition } from '../../../../../main/core/detect/sigma/condition.js';
import { SigmaError } from '../../../../../main/core/detect/sigma/errors.js';

const ids = ['selection', 'selection_a', 'selection_b', 'filter_main_x', 'filter_optional_y', '_hidden', 'keywords'];
// Both ways a rule runs its condition: the tree interpreted, and compiled to one function (compiled.ts).
const run = (cond: string, trueOnes: string[]) => {
  const tree = parseCondition(cond, ids);
  const interpreted = new ConditionMatcher([indexTree(tree, ids)], ids.map((n) => () => trueOnes.includes(n))).matches(null);
  const searches = new Map(ids.map((n) => [n, { t: 'opaque' as const, check: () => trueOnes.includes(n) }]));
  const compiled = compileMatcher([tree], searches, () => -1)!(null as never);
  expect(compiled).toBe(interpreted);
  return interpreted;
};
const code = (cond: string) => { try { parseCondition(cond, ids); } catch (e) { return (e as SigmaError).code; } return null; };

describe('Sigma conditions', () => {
  it('and binds tighter than or; not binds tightest; parentheses group', () => {
    expect(run('selection or selection_a and selection_b', ['selection'])).toBe(true);
    expect(run('(selection or selection_a) and selection_b', ['selection'])).toBe(false);
    expect(run('selection and not filter_main_x', ['selection'])).toBe(true);
    expect(run('selection and not filter_main_x', ['selection', 'filter_main_x'])).toBe(false);
    expect(run('not not selection', ['selection'])).toBe(true);
    expect(run('selection AND NOT (filter_main_x OR filter_optional_y)', ['selection', 'filter_optional_y'])).toBe(false);
  });

  it('1 of / all of / N of a pattern; them leaves out names starting with _', () => {
    expect(run('1 of selection_*', ['selection_b'])).toBe(true);
    expect(run('all of selection_*', ['selection_b'])).toBe(false);
    expect(run('all of selection_*', ['selection_a', 'selection_b'])).toBe(true);
    expect(run('all of selection*', ['selection_a', 'selection_b'])).toBe(false); // selection itself too
    expect(run('2 of selection*', ['selection_a', 'selection_b'])).toBe(true);
    expect(run('selection and not 1 of filter_*', ['selection', 'filter_optional_y'])).toBe(false);
    expect(run('all of them', ids.filter((n) => n !== '_hidden'))).toBe(true);
    expect(run('1 of them', ['_hidden'])).toBe(false);
  });

  it('coded errors: unknown names, patterns that match nothing, syntax', () => {
    expect(code('selection and nothing')).toBe('UNKNOWN_IDENTIFIER');
    expect(code('1 of nothing_*')).toBe('UNKNOWN_IDENTIFIER');
    expect(code('selection and')).toBe('BAD_CONDITION');
    expect(code('(selection')).toBe('BAD_CONDITION');
    expect(code('selection selection_a')).toBe('BAD_CONDITION');
    expect(code('')).toBe('BAD_CONDITION');
    expect(code('0 of selection_*')).toBe('BAD_CONDITION');
    expect(code('selection | count() > 5')).toBe('BAD_CONDITION'); // Sigma 1 aggregations: Sigma 2 has correlation rules
  });
});
