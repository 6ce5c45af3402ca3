// Loading Sigma rule files (every rule reports loaded or a coded reason) and running them on events.
// Rules are compiled once and indexed by the event kind and action their logsource sees; within those, a
// literal prefilter (prefilter.ts) picks the few whose necessary text occurs in the event. Field values are
// read and lower-cased once per event, whichever route reads them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { TelemetryEvent } from '../../../../preload/contract/index.js';
import { CorrelationState, compileCorrelation, type CompiledCorrelation, type CorrelationFinding } from './correlation.js';
import { SigmaError, type SigmaErrorCode } from './errors.js';
import { EventFields, KEYWORD_SOURCES, slotOfSource, sourceOf, type LogsourceRoute } from './fields.js';
import type { ItemOptions } from './modifiers.js';
import { LiteralSet, type Anchor } from './prefilter.js';
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

/** The prefilter's pseudo-slot for the joined keyword text (a keyword literal spanning two fields). */
const KEYWORD_TEXT = -1;
const ARGS_SLOT = slotOfSource('process.args');
const COMMAND_LINE_SLOT = slotOfSource('process.command_line');

/** What follows the last '/' ('' when there is none: no `endswith: /name` can hold then). */
const lastSegment = (path: string) => { const i = path.lastIndexOf('/'); return i < 0 ? '' : path.slice(i + 1); };

/** One rule as an event kind/action sees it: the rule, its logsource route, the correlations it feeds. */
interface PlanEntry { rule: CompiledRule; route: LogsourceRoute; correlations: CorrelationState[] | null }

/** Where an anchor is looked for: the event sources (slots) whose text must hold it. */
function anchorSlots(route: LogsourceRoute, a: Anchor): number[] {
  if (a.field === KEYWORDS) return a.literal.includes('\n') ? [KEYWORD_TEXT] : KEYWORD_SOURCES.map(slotOfSource);
  const src = sourceOf(route, a.field)!;
  // auditd's a0..a9 are process.args items. The sensors build process.command_line from the same args,
  // quoting only with ' (commandLine()), so a literal without ' inside an arg is inside the command line,
  // which the process_creation rules scan anyway.
  if (!a.exact && /^\$arg\d$/.test(src)) return [a.literal.includes("'") ? ARGS_SLOT : COMMAND_LINE_SLOT];
  return [slotOfSource(src)];
}

/**
 * Every rule an event of one kind and action can meet (all routes together), with one prefilter: an
 * Aho-Corasick pass per event source (scanned once, whichever routes and Sigma field names read it) and a
 * hash lookup per source for equality anchors. Rules without anchors always run.
 */
class EventPlan {
  private readonly always: number[] = [];
  private readonly scans: { slot: number; set: LiteralSet }[] = [];
  private readonly exact: { slot: number; values: Map<string, number[]> }[] = [];
  /** Equality of the last path segment (`Image|endswith: /bash`): a lookup instead of a scan of the path. */
  private readonly basenames: { slot: number; values: Map<string, number[]> }[] = [];
  private readonly marks: Uint32Array;
  private stamp = 0;
  private readonly found: number[] = [];

  constructor(readonly entries: PlanEntry[], prefilter: boolean) {
    this.marks = new Uint32Array(entries.length);
    const literals = new Map<number, { literal: string; id: number }[]>();
    const exact = new Map<number, Map<string, number[]>>();
    const basenames = new Map<number, Map<string, number[]>>();
    entries.forEach(({ rule, route }, id) => {
      if (!rule.anchors || !prefilter) { this.always.push(id); return; }
      for (const a of rule.anchors) {
        for (const slot of anchorSlots(route, a)) {
          if (a.exact) {
            const byValue = a.basename ? basenames : exact;
            const values = byValue.get(slot) ?? new Map<string, number[]>();
            const ids = values.get(a.literal) ?? [];
            if (!ids.includes(id)) ids.push(id);
            values.set(a.literal, ids);
            byValue.set(slot, values);
          } else {
            const list = literals.get(slot) ?? [];
            list.push({ literal: a.literal, id });
            literals.set(slot, list);
          }
        }
      }
    });
    for (const [slot, list] of literals) this.scans.push({ slot, set: new LiteralSet(list) });
    for (const [slot, values] of exact) this.exact.push({ slot, values });
    for (const [slot, values] of basenames) this.basenames.push({ slot, values });
  }

  /** The entries worth running on this event, in entry order (a list reused from event to event). */
  candidates(fields: EventFields): readonly number[] {
    if (++this.stamp === 0xffffffff) { this.marks.fill(0); this.stamp = 1; }
    const { found, marks, stamp } = this;
    found.length = 0;
    for (const id of this.always) { marks[id] = stamp; found.push(id); }
    for (const { slot, set } of this.scans) {
      const text = slot === KEYWORD_TEXT ? fields.keywordText() : fields.textAt(slot);
      if (text !== null) set.mark(text, marks, stamp, found);
    }
    for (const { slot, values } of this.exact) {
      const v = fields.valueAt(slot);
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v)) { this.hit(values.get(fields.lowerAt(slot)!)); continue; }
      for (const x of v as readonly unknown[]) if (x !== null) this.hit(values.get(String(x).toLowerCase()));
    }
    for (const { slot, values } of this.basenames) {
      const v = fields.valueAt(slot);
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v)) { this.hit(values.get(lastSegment(fields.lowerAt(slot)!))); continue; }
      for (const x of v as readonly unknown[]) if (x !== null) this.hit(values.get(lastSegment(String(x).toLowerCase())));
    }
    // In entry order; an insertion sort, as there are a handful (Array.sort with a comparator cost 5 %).
    for (let i = 1; i < found.length; i++) {
      const id = found[i]!;
      let j = i - 1;
      while (j >= 0 && found[j]! > id) { found[j + 1] = found[j]!; j--; }
      found[j + 1] = id;
    }
    return found;
  }

  private hit(ids: number[] | undefined): void {
    if (!ids) return;
    for (const id of ids) if (this.marks[id] !== this.stamp) { this.marks[id] = this.stamp; this.found.push(id); }
  }
}

export class SigmaEngine {
  /** kind/action -> the plan for such events. */
  private readonly index = new Map<string, Map<string, EventPlan>>();
  private readonly correlationsByRule = new Map<string, CorrelationState[]>();
  private evaluated = 0;
  private fields: EventFields | null = null;

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
  private planFor(kind: string, action: string): EventPlan {
    let byAction = this.index.get(kind);
    if (!byAction) { byAction = new Map(); this.index.set(kind, byAction); }
    let plan = byAction.get(action);
    if (plan) return plan;
    // Grouped by route, so consecutive candidates rarely switch the field mapping.
    const byRoute = new Map<LogsourceRoute, CompiledRule[]>();
    for (const r of this.rules) {
      if (!r.route.events.some((e) => e.kind === kind && (e.actions === null || e.actions.includes(action)))) continue;
      const list = byRoute.get(r.route) ?? [];
      list.push(r);
      byRoute.set(r.route, list);
    }
    const entries = [...byRoute].flatMap(([route, rules]) => rules.map((rule) => ({ rule, route, correlations: this.correlationsByRule.get(rule.id) ?? null })));
    plan = new EventPlan(entries, this.o.prefilter !== false);
    byAction.set(action, plan);
    return plan;
  }

  /** Runs every rule that can see this event; returns what matched (correlations included). */
  evaluate(event: TelemetryEvent): SigmaFinding[] {
    this.evaluated++;
    const out: SigmaFinding[] = [];
    const plan = this.planFor(event.event.kind, event.event.action);
    const entries = plan.entries;
    if (!entries.length) return out;
    const fields = this.fields ? this.fields.reset(event, entries[0]!.route) : (this.fields = new EventFields(event, entries[0]!.route));
    for (const i of plan.candidates(fields)) {
      const { rule, route, correlations } = entries[i]!;
      if (!rule.matches(fields.use(route))) continue;
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
