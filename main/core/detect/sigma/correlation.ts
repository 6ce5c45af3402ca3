// Sigma 2 correlation rules over the base rules' matches: event_count, value_count, temporal and
// temporal_ordered, grouped by fields (with aliases), in a sliding time window. State is bounded: windows
// drop what is older than their timespan, and at most MAX_GROUPS groups are tracked per correlation.
import type { TelemetryEvent } from '../../../../preload/contract/index.js';
import { fail } from './errors.js';
import type { EventFields } from './fields.js';
import { isMap, ruleMeta, type CompiledRule, type Doc, type RuleMeta } from './rule.js';

export type CorrelationType = 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered';

export interface CompiledCorrelation extends RuleMeta {
  type: CorrelationType;
  /** The base rules, by id, in the order written (temporal_ordered). */
  ruleIds: string[];
  groupBy: string[];
  /** alias -> (base rule id -> its field). */
  aliases: Map<string, Map<string, string>>;
  timespanMs: number;
  field: string | null;
  test: ((n: number) => boolean) | null;
}

const MAX_GROUPS = 10_000;
const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86_400e3, w: 604_800e3, M: 2_592_000e3, y: 31_536_000e3 };


export function parseTimespan(x: unknown): number {
  const m = typeof x === 'string' ? /^(\d+)([smhdwMy])$/.exec(x.trim()) : null;
  if (!m || Number(m[1]) <= 0) return fail('BAD_CORRELATION', `timespan ${JSON.stringify(x)} is not like 30s, 5m, 1h or 1d`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

function conditionTest(c: unknown): { test: (n: number) => boolean; field: string | null } {
  if (!isMap(c)) return fail('BAD_CORRELATION', 'the correlation condition must be a map such as {gte: 10}');
  const ops: ((n: number) => boolean)[] = [];
  let field: string | null = null;
  for (const [k, v] of Object.entries(c)) {
    if (k === 'field') { field = typeof v === 'string' ? v : fail('BAD_CORRELATION', 'condition.field must be a field name'); continue; }
    const n = typeof v === 'number' ? v : fail('BAD_CORRELATION', `condition.${k} needs a number`);
    if (k === 'gt') ops.push((x) => x > n);
    else if (k === 'gte') ops.push((x) => x >= n);
    else if (k === 'lt') ops.push((x) => x < n);
    else if (k === 'lte') ops.push((x) => x <= n);
    else if (k === 'eq') ops.push((x) => x === n);
    else if (k === 'neq') ops.push((x) => x !== n);
    else fail('BAD_CORRELATION', `condition operator "${k}" is not gt, gte, lt, lte, eq or neq`);
  }
  if (!ops.length) fail('BAD_CORRELATION', 'the correlation condition has no comparison');
  return { test: (x) => ops.every((op) => op(x)), field };
}

/** Compiles a correlation document; `lookup` finds a base rule by name or id. */
export function compileCorrelation(doc: Doc, where: string, lookup: (ref: string) => CompiledRule | null): CompiledCorrelation {
  const meta = ruleMeta(doc, where);
  const c = isMap(doc.correlation) ? doc.correlation : fail('BAD_CORRELATION', `${where}: no correlation section`);
  const type = c.type as CorrelationType;
  if (!['event_count', 'value_count', 'temporal', 'temporal_ordered'].includes(type)) {
    fail('BAD_CORRELATION', `type ${JSON.stringify(c.type)} is not event_count, value_count, temporal or temporal_ordered`);
  }
  const refs = Array.isArray(c.rules) ? c.rules : typeof c.rules === 'string' ? [c.rules] : fail('BAD_CORRELATION', 'rules: list the rules it correlates');
  const ruleIds = refs.map((r) => {
    const found = typeof r === 'string' ? lookup(r) : null;
    return found ? found.id : fail('UNKNOWN_RULE_REFERENCE', `rule ${JSON.stringify(r)} is not loaded (by name or id)`);
  });
  const groupBy = c['group-by'] === undefined ? [] : Array.isArray(c['group-by']) ? c['group-by'].map(String) : [String(c['group-by'])];
  const aliases = new Map<string, Map<string, string>>();
  if (c.aliases !== undefined) {
    if (!isMap(c.aliases)) fail('BAD_CORRELATION', 'aliases must map an alias to {rule: field}');
    for (const [alias, per] of Object.entries(c.aliases as Doc)) {
      if (!isMap(per)) fail('BAD_CORRELATION', `alias ${alias} must map rules to fields`);
      const m = new Map<string, string>();
      for (const [ref, field] of Object.entries(per as Doc)) {
        const rule = lookup(ref) ?? fail('UNKNOWN_RULE_REFERENCE', `alias ${alias}: rule "${ref}" is not loaded`);
        m.set(rule.id, String(field));
      }
      aliases.set(alias, m);
    }
  }
  const timespanMs = parseTimespan(c.timespan ?? c.timeframe);
  let test: CompiledCorrelation['test'] = null;
  let field: string | null = null;
  if (type === 'event_count' || type === 'value_count') {
    const t = conditionTest(c.condition);
    test = t.test;
    field = t.field;
    if (type === 'value_count' && !field) fail('BAD_CORRELATION', 'value_count needs condition.field: the field whose distinct values are counted');
  } else if (type === 'temporal_ordered' && ruleIds.length < 2) fail('BAD_CORRELATION', 'temporal_ordered needs at least two rules');
  return { ...meta, type, ruleIds, groupBy, aliases, timespanMs, field, test };
}

/** The recent base-rule events of one group, kept for the finding (the newest MAX_EVENTS). */
const MAX_EVENTS = 50;
/** Distinct values a value_count group remembers at most. */
const MAX_VALUES = 10_000;

/**
 * What one group (one set of group-by values) remembers, in a form that makes each new event cost O(1) or
 * O(steps): a process that runs `id` ten thousand times a minute must not make every run slower.
 */
interface Group {
  last: number;
  /** event_count: the times of the events in the window, oldest first (head = first still counted). */
  times: number[];
  head: number;
  /** value_count: each value's latest time. */
  values: Map<string, number>;
  /** temporal: each base rule's latest time. */
  lastByRule: Map<string, number>;
  /** temporal_ordered: progress[k] = start time of the latest chain that has done steps 0..k in order. */
  progress: number[];
  /** temporal_ordered: the event that did step k of that chain (one event is never two steps). */
  stepEvent: number[];
  recent: { at: number; event: TelemetryEvent }[];
}

/** A correlation firing: the events that made it, oldest first. */
export interface CorrelationFinding { correlation: CompiledCorrelation; events: TelemetryEvent[]; group: Record<string, string | null> }

export class CorrelationState {
  private readonly groups = new Map<string, Group>();

  constructor(readonly rule: CompiledCorrelation) {}

  /** A base rule matched: returns a finding when this correlation's condition is now met for the group. */
  add(base: CompiledRule, fields: EventFields): CorrelationFinding | null {
    const c = this.rule;
    const at = Date.parse(fields.event['@timestamp']);
    const groupVals = c.groupBy.map((g) => {
      const f = c.aliases.get(g)?.get(base.id) ?? g;
      const v = fields.get(f);
      return v === undefined || v === null ? null : Array.isArray(v) ? v.join(' ') : String(v);
    });
    const key = JSON.stringify(groupVals);
    let g = this.groups.get(key);
    if (!g) {
      if (this.groups.size >= MAX_GROUPS) this.evictOldest();
      g = { last: at, times: [], head: 0, values: new Map(), lastByRule: new Map(), progress: [], stepEvent: [], recent: [] };
      this.groups.set(key, g);
    }
    g.last = Math.max(g.last, at);
    g.recent.push({ at, event: fields.event });
    if (g.recent.length > MAX_EVENTS) g.recent.shift();
    if (!this.record(g, base.id, at, fields)) return null;
    this.groups.delete(key); // fired: the next finding needs new events
    const since = at - c.timespanMs;
    return {
      correlation: c, events: g.recent.filter((r) => r.at >= since).map((r) => r.event),
      group: Object.fromEntries(c.groupBy.map((name, i) => [name, groupVals[i]!])),
    };
  }

  /** Adds one base-rule event to the group; whether the condition is now met. */
  private record(g: Group, ruleId: string, at: number, fields: EventFields): boolean {
    const c = this.rule;
    const since = at - c.timespanMs;
    switch (c.type) {
      case 'event_count': {
        g.times.push(at);
        while (g.head < g.times.length && g.times[g.head]! < since) g.head++;
        if (g.head > 1024 && g.head * 2 > g.times.length) { g.times = g.times.slice(g.head); g.head = 0; }
        return c.test!(g.times.length - g.head);
      }
      case 'value_count': {
        const v = fields.get(c.field!);
        if (v !== undefined && v !== null) {
          const value = Array.isArray(v) ? v.join(' ') : String(v);
          g.values.delete(value); // re-insert: the map stays in order of latest time
          g.values.set(value, at);
        }
        for (const [value, t] of g.values) { if (t >= since && g.values.size <= MAX_VALUES) break; g.values.delete(value); }
        return c.test!(g.values.size);
      }
      case 'temporal': {
        g.lastByRule.set(ruleId, at);
        return c.ruleIds.every((id) => (g.lastByRule.get(id) ?? -Infinity) >= since);
      }
      case 'temporal_ordered': {
        // Latest step first, and never from a step this same event did: one event is one step of a chain,
        // even when it matches several of the rules (or this rule sits at several places).
        const eventId = fields.event.id;
        for (let k = c.ruleIds.length - 1; k >= 0; k--) {
          if (c.ruleIds[k] !== ruleId) continue;
          if (k === 0) { g.progress[0] = at; g.stepEvent[0] = eventId; continue; }
          const start = g.progress[k - 1];
          if (start === undefined || start < since || g.stepEvent[k - 1] === eventId) continue;
          if (start >= (g.progress[k] ?? -Infinity)) { g.progress[k] = start; g.stepEvent[k] = eventId; }
        }
        const done = g.progress[c.ruleIds.length - 1];
        return done !== undefined && done >= since;
      }
    }
  }

  private evictOldest(): void {
    let oldestKey: string | null = null;
    let oldest = Infinity;
    for (const [k, g] of this.groups) if (g.last < oldest) { oldest = g.last; oldestKey = k; }
    if (oldestKey !== null) this.groups.delete(oldestKey);
  }
}
