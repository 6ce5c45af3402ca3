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

function byPath(e: unknown, path: string): FieldValue {
  let cur: unknown = e;
  for (const k of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  if (cur === undefined) return undefined;
  if (cur === null || typeof cur === 'string' || typeof cur === 'number' || typeof cur === 'boolean') return cur;
  if (Array.isArray(cur)) return cur.filter((x): x is Scalar => x === null || ['string', 'number', 'boolean'].includes(typeof x));
  return undefined;
}

function derived(e: TelemetryEvent, name: string): FieldValue {
  switch (name) {
    case '$initiated': return e.event.action === 'connect' ? 'true' : e.event.action === 'accept' ? 'false' : undefined;
    case '$hashes': return e.process.hash?.sha256 ? `SHA256=${e.process.hash.sha256.toUpperCase()}` : undefined;
    case '$audit_type': return e.event.kind === 'process' ? 'EXECVE' : e.event.kind === 'syscall' ? 'SYSCALL' : e.event.kind === 'file' ? 'PATH' : undefined;
    case '$syscall_target_pid': {
      const a = e.syscall?.args as Record<string, unknown> | undefined;
      const pid = a?.target_pid ?? a?.pid;
      return typeof pid === 'number' ? pid : undefined;
    }
    default: {
      const m = /^\$arg(\d)$/.exec(name);
      if (m && e.event.kind === 'process') return e.process.args?.[Number(m[1])] ?? undefined;
      return undefined;
    }
  }
}

/** Per event and route: field values read once, lower-cased once, whatever number of rules ask. */
export class EventFields implements FieldReader {
  private readonly values = new Map<string, FieldValue>();
  private readonly lowers = new Map<string, string | null>();

  constructor(readonly event: TelemetryEvent, private readonly route: LogsourceRoute) {}

  get(field: string): FieldValue {
    if (this.values.has(field)) return this.values.get(field);
    const src = sourceOf(this.route, field);
    const v = src === null ? undefined : src.startsWith('$') ? derived(this.event, src) : byPath(this.event, src);
    this.values.set(field, v);
    return v;
  }

  lower(field: string): string | null {
    let l = this.lowers.get(field);
    if (l !== undefined) return l;
    const v = this.get(field);
    l = v === undefined || v === null ? null : Array.isArray(v) ? null : String(v).toLowerCase();
    this.lowers.set(field, l);
    return l;
  }

  /** Keyword searches (a detection that is a plain list) look in these. */
  keywordText(): string[] {
    const p = this.event.process;
    return [p.command_line, p.executable, p.parent?.command_line, this.event.file?.path].filter((s): s is string => !!s).map((s) => s.toLowerCase());
  }
}
