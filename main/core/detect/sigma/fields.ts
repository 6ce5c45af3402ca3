// Where Sigma rules meet Mamori's events, declared as data: which logsources Mamori can feed (and why not
// the others), which events each one sees, and which event field each Sigma field name reads.
// A field given as an ECS path (`process.executable`, `syscall.name`) is read as it is, in any logsource.
import type { EventKind, TelemetryEvent } from '../../../../preload/contract/index.js';
import type { FieldReader, FieldValue, Scalar } from './modifiers.js';

export interface LogsourceRoute {
  /** Event kinds and actions this logsource sees (null: every action of the kind). */
  events: { kind: EventKind; actions: readonly string[] | null }[];
  /** Sigma field -> ECS path or a derived value ($...). */
  fields: Readonly<Record<string, string>>;
  /** Said by `rules check` next to a rule that loads but may see less than on its home platform. */
  note?: string;
  /** Fields of this logsource Mamori knows it cannot fill, with the reason (else a generic one). */
  unmapped?: Readonly<Record<string, string>>;
}

const PROCESS_FIELDS = {
  Image: 'process.executable',
  CommandLine: 'process.command_line',
  ParentImage: 'process.parent.executable',
  ParentCommandLine: 'process.parent.command_line',
  ProcessId: 'process.pid',
  ParentProcessId: 'process.parent.pid',
  User: 'user.name',
  LogonId: 'user.id',
  CurrentDirectory: 'process.working_directory',
  Hashes: '$hashes',
  sha256: 'process.hash.sha256',
  OriginalFileName: 'process.name',
} as const;

export const LOGSOURCES: Readonly<Record<string, LogsourceRoute>> = {
  process_creation: { events: [{ kind: 'process', actions: ['exec'] }], fields: PROCESS_FIELDS },
  process_termination: { events: [{ kind: 'process', actions: ['exit'] }], fields: { ...PROCESS_FIELDS, ExitCode: 'process.exit_code' } },
  network_connection: {
    events: [{ kind: 'network', actions: ['connect', 'accept'] }],
    fields: {
      ...PROCESS_FIELDS,
      DestinationIp: 'destination.ip', DestinationPort: 'destination.port', SourceIp: 'source.ip', SourcePort: 'source.port',
      Initiated: '$initiated', Protocol: 'network.transport', DestinationHostname: 'destination.domain',
    },
    note: 'DestinationHostname: Mamori sees addresses, not DNS names, so host-name items never match yet',
  },
  file_event: {
    events: [{ kind: 'file', actions: ['create', 'modify', 'rename'] }],
    fields: { ...PROCESS_FIELDS, TargetFilename: 'file.path', SourceFilename: 'file.old_path' },
  },
  file_change: { events: [{ kind: 'file', actions: ['modify', 'attrib'] }], fields: { ...PROCESS_FIELDS, TargetFilename: 'file.path' } },
  file_delete: { events: [{ kind: 'file', actions: ['delete'] }], fields: { ...PROCESS_FIELDS, TargetFilename: 'file.path' } },
  file_rename: {
    events: [{ kind: 'file', actions: ['rename'] }],
    fields: { ...PROCESS_FIELDS, TargetFilename: 'file.path', SourceFilename: 'file.old_path' },
  },
  // Mamori's own category for the syscall sensor (ptrace, memfd_create, module loads, setuid family, bind/listen).
  syscall: {
    events: [{ kind: 'syscall', actions: null }, { kind: 'network', actions: ['bind', 'listen'] }],
    fields: { ...PROCESS_FIELDS, SyscallName: 'event.action', TargetProcessId: '$syscall_target_pid' },
  },
  // auditd rules, from the same sensors: EXECVE records are exec events (a0.. = argv), SYSCALL records
  // syscall events, PATH records file events.
  'service:auditd': {
    events: [{ kind: 'process', actions: ['exec'] }, { kind: 'syscall', actions: null }, { kind: 'file', actions: null }],
    fields: {
      type: '$audit_type', SYSCALL: 'event.action', exe: 'process.executable', comm: 'process.name', name: 'file.path',
      uid: 'user.id', euid: 'user.id', auid: 'user.id', cwd: 'process.working_directory',
      ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, `$arg${i}`])),
    },
    note: 'auditd: EXECVE, SYSCALL and PATH records come from Mamori\'s sensors; PATH sees file writes only, not reads',
    unmapped: {
      key: "is the tag of the machine's own audit rules (auditctl -k), which Mamori does not read",
      nametype: 'is a PATH record detail (CREATE, DELETE, ...) that Mamori\'s file events carry as their action instead',
      unit: 'comes from SERVICE_STOP records (systemd), which Mamori does not collect',
    },
  },
};

/** Sources with few distinct values: an anchor on them is a last resort for the prefilter. */
export const COARSE_SOURCES: ReadonlySet<string> = new Set(['user.name', 'user.id', '$initiated', 'event.action', 'network.transport', 'network.type']);

/** Sources whose values repeat from event to event (a program, its parent, a folder): see Anchor.repeats. */
export const REPEATING_SOURCES: ReadonlySet<string> = new Set(['process.executable', 'process.name', 'process.parent.executable',
  'process.parent.command_line', 'process.working_directory']);

/** The auditd record type each event kind stands for (see $audit_type). */
export const AUDIT_TYPE_OF: Readonly<Record<EventKind, string | undefined>> = { process: 'EXECVE', syscall: 'SYSCALL', file: 'PATH', network: undefined };

/** Audit record types Mamori's sensors produce (see $audit_type). */
export const AUDIT_TYPES = new Set(['EXECVE', 'SYSCALL', 'PATH']);

/** Logsources Mamori cannot feed, with the reason `rules check` gives. */
export function unsupportedReason(ls: { product?: string; category?: string; service?: string }): string | null {
  if (ls.product && !['linux', 'unix', 'mamori'].includes(ls.product.toLowerCase())) return `product "${ls.product}": Mamori's sensors are Linux`;
  if (ls.category && ls.service) return `category "${ls.category}" with service "${ls.service}" is not a logsource Mamori knows`;
  if (ls.category) return LOGSOURCES[ls.category] ? null : `category "${ls.category}": no Mamori sensor produces it`;
  if (ls.service) {
    if (LOGSOURCES[`service:${ls.service}`]) return null;
    return `service "${ls.service}": the rule reads that program's log; Mamori does not collect system logs`;
  }
  return 'no category or service: a log-wide keyword rule; Mamori does not collect system logs';
}

export function routeOf(ls: { category?: string; service?: string }): LogsourceRoute | null {
  return (ls.category ? LOGSOURCES[ls.category] : ls.service ? LOGSOURCES[`service:${ls.service}`] : undefined) ?? null;
}

const ECS_ROOTS = new Set(['process', 'user', 'group', 'file', 'destination', 'source', 'network', 'syscall', 'event']);

/** The source a Sigma field reads on this route, or null when Mamori has no such field. */
export function sourceOf(route: LogsourceRoute, field: string): string | null {
  const mapped = route.fields[field];
  if (mapped) return mapped;
  const root = field.split('.')[0]!;
  return field.includes('.') && ECS_ROOTS.has(root) ? field : null;
}

// ---- reading an event --------------------------------------------------------------------------------

type Reader = (e: TelemetryEvent) => FieldValue;

const isScalar = (x: unknown): x is Scalar => x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';

function scalarOrList(cur: unknown): FieldValue {
  if (cur === undefined) return undefined;
  if (cur === null || typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'boolean') return cur;
  if (Array.isArray(cur)) {
    // (argv: no copy per event unless an item is not a scalar)
    for (let i = 0; i < cur.length; i++) if (!isScalar(cur[i])) return cur.filter(isScalar);
    return cur as Scalar[];
  }
  return undefined;
}

// The sources the rules read most, read together as each event arrives, by one function of plain property
// reads: a reader per source called from one site would see every reader and every event shape there and go
// megamorphic (several times slower per read). Their slots are 0..COMMON_SOURCES.length-1.
const COMMON_SOURCES = [
  'process.executable', 'process.command_line', 'process.args', 'process.name', 'process.pid', 'process.working_directory',
  'process.parent.executable', 'process.parent.command_line', 'process.parent.pid', 'user.name', 'user.id', 'file.path',
  'file.old_path', 'destination.ip', 'destination.port', 'event.action', 'process.env_vars', 'process.executable_link',
] as const;

function readCommon(e: TelemetryEvent, out: FieldValue[]): void {
  const p = e.process as TelemetryEvent['process'] | undefined;
  const parent = p?.parent;
  const file = e.file;
  const dest = e.destination;
  out[0] = scalarOrList(p?.executable);
  out[1] = scalarOrList(p?.command_line);
  out[2] = scalarOrList(p?.args);
  out[3] = scalarOrList(p?.name);
  out[4] = scalarOrList(p?.pid);
  out[5] = scalarOrList(p?.working_directory);
  out[6] = scalarOrList(parent?.executable);
  out[7] = scalarOrList(parent?.command_line);
  out[8] = scalarOrList(parent?.pid);
  out[9] = scalarOrList(e.user?.name);
  out[10] = scalarOrList(e.user?.id);
  out[11] = scalarOrList(file?.path);
  out[12] = scalarOrList(file?.old_path);
  out[13] = scalarOrList(dest?.ip);
  out[14] = scalarOrList(dest?.port);
  out[15] = scalarOrList(e.event.action);
  out[16] = scalarOrList(p?.env_vars);
  out[17] = scalarOrList(p?.executable_link);
}

/** A reader for an ECS path: the path split once, not per event. */
function pathReader(path: string): Reader {
  const keys = path.split('.');
  return (e) => {
    let cur: unknown = e;
    for (let i = 0; i < keys.length; i++) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[keys[i]!];
    }
    return scalarOrList(cur);
  };
}

/** Values Mamori computes from an event ($...), each a reader made once. */
function derivedReader(name: string): Reader {
  switch (name) {
    case '$initiated': return (e) => (e.event.action === 'connect' ? 'true' : e.event.action === 'accept' ? 'false' : undefined);
    case '$hashes': return (e) => (e.process.hash?.sha256 ? `SHA256=${e.process.hash.sha256.toUpperCase()}` : undefined);
    case '$audit_type': return (e) => AUDIT_TYPE_OF[e.event.kind];
    case '$syscall_target_pid': return (e) => {
      const a = e.syscall?.args as Record<string, unknown> | undefined;
      const pid = a?.target_pid ?? a?.pid;
      return typeof pid === 'number' ? pid : undefined;
    };
    default: {
      const m = /^\$arg(\d)$/.exec(name);
      if (!m) return () => undefined;
      const n = Number(m[1]);
      return (e) => (e.event.kind === 'process' ? e.process.args?.[n] ?? undefined : undefined);
    }
  }
}

/** Source (ECS path or $derived) -> slot, shared by every event, so per-event caches are arrays, not maps. */
const sourceSlots = new Map<string, number>();
/** Slot -> N for auditd's $argN (process.args[N] of exec events), else -1. */
const argIndexes: number[] = [];
/** Which argv item a slot stands for (auditd's a0..a9), or -1. */
export const argIndexOf = (slot: number): number => argIndexes[slot] ?? -1;
/** Slot -> how to read that source from an event. */
const readers: Reader[] = [];
/** Per route: Sigma field -> slot of its source (-1: Mamori has no such field). */
const fieldSlots = new WeakMap<LogsourceRoute, Map<string, number>>();
const UNSET = Symbol('unset');

/** The slot of a source (an ECS path or a $derived name), made on first use. */
export function slotOfSource(src: string): number {
  let slot = sourceSlots.get(src);
  if (slot === undefined) {
    slot = readers.length;
    sourceSlots.set(src, slot);
    readers.push(src.startsWith('$') ? derivedReader(src) : pathReader(src));
    const arg = /^\$arg(\d)$/.exec(src);
    argIndexes[slot] = arg ? Number(arg[1]) : -1;
  }
  return slot;
}

function slotsOf(route: LogsourceRoute): Map<string, number> {
  let byField = fieldSlots.get(route);
  if (!byField) { byField = new Map(); fieldSlots.set(route, byField); }
  return byField;
}

function slotOf(route: LogsourceRoute, byField: Map<string, number>, field: string): number {
  let slot = byField.get(field);
  if (slot === undefined) {
    const src = sourceOf(route, field);
    slot = src === null ? -1 : slotOfSource(src);
    byField.set(field, slot);
  }
  return slot;
}

COMMON_SOURCES.forEach((src, i) => { if (slotOfSource(src) !== i) throw new Error(`sigma: common source ${src} is not slot ${i}`); });
const COMMON_COUNT = COMMON_SOURCES.length;

/** The slot a Sigma field reads on this route (-1: Mamori has no such field). */
export function fieldSlot(route: LogsourceRoute, field: string): number {
  return slotOf(route, slotsOf(route), field);
}

/** The fields keyword searches look in (EventFields.keywordText joins them). */
export const KEYWORD_SOURCES = ['process.command_line', 'process.executable', 'process.parent.command_line', 'file.path'] as const;
const keywordSlots = KEYWORD_SOURCES.map(slotOfSource);

/**
 * One event as the rules read it: each source value read once and lower-cased once, whatever number of
 * rules and routes ask (process_creation and auditd rules read the same command line). `use(route)`
 * picks how Sigma field names map to sources for the rules about to run.
 */
export class EventFields implements FieldReader {
  private route: LogsourceRoute;
  /** The route's field -> slot table, looked up when a field is first read by name (compiled rules read slots). */
  private byField: Map<string, number> | null = null;
  private readonly values: (FieldValue | typeof UNSET)[] = [];
  private readonly lowers: (string | null | typeof UNSET)[] = [];
  /** Per slot, the event number its cached value belongs to: one object serves every event, no clearing. */
  private readonly valueOf: number[] = [];
  private readonly lowerOf: number[] = [];
  private current = 1;
  private keywords: string | null = null;
  /** The common sources' values (slots 0..COMMON_COUNT-1), read as the event arrives. */
  private readonly common: FieldValue[] = new Array<FieldValue>(COMMON_COUNT).fill(undefined);

  constructor(public event: TelemetryEvent, route: LogsourceRoute) {
    this.route = route;
    readCommon(event, this.common);
  }

  /** Reads another event from now on (the engine keeps one EventFields: thousands of events a second). */
  reset(event: TelemetryEvent, route: LogsourceRoute): this {
    this.event = event;
    this.current++;
    this.keywords = null;
    readCommon(event, this.common);
    return this.use(route);
  }

  use(route: LogsourceRoute): this {
    if (route !== this.route) { this.route = route; this.byField = null; }
    return this;
  }

  get(field: string): FieldValue {
    const i = slotOf(this.route, this.byField ??= slotsOf(this.route), field);
    return i < 0 ? undefined : this.valueAt(i);
  }

  lower(field: string): string | null {
    const i = slotOf(this.route, this.byField ??= slotsOf(this.route), field);
    return i < 0 ? null : this.lowerAt(i);
  }

  valueAt(slot: number): FieldValue {
    if (slot < COMMON_COUNT) return this.common[slot];
    if (this.valueOf[slot] === this.current) { const cached = this.values[slot]; return cached === UNSET ? undefined : cached as FieldValue; }
    const v = readers[slot]!(this.event);
    this.values[slot] = v === undefined ? UNSET : v;
    this.valueOf[slot] = this.current;
    return v;
  }

  /** The lower-cased text of a scalar source (null for absent values and lists). */
  lowerAt(slot: number): string | null {
    if (this.lowerOf[slot] === this.current) { const cached = this.lowers[slot]; return cached === UNSET ? null : cached as string | null; }
    const v = this.valueAt(slot);
    const l = v === undefined || v === null || Array.isArray(v) ? null : String(v).toLowerCase();
    this.lowers[slot] = l === null ? UNSET : l;
    this.lowerOf[slot] = this.current;
    return l;
  }

  /** Seeds the lower-cased text of a slot for this event (the prefilter remembers it per distinct value). */
  knowLower(slot: number, lower: string | null): void {
    this.lowers[slot] = lower === null ? UNSET : lower;
    this.lowerOf[slot] = this.current;
  }

  /** What the prefilter scans for a source: its lower-cased text, a list's items joined by newlines. */
  textAt(slot: number): string | null {
    const v = this.valueAt(slot);
    if (!Array.isArray(v)) return this.lowerAt(slot);
    return v.filter((x) => x !== null).join('\n').toLowerCase();
  }

  /** Keyword searches (a detection that is a plain list) look in these, joined by newlines, lower-cased. */
  keywordText(): string {
    if (this.keywords !== null) return this.keywords;
    let text = '';
    for (const slot of keywordSlots) {
      const l = this.lowerAt(slot);
      if (l) text = text ? `${text}\n${l}` : l;
    }
    return (this.keywords = text);
  }
}
