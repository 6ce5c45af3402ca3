// The one declaration of Mamori's API. The IPC handlers, the preload object, the HTTP routes and the
// HTTP client are all derived from `methods` and `events`; add a method here and every transport has it.
import { z } from 'zod';
import {
  Alert, EventKind, ExceptionKind, NetworkState, ResponseAction, ResponseException, ResponseKind, ResponsePolicy, HashListImport, Incident, ScanScheduleStatus, SignatureImport, SignatureList, ScanSchedule, ProcessNode, QuarantineItem, Scan,
  ScanProgress, Settings, Severity, SigmaRulesStatus, Status, Language, TelemetryEvent, TelemetrySummary, YaraRulesStatus,
} from './schemas.js';

const Id = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'ids are letters, digits, _ and -');
const Empty = z.object({}).strict();
// Paths arrive from untrusted callers: bounded, absolute, no NUL bytes.
const AbsPath = z.string().min(1).max(4096)
  .refine((p) => !p.includes('\0'), 'path contains a NUL byte')
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'path must be absolute');

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}

export const methods = {
  getStatus: method(Empty, Status, 'Protection state, counts and the last scan.'),
  listAlerts: method(
    z.object({
      limit: z.number().int().min(1).max(1000).default(200),
      offset: z.number().int().min(0).default(0),
      minSeverity: Severity.optional(),
      status: z.enum(['open', 'resolved', 'all']).default('all'),
    }).strict(),
    z.object({ items: z.array(Alert), total: z.number().int() }),
    'Alerts, newest first.',
  ),
  getAlert: method(z.object({ id: Id }).strict(), Alert, 'One alert with its actions.'),
  listIncidents: method(
    z.object({
      limit: z.number().int().min(1).max(1000).default(100),
      status: z.enum(['open', 'resolved', 'all']).default('all'),
    }).strict(),
    z.object({ items: z.array(Incident) }),
    'Incidents (alerts grouped by process tree or time), latest activity first.',
  ),
  getIncident: method(z.object({ id: Id }).strict(),
    z.object({ incident: Incident, alerts: z.array(Alert), timeline: z.array(TelemetryEvent).max(500) }),
    'One incident with its alerts and a timeline of the events behind them, oldest first.'),
  setIncidentStatus: method(z.object({ id: Id, status: z.enum(['open', 'resolved']) }).strict(), Incident,
    'Mark an incident (and its alerts) resolved, or open again.'),
  setAlertStatus: method(z.object({ id: Id, status: z.enum(['open', 'resolved']) }).strict(), Alert,
    'Mark an alert resolved (or open again).'),
  listQuarantine: method(
    z.object({ includeInactive: z.boolean().default(false) }).strict(),
    z.object({ items: z.array(QuarantineItem) }),
    'Quarantined files (and, with includeInactive, restored and deleted ones).',
  ),
  restoreQuarantine: method(
    z.object({ id: Id, onConflict: z.enum(['refuse', 'rename']).default('refuse') }).strict(),
    z.object({ item: QuarantineItem, restoredPath: z.string() }),
    'Put the file back, byte-identical with its mode and mtime. Never overwrites: refuses or renames.',
  ),
  deleteQuarantine: method(z.object({ id: Id }).strict(), z.object({ item: QuarantineItem }),
    'Destroy the quarantined copy for good.'),
  startScan: method(
    z.object({
      paths: z.array(AbsPath).min(1).max(64).optional(),
      profile: z.enum(['quick', 'full']).optional().describe('instead of paths: the quick or the full scan'),
      trigger: z.enum(['user', 'tray', 'cli']).default('user'),
    }).strict().refine((i) => (i.paths === undefined) !== (i.profile === undefined), 'give either paths or a profile (quick or full)'),
    z.object({ scan: Scan }),
    'Start an on-demand scan of some paths, or the quick or full scan; progress arrives as scanProgress events.',
  ),
  getYaraRules: method(Empty, YaraRulesStatus,
    "The YARA rules in use: Mamori's own plus the user's folders, with the files that did not compile."),
  getSigmaRules: method(Empty, SigmaRulesStatus,
    "The behaviour rules in use: Mamori's own Sigma pack plus the user's folders, with the rules that did not load and why."),
  getScanSchedule: method(Empty, ScanScheduleStatus, 'The scheduled quick and full scans: settings, next and last run.'),
  cancelScan: method(z.object({ id: Id }).strict(), z.object({ scan: Scan }), 'Stop a running scan.'),
  getScan: method(z.object({ id: Id }).strict(), z.object({ scan: Scan, progress: ScanProgress.nullable() }),
    'One scan, with live progress while it runs.'),
  listScans: method(z.object({ limit: z.number().int().min(1).max(500).default(50) }).strict(),
    z.object({ items: z.array(Scan) }), 'Scan history, newest first.'),
  pauseProtection: method(z.object({ minutes: z.number().int().min(1).max(24 * 60) }).strict(), Status,
    'Pause real-time protection; it resumes by itself after the given minutes.'),
  resumeProtection: method(Empty, Status, 'Resume real-time protection now.'),
  getSettings: method(Empty, Settings, 'Current settings.'),
  updateSettings: method(
    z.object({
      language: Language.optional(),
      watchFolders: z.array(AbsPath).max(64).optional(),
      autoQuarantine: z.boolean().optional(),
      notifyMinSeverity: Severity.optional(),
      eventsRetentionDays: z.number().int().min(1).max(3650).optional(),
      eventsMaxMb: z.number().int().min(50).max(1_000_000).optional(),
      scanSchedule: ScanSchedule.optional(),
      scanCpuPercent: z.number().int().min(5).max(100).optional(),
      yaraFolders: z.array(AbsPath).max(64).optional(),
      contentScan: z.boolean().optional(),
      fileExclusions: z.array(z.string().min(1)).max(256).optional(),
      scanOnWriteEverywhere: z.boolean().optional(),
      scanMaxFileMb: z.number().int().min(1).max(100_000).optional(),
      blockKnownBadExec: z.boolean().optional(),
      sigmaFolders: z.array(AbsPath).max(64).optional(),
      responsePolicy: ResponsePolicy.optional(),
      exceptions: z.array(ResponseException).max(500).optional(),
    }).strict(),
    Settings,
    'Change some settings; the rest stay as they are.',
  ),
  importHashList: method(
    z.object({ name: z.string().min(1).max(200), text: z.string().max(64 * 1024 * 1024) }).strict(),
    HashListImport,
    'Import a list of hashes (MD5, SHA-1 or SHA-256, one per line, # comments; "hash name" or "hash;name" allowed).',
  ),
  importSignatures: method(
    z.object({
      fileName: z.string().min(1).max(255).describe('decides the format: .hdb/.hdu (MD5:size:name), .hsb/.hsu (SHA-1/SHA-256:size:name), else a hash list'),
      name: z.string().min(1).max(200).optional().describe('the list name; defaults to the file name without extension; importing the same name replaces the list'),
      text: z.string().max(64 * 1024 * 1024),
    }).strict(),
    SignatureImport,
    'Import a signature database: ClamAV .hdb/.hdu/.hsb/.hsu or a list of MD5, SHA-1 and SHA-256 hashes (signature-base hash-iocs.txt).',
  ),
  listSignatures: method(
    Empty,
    z.object({ builtIn: z.number().int().nonnegative(), lists: z.array(SignatureList) }),
    'The imported signature lists with their counts, and how many signatures are built in.',
  ),
  removeSignatureList: method(z.object({ name: z.string().min(1).max(200) }).strict(), z.object({ removed: z.string() }),
    'Remove an imported signature list.'),
  searchEvents: method(
    z.object({
      text: z.string().max(500).optional(),
      since: z.iso.datetime({ offset: true }).optional(),
      until: z.iso.datetime({ offset: true }).optional(),
      kind: EventKind.optional(),
      limit: z.number().int().min(1).max(1000).default(100),
      offset: z.number().int().min(0).max(1_000_000).default(0),
    }).strict(),
    z.object({ items: z.array(TelemetryEvent), nextOffset: z.number().int().nullable() }),
    'Telemetry history, newest first; text is matched against command lines and executables (full-text).',
  ),
  processTree: method(
    z.object({ ref: z.string().min(1).max(100).describe('a process entity id, or a pid (the newest process with it)') }).strict(),
    z.object({ process: ProcessNode, ancestors: z.array(ProcessNode) }),
    'A process with its ancestors, its children (recursively) and what each did.',
  ),
  respond: method(
    z.object({
      kind: ResponseKind.exclude(['quarantine']),
      entityId: z.string().min(3).max(64).regex(/^\d+-t?\d+$/, 'a process entity id: PID-START').optional()
        .describe('kill/suspend/resume: the process (tree) by entity id, never by a pid that may have been reused'),
      address: z.string().min(2).max(64).optional().describe('block_ip/unblock_ip: an IPv4 or IPv6 address or prefix'),
      allow: z.array(z.string().min(2).max(64)).max(64).optional().describe('isolate: still reachable (default: the policy\'s isolationAllow)'),
      sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a SHA-256: 64 hexadecimal characters').optional().describe('block_hash/unblock_hash'),
      alertId: Id.optional(),
      reason: z.string().max(500).optional(),
    }).strict().refine((i) => !['kill', 'suspend', 'resume'].includes(i.kind) || !!i.entityId, 'kill, suspend and resume need an entityId')
      .refine((i) => !['block_ip', 'unblock_ip'].includes(i.kind) || !!i.address, 'block_ip and unblock_ip need an address')
      .refine((i) => !['block_hash', 'unblock_hash'].includes(i.kind) || !!i.sha256, 'block_hash and unblock_hash need a sha256'),
    ResponseAction,
    'Act now: kill/suspend/resume a process tree, isolate/unisolate the host, block/unblock an address or a file hash. Recorded with its undo; failures are recorded and explained.',
  ),
  listActions: method(
    z.object({
      limit: z.number().int().min(1).max(1000).default(200),
      alertId: Id.optional(),
      incidentId: Id.optional(),
      status: ResponseAction.shape.status.optional(),
    }).strict(),
    z.object({ items: z.array(ResponseAction) }),
    'Response actions, newest first, with their undo state.',
  ),
  getAction: method(z.object({ id: Id }).strict(), ResponseAction, 'One response action.'),
  undoAction: method(z.object({ id: Id }).strict(), ResponseAction,
    'Undo an action with one call; returns the action that reversed it (a kill cannot be undone: CONFLICT says why).'),
  decideAction: method(z.object({ id: Id, approve: z.boolean() }).strict(), ResponseAction,
    'Answer a pending question: do it now (approve) or not.'),
  getNetworkState: method(Empty, NetworkState, 'Whether the host is isolated and which addresses are blocked, as the firewall has it.'),
  previewException: method(
    z.object({ kind: ExceptionKind, value: z.string().min(1).max(1024) }).strict(),
    z.object({ alerts: z.array(Alert).max(200), total: z.number().int(), checked: z.number().int() }),
    'The past alerts this exception would have suppressed (checked: how many recent alerts were looked at).',
  ),
  addException: method(
    z.object({ kind: ExceptionKind, value: z.string().min(1).max(1024), note: z.string().max(500).optional(), fromAlertId: Id.optional() }).strict(),
    ResponseException,
    'Save an exception: alerts it matches are no longer raised nor acted on.',
  ),
  removeException: method(z.object({ id: Id }).strict(), z.object({ removed: z.string() }), 'Remove an exception.'),
} as const;

export const events = {
  alert: Alert,
  scanProgress: ScanProgress,
  scanFinished: Scan,
  status: Status,
  quarantine: QuarantineItem,
  /** A response action was recorded or changed (done, asked, decided, undone). */
  action: ResponseAction,
  /** Telemetry stored: a throttled summary (counts, newest id, the newest few events), never every event. */
  telemetry: TelemetrySummary,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type EventName = keyof typeof events;
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export const methodNames = Object.keys(methods) as MethodName[];
export const eventNames = Object.keys(events) as EventName[];

/** What a caller (renderer, CLI, test) sees: one async function per method. */
export type MamoriApi = { [M in MethodName]: (input?: MethodInput<M>) => Promise<MethodOutput<M>> };
/** What the core implements: inputs arrive already parsed and defaulted. */
export type MamoriImpl = { [M in MethodName]: (input: MethodParsedInput<M>) => Promise<MethodOutput<M>> | MethodOutput<M> };

export type Unsubscribe = () => void;
export interface MamoriEvents {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): Unsubscribe;
}
export type MamoriClient = MamoriApi & MamoriEvents;

/** IPC channel names, derived, never hand-written. */
export const ipcChannel = (name: MethodName): string => `mamori:call:${name}`;
export const ipcEventChannel = 'mamori:event';
