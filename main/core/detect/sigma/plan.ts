// Which rules are worth running on an event. Per event kind and action, one plan holds every rule that can
// see such events (all logsource routes together) and one prefilter over the event's sources: what each
// source's value says about the rules' anchor clauses (prefilter.ts). A rule runs once all of its clauses
// hold; rules without anchors always run.
import { argIndexOf, KEYWORD_SOURCES, slotOfSource, sourceOf, type EventFields, type LogsourceRoute } from './fields.js';
import type { Scalar } from './modifiers.js';
import { LiteralSet, type Anchor } from './prefilter.js';
import { KEYWORDS, type CompiledRule } from './rule.js';

/** One rule as an event kind/action sees it: the rule, its logsource route, and what it feeds. */
export interface PlanEntry<T = unknown> { rule: CompiledRule; route: LogsourceRoute; feeds: T }

/** The prefilter's pseudo-slot for the joined keyword text (a keyword literal spanning two fields). */
const KEYWORD_TEXT = -1;
const ARGS_SLOT = slotOfSource('process.args');
const COMMAND_LINE_SLOT = slotOfSource('process.command_line');

/** What follows the last '/' ('' when there is none: no `endswith: /name` can hold then). */
const lastSegment = (path: string) => { const i = path.lastIndexOf('/'); return i < 0 ? '' : path.slice(i + 1); };

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

/** Per-event marks: which clauses held (stamped, so nothing is cleared between events), in the order seen. */
interface ClauseMarks { marks: Uint32Array; stamp: number; held: number[] }

function markAll(ids: ArrayLike<number>, m: ClauseMarks): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (m.marks[id] !== m.stamp) { m.marks[id] = m.stamp; m.held.push(id); }
  }
}

/** What most values make hold: nothing (one shared empty list). */
const NO_CLAUSES = new Uint32Array(0);

/** A value seen before: its lower-cased text and the clauses it makes hold. */
interface Known { lower: string | null; clauses: Uint32Array }

/**
 * What one event source tells the prefilter: literals found in its text (Aho-Corasick), its whole value or
 * last path segment equal to a literal (hash lookups). Executables, parents, folders, users and file paths
 * repeat from event to event, so the answer is remembered per distinct value; for a source whose values
 * rarely repeat (command lines, mostly) remembering costs more than it saves, and is paused.
 */
class SlotProbe {
  private readonly set: LiteralSet | null = null;
  private readonly exact = new Map<string, number[]>();
  private readonly basenames = new Map<string, number[]>();
  private readonly known = new Map<Scalar, Known>();
  /** Probe-local marks, to collect one value's clauses whatever this event has already marked. */
  private readonly own: ClauseMarks;
  private lookups = 0;
  private repeats = 0;
  /** Events left before remembering is tried again (0: remembering). */
  private paused = 0;

  /** Equalities alone are one lookup anyway: remembering pays where there is text to scan or to cut. */
  private readonly remembers: boolean;

  constructor(readonly slot: number, clauseCount: number, anchors: { literals: { literal: string; id: number }[]; anchors: [Anchor, number][] }) {
    this.own = { marks: new Uint32Array(clauseCount), stamp: 0, held: [] };
    if (anchors.literals.length) this.set = new LiteralSet(anchors.literals);
    for (const [a, clauseId] of anchors.anchors) {
      const byValue = a.basename ? this.basenames : this.exact;
      const ids = byValue.get(a.literal) ?? [];
      if (!ids.includes(clauseId)) ids.push(clauseId);
      byValue.set(a.literal, ids);
    }
    this.remembers = this.set !== null || this.basenames.size > 0;
  }

  /** Marks the clauses this event's value of the source makes hold. */
  probe(fields: EventFields, m: ClauseMarks): void {
    if (this.slot === KEYWORD_TEXT) { this.set!.mark(fields.keywordText(), m.marks, m.stamp, m.held); return; }
    const v = fields.valueAt(this.slot);
    if (v === undefined || v === null) return;
    if (Array.isArray(v)) { this.probeList(v as readonly Scalar[], fields, m); return; }
    if (!this.remembers || this.paused > 0 || (typeof v === 'string' && v.length > REMEMBER_MAX_LENGTH)) {
      if (this.paused > 0) this.paused--;
      this.probeText(fields.lowerAt(this.slot)!, m);
      return;
    }
    const k = this.known.get(v as Scalar);
    if (k) {
      this.repeats++;
      fields.knowLower(this.slot, k.lower);
      markAll(k.clauses, m);
    } else {
      const lower = fields.lowerAt(this.slot)!;
      const own = this.own;
      if (++own.stamp === 0xffffffff) { own.marks.fill(0); own.stamp = 1; }
      own.held.length = 0;
      this.probeText(lower, own);
      const clauses = own.held.length ? Uint32Array.from(own.held) : NO_CLAUSES;
      if (this.known.size >= KNOWN_MAX) this.known.clear();
      this.known.set(v as Scalar, { lower, clauses });
      markAll(clauses, m);
    }
    if (++this.lookups === WINDOW) {
      if (this.repeats < WINDOW / 4) { this.paused = PAUSE; this.known.clear(); }
      this.lookups = this.repeats = 0;
    }
  }

  private probeText(lower: string, m: ClauseMarks): void {
    if (this.set) this.set.mark(lower, m.marks, m.stamp, m.held);
    if (this.exact.size) { const ids = this.exact.get(lower); if (ids) markAll(ids, m); }
    if (this.basenames.size) { const ids = this.basenames.get(lastSegment(lower)); if (ids) markAll(ids, m); }
  }

  /** A list source (argv, environment): its items joined for literals, each item for equalities. */
  private probeList(v: readonly Scalar[], fields: EventFields, m: ClauseMarks): void {
    if (this.set) this.set.mark(fields.textAt(this.slot)!, m.marks, m.stamp, m.held);
    for (const x of v) {
      if (x === null) continue;
      const lower = String(x).toLowerCase();
      const ids = this.exact.get(lower);
      if (ids) markAll(ids, m);
      const byName = this.basenames.get(lastSegment(lower));
      if (byName) markAll(byName, m);
    }
  }
}

/**
 * auditd's a0..a9 equalities: the items of an exec event's argv, each looked up in the table for its
 * position (one read of the argv instead of one derived source per position).
 */
class ArgvProbe {
  private readonly byIndex: Map<string, number[]>[] = [];
  size = 0;

  add(index: number, literal: string, clauseId: number): void {
    const values = this.byIndex[index] ??= new Map();
    this.size++;
    const ids = values.get(literal) ?? [];
    if (!ids.includes(clauseId)) ids.push(clauseId);
    values.set(literal, ids);
  }

  probe(fields: EventFields, m: ClauseMarks): void {
    if (fields.event.event.kind !== 'process') return; // ($argN is only an exec's argv, as fields.ts reads it)
    const argv = fields.valueAt(ARGS_SLOT);
    if (!Array.isArray(argv)) return;
    const end = Math.min(argv.length, this.byIndex.length);
    for (let n = 0; n < end; n++) {
      const values = this.byIndex[n];
      const x = (argv as readonly Scalar[])[n];
      if (!values || x === null || x === undefined) continue;
      const ids = values.get(String(x).toLowerCase());
      if (ids) markAll(ids, m);
    }
  }
}

/** Per source: distinct values remembered at most (then forgotten all at once), and the longest one. */
const KNOWN_MAX = 4096;
const REMEMBER_MAX_LENGTH = 512;
/** Remembering pauses for PAUSE events when fewer than a quarter of WINDOW lookups were repeats. */
const WINDOW = 1024;
const PAUSE = 16_384;

/**
 * Every rule an event of one kind and action can meet, and which of them to run on a given event: each
 * source the anchors read is probed once, whichever routes and Sigma field names read it.
 */
export class EventPlan<T = unknown> {
  private readonly always: number[] = [];
  private readonly probes: (SlotProbe | ArgvProbe)[] = [];
  /** Clause id -> its entry; per entry, how many clauses must hold. */
  private readonly entryOf: Uint32Array;
  private readonly need: Uint8Array;
  private readonly clauses: ClauseMarks;
  /** Per entry (stamped like the clauses): how many of its clauses held on this event. */
  private readonly entryMarks: Uint32Array;
  private readonly held: Uint8Array;
  private readonly found: number[] = [];

  constructor(readonly entries: PlanEntry<T>[], prefilter: boolean) {
    const entryOf: number[] = [];
    const bySlot = new Map<number, { literals: { literal: string; id: number }[]; anchors: [Anchor, number][] }>();
    this.need = new Uint8Array(entries.length);
    entries.forEach(({ rule, route }, id) => {
      if (!rule.anchors || !prefilter) { this.always.push(id); return; }
      this.need[id] = rule.anchors.length;
      for (const clause of rule.anchors) {
        const clauseId = entryOf.length;
        entryOf.push(id);
        for (const a of clause) {
          for (const slot of anchorSlots(route, a)) {
            const at = bySlot.get(slot) ?? { literals: [], anchors: [] };
            bySlot.set(slot, at);
            if (a.exact) at.anchors.push([a, clauseId]); else at.literals.push({ literal: a.literal, id: clauseId });
          }
        }
      }
    });
    this.entryOf = Uint32Array.from(entryOf);
    this.clauses = { marks: new Uint32Array(entryOf.length), stamp: 0, held: [] };
    this.entryMarks = new Uint32Array(entries.length);
    this.held = new Uint8Array(entries.length);
    const argv = new ArgvProbe();
    for (const [slot, anchors] of bySlot) {
      if (argIndexOf(slot) >= 0 && !anchors.literals.length && anchors.anchors.every(([a]) => !a.basename)) {
        for (const [a, clauseId] of anchors.anchors) argv.add(argIndexOf(slot), a.literal, clauseId);
      } else {
        this.probes.push(new SlotProbe(slot, entryOf.length, anchors));
      }
    }
    if (argv.size) this.probes.push(argv);
  }

  /** The entries worth running on this event, in entry order (a list reused from event to event). */
  candidates(fields: EventFields): readonly number[] {
    const c = this.clauses;
    if (++c.stamp === 0xffffffff) { c.marks.fill(0); this.entryMarks.fill(0); c.stamp = 1; }
    const { found, entryOf, entryMarks, held, need } = this;
    const stamp = c.stamp;
    found.length = 0;
    c.held.length = 0;
    for (const id of this.always) found.push(id);
    for (const p of this.probes) p.probe(fields, c);
    // An entry is a candidate once all its clauses held.
    for (let i = 0; i < c.held.length; i++) {
      const e = entryOf[c.held[i]!]!;
      if (entryMarks[e] !== stamp) { entryMarks[e] = stamp; held[e] = 0; }
      held[e] = held[e]! + 1;
      if (held[e] === need[e]) found.push(e);
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
}
