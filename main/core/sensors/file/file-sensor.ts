// The file sensor: mamori-file-fanotify where it runs (every change on the local filesystems, with the pid,
// and the exec guard), else chokidar on the watched folders. It owns the helper or the watcher, turns helper
// lines into ECS file events (stored in batches), hands written files to the scanner and exec checks to the
// core, and answers the helper with the core's verdicts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NewEvent } from '../../store/index.js';
import { FileWatchSensor, type SensorState } from '../file-watch.js';
import { HelperStream, type HelperMessage, type ProcInfo } from '../process/index.js';
import { BootClock, Coalescer, FILE_ACTIONS, toFileEvent } from './file-events.js';
import { ProcessLookup } from './process-lookup.js';

export type FileSensorChoice = 'auto' | 'fanotify' | 'chokidar' | 'off';

const BINARY = 'mamori-file-fanotify';
const LIMITS = {
  fanotify: 'reads are not reported; a write is reported when the writer closes the file; the exec guard sees '
    + 'programs started with exec, not scripts read by an interpreter or libraries mapped by a running program',
  chokidar: 'only the watched folders; no process behind a change; no delete, rename or permission events; '
    + 'no exec blocking; one inotify watch per file',
} as const;
const FLUSH_MS = 50;
const EXCLUDES_MAX = 64; // the helper refuses more
const FLUSH_MAX = 5000;

/** Who wrote a file, as alerts name it. */
export interface Writer { pid: number; entity_id: string | null; executable: string | null; command_line: string | null }

export interface ExecRequest {
  id: number; path: string; pid: number; dev: number; ino: number; size: number; mtimeNs: number;
}
export interface ExecVerdict { allow: boolean; cache: boolean }

export interface FileSensorOptions {
  choice: FileSensorChoice;
  helpersDir: string;
  /** The watched folders (the chokidar tier watches only these). */
  folders: string[];
  /** One path per filesystem to mark (the helper's --mount). */
  mounts: () => string[];
  /** Path prefixes whose events are never reported (Mamori's data dir, caches). */
  exclude: () => string[];
  /** Run the exec guard (fanotify tier only). */
  execGuard: boolean;
  verdictTimeoutMs?: number;
  /** The process sensor's knowledge of a pid, when it runs. */
  knownProcess(pid: number): ProcInfo | null;
  onEvents(events: NewEvent[]): void;
  /** A regular file was created, written or renamed into place. */
  onWritten(path: string, writer: Writer | null): void;
  onExecCheck(req: ExecRequest, actor: Writer): Promise<ExecVerdict>;
  log(level: 'info' | 'warn', message: string): void;
}

export interface FileSensorStatus extends SensorState {
  tier: string | null;
  limits: string | null;
  eventsLost: number;
}

export class FileSensor {
  readonly id = 'file-watch';
  private stream: HelperStream | null = null;
  private watcher: FileWatchSensor | null = null;
  private tier: 'fanotify' | 'chokidar' | null = null;
  private state: SensorState['state'] = 'stopped';
  private detail: string | null = null;
  private fellBack: string | null = null;
  private guardOn = false;
  private readonly lookup: ProcessLookup;
  private clock: BootClock | null = null;
  private coalescer: Coalescer | null = null;
  private out: NewEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private dropped = 0;
  /** Exec checks the helper allowed because no verdict came in time. */
  execTimeouts = 0;
  execDenied = 0;
  execChecks = 0;

  constructor(private o: FileSensorOptions) {
    this.lookup = new ProcessLookup((pid) => o.knownProcess(pid));
  }

  get guarding(): boolean { return this.guardOn && this.stream !== null; }

  async start(): Promise<void> {
    if (this.stream || this.watcher || this.o.choice === 'off') return;
    this.state = 'stopped'; // from paused, failed or stopped: decided again below
    this.detail = this.fellBack = null;
    if (this.o.choice !== 'chokidar') {
      const why = await this.startHelper();
      if (!why) return;
      if (this.o.choice === 'fanotify') {
        this.state = 'failed';
        this.detail = `the fanotify file sensor could not start: ${why}`;
        this.o.log('warn', this.detail);
        return;
      }
      this.fellBack = `fell back to watching folders: ${why}`;
      this.o.log('info', this.fellBack);
    }
    await this.startWatcher();
  }

  /** Null when the helper runs; else why it could not. */
  private async startHelper(): Promise<string | null> {
    const binary = join(this.o.helpersDir, BINARY);
    if (!existsSync(binary)) return `${BINARY} is not built`;
    const mounts = this.o.mounts();
    if (!mounts.length) return 'no local filesystem to mark';
    const test = spawnSync(binary, ['--self-test', '--mount', mounts[0]!, ...(this.o.execGuard ? ['--exec-guard'] : [])],
      { encoding: 'utf8', timeout: 15_000 });
    if (test.status !== 0) {
      let reason = (test.stderr || test.stdout || `exit ${test.status}`).trim().split('\n')[0]!;
      try { reason = String((JSON.parse(reason) as { reason?: string }).reason ?? reason); } catch { /* plain text */ }
      return reason;
    }
    let exclude = this.o.exclude();
    if (exclude.length > EXCLUDES_MAX) {
      this.o.log('warn', `only the first ${EXCLUDES_MAX} of ${exclude.length} file exclusions apply (the helper's limit)`);
      exclude = exclude.slice(0, EXCLUDES_MAX); // Mamori's own data dir comes first
    }
    const args = [...mounts.flatMap((m) => ['--mount', m]), ...exclude.flatMap((e) => ['--exclude', e])];
    if (this.o.execGuard) args.push('--exec-guard', '--verdict-timeout-ms', String(this.o.verdictTimeoutMs ?? 300));
    const stream = new HelperStream({
      binary, args, commands: true,
      onMessages: (batch) => { for (const m of batch) this.onMessage(m); },
      onExit: (why) => { this.state = 'failed'; this.detail = `${BINARY} stopped: ${why}`; this.o.log('warn', this.detail); },
      log: (line) => this.o.log('info', `${BINARY}: ${line}`),
    });
    this.clock = new BootClock();
    this.coalescer = new Coalescer((e) => this.queue(e));
    try {
      await stream.start();
    } catch (err) {
      return (err as Error).message;
    }
    this.stream = stream;
    this.tier = 'fanotify';
    this.guardOn = this.o.execGuard;
    this.state = 'running';
    this.detail = `watching ${mounts.join(', ')}${this.guardOn ? '; blocking known-bad programs' : ''}`;
    this.timer = setInterval(() => { this.coalescer?.tick(); this.flush(); }, FLUSH_MS);
    this.timer.unref();
    return null;
  }

  private async startWatcher(): Promise<void> {
    this.watcher = new FileWatchSensor({
      folders: this.o.folders, exclude: this.o.exclude(),
      onFile: (p) => this.o.onWritten(p, null),
      log: (m) => this.o.log('warn', m),
    });
    await this.watcher.start();
    this.tier = 'chokidar';
  }

  private onMessage(m: HelperMessage): void {
    switch (m.type) {
      case 'file': return this.onFile(m);
      case 'exec_check': return this.onExecCheck(m);
      case 'exec_denied': this.execDenied++; this.record(m, 'exec_blocked'); return;
      case 'exec_timeout': this.execTimeouts++; this.record(m, 'exec_timeout'); return;
      case 'drop': this.dropped += typeof m.count === 'number' ? m.count : 1; return;
      case 'log': this.o.log(m.level === 'warn' ? 'warn' : 'info', `${BINARY}: ${String(m.message)}`); return;
      default: return; // exec_unchecked, cache_updated: nothing to store
    }
  }

  private onFile(m: HelperMessage): void {
    const action = String(m.action);
    if (!FILE_ACTIONS.has(action)) return;
    const event = toFileEvent(m, action, this.clock!, this.lookup);
    if (!event) return;
    this.coalescer!.push(event);
    const file = event.file!;
    const written = action === 'modify' || action === 'rename' || (action === 'create' && (file.size ?? 0) > 0);
    if (written && file.type === 'file' && typeof m.path === 'string') this.o.onWritten(m.path, writerOf(event));
  }

  private onExecCheck(m: HelperMessage): void {
    const id = Number(m.id);
    const req: ExecRequest = {
      id, path: String(m.path), pid: Number(m.pid), dev: Number(m.dev), ino: Number(m.ino), size: Number(m.size), mtimeNs: Number(m.mtime_ns),
    };
    this.execChecks++;
    const actor = this.lookup.actor(req.pid, Number(m.ts_ns) || 0, { beforeExec: true }).process;
    const stream = this.stream;
    this.o.onExecCheck(req, writerOf({ process: actor })).then(
      (v) => stream?.send({ type: 'verdict', id, allow: v.allow, cache: v.cache }),
      (err) => {
        this.o.log('warn', `exec check of ${req.path} failed, allowed: ${(err as Error).message}`);
        stream?.send({ type: 'verdict', id, allow: true, cache: false });
      },
    );
  }

  /** An exec the helper blocked or let through unanswered, stored as a file event. */
  private record(m: HelperMessage, action: string): void {
    const event = toFileEvent(m, action, this.clock!, this.lookup);
    if (event) this.queue(event);
  }

  // ---- the core's knowledge pushed into the helper's decision cache ----------------------------

  /** Refuse every exec of this file (a known-bad or quarantined file). */
  deny(dev: number, ino: number, size?: number): void {
    if (!this.guarding) return;
    this.stream!.send(size === undefined ? { type: 'deny', dev, ino } : { type: 'deny', dev, ino, size });
  }

  /** Forget every cached decision: the signatures or the quarantine changed. */
  flushCache(): void {
    if (this.guarding) this.stream!.send({ type: 'flush_cache' });
  }

  // ---- events to the store in batches -----------------------------------------------------------

  private queue(e: NewEvent): void {
    this.out.push(e);
    if (this.out.length >= FLUSH_MAX) this.flush();
  }

  private flush(): void {
    if (!this.out.length) return;
    const batch = this.out;
    this.out = [];
    this.o.onEvents(batch);
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async stop(): Promise<void> {
    await this.stream?.stop();
    this.stream = null;
    this.guardOn = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.coalescer?.tick(Date.now(), true);
    this.flush();
    await this.watcher?.stop();
    this.watcher = null;
    if (this.state === 'running') this.state = 'stopped';
  }

  async pause(): Promise<void> {
    await this.stop();
    this.state = 'paused';
  }

  /** New watched folders: the chokidar tier re-watches; the helper restarts only when it needs other filesystems. */
  async setFolders(folders: string[], mountsChanged: boolean): Promise<void> {
    this.o = { ...this.o, folders };
    if (this.watcher) { await this.watcher.setFolders(folders); return; }
    if (this.stream && mountsChanged) await this.restart();
  }

  /** Exclusions or the guard changed: the helper takes them only on its command line. */
  async restart(execGuard = this.o.execGuard): Promise<void> {
    const running = this.stream !== null || this.watcher !== null;
    this.o = { ...this.o, execGuard };
    if (!running) return;
    await this.stop();
    await this.start();
  }

  /** Paths the fanotify tier folded or lost. */
  counters() {
    return { coalesced: this.coalescer?.folded ?? 0, lost: this.dropped + (this.stream?.gaps ?? 0) };
  }

  status(): FileSensorStatus {
    if (this.watcher) {
      const w = this.watcher.status();
      const detail = [this.fellBack, w.detail].filter(Boolean).join('; ') || null;
      return { id: this.id, state: w.state, detail, tier: 'chokidar', limits: LIMITS.chokidar, eventsLost: 0 };
    }
    const { lost } = this.counters();
    const extra = this.tier === 'fanotify' && this.execTimeouts ? `; ${this.execTimeouts} exec checks allowed unanswered (timeout)` : '';
    return {
      id: this.id, state: this.state, detail: this.detail ? this.detail + extra : null,
      tier: this.tier, limits: this.tier ? LIMITS[this.tier] : null, eventsLost: lost,
    };
  }
}

function writerOf(e: Pick<NewEvent, 'process'>): Writer {
  const p = e.process;
  return { pid: p.pid, entity_id: p.entity_id, executable: p.executable, command_line: p.command_line };
}
