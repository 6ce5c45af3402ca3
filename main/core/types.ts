// The shape of the core as its hosts (Electron shell, headless agent, tests) see it.
import type { EventName, EventPayload, MamoriApi, MamoriEvents } from '../../preload/contract/index.js';

export interface CoreConfig {
  /** Where the database, the quarantine vault and the agent handle live. */
  dataDir: string;
  /** Folders to watch; overrides the saved setting for this run (CLI --watch). */
  watchFolders?: string[];
  /** Which host runs the core, for the status page and logs. */
  host: 'electron' | 'agent' | 'test';
  /**
   * The process/syscall/network sensor: 'auto' picks the best tier that runs here (eBPF, else cn_proc).
   * Defaults to 'auto' for the agent and the desktop app, 'off' for host 'test'.
   */
  processSensor?: 'auto' | 'ebpf' | 'cn_proc' | 'proc_poll' | 'off';
  /**
   * The file sensor: 'auto' runs the fanotify helper (every change on the local filesystems, with the process,
   * and the exec guard) and falls back to chokidar on the watched folders where it cannot run. Defaults to
   * 'auto', 'chokidar' for host 'test' (a fanotify test names its own filesystem in fileMounts).
   */
  fileSensor?: 'auto' | 'fanotify' | 'chokidar' | 'off';
  /**
   * Filesystems the fanotify helper marks, one path each; with the exec guard on, every exec on them waits
   * for Mamori's verdict. Default: the local disk filesystems, /tmp, /var/tmp, /dev/shm and those of the
   * watched folders. Tests pass a tmpfs they mounted themselves: never guard / from a test.
   */
  fileMounts?: string[];
  /** How long an exec waits for Mamori's verdict before the helper allows it (default 300 ms). */
  execVerdictTimeoutMs?: number;
  /**
   * Connections from the /proc/net tables: 'auto' records what exists at start, then polls only while the
   * process sensor cannot see network system calls. Defaults to 'auto', 'off' for host 'test'.
   */
  networkSensor?: 'auto' | 'off';
  /** How often /proc/net is read while polling, in ms (default 2000, at least 100). */
  networkPollMs?: number;
  /** Mamori's own rules (default: rules/ in Mamori's folder; the packaged app's resources/rules). */
  rulesDir?: string;
  /** Where the native helpers are (default: native-helpers/bin in Mamori's folder). */
  helpersDir?: string;
  /** Scheduled quick/full scans (Settings > scanSchedule). Default on, off for host 'test'. */
  scheduledScans?: boolean | { checkEveryMs?: number; catchUpMs?: number };
  /**
   * Where host isolation and address blocks go: nftables table `inet mamori` by default. Tests give their own
   * table name and a network namespace they created, so the machine's own network is never touched.
   * 'off': never change the firewall (the default for host 'test').
   */
  network?: { table?: string; netns?: string } | 'off';
  /**
   * Whether the response policy acts (or asks) on its own. Default: on, off for host 'test' and when
   * MAMORI_AUTO_RESPONSE=off (test runs set it: an agent a test starts must never stop another test's
   * processes). Off, alerts are only recorded; actions asked for through the API still run.
   */
  autoResponse?: boolean;
  /** How often questions past their deadline get the policy's default, in ms (default 5000). */
  decisionCheckMs?: number;
  /** The wall clock the scan scheduler reads; tests move it. Default: the real one. */
  now?: () => Date;
  /** Where diagnostics go; defaults to stderr. */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface Core {
  /** Every method of the contract; inputs are validated and defaulted here too. */
  readonly api: MamoriApi;
  readonly events: MamoriEvents & { emit<E extends EventName>(event: E, payload: EventPayload<E>): void };
  readonly dataDir: string;
  /** Ordered shut-down; always completes, logs what failed. */
  stop(): Promise<void>;
}
