// Every value that crosses a boundary (IPC, HTTP, CLI --json) is declared here once.
// Field names follow ECS where one exists (file.path, file.hash.sha256 -> file.path / file.sha256).
import { z } from 'zod';

export const Severity = z.enum(['critical', 'high', 'medium', 'low', 'informational']);
export type Severity = z.infer<typeof Severity>;
export const SEVERITY_ORDER: readonly Severity[] = ['informational', 'low', 'medium', 'high', 'critical'];

const IsoTime = z.string().describe('ISO 8601 timestamp, UTC');

/** Plain-language text for one language: what happened and what to do. */
export const AlertText = z.object({
  title: z.string(),
  summary: z.string(),
  advice: z.array(z.string()).max(3),
});
export type AlertText = z.infer<typeof AlertText>;

export const ActionKind = z.enum(['quarantine', 'restore', 'delete']);
export const Action = z.object({
  id: z.string(),
  time: IsoTime,
  kind: ActionKind,
  status: z.enum(['succeeded', 'failed', 'undone']),
  actor: z.enum(['policy', 'user']),
  quarantineId: z.string().nullable(),
  error: z.string().nullable(),
});
export type Action = z.infer<typeof Action>;

export const FileRef = z.object({
  path: z.string(),
  sha256: z.string().nullable(),
  size: z.number().int().nonnegative().nullable(),
});
export type FileRef = z.infer<typeof FileRef>;

export const Alert = z.object({
  id: z.string(),
  time: IsoTime,
  lastSeen: IsoTime,
  count: z.number().int().positive(),
  severity: Severity,
  status: z.enum(['open', 'resolved']),
  ruleId: z.string(),
  title: z.string(),
  text: z.object({ en: AlertText, ja: AlertText }),
  source: z.enum(['realtime', 'scan']),
  scanId: z.string().nullable(),
  file: FileRef.nullable(),
  detection: z.object({ engine: z.enum(['hash', 'content', 'yara', 'sigma']), signature: z.string() }),
  actions: z.array(Action),
  process: z.object({
    pid: z.number().int(),
    entity_id: z.string().nullable(),
    executable: z.string().nullable(),
    command_line: z.string().nullable(),
  }).nullable().optional().describe('the process that wrote the file (scan on write) or tried to run it (exec blocked)'),
  attack: z.object({
    techniques: z.array(z.string()).describe('MITRE ATT&CK technique ids, e.g. T1059.004'),
    tactics: z.array(z.string()).describe('ATT&CK tactics from the rule tags, e.g. persistence'),
  }).optional().describe('behaviour rules: what the ATT&CK framework calls this'),
  eventIds: z.array(z.number().int()).max(50).optional()
    .describe('behaviour rules: the stored telemetry events that matched (a sequence: each of its steps; the first 50)'),
  incidentId: z.string().nullable().optional().describe('the incident this alert is grouped into'),
});
export type Alert = z.infer<typeof Alert>;

/**
 * Alerts that belong together: the same process tree, or close in time. What an office user reads first:
 * the most severe alert's text, the ATT&CK techniques of all of them, and the processes involved.
 */
export const Incident = z.object({
  id: z.string(),
  time: IsoTime.describe('first alert'),
  lastSeen: IsoTime.describe('latest alert (or repeat)'),
  severity: Severity.describe('the most severe alert'),
  status: z.enum(['open', 'resolved']),
  title: z.string().describe('English title of the most severe alert'),
  text: z.object({ en: AlertText, ja: AlertText }).describe("the most severe alert's text"),
  alertIds: z.array(z.string()).describe('oldest first'),
  techniques: z.array(z.string()),
  tactics: z.array(z.string()),
  entities: z.array(z.string()).describe('process entity ids of the alerts and their parents and grandparents'),
  rootEntity: z.string().nullable().describe('the oldest ancestor seen: where its process tree starts'),
});
export type Incident = z.infer<typeof Incident>;

export const QuarantineState = z.enum(['quarantined', 'restored', 'deleted']);
export const QuarantineItem = z.object({
  id: z.string(),
  time: IsoTime,
  state: QuarantineState,
  originalPath: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string(),
  mode: z.number().int().describe('POSIX permission bits of the original file'),
  uid: z.number().int(),
  gid: z.number().int(),
  mtimeMs: z.number(),
  ruleId: z.string(),
  signature: z.string(),
  alertId: z.string().nullable(),
  restoredPath: z.string().nullable(),
  changedAt: IsoTime.nullable(),
});
export type QuarantineItem = z.infer<typeof QuarantineItem>;

export const ScanState = z.enum(['running', 'completed', 'cancelled', 'failed']);
export const ScanError = z.object({ path: z.string(), code: z.string(), message: z.string() });
export const ScanProfile = z.enum(['custom', 'quick', 'full'])
  .describe('custom: the paths given; quick: user, temp and autostart folders; full: every local disk');
export type ScanProfile = z.infer<typeof ScanProfile>;
export const Scan = z.object({
  id: z.string(),
  paths: z.array(z.string()),
  profile: ScanProfile,
  trigger: z.enum(['user', 'tray', 'cli', 'schedule']),
  state: ScanState,
  startedAt: IsoTime,
  endedAt: IsoTime.nullable(),
  filesScanned: z.number().int().nonnegative(),
  bytesScanned: z.number().int().nonnegative(),
  findings: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  errorSamples: z.array(ScanError).describe('the first errors, at most 20'),
  alertIds: z.array(z.string()),
});
export type Scan = z.infer<typeof Scan>;


export const ScanProgress = z.object({
  scanId: z.string(),
  state: ScanState,
  filesScanned: z.number().int().nonnegative(),
  bytesScanned: z.number().int().nonnegative(),
  filesTotal: z.number().int().nonnegative().nullable().describe('null while still counting'),
  bytesTotal: z.number().int().nonnegative().nullable(),
  findings: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  currentFolder: z.string().nullable(),
  etaSeconds: z.number().nonnegative().nullable(),
});
export type ScanProgress = z.infer<typeof ScanProgress>;

export const ProtectionState = z.enum(['protected', 'attention', 'paused', 'degraded']);
export type ProtectionState = z.infer<typeof ProtectionState>;

export const StatusReason = z.object({
  code: z.enum(['open-alerts', 'paused', 'sensor-failed', 'no-watched-folders', 'database-recovered']),
  detail: z.string().nullable(),
});
export type StatusReason = z.infer<typeof StatusReason>;

export const SensorStatus = z.object({
  id: z.string(),
  state: z.enum(['running', 'stopped', 'failed', 'paused']),
  detail: z.string().nullable(),
  tier: z.string().nullable().optional().describe('which mechanism runs, e.g. ebpf or cn_proc for the process sensor'),
  limits: z.string().nullable().optional().describe('what this tier can miss'),
  eventsLost: z.number().int().nonnegative().optional(),
});

export const Status = z.object({
  state: ProtectionState,
  reasons: z.array(StatusReason),
  pausedUntil: IsoTime.nullable(),
  watchedFolders: z.array(z.string()),
  sensors: z.array(SensorStatus),
  openAlerts: z.number().int().nonnegative(),
  openBySeverity: z.record(Severity, z.number().int().nonnegative()),
  quarantined: z.number().int().nonnegative(),
  lastScan: Scan.nullable(),
  alertsPerDay: z.array(z.object({ day: z.string(), count: z.number().int() })).describe('last 14 days'),
  version: z.string(),
  dataDir: z.string(),
  isolated: z.boolean().default(false).describe('the host is cut off from the network by Mamori (except the allow-list)'),
  pendingDecisions: z.number().int().nonnegative().default(0).describe('response actions waiting for the user'),
});
export type Status = z.infer<typeof Status>;

export const Language = z.enum(['auto', 'en', 'ja']);
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time like 12:30');
export const ScanSchedule = z.object({
  quick: z.object({ enabled: z.boolean(), at: ClockTime }).strict().describe('every day at this local time'),
  full: z.object({ enabled: z.boolean(), day: z.number().int().min(0).max(6).describe('0 = Sunday'), at: ClockTime }).strict()
    .describe('every week on this day at this local time'),
}).strict();
export type ScanSchedule = z.infer<typeof ScanSchedule>;

/** Busy caches and logs: their churn is noise, and malware landing there is still caught when it runs. */
// ---- response: actions, policy, exceptions -------------------------------------------------------------

export const ResponseKind = z.enum(['kill', 'suspend', 'resume', 'isolate', 'unisolate', 'block_ip', 'unblock_ip', 'block_hash', 'unblock_hash', 'quarantine'])
  .describe('kill/suspend/resume a process tree; isolate/unisolate the host; block/unblock a remote address; block/unblock running a '
    + 'file by hash; quarantine a file (asked for: policy "ask")');
export type ResponseKind = z.infer<typeof ResponseKind>;

export const ProcessOutcome = z.object({
  entityId: z.string(),
  pid: z.number().int(),
  executable: z.string().nullable(),
  commandLine: z.string().nullable(),
  outcome: z.enum(['killed', 'stopped', 'resumed', 'gone', 'failed']),
  code: z.string().nullable().describe('why it failed or was already done: GONE, REUSED, PERMISSION_DENIED, ...'),
});

/** One response action, with who and why, what it did, and whether (and how) it can be undone. */
export const ResponseAction = z.object({
  id: z.string(),
  time: IsoTime,
  kind: ResponseKind,
  status: z.enum(['pending', 'succeeded', 'partial', 'failed', 'declined', 'undone'])
    .describe('pending: waiting for the user (the default applies at decideBy); partial: some processes could not be stopped'),
  actor: z.enum(['policy', 'user']),
  reason: z.string().describe('why: the alert title, or what the user said'),
  alertId: z.string().nullable(),
  incidentId: z.string().nullable(),
  target: z.object({
    entityId: z.string().nullable().optional(),
    entityIds: z.array(z.string()).optional().describe('resume: exactly these processes'),
    executable: z.string().nullable().optional(),
    commandLine: z.string().nullable().optional(),
    address: z.string().optional().describe('block_ip/unblock_ip: an IPv4/IPv6 address or prefix'),
    allow: z.array(z.string()).optional().describe('isolate: addresses still reachable'),
    sha256: z.string().optional(),
    path: z.string().nullable().optional(),
    quarantineId: z.string().optional().describe('quarantine: the vault item (its undo restores it)'),
  }),
  summary: z.string().describe('what happened, in plain English'),
  processes: z.array(ProcessOutcome).max(500).default([]),
  changed: z.boolean().describe('false: it was already so (already blocked, already gone): retrying is safe'),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  undo: z.object({
    possible: z.boolean(),
    reason: z.string().nullable().describe('why not, when it cannot be undone'),
    undoneAt: IsoTime.nullable(),
    undoneBy: z.string().nullable().describe('the action that undid it'),
  }),
  undoes: z.string().nullable().describe('the action this one undid'),
  decideBy: IsoTime.nullable().describe('pending: when the default is applied'),
});
export type ResponseAction = z.infer<typeof ResponseAction>;

export const ResponseMode = z.enum(['act', 'ask', 'record']).describe('act on its own, ask the user first, or only record');
export type ResponseMode = z.infer<typeof ResponseMode>;
const ModeByCategory = z.object({
  file: ResponseMode.describe('quarantine the file and block it from running'),
  process: ResponseMode.describe('kill the process tree that did it'),
  network: ResponseMode.describe('block the remote address; for critical alerts, isolate the host'),
});
export const DEFAULT_RESPONSE_MODES = {
  critical: { file: 'act', process: 'act', network: 'act' },
  high: { file: 'act', process: 'act', network: 'ask' },
  medium: { file: 'act', process: 'ask', network: 'record' },
  low: { file: 'record', process: 'record', network: 'record' },
  informational: { file: 'record', process: 'record', network: 'record' },
} as const;
export const ResponsePolicy = z.object({
  enabled: z.boolean().default(true).describe('off: Mamori only records; an isolated host is reconnected at once'),
  bySeverity: z.object({ critical: ModeByCategory, high: ModeByCategory, medium: ModeByCategory, low: ModeByCategory, informational: ModeByCategory })
    .default(DEFAULT_RESPONSE_MODES),
  askTimeoutMinutes: z.number().int().min(1).max(24 * 60).default(5).describe('after this, an unanswered question gets the default'),
  askDefault: z.enum(['act', 'skip']).default('skip').describe('what Mamori does when nobody answers (skip: a person decides what disrupts work)'),
  isolationAllow: z.array(z.string().max(64)).max(64).default([]).describe('addresses still reachable while isolated: the office console, the update server'),
});
export type ResponsePolicy = z.infer<typeof ResponsePolicy>;

export const ExceptionKind = z.enum(['hash', 'path', 'package', 'commandLine', 'rule']);
export const ResponseException = z.object({
  id: z.string(),
  kind: ExceptionKind.describe('hash: SHA-256 of the file or program; path: a path or glob (* any, ** across folders); '
    + 'package: a Debian package owning the file or program; commandLine: a glob on the command line; rule: a rule id'),
  value: z.string().min(1).max(1024),
  note: z.string().max(500).default(''),
  createdAt: IsoTime,
  fromAlertId: z.string().nullable().default(null),
});
export type ResponseException = z.infer<typeof ResponseException>;

export const NetworkState = z.object({
  available: z.boolean().describe('false: Mamori cannot change the firewall here (see detail)'),
  detail: z.string().nullable(),
  isolated: z.boolean(),
  allow: z.array(z.string()),
  blocked: z.array(z.string()),
  isolatedBy: z.string().nullable().describe('the isolate action in force'),
});
export type NetworkState = z.infer<typeof NetworkState>;

export const DEFAULT_FILE_EXCLUSIONS = ['~/.cache', '/var/cache', '/var/lib/apt/lists', '/var/log/journal'];

export const Settings = z.object({
  language: Language,
  watchFolders: z.array(z.string()),
  autoQuarantine: z.boolean(),
  notifyMinSeverity: Severity,
  eventsRetentionDays: z.number().int().min(1).max(3650).default(30).describe('telemetry older than this is removed'),
  eventsMaxMb: z.number().int().min(50).max(1_000_000).default(2048).describe('the database is kept under this size'),
  scanSchedule: ScanSchedule.default({ quick: { enabled: true, at: '12:30' }, full: { enabled: true, day: 0, at: '03:00' } }),
  scanCpuPercent: z.number().int().min(5).max(100).default(50).describe('scheduled scans use at most this % of one CPU core'),
  yaraFolders: z.array(z.string()).default([]).describe("the user's YARA rule folders, used with Mamori's own rules"),
  contentScan: z.boolean().default(true).describe('check file contents with YARA rules, not only hashes'),
  fileExclusions: z.array(z.string()).max(256).default(() => [...DEFAULT_FILE_EXCLUSIONS])
    .describe('file events under these paths are not recorded (~/ means every home folder); Mamori\'s own data folder always is'),
  scanOnWriteEverywhere: z.boolean().default(false)
    .describe('scan every file written on the watched filesystems, not only those in the watched folders'),
  scanMaxFileMb: z.number().int().min(1).max(100_000).default(100).describe('written files larger than this are hashed but not content-scanned'),
  blockKnownBadExec: z.boolean().default(true).describe('refuse to run a file whose hash is known bad or quarantined (fanotify tier)'),
  sigmaFolders: z.array(z.string()).default([]).describe("the user's Sigma rule folders, used with Mamori's own behaviour rules"),
  responsePolicy: ResponsePolicy.default(() => ResponsePolicy.parse({})).describe('what Mamori does on its own, per severity'),
  exceptions: z.array(ResponseException).max(500).default([]).describe('alerts these match are not raised (nor acted on)'),
});
export type Settings = z.infer<typeof Settings>;
/** Settings as stored or given as defaults: fields added later may be missing and take their default. */
export type SettingsInput = z.input<typeof Settings>;

const ScheduleState = z.object({
  next: IsoTime.nullable().describe('null when switched off'),
  last: IsoTime.nullable().describe('start of the last quick (or full) resp. full scan, whatever started it'),
});
export const ScanScheduleStatus = z.object({
  quick: ScanSchedule.shape.quick.extend(ScheduleState.shape),
  full: ScanSchedule.shape.full.extend(ScheduleState.shape),
  cpuPercent: z.number().int(),
});
export type ScanScheduleStatus = z.infer<typeof ScanScheduleStatus>;

export const YaraRulesStatus = z.object({
  state: z.enum(['running', 'starting', 'unavailable', 'failed', 'stopped']),
  detail: z.string().nullable(),
  folders: z.array(z.string()),
  rules: z.number().int().nonnegative(),
  filesOk: z.number().int().nonnegative(),
  filesFailed: z.number().int().nonnegative(),
  compileMs: z.number().nonnegative(),
  errors: z.array(z.object({ file: z.string(), line: z.number().int(), message: z.string() })).describe('rule files that did not compile (first 50)'),
});
export type YaraRulesStatus = z.infer<typeof YaraRulesStatus>;

export const SigmaRuleResult = z.object({
  file: z.string(),
  doc: z.number().int().describe('document number in a multi-document file, from 0'),
  id: z.string().nullable(),
  title: z.string().nullable(),
  kind: z.enum(['rule', 'correlation']),
  logsource: z.string().nullable().describe('category, or service:NAME'),
  loaded: z.boolean(),
  code: z.string().nullable().describe('why not: YAML_SYNTAX, NOT_A_RULE, BAD_FIELD, BAD_DETECTION, BAD_CONDITION, UNKNOWN_IDENTIFIER, '
    + 'UNKNOWN_MODIFIER, BAD_MODIFIER, BAD_VALUE, UNSUPPORTED_LOGSOURCE, UNMAPPED_FIELD, BAD_CORRELATION, UNKNOWN_RULE_REFERENCE, DUPLICATE_ID'),
  message: z.string().nullable(),
  note: z.string().nullable().describe('loaded, with a limit worth knowing'),
});
export type SigmaRuleResult = z.infer<typeof SigmaRuleResult>;
export const SigmaRulesStatus = z.object({
  folders: z.array(z.string()).describe("Mamori's own rule folder first, then the user's"),
  rules: z.number().int().nonnegative(),
  correlations: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  problems: z.array(SigmaRuleResult).max(200).describe('rules that did not load (the first 200)'),
  eventsEvaluated: z.number().int().nonnegative(),
});
export type SigmaRulesStatus = z.infer<typeof SigmaRulesStatus>;

export const HashListImport = z.object({
  name: z.string(),
  imported: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  invalid: z.array(z.object({ line: z.number().int(), reason: z.string() })).describe('first 50 bad lines'),
  invalidCount: z.number().int().nonnegative(),
});
export type HashListImport = z.infer<typeof HashListImport>;

// ---- Signature databases (issue 4): ClamAV .hdb/.hsb/.hdu/.hsu and MD5/SHA-1/SHA-256 lists.

export const SignatureFormat = z.enum(['clamav-hdb', 'clamav-hsb', 'hash-list']);
const HashCounts = z.object({ md5: z.number().int().nonnegative(), sha1: z.number().int().nonnegative(), sha256: z.number().int().nonnegative() });
export const SignatureImport = z.object({
  name: z.string(),
  format: SignatureFormat,
  imported: z.number().int().nonnegative(),
  byAlgo: HashCounts,
  duplicates: z.number().int().nonnegative(),
  invalid: z.array(z.object({
    line: z.number().int(),
    code: z.enum(['BAD_HASH', 'BAD_SIZE', 'MISSING_NAME', 'BAD_FIELDS']),
    reason: z.string(),
  })).describe('first 50 bad lines'),
  invalidCount: z.number().int().nonnegative(),
});
export type SignatureImport = z.infer<typeof SignatureImport>;
export const SignatureList = z.object({
  name: z.string(),
  format: SignatureFormat,
  importedAt: z.string(),
  count: z.number().int().nonnegative(),
  invalidCount: z.number().int().nonnegative(),
  byAlgo: HashCounts,
});
export type SignatureList = z.infer<typeof SignatureList>;

/** What every failed call returns, on every transport. */
export const ErrorCode = z.enum([
  'BAD_INPUT', 'NOT_FOUND', 'CONFLICT', 'TARGET_EXISTS', 'IO_ERROR', 'UNAUTHORIZED', 'FORBIDDEN', 'INTERNAL',
  'UNREACHABLE', // the caller could not reach Mamori at all (transport), as opposed to Mamori failing
]);
export type ErrorCode = z.infer<typeof ErrorCode>;
export const ApiError = z.object({ code: ErrorCode, message: z.string() });
export type ApiErrorShape = z.infer<typeof ApiError>;

// ---- Telemetry (issue 3): ECS field names, snake_case as in ECS, so Sigma and SIEMs map them directly.

export const EventKind = z.enum(['process', 'syscall', 'network', 'file']);
export type EventKind = z.infer<typeof EventKind>;

const ProcessParent = z.object({
  entity_id: z.string().nullable(),
  pid: z.number().int(),
  executable: z.string().nullable(),
  command_line: z.string().nullable(),
});

export const EcsProcess = z.object({
  entity_id: z.string(),
  pid: z.number().int(),
  tid: z.number().int().optional(),
  name: z.string().nullable(),
  executable: z.string().nullable(),
  command_line: z.string().nullable(),
  args: z.array(z.string()).nullable(),
  args_truncated: z.boolean().optional(),
  working_directory: z.string().nullable().optional(),
  working_directory_truncated: z.boolean().optional().describe('the kernel kept only the end of a very deep path'),
  start: IsoTime.nullable().optional(),
  exit_code: z.number().int().nullable().optional(),
  exit_signal: z.number().int().nullable().optional(),
  hash: z.object({ sha256: z.string() }).nullable().optional(),
  parent: ProcessParent.nullable(),
  env_vars: z.array(z.string()).optional().describe('only the loader-relevant ones: LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT'),
  env_vars_truncated: z.boolean().optional().describe('the environment was larger than the kernel scans: a loader variable may be missing'),
  executable_link: z.string().optional().describe('/proc/PID/exe when it tells more than the path: "/memfd:x (deleted)", "... (deleted)"'),
  libraries: z.array(z.string()).optional().describe('on "libraries" events: shared objects mapped into the process'),
  libraries_unusual: z.array(z.string()).optional().describe('mapped from a deleted file, a memfd, or outside the system library folders'),
  ld_so_preload: z.array(z.string()).optional().describe('what /etc/ld.so.preload forces into every process, when not empty'),
});

export const TelemetryEvent = z.object({
  id: z.number().int(),
  '@timestamp': IsoTime,
  event: z.object({
    kind: EventKind,
    action: z.string().describe('exec, fork, exit, ptrace, memfd_create, module_load, setid, connect, accept, bind, listen; '
      + 'file: create, modify, delete, rename, attrib, exec_blocked, exec_timeout'),
    coalesced: z.number().int().positive().optional().describe('file: this many more writes of the same file in a short window were folded into this event'),
    sequence: z.number().int().nullable(),
    late: z.boolean().optional().describe('read from /proc after the fact (fallback tier): may be incomplete'),
    provider: z.string().optional().describe('what saw it when not the process sensor: "proc_net" (the /proc/net socket tables), "fanotify"'),
    snapshot: z.boolean().optional().describe('found at start-up: it existed before Mamori started'),
  }),
  process: EcsProcess,
  user: z.object({ id: z.number().int().nullable(), name: z.string().nullable() }),
  group: z.object({ id: z.number().int().nullable() }).optional(),
  source: z.object({ ip: z.string().nullable(), port: z.number().int().nullable() }).optional(),
  destination: z.object({ ip: z.string().nullable(), port: z.number().int().nullable(), path: z.string().nullable().optional() }).optional(),
  network: z.object({ transport: z.string().nullable().optional(), type: z.string().nullable() }).optional(),
  syscall: z.object({ name: z.string(), args: z.record(z.string(), z.unknown()), ret: z.number().nullable() }).optional(),
  file: z.object({
    path: z.string(),
    name: z.string(),
    directory: z.string().optional(),
    extension: z.string().optional().describe('without the dot, lower case'),
    type: z.enum(['file', 'dir']).optional(),
    mode: z.string().optional().describe('permission bits in octal, as ECS writes them: "0755"'),
    size: z.number().int().nonnegative().optional(),
    inode: z.string().optional(),
    device: z.string().optional(),
    old_path: z.string().optional().describe('rename: where the file was before'),
    hash: z.object({ sha256: z.string() }).optional().describe('exec events: the hash the decision was made on'),
  }).optional().describe('kind "file": create, modify (closed after writing), delete, rename, attrib, exec_blocked, exec_timeout'),
});
export type TelemetryEvent = z.infer<typeof TelemetryEvent>;

/** Most events a telemetry summary carries; the rest are counted, and the UI fetches them when it needs them. */
export const TELEMETRY_SUMMARY_RECENT_MAX = 50;
/** Most process entity ids a telemetry summary names (so a process tree knows it changed). */
export const TELEMETRY_SUMMARY_ENTITIES_MAX = 500;

const KindCount = z.number().int().nonnegative();
/**
 * Pushed after telemetry is stored, at most a few times per second however many events arrive:
 * counts since the previous summary, the newest id, and only the newest few events themselves.
 */
export const TelemetrySummary = z.object({
  count: z.number().int().nonnegative().describe('events stored since the previous summary'),
  byKind: z.object({ process: KindCount, syscall: KindCount, network: KindCount, file: KindCount }),
  newestId: z.number().int().describe('id of the newest stored event; searchEvents pages end here'),
  newestTime: IsoTime.nullable(),
  recent: z.array(TelemetryEvent).max(TELEMETRY_SUMMARY_RECENT_MAX).describe('the newest events of this summary, newest first'),
  entities: z.array(z.string()).max(TELEMETRY_SUMMARY_ENTITIES_MAX)
    .describe('process entity ids these events are about, with their parents'),
  entitiesTruncated: z.boolean().describe('more entities changed than are listed: treat every process as changed'),
});
export type TelemetrySummary = z.infer<typeof TelemetrySummary>;

export interface ProcessNode {
  entity_id: string;
  pid: number;
  executable: string | null;
  command_line: string | null;
  user: string | null;
  start: string | null;
  end: string | null;
  exit_code: number | null;
  /** What it did besides starting: network and syscall events (the first 50). */
  activity: TelemetryEvent[];
  children: ProcessNode[];
}
export const ProcessNode: z.ZodType<ProcessNode> = z.lazy(() => z.object({
  entity_id: z.string(),
  pid: z.number().int(),
  executable: z.string().nullable(),
  command_line: z.string().nullable(),
  user: z.string().nullable(),
  start: z.string().nullable(),
  end: z.string().nullable(),
  exit_code: z.number().int().nullable(),
  activity: z.array(TelemetryEvent),
  children: z.array(ProcessNode),
}));

export const ProcessSensorTier = z.enum(['ebpf', 'cn_proc', 'none']);
