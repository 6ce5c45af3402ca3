// Loading Sigma rule files (every rule reports loaded or a coded reason) and running them on events.
// Rules are compiled once and indexed by the event kind and action their logsource sees; within those, a
// literal prefilter (prefilter.ts) picks the few whose necessary text occurs in the event. Field values are
// read and lower-cased once per event and route.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { TelemetryEvent } from '../../../../preload/contract/index.js';
import { CorrelationState, compileCorrelation, type CompiledCorrelation, type CorrelationFinding } from './correlation.js';
import { SigmaError, type SigmaErrorCode } from './errors.js';
import { EventFields, type LogsourceRoute } from './fields.js';
import type { ItemOptions } from './modifiers.js';
import { LiteralSet } from './prefilter.js';
import { compileRule, KEYWORDS, type CompiledRule } from './rule.js';

export interface RuleLoadResult {
  file: string;
  /** Document number in the file (multi-document YAML), from 0. */
  doc: number;
  id: string | null;
  title: string | null;
  kind: 'rule' | 'correlation';
  logsource: string | null;
  loaded: boolean;
  code: SigmaErrorCode | null;
  message: string | null;
  /** Loaded, with a limit worth knowing (e.g. fields Mamori never fills). */
  note: string | null;
}

export interface RuleSource { file: string; text: string }

export interface LoadedRules {
  rules: CompiledRule[];
  correlations: CompiledCorrelation[];
  results: RuleLoadResult[];
}

const MAX_RULE_BYTES = 1024 * 1024;

/** Every .yml/.yaml under these folders (not following symlinks), sorted; unreadable ones as results. */
export function readRuleFolders(dirs: readonly string[]): { sources: RuleSource[]; problems: RuleLoadResult[] } {
  const sources: RuleSource[] = [];
  const problems: RuleLoadResult[] = [];
  const walk = (root: string, dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch (err) {
      problems.push(problem(dir, `cannot read the folder: ${(err as Error).message}`));
      return;
    }
    for (const d of entries) {
      const p = join(dir, d.name);
      if (d.isDirectory()) walk(root, p);
      else if (d.isFile() && /\.ya?ml$/i.test(d.name)) {
        try {
          if (statSync(p).size > MAX_RULE_BYTES) { problems.push(problem(p, 'larger than 1 MiB: not a rule file')); continue; }
          sources.push({ file: p, text: readFileSync(p, 'utf8') });
        } catch (err) {
          problems.push(problem(p, `cannot read the file: ${(err as Error).message}`));
        }
      }
    }
  };
  for (const d of dirs) walk(d, d);
  return { sources, problems };
  function problem(file: string, message: string): RuleLoadResult {
    return { file, doc: 0, id: null, title: null, kind: 'rule', logsource: null, loaded: false, code: 'YAML_SYNTAX', message, note: null };
  }
}

/** Parses and compiles every document; a bad one is a result with its code, never an exception. */
export function loadRules(sources: readonly RuleSource[], o: ItemOptions & { baseDir?: string } = {}): LoadedRules {
  const rules: CompiledRule[] = [];
  const results: RuleLoadResult[] = [];
  const pendingCorrelations: { doc: Record<string, unknown>; result: RuleLoadResult }[] = [];
  const byRef = new Map<string, CompiledRule>();
  for (const src of sources) {
    const file = o.baseDir ? relative(o.baseDir, src.file) || src.file : src.file;
    let docs;
    try {
      docs = parseAllDocuments(src.text, { uniqueKeys: true });
    } catch (err) {
      results.push(result(file, 0, null, false, 'YAML_SYNTAX', (err as Error).message));
      continue;
    }
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((d, i) => {
      if (d.errors.length) { results.push(result(file, i, null, false, 'YAML_SYNTAX', d.errors[0]!.message.split('\n')[0]!)); return; }
      const doc = d.toJS({ maxAliasCount: 100 }) as unknown;
      if (doc === null || doc === undefined) return; // an empty document (a trailing ---)
      if (typeof doc !== 'object' || Array.isArray(doc)) { results.push(result(file, i, null, false, 'NOT_A_RULE', 'the document is not a map')); return; }
      const rec = doc as Record<string, unknown>;
      const base = result(file, i, rec, true, null, null);
      if (rec.correlation !== undefined) { base.kind = 'correlation'; pendingCorrelations.push({ doc: rec, result: base }); results.push(base); return; }
      try {
        const { note, ...rule } = compileRule(rec, `${file}#${i}`, o);
        if (byRef.has(rule.id)) throw new SigmaError('DUPLICATE_ID', `id ${rule.id} is used by another rule`);
        rules.push(rule);
        byRef.set(rule.id, rule);
        if (rule.name) byRef.set(rule.name, rule);
        base.note = note;
      } catch (err) {
        fillError(base, err);
      }
      results.push(base);
    });
  }
  // Correlations after every rule, so they may refer to rules in any file.
  const correlations: CompiledCorrelation[] = [];
  for (const { doc, result: r } of pendingCorrelations) {
    try {
      const c = compileCorrelation(doc, `${r.file}#${r.doc}`, (ref) => byRef.get(ref) ?? null);
      correlations.push(c);
      // Sigma 2: base rules of a correlation stay quiet unless the correlation says generate: true.
      const generate = (doc.correlation as Record<string, unknown>).generate === true;
      if (!generate) for (const id of c.ruleIds) { const base = byRef.get(id); if (base) base.generate = false; }
    } catch (err) {
      fillError(r, err);
    }
  }
  return { rules, correlations, results };
}

/** Every rule under these folders, loaded: unreadable files are results too (with their reason). */
export function loadRuleFolders(folders: readonly string[], o: ItemOptions & { baseDir?: string } = {}): LoadedRules {
  const { sources, problems } = readRuleFolders(folders);
  const loaded = loadRules(sources, o);
  return { ...loaded, results: [...problems, ...loaded.results] };
}

function result(file: string, doc: number, rec: Record<string, unknown> | null, loaded: boolean, code: SigmaErrorCode | null, message: string | null): RuleLoadResult {
  const ls = rec && rec.logsource && typeof rec.logsource === 'object' ? rec.logsource as Record<string, unknown> : null;
  return {
    file, doc, id: typeof rec?.id === 'string' ? rec.id : null, title: typeof rec?.title === 'string' ? rec.title : null, kind: 'rule',
    logsource: ls ? (typeof ls.category === 'string' ? ls.category : typeof ls.service === 'string' ? `service:${ls.service}` : null) : null,
    loaded, code, message, note: null,
  };
}

function fillError(r: RuleLoadResult, err: unknown): void {
  r.loaded = false;
  if (err instanceof SigmaError) { r.code = err.code; r.message = err.message; return; }
  r.code = 'BAD_DETECTION';
  r.message = (err as Error).message;
}

/** A rule (or correlation) that matched. */
export interface SigmaFinding {
  rule: CompiledRule | CompiledCorrelation;
  event: TelemetryEvent;
  /** Correlations: every event that made it, oldest first. */
  events: TelemetryEvent[];
}

const byNumber = (a: number, b: number) => a - b;

/** The rules one route shows an event of some kind/action, with their prefilter. */
class RouteGroup {
  /** Indices of rules with no anchor: they always run. */
  private readonly always: number[] = [];
  private readonly sets: { field: string; set: LiteralSet }[] = [];
  private readonly marks: Uint32Array;
  private stamp = 0;
  private readonly found: number[] = [];

  /** correlations[i]: the correlations rule i feeds (null: none). */
  constructor(readonly route: LogsourceRoute, readonly rules: CompiledRule[], prefilter: boolean,
    readonly correlations: (CorrelationState[] | null)[]) {
    this.marks = new Uint32Array(rules.length);
    const byField = new Map<string, { literal: string; id: number }[]>();
    rules.forEach((r, id) => {
      if (!r.anchors || !prefilter) { this.always.push(id); return; }
      for (const a of r.anchors) {
        const list = byField.get(a.field) ?? [];
        list.push({ literal: a.literal, id });
        byField.set(a.field, list);
      }
    });
    for (const [field, entries] of byField) this.sets.push({ field, set: new LiteralSet(entries) });
  }

  /** The rules worth running on this event, in rule order (a list reused from event to event). */
  candidates(fields: EventFields): readonly number[] {
    if (++this.stamp === 0xffffffff) { this.marks.fill(0); this.stamp = 1; }
    const found = this.found;
    found.length = 0;
    for (const id of this.always) { this.marks[id] = this.stamp; found.push(id); }
    for (const { field, set } of this.sets) {
      const text = field === KEYWORDS ? fields.keywordText() : fields.prefilterText(field);
      if (text !== null) set.mark(text, this.marks, this.stamp, found);
    }
    if (found.length > 1) found.sort(byNumber);
    return found;
  }
}

export class SigmaEngine {
  /** kind/action -> the routes (with their rules) that see such an event. */
  private readonly index = new Map<string, Map<string, RouteGroup[]>>();
  private readonly correlationsByRule = new Map<string, CorrelationState[]>();
  private evaluated = 0;

  /** `prefilter: false` runs every rule on every event it can see (tests compare the two). */
  constructor(readonly rules: readonly CompiledRule[], readonly correlations: readonly CompiledCorrelation[] = [], private readonly o: { prefilter?: boolean } = {}) {
    for (const c of correlations) {
      const state = new CorrelationState(c);
      for (const id of new Set(c.ruleIds)) {
        const list = this.correlationsByRule.get(id) ?? [];
        list.push(state);
        this.correlationsByRule.set(id, list);
      }
    }
  }

  /** The rules an event of this kind and action is shown (built on first sight of the pair). */
  private groupsFor(kind: string, action: string): RouteGroup[] {
    let byAction = this.index.get(kind);
    if (!byAction) { byAction = new Map(); this.index.set(kind, byAction); }
    let groups = byAction.get(action);
    if (groups) return groups;
    const byRoute = new Map<LogsourceRoute, CompiledRule[]>();
    for (const r of this.rules) {
      if (!r.route.events.some((e) => e.kind === kind && (e.actions === null || e.actions.includes(action)))) continue;
      const list = byRoute.get(r.route) ?? [];
      list.push(r);
      byRoute.set(r.route, list);
    }
    groups = [...byRoute].map(([route, rules]) => new RouteGroup(route, rules, this.o.prefilter !== false,
      rules.map((r) => this.correlationsByRule.get(r.id) ?? null)));
    byAction.set(action, groups);
    return groups;
  }

  /** Runs every rule that can see this event; returns what matched (correlations included). */
  evaluate(event: TelemetryEvent): SigmaFinding[] {
    this.evaluated++;
    const out: SigmaFinding[] = [];
    const groups = this.groupsFor(event.event.kind, event.event.action);
    if (!groups.length) return out;
    const fields = new EventFields(event, groups[0]!.route);
    for (const g of groups) {
      fields.use(g.route);
      for (const i of g.candidates(fields)) {
        const rule = g.rules[i]!;
        if (!rule.matches(fields)) continue;
        if (rule.generate) out.push({ rule, event, events: [event] });
        const states = g.correlations[i];
        if (states) {
          for (const state of states) {
            const f: CorrelationFinding | null = state.add(rule, fields);
            if (f) out.push({ rule: f.correlation, event, events: f.events });
          }
        }
      }
    }
    return out;
  }

  get eventsEvaluated(): number {
    return this.evaluated;
  }
}
