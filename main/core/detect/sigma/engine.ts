// Loading Sigma rule files (every rule reports loaded or a coded reason) and running them on events.
// Rules are compiled once and indexed by the event kind and action their logsource sees; within those, a
// literal prefilter (plan.ts, prefilter.ts) picks the few whose necessary text occurs in the event. Field
// values are read and lower-cased once per event, whichever route reads them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { EventKind, TelemetryEvent } from '../../../../preload/contract/index.js';
import { CorrelationState, compileCorrelation, type CompiledCorrelation, type CorrelationFinding } from './correlation.js';
import { SigmaError, type SigmaErrorCode } from './errors.js';
import { EventFields, type LogsourceRoute } from './fields.js';
import { EventPlan } from './plan.js';
import { compileRule, type CompiledRule, type RuleOptions } from './rule.js';

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
export function loadRules(sources: readonly RuleSource[], o: RuleOptions & { baseDir?: string } = {}): LoadedRules {
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
export function loadRuleFolders(folders: readonly string[], o: RuleOptions & { baseDir?: string } = {}): LoadedRules {
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

/** What most events find: one empty list, not a new one per event. */
const NOTHING: SigmaFinding[] = [];
Object.freeze(NOTHING);

export class SigmaEngine {
  /** kind/action -> the plan for such events. */
  private readonly index = new Map<string, { action: string; plan: EventPlan<CorrelationState[] | null> }[]>();
  private readonly correlationsByRule = new Map<string, CorrelationState[]>();
  private evaluated = 0;
  private fields: EventFields | null = null;
  /** The last event's kind, action and plan: events come in runs of one kind. */
  private lastKind = '';
  private lastAction = '';
  private lastPlan: EventPlan<CorrelationState[] | null> | null = null;

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

  /** The plan for events of this kind and action (built on first sight of the pair). */
  private planFor(kind: string, action: string): EventPlan<CorrelationState[] | null> {
    // A handful of actions per kind: a scan comparing strings beats hashing them for every event.
    let byAction = this.index.get(kind);
    if (!byAction) { byAction = []; this.index.set(kind, byAction); }
    for (let i = 0; i < byAction.length; i++) if (byAction[i]!.action === action) return byAction[i]!.plan;
    // Grouped by route, so consecutive candidates rarely switch the field mapping.
    const byRoute = new Map<LogsourceRoute, CompiledRule[]>();
    for (const r of this.rules) {
      if (r.kinds && !r.kinds.has(kind as EventKind)) continue;
      if (!r.route.events.some((e) => e.kind === kind && (e.actions === null || e.actions.includes(action)))) continue;
      const list = byRoute.get(r.route) ?? [];
      list.push(r);
      byRoute.set(r.route, list);
    }
    const entries = [...byRoute].flatMap(([route, rules]) => rules.map((rule) => ({ rule, route, feeds: this.correlationsByRule.get(rule.id) ?? null })));
    const plan = new EventPlan(entries, this.o.prefilter !== false);
    byAction.push({ action, plan });
    return plan;
  }

  /** Runs every rule that can see this event; returns what matched (correlations included). */
  evaluate(event: TelemetryEvent): readonly SigmaFinding[] {
    this.evaluated++;
    let out: SigmaFinding[] = NOTHING;
    const kind = event.event.kind;
    const action = event.event.action;
    const plan = kind === this.lastKind && action === this.lastAction ? this.lastPlan! : this.planFor(kind, action);
    this.lastKind = kind;
    this.lastAction = action;
    this.lastPlan = plan;
    const entries = plan.entries;
    if (!entries.length) return out;
    const fields = this.fields ? this.fields.reset(event, entries[0]!.route) : (this.fields = new EventFields(event, entries[0]!.route));
    for (const i of plan.candidates(fields)) {
      const { rule, route, feeds: correlations } = entries[i]!;
      if (!rule.matches(fields.use(route))) continue;
      if (out === NOTHING) out = [];
      if (rule.generate) out.push({ rule, event, events: [event] });
      if (correlations) {
        for (const state of correlations) {
          const f: CorrelationFinding | null = state.add(rule, fields);
          if (f) out.push({ rule: f.correlation, event, events: f.events });
        }
      }
    }
    return out;
  }

  get eventsEvaluated(): number {
    return this.evaluated;
  }
}
