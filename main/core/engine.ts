// The protection path in one place: file facts -> detect -> triage -> respond -> store -> events.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import {
  MamoriError, type Action, type Alert, type ResponseAction, type Scan, type ScanScheduleStatus, type Settings, type Status, type StatusReason,
} from '../../preload/contract/index.js';
import {
  BehaviourRules, detectByContent, detectFile, detectMembers, FILE_RULES, HashSignatures, needsDigest, parseSignatures, UnsupportedSignatureFormat, worstYaraFinding,
  type Finding,
} from './detect/index.js';
import { QuarantineVault, type NetworkGuardOptions, type RecoveryReport } from './respond/index.js';
import { ResponseLoop } from './response.js';
import {
  ContentScanner, CpuBudget, fullScan, HashPool, homeFolders, isDue, nextSlot, quickScanPaths, ScanJob, type InspectedFile,
  type ScanProfile,
} from './scan/index.js';
import {
  BoundedPathQueue, FileSensor, localFilesystems, NetworkSensor, ProcessSensor, type ExecRequest, type ExecVerdict,
  type FileSensorChoice, type NetworkSensorChoice, type ProcessTierChoice, type Writer,
} from './sensors/index.js';
import type { NewEvent, Store } from './store/index.js';
import {
  behaviourSubject, fileSubject, groupIntoIncident, quarantineOnItsOwn, raiseAlert, raiseBehaviourAlert, severityAtLeast, type AlertFacts,
} from './triage/index.js';
import type { CoreEvents } from './events.js';
import { TelemetrySummarizer } from './telemetry-summary.js';
import { newId, nowIso } from './util/index.js';

const REALTIME_LANES = 2;
const RETENTION_EVERY_MS = 10 * 60_000;
/** Full-text indexing of stored telemetry: at most FTS_BUDGET_MS of work every FTS_EVERY_MS. */
const FTS_EVERY_MS = 250;
const FTS_BUDGET_MS = 50;
// Files waiting to be scanned (real time and scan on write). Full: new paths are dropped and counted.
const REALTIME_QUEUE_MAX = 10_000;
// Exec checks hash on their own worker, so a busy scan never makes a program wait; hashes kept per file version.
const EXEC_HASH_CACHE_MAX = 10_000;
// Programs up to this size are hashed right here (8 MiB is ~6 ms at this machine's SHA-256 speed): a worker
// that has to start first could miss the helper's 300 ms deadline. Bigger ones go to the exec worker.
const EXEC_INLINE_MAX = 8 * 1024 * 1024;
const SCHEDULE_CHECK_MS = 60_000;
// A scheduled scan missed while the machine was off runs this long after start, not in the middle of boot.
const SCHEDULE_CATCH_UP_MS = 2 * 60_000;

export interface EngineOptions {
  dataDir: string;
  store: Store;
  events: CoreEvents;
  watchOverride: string[] | null;
  version: string;
  processSensor: ProcessTierChoice;
  fileSensor: FileSensorChoice;
  /** Filesystems the file sensor marks and guards (one path each); null: the local ones (localFilesystems). */
  fileMounts: string[] | null;
  /** How long the helper waits for an exec verdict before it allows (fail open). */
  execVerdictTimeoutMs?: number;
  networkSensor: NetworkSensorChoice;
  networkPollMs?: number;
  helpersDir: string;
  /** Mamori's own rules (rules/yara inside). */
  rulesDir: string;
  /** The wall clock the scan scheduler reads (tests move it). */
  now: () => Date;
  /** Where host isolation and address blocks go (tests: a network namespace of their own). */
  network?: NetworkGuardOptions | 'off';
  /** false: the response policy only records (actions asked for through the API still run). */
  autoResponse?: boolean;
  log: (level: 'info' | 'warn' | 'error', m: string) => void;
}

export class Engine {
  readonly vault: QuarantineVault;
  readonly sensor: FileSensor;
  readonly processSensor: ProcessSensor;
  readonly networkSensor: NetworkSensor;
  private readonly telemetryPush: TelemetrySummarizer;
  readonly response: ResponseLoop;
  /** YARA over file contents (Mamori's pack + the user's folders). */
  readonly content: ContentScanner;
  /** Sigma behaviour rules over telemetry (Mamori's pack + the user's folders). */
  readonly behaviour: BehaviourRules;
  private hashes: HashSignatures;
  private readonly jobs = new Map<string, ScanJob>();
  private readonly inFlight = new Set<string>();
  private readonly realtimeQueue = new BoundedPathQueue<Writer | null>(REALTIME_QUEUE_MAX);
  private realtimeBusy = 0;
  private readonly hashPool = new HashPool();
  private readonly execPool = new HashPool(1);
  private readonly execFacts = new Map<string, Promise<InspectedFile>>();
  /** What the file paths need from the settings, read once per change (not per event of a storm). */
  private fileSettings!: { folders: string[]; own: string[]; everywhere: boolean; maxBytes: number; blockExec: boolean; contentScan: boolean };
  private pausedUntil: Date | null = null;
  private pauseTimer: NodeJS.Timeout | null = null;
  private watchOverride: string[] | null;
  private stopping = false;
  private retentionTimer: NodeJS.Timeout | null = null;
  private scheduleTimer: NodeJS.Timeout | null = null;
  private readonly startedAt: Date;
  private ftsTimer: NodeJS.Timeout | null = null;

  constructor(private readonly o: EngineOptions) {
    this.startedAt = o.now();
    this.vault = new QuarantineVault(join(o.dataDir, 'quarantine'), o.store.quarantine);
    this.hashes = this.loadSignatures();
    this.watchOverride = o.watchOverride;
    this.refreshFileSettings();
    this.sensor = new FileSensor({
      choice: o.fileSensor,
      helpersDir: o.helpersDir,
      folders: this.watchFolders(),
      mounts: () => this.fileMounts(),
      exclude: () => this.fileExclusions(),
      execGuard: o.store.settings.get().blockKnownBadExec,
      verdictTimeoutMs: o.execVerdictTimeoutMs,
      knownProcess: (pid) => this.processSensor.knownProcess(pid),
      onEvents: (events) => this.storeTelemetry(events),
      onWritten: (path, writer) => this.onWritten(path, writer),
      onExecCheck: (req, actor) => this.execVerdict(req, actor),
      log: (level, m) => o.log(level, m),
    });
    this.content = new ContentScanner({
      helpersDir: o.helpersDir, packDir: join(o.rulesDir, 'yara'), log: (level, m) => o.log(level, m),
    });
    this.behaviour = new BehaviourRules(join(o.rulesDir, 'sigma'), (level, m) => o.log(level, m));
    this.telemetryPush = new TelemetrySummarizer({
      newest: (limit) => o.store.events.search({ limit, offset: 0 }).items,
      emit: (summary) => o.events.emit('telemetry', summary),
      log: (m) => o.log('warn', m),
    });
    this.processSensor = new ProcessSensor({
      helpersDir: o.helpersDir,
      choice: o.processSensor,
      hashFile: (path) => this.hashPool.inspect(path).then((f) => f.sha256),
      onEvents: (events) => this.storeTelemetry(events),
      log: (level, m) => o.log(level, m),
    });
    this.response = new ResponseLoop({
      store: o.store, helpersDir: o.helpersDir, network: o.network, now: o.now, log: (level, m) => o.log(level, m), auto: o.autoResponse ?? true,
      quarantine: async (a) => this.quarantineFor(a),
      restore: (a) => {
        try {
          const r = this.restore(a.target.quarantineId!, 'refuse');
          return { ok: true, summary: `The file is back at ${r.restoredPath}.` };
        } catch (err) {
          return { ok: false, summary: `Could not restore the file: ${(err as Error).message}`, error: { code: (err as { code?: string }).code ?? 'FAILED', message: (err as Error).message } };
        }
      },
      changed: (a) => {
        // Exec decisions already cached were made without this block (or with it).
        if (a.kind === 'block_hash' || a.kind === 'unblock_hash') this.sensor.flushCache();
        this.o.events.emit('action', a);
        this.emitStatus();
      },
    });
    this.networkSensor = new NetworkSensor({
      choice: o.networkSensor,
      pollMs: o.networkPollMs,
      syscallsCovered: () => { const s = this.processSensor.status(); return s.state === 'running' && s.tier === 'ebpf'; },
      onEvents: (events) => this.storeTelemetry(events),
      log: (level, m) => o.log(level, m),
    });
  }

  get store(): Store { return this.o.store; }

  /** Every sensor's telemetry goes through here: into the history, then (summarised, throttled) to the UI. */
  storeTelemetry(events: NewEvent[]): void {
    let first: number;
    try {
      first = this.o.store.events.insertBatch(events);
    } catch (err) {
      this.o.log('error', `storing ${events.length} events failed: ${(err as Error).message}`);
      return;
    }
    this.telemetryPush.add(events);
    this.indexSoon();
    if (!this.isPaused()) this.detectBehaviour(events, first);
  }

  /**
   * The process entity, its parent and grandparent, as far as the sensors know them, without pid 1 (every
   * process descends from it, so it would join everything into one incident).
   */
  private lineage(entity: string | null, pid: number | null, parent?: { entity_id: string | null; pid: number } | null): string[] {
    const out: string[] = [];
    if (entity) out.push(entity);
    const own = pid !== null ? this.processSensor.knownProcess(pid) : null;
    let parentEntity = parent?.entity_id ?? own?.parentEntity ?? null;
    let ppid = parent?.pid ?? own?.ppid ?? null;
    for (let depth = 0; depth < 2 && ppid !== null && ppid > 1; depth++) {
      const info = this.processSensor.knownProcess(ppid);
      parentEntity ??= info?.entityId ?? null;
      if (parentEntity) out.push(parentEntity);
      if (!info || (parentEntity && info.entityId !== parentEntity)) break;
      parentEntity = info.parentEntity;
      ppid = info.ppid;
    }
    return out;
  }

  /** Puts a new alert into an incident; returns the alert as stored now (with its incidentId). */
  private toIncident(alert: Alert, lineage: string[]): Alert {
    try {
      return { ...alert, incidentId: groupIntoIncident(this.o.store, alert, lineage).id };
    } catch (err) {
      this.o.log('warn', `grouping alert ${alert.id} into an incident failed: ${(err as Error).message}`);
      return alert;
    }
  }

  /** Behaviour rules on a stored batch (ids run on from `first`); findings become alerts, repeats merge. */
  private detectBehaviour(events: NewEvent[], first: number): void {
    let findings;
    try {
      findings = this.behaviour.evaluate(events.map((e, i) => ({ ...e, id: first + i })));
    } catch (err) {
      this.o.log('error', `behaviour rules failed on a batch: ${(err as Error).message}`);
      return;
    }
    if (!findings.length) return;
    for (const f of findings) {
      const p = f.event.process;
      if (this.response.excepted(behaviourSubject(f))) continue;
      const lineage = this.lineage(p.entity_id, p.pid, p.parent);
      const { alert, isNew } = raiseBehaviourAlert(this.o.store.alerts, f, new Date(), p.entity_id ? lineage.slice(1) : lineage);
      if (!isNew) continue;
      const grouped = this.toIncident(alert, lineage);
      this.o.events.emit('alert', grouped);
      // The remote end of a connection in the finding: what a network block would cut.
      const remote = f.events.map((e) => e.destination?.ip).find((ip) => ip && !/^(127\.|::1$|0\.0\.0\.0$|::$)/.test(ip)) ?? null;
      this.afterAlert(grouped, { remoteAddress: remote });
    }
    this.emitStatus();
  }

  recoverVault(): RecoveryReport {
    const report = this.vault.recover();
    for (const p of report.problems) this.o.log('warn', p);
    const interrupted = this.o.store.scans.closeInterrupted(nowIso());
    if (interrupted) this.o.log('info', `${interrupted} scan(s) interrupted by the last shut-down are marked failed`);
    return report;
  }

  watchFolders(): string[] {
    return this.watchOverride ?? this.o.store.settings.get().watchFolders;
  }

  private refreshFileSettings(): void {
    const s = this.o.store.settings.get();
    const slash = (d: string) => (d.endsWith('/') ? d : `${d}/`);
    this.fileSettings = {
      folders: this.watchFolders().map(slash), own: this.ownPaths().map(slash), everywhere: s.scanOnWriteEverywhere,
      maxBytes: s.scanMaxFileMb * 1024 * 1024, blockExec: s.blockKnownBadExec, contentScan: s.contentScan,
    };
  }

  private fileMounts(): string[] {
    return this.o.fileMounts ?? localFilesystems(this.watchFolders());
  }

  /** What the file sensor never reports: Mamori's own files, and the user's exclusions (~/ = every home). */
  private fileExclusions(): string[] {
    const out = new Set(this.ownPaths());
    for (const ex of this.o.store.settings.get().fileExclusions) {
      if (ex.startsWith('~/')) for (const home of homeFolders()) out.add(join(home, ex.slice(2)));
      else if (ex.startsWith('/')) out.add(ex.replace(/\/+$/, '') || '/');
    }
    return [...out];
  }

  /** Mamori's own files are never scanned or watched: the vault would otherwise detect itself. */
  private ownPaths(): string[] {
    // The rule pack too: YARA rules match their own text.
    const out = [this.o.dataDir, this.o.rulesDir];
    try { out.push(realpathSync(this.o.dataDir)); } catch { /* not created yet */ }
    return out;
  }

  // ---- telemetry retention ------------------------------------------------------------------

  /** Drops telemetry older than the retention setting and keeps the database under its size cap. */
  applyRetention(now = Date.now()): number {
    const { eventsRetentionDays, eventsMaxMb } = this.o.store.settings.get();
    const { db } = this.o.store;
    const usedBytes = () => {
      const pages = db.pragma('page_count', { simple: true }) as number;
      const free = db.pragma('freelist_count', { simple: true }) as number;
      return (pages - free) * (db.pragma('page_size', { simple: true }) as number);
    };
    const before = new Date(now - eventsRetentionDays * 86_400_000).toISOString();
    const removed = this.o.store.events.prune(before, eventsMaxMb * 1024 * 1024, usedBytes);
    if (removed) this.o.log('info', `retention: removed ${removed} old events`);
    return removed;
  }

  startRetention(): void {
    const run = () => {
      try { this.applyRetention(); } catch (err) { this.o.log('warn', `retention failed: ${(err as Error).message}`); }
    };
    run();
    this.retentionTimer = setInterval(run, RETENTION_EVERY_MS);
    this.retentionTimer.unref();
    this.indexSoon(); // what an earlier run left unindexed
  }

  /**
   * Events are stored without their full-text rows (search covers the gap); they are indexed in small slices,
   * FTS_EVERY_MS apart, only while some are waiting: an idle Mamori has no timer for this.
   */
  private indexSoon(): void {
    if (this.ftsTimer || this.stopping) return;
    this.ftsTimer = setTimeout(() => {
      this.ftsTimer = null;
      const t0 = Date.now();
      let left = 0;
      try {
        while ((left = this.o.store.events.indexPending()) > 0 && Date.now() - t0 < FTS_BUDGET_MS) { /* next slice */ }
      } catch (err) {
        this.o.log('warn', `full-text indexing failed: ${(err as Error).message}`);
        return;
      }
      if (left > 0) this.indexSoon();
    }, FTS_EVERY_MS);
    this.ftsTimer.unref();
  }

  // ---- real-time path -------------------------------------------------------------------------

  enqueueRealtime(path: string, writer: Writer | null = null): void {
    if (this.stopping || this.isPaused()) return;
    if (!this.realtimeQueue.push(path, writer)) return; // full: counted, shown in the status
    this.pumpRealtime();
  }

  /** Scan on write: a file the sensor saw written, if it is in a watched folder (or everywhere, by setting). */
  private onWritten(path: string, writer: Writer | null): void {
    const { folders, own, everywhere } = this.fileSettings;
    const inside = (dirs: string[]) => dirs.some((d) => path.startsWith(d));
    if (inside(own)) return;
    if (!everywhere && !inside(folders)) return;
    this.enqueueRealtime(path, writer);
  }

  private pumpRealtime(): void {
    while (this.realtimeBusy < REALTIME_LANES && this.realtimeQueue.size) {
      const [path, writer] = this.realtimeQueue.shift()!;
      this.realtimeBusy++;
      void this.scanRealtime(path, writer).finally(() => {
        this.realtimeBusy--;
        this.pumpRealtime();
      });
    }
  }

  private async scanRealtime(path: string, writer: Writer | null): Promise<void> {
    let file: InspectedFile;
    try {
      file = await this.hashPool.inspect(path);
    } catch {
      return; // gone already, unreadable, or not a regular file: nothing to act on
    }
    try {
      const contentScan = file.size <= this.fileSettings.maxBytes;
      await this.onInspected(file, 'realtime', null, { writer, contentScan });
    } catch (err) {
      this.o.log('error', `handling ${path} failed: ${(err as Error).message}`);
    }
  }

  // ---- exec guard -----------------------------------------------------------------------------

  /**
   * The answer to one exec_check: deny a file whose hash a signature list knows or whose content is in
   * quarantine (unless the user restored exactly this file there), allow everything else. The helper
   * allows on its own when this takes longer than its timeout.
   */
  private async execVerdict(req: ExecRequest, actor: Writer): Promise<ExecVerdict> {
    if (!this.fileSettings.blockExec || this.isPaused() || this.stopping) return { allow: true, cache: false };
    const key = `${req.dev}:${req.ino}:${req.size}:${req.mtimeNs}`;
    let pending = this.execFacts.get(key);
    if (!pending) {
      if (this.execFacts.size >= EXEC_HASH_CACHE_MAX) this.execFacts.clear();
      pending = req.size <= EXEC_INLINE_MAX ? this.hashInline(req.path) : this.execPool.inspect(req.path);
      this.execFacts.set(key, pending);
      pending.catch(() => this.execFacts.delete(key));
    }
    let file: InspectedFile;
    try { file = await pending; } catch { return { allow: true, cache: false }; } // gone or unreadable: the exec fails by itself
    if (file.dev !== req.dev || file.ino !== req.ino) { this.execFacts.delete(key); return { allow: true, cache: false }; } // path replaced meanwhile
    const known = this.hashes.lookup(file);
    if (this.response.isHashBlocked(file.sha256)) {
      setImmediate(() => this.onExecBlocked(file, `blocked:${file.sha256.slice(0, 16)}`, actor));
      return { allow: false, cache: false }; // not cached: an unblock applies to the next exec at once
    }
    if (!known && !this.o.store.quarantine.isQuarantinedHash(file.sha256)) return { allow: true, cache: true };
    if (this.o.store.quarantine.isRestoredByUser(file.path, file.sha256)) return { allow: true, cache: true };
    const signature = known?.name ?? `quarantined:${file.sha256.slice(0, 16)}`;
    setImmediate(() => this.onExecBlocked(file, signature, actor)); // answer first, write the alert after
    return { allow: false, cache: true };
  }

  /** The facts of a small program, read and hashed on this thread (MD5/SHA-1 only when a list needs them). */
  private async hashInline(path: string): Promise<InspectedFile> {
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.size > EXEC_INLINE_MAX) return await this.execPool.inspect(path);
      const buf = Buffer.allocUnsafe(st.size);
      let got = 0;
      while (got < st.size) {
        const n = readSync(fd, buf, got, st.size - got, got);
        if (!n) break;
        got += n;
      }
      const content = buf.subarray(0, got);
      const { policy } = this.hashes;
      const digest = (algo: string) => createHash(algo).update(content).digest('hex');
      return {
        path, size: got, sha256: digest('sha256'),
        md5: needsDigest(policy.md5, got) ? digest('md5') : null, sha1: needsDigest(policy.sha1, got) ? digest('sha1') : null,
        smallContent: null, dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs,
      };
    } finally {
      closeSync(fd);
    }
  }

  private onExecBlocked(file: InspectedFile, signature: string, actor: Writer): void {
    if (this.inFlight.has(file.path)) return;
    this.inFlight.add(file.path);
    try {
      this.respond(file, { rule: FILE_RULES.execBlocked, signature }, 'realtime', null, actor);
    } catch (err) {
      this.o.log('error', `recording the blocked exec of ${file.path} failed: ${(err as Error).message}`);
    } finally {
      this.inFlight.delete(file.path);
    }
  }

  // ---- shared by real-time and scans ----------------------------------------------------------

  /** Detect, triage and respond to one inspected file. Returns the alert id when it was a finding. */
  async onInspected(
    file: InspectedFile, source: 'realtime' | 'scan', scanId: string | null, o: { writer?: Writer | null; contentScan?: boolean } = {},
  ): Promise<string | null> {
    const finding = await this.detect(file, o.contentScan ?? true);
    if (!finding) return null;
    if (this.o.store.quarantine.isRestoredByUser(file.path, file.sha256)) return null; // the user's decision stands
    if (this.inFlight.has(file.path)) return null;
    this.inFlight.add(file.path);
    try {
      return this.respond(file, finding, source, scanId, o.writer ?? null)?.id ?? null;
    } finally {
      this.inFlight.delete(file.path);
    }
  }

  /** Hash signatures always; content rules only when `contentScan` (files up to scanMaxFileMb). */
  private async detect(file: InspectedFile, contentScan: boolean): Promise<Finding | null> {
    const byHash = detectFile({ ...file, smallContent: null }, this.hashes);
    if (byHash || !contentScan) return byHash;
    return this.scanContent(file);
  }

  /**
   * The one place content rules look inside a file: the EICAR string, then (with the contentScan setting) YARA
   * over the file and inside it (archive and container members, by their hashes first, then their YARA
   * matches). A finding inside names its path there.
   */
  private async scanContent(file: InspectedFile): Promise<Finding | null> {
    const eicar = detectByContent(file);
    if (eicar) return eicar;
    if (!this.fileSettings.contentScan) return null;
    const r = await this.content.scan(file.path);
    if (!r) return null;
    const own = worstYaraFinding(r.matches);
    if (own) return own;
    const inner = detectMembers(r.members, this.hashes);
    const byHash = inner.find((f) => f.kind === 'hash');
    if (byHash?.rule) return { rule: byHash.rule, signature: `${byHash.signature} (inside ${byHash.path})` };
    for (const f of inner) {
      const found = worstYaraFinding(f.matches);
      if (found) return { ...found, signature: `${found.signature} (inside ${f.path})` };
    }
    return null;
  }

  private respond(file: InspectedFile, finding: Finding, source: 'realtime' | 'scan', scanId: string | null, writer: Writer | null = null): Alert | null {
    const { alerts } = this.o.store;
    const ctx = { path: file.path, sha256: file.sha256, size: file.size, source, scanId, process: writer };
    if (this.response.excepted(fileSubject(finding, ctx))) return null;
    const { alert, isNew } = raiseAlert(alerts, finding, ctx);
    if (isNew) this.toIncident(alert, writer ? this.lineage(writer.entity_id, writer.pid) : []);
    // A bad file nobody ran yet: the exec guard refuses it from now on, whatever the quarantine does.
    this.sensor.deny(file.dev, file.ino, file.size);
    const settings = this.o.store.settings.get();
    if (settings.autoQuarantine && quarantineOnItsOwn(alert, settings.responsePolicy)) {
      const action: Action = { id: newId('act'), time: nowIso(), kind: 'quarantine', status: 'succeeded', actor: 'policy', quarantineId: null, error: null };
      try {
        const item = this.vault.quarantine({
          path: file.path, ruleId: finding.rule.id, signature: finding.signature, alertId: alert.id,
          expected: { sha256: file.sha256, dev: file.dev, ino: file.ino },
        });
        action.quarantineId = item.id;
        this.o.events.emit('quarantine', item);
      } catch (err) {
        action.status = 'failed';
        action.error = (err as Error).message;
        this.o.log('warn', `could not quarantine ${file.path}: ${action.error}`);
      }
      alerts.addAction(alert.id, action);
    }
    const fresh = alerts.get(alert.id)!;
    this.o.events.emit('alert', fresh);
    this.emitStatus();
    if (isNew) this.afterAlert(fresh, { remoteAddress: null });
    return fresh;
  }

  /** The response policy's turn: act, ask or only record (in the background: detection never waits for it). */
  private afterAlert(alert: Alert, facts: AlertFacts): void {
    if (this.stopping) return;
    this.response.onAlert(alert, facts).catch((err: Error) => this.o.log('error', `responding to ${alert.id} failed: ${err.message}`));
  }

  /** An approved "quarantine?" question: the file goes to the vault if it is still what was detected. */
  private async quarantineFor(a: ResponseAction): Promise<{ ok: boolean; summary: string; error?: { code: string; message: string } }> {
    const alert = a.alertId ? this.o.store.alerts.get(a.alertId) : null;
    try {
      const item = this.vault.quarantine({
        path: a.target.path!, ruleId: alert?.ruleId ?? 'response', signature: alert?.detection.signature ?? 'asked', alertId: a.alertId,
        expected: a.target.sha256 ? { sha256: a.target.sha256 } : undefined,
      });
      a.target = { ...a.target, quarantineId: item.id };
      if (a.alertId) this.o.store.alerts.addAction(a.alertId, { id: newId('act'), time: nowIso(), kind: 'quarantine', status: 'succeeded', actor: a.actor, quarantineId: item.id, error: null });
      this.o.events.emit('quarantine', item);
      return { ok: true, summary: `The file was moved to quarantine: ${a.target.path}.` };
    } catch (err) {
      return { ok: false, summary: `Could not quarantine ${a.target.path}: ${(err as Error).message}`, error: { code: (err as { code?: string }).code ?? 'FAILED', message: (err as Error).message } };
    }
  }

  // ---- quarantine actions by the user ---------------------------------------------------------

  restore(id: string, onConflict: 'refuse' | 'rename') {
    const result = this.vault.restore(id, onConflict);
    this.sensor.flushCache(); // the restored file runs again (the user's decision stands)
    this.recordUserAction(result.item.id, result.item.alertId, 'restore');
    this.o.events.emit('quarantine', result.item);
    this.emitStatus();
    return result;
  }

  deleteQuarantined(id: string) {
    const item = this.vault.delete(id);
    this.recordUserAction(item.id, item.alertId, 'delete');
    this.o.events.emit('quarantine', item);
    this.emitStatus();
    return { item };
  }

  private recordUserAction(quarantineId: string, alertId: string | null, kind: 'restore' | 'delete'): void {
    const { alerts } = this.o.store;
    if (kind === 'restore') alerts.markQuarantineUndone(quarantineId);
    alerts.addAction(alertId, { id: newId('act'), time: nowIso(), kind, status: 'succeeded', actor: 'user', quarantineId, error: null });
    if (alertId) {
      const alert = alerts.get(alertId);
      if (alert) this.o.events.emit('alert', alert);
    }
  }

  // ---- scans ----------------------------------------------------------------------------------

  startScan(paths: string[], trigger: Scan['trigger'], o: { profile?: ScanProfile; exclude?: string[]; budget?: CpuBudget } = {}): Scan {
    const scan: Scan = {
      id: newId('scan'), paths, profile: o.profile ?? 'custom', trigger, state: 'running', startedAt: this.o.now().toISOString(), endedAt: null,
      filesScanned: 0, bytesScanned: 0, findings: 0, errors: 0, errorSamples: [], alertIds: [],
    };
    this.o.store.scans.save(scan);
    const job = new ScanJob(scan, {
      exclude: [...this.ownPaths(), ...(o.exclude ?? [])],
      budget: o.budget,
      inspect: (path) => this.hashPool.inspect(path),
      onFile: (file) => this.onInspected(file, 'scan', scan.id),
      onProgress: (p) => this.o.events.emit('scanProgress', p),
    });
    this.jobs.set(scan.id, job);
    void job.run().then(
      (done) => this.finishScan(done),
      (err) => {
        this.o.log('error', `scan ${scan.id} failed: ${(err as Error).message}`);
        this.finishScan({ ...scan, state: 'failed', endedAt: nowIso() });
      },
    ).finally(() => this.jobs.delete(scan.id));
    this.o.events.emit('scanProgress', job.progress());
    return { ...scan };
  }

  /**
   * The quick or the full scan. Asking for one that already runs returns the running one. Scheduled runs
   * keep to the CPU budget; a scan the user asked for runs at full speed.
   */
  startProfileScan(profile: ScanProfile & ('quick' | 'full'), trigger: Scan['trigger']): Scan {
    const running = [...this.jobs.values()].find((j) => j.scan.profile === profile && j.scan.state === 'running');
    if (running) return { ...running.scan };
    const { paths, exclude } = profile === 'full' ? fullScan() : { paths: quickScanPaths(this.watchFolders()), exclude: [] };
    if (!paths.length) throw new MamoriError('NOT_FOUND', `nothing to scan: none of the ${profile} scan folders exists here`);
    const budget = trigger === 'schedule' ? new CpuBudget(this.o.store.settings.get().scanCpuPercent) : undefined;
    return this.startScan(paths, trigger, { profile, exclude, budget });
  }

  scanSchedule(): ScanScheduleStatus {
    const { scanSchedule, scanCpuPercent } = this.o.store.settings.get();
    const now = this.o.now();
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    return {
      quick: { ...scanSchedule.quick, next: iso(nextSlot(scanSchedule.quick, now)), last: this.o.store.scans.lastStart(['quick', 'full']) },
      full: { ...scanSchedule.full, next: iso(nextSlot(scanSchedule.full, now)), last: this.o.store.scans.lastStart(['full']) },
      cpuPercent: scanCpuPercent,
    };
  }

  /** Starts the due scheduled scan, if any: the full one first, since it covers what the quick one looks at. */
  checkSchedule(): Scan | null {
    if (this.stopping || this.isPaused()) return null;
    const { scanSchedule } = this.o.store.settings.get();
    const now = this.o.now();
    const last = (profiles: ScanProfile[]) => { const t = this.o.store.scans.lastStart(profiles); return t ? new Date(t) : null; };
    try {
      if (isDue(scanSchedule.full, last(['full']), this.startedAt, now)) return this.startProfileScan('full', 'schedule');
      if (isDue(scanSchedule.quick, last(['quick', 'full']), this.startedAt, now)) return this.startProfileScan('quick', 'schedule');
    } catch (err) {
      this.o.log('warn', `scheduled scan could not start: ${(err as Error).message}`);
    }
    return null;
  }

  startScheduler(o: { checkEveryMs?: number; catchUpMs?: number } = {}): void {
    const check = () => { this.checkSchedule(); };
    const first = setTimeout(() => {
      check();
      this.scheduleTimer = setInterval(check, o.checkEveryMs ?? SCHEDULE_CHECK_MS);
      this.scheduleTimer.unref();
    }, o.catchUpMs ?? SCHEDULE_CATCH_UP_MS);
    first.unref();
    this.scheduleTimer = first;
  }

  private finishScan(scan: Scan): void {
    this.o.store.scans.save(scan);
    this.o.events.emit('scanFinished', { ...scan });
    this.emitStatus();
  }

  cancelScan(id: string): Scan {
    const job = this.jobs.get(id);
    if (!job) {
      const scan = this.o.store.scans.get(id);
      if (!scan) throw new MamoriError('NOT_FOUND', `no scan with id ${id}`);
      return scan; // already finished: cancelling is a no-op
    }
    job.cancel();
    return { ...job.scan };
  }

  getScan(id: string) {
    const job = this.jobs.get(id);
    if (job) return { scan: { ...job.scan }, progress: job.progress() };
    const scan = this.o.store.scans.get(id);
    if (!scan) throw new MamoriError('NOT_FOUND', `no scan with id ${id}`);
    return { scan, progress: null };
  }

  async waitForScans(): Promise<void> {
    for (const job of this.jobs.values()) job.cancel();
    while (this.jobs.size) await new Promise((r) => setTimeout(r, 20));
  }

  // ---- protection state -----------------------------------------------------------------------

  isPaused(): boolean {
    return this.pausedUntil !== null && this.pausedUntil.getTime() > Date.now();
  }

  async pause(minutes: number): Promise<void> {
    this.pausedUntil = new Date(Date.now() + minutes * 60_000);
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => { void this.resume(); }, minutes * 60_000);
    this.pauseTimer.unref();
    await this.sensor.pause();
    this.emitStatus();
  }

  async resume(): Promise<void> {
    this.pausedUntil = null;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    if (!this.stopping) await this.sensor.start();
    this.emitStatus();
  }

  async applySettings(patch: Partial<Settings>): Promise<Settings> {
    const mountsBefore = this.fileMounts().join('\n');
    const before = this.o.store.settings.get();
    const next = this.o.store.settings.update(patch);
    if (patch.yaraFolders) void this.content.load(next.yaraFolders);
    if (patch.sigmaFolders) this.behaviour.load(next.sigmaFolders);
    if (patch.watchFolders) this.watchOverride = null;
    this.refreshFileSettings();
    if (patch.watchFolders) {
      await this.sensor.setFolders(next.watchFolders, this.fileMounts().join('\n') !== mountsBefore);
    }
    const changed = (k: 'fileExclusions' | 'blockKnownBadExec') => patch[k] !== undefined && JSON.stringify(before[k]) !== JSON.stringify(next[k]);
    if ((changed('fileExclusions') || changed('blockKnownBadExec')) && !this.isPaused()) await this.sensor.restart(next.blockKnownBadExec);
    await this.response.settingsChanged(before, next);
    this.emitStatus();
    return next;
  }

  /** The old SHA-256 list import, now any hash list; same result fields as before. */
  importHashList(name: string, text: string) {
    const { imported, duplicates, invalid, invalidCount } = this.importSignatures(`${name}.txt`, text, name, { allowAllBad: true });
    return { name, imported, duplicates, invalid: invalid.map(({ line, reason }) => ({ line, reason })), invalidCount };
  }

  /** Imports (or replaces, by name) one signature database; the new hashes apply to the next file inspected. */
  importSignatures(fileName: string, text: string, name?: string, o: { allowAllBad?: boolean } = {}) {
    const listName = (name ?? basename(fileName, extname(fileName))).trim() || 'signatures';
    let parsed;
    try {
      parsed = parseSignatures(text, fileName, listName);
    } catch (err) {
      if (err instanceof UnsupportedSignatureFormat) throw new MamoriError('BAD_INPUT', err.message);
      throw err;
    }
    if (!parsed.entries.length && parsed.invalidCount && !o.allowAllBad) {
      const first = parsed.invalid[0]!;
      throw new MamoriError('BAD_INPUT', `no signature in ${fileName} could be read (${parsed.invalidCount} bad lines; line ${first.line}: ${first.reason})`);
    }
    const { imported } = this.o.store.signatures.replaceList(listName, parsed.format, parsed.entries, parsed.invalidCount, nowIso());
    this.hashes = this.loadSignatures();
    this.sensor.flushCache(); // cached exec decisions were made against the old lists
    const byAlgo = { md5: 0, sha1: 0, sha256: 0 };
    for (const e of parsed.entries) byAlgo[e.algo]++;
    return {
      name: listName, format: parsed.format, imported, byAlgo, duplicates: parsed.duplicates,
      invalid: parsed.invalid, invalidCount: parsed.invalidCount,
    };
  }

  listSignatures() {
    return { builtIn: this.hashes.builtIn, lists: this.o.store.signatures.lists() };
  }

  removeSignatureList(name: string) {
    if (!this.o.store.signatures.removeList(name)) throw new MamoriError('NOT_FOUND', `no signature list named "${name}"`);
    this.hashes = this.loadSignatures();
    this.sensor.flushCache();
    return { removed: name };
  }

  /** Signatures from the store, and the hash workers told which files also need MD5/SHA-1. */
  private loadSignatures(): HashSignatures {
    const hashes = new HashSignatures(this.o.store.signatures.all());
    this.hashPool.setDigestPolicy(hashes.policy);
    this.execPool.setDigestPolicy(hashes.policy);
    this.execFacts.clear(); // cached facts may lack an MD5/SHA-1 the new lists need
    return hashes;
  }

  status(): Status {
    const { alerts, quarantine, scans, recoveredFrom } = this.o.store;
    const openBySeverity = alerts.openBySeverity();
    const reasons: StatusReason[] = [];
    const sensorStatus = this.sensor.status();
    const processStatus = this.processSensor.status();
    const folders = this.watchFolders();
    const attentionAlerts = Object.entries(openBySeverity)
      .filter(([sev]) => severityAtLeast(sev as keyof typeof openBySeverity, 'medium'))
      .reduce((n, [, c]) => n + c, 0);
    if (this.isPaused()) reasons.push({ code: 'paused', detail: this.pausedUntil!.toISOString() });
    if (sensorStatus.state === 'failed') reasons.push({ code: 'sensor-failed', detail: sensorStatus.detail });
    if (processStatus.state === 'failed') reasons.push({ code: 'sensor-failed', detail: processStatus.detail });
    const watching = folders.length > 0 && (sensorStatus.state === 'running' || this.isPaused());
    if (!watching && sensorStatus.state !== 'failed') reasons.push({ code: 'no-watched-folders', detail: sensorStatus.detail });
    if (attentionAlerts) reasons.push({ code: 'open-alerts', detail: String(attentionAlerts) });
    if (recoveredFrom) reasons.push({ code: 'database-recovered', detail: recoveredFrom });
    const state: Status['state'] = this.isPaused() ? 'paused'
      : sensorStatus.state === 'failed' || processStatus.state === 'failed' || !watching ? 'degraded'
      : attentionAlerts || recoveredFrom ? 'attention'
      : 'protected';
    return {
      state, reasons, pausedUntil: this.isPaused() ? this.pausedUntil!.toISOString() : null, watchedFolders: folders,
      sensors: [
        { ...sensorStatus, detail: this.sensorDetail(sensorStatus.detail) },
        ...(this.o.processSensor === 'off' ? [] : [processStatus]),
        ...(this.o.networkSensor === 'off' ? [] : [this.networkSensor.status()]),
      ],
      openAlerts: Object.values(openBySeverity).reduce((a, b) => a + b, 0), openBySeverity,
      quarantined: quarantine.countActive(), lastScan: scans.list(1)[0] ?? null, alertsPerDay: alerts.perDay(14),
      version: this.o.version, dataDir: this.o.dataDir,
      isolated: this.response.isolated(), pendingDecisions: this.o.store.actions.countPending(),
    };
  }

  private sensorDetail(detail: string | null): string | null {
    const { dropped } = this.realtimeQueue;
    const { coalesced } = this.sensor.counters();
    return [
      detail,
      dropped ? `${dropped} written files not scanned: the scan queue was full` : null,
      coalesced ? `${coalesced} repeated writes folded into earlier events` : null,
    ].filter(Boolean).join('; ') || null;
  }

  emitStatus(): void {
    if (!this.stopping) this.o.events.emit('status', this.status());
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.scheduleTimer) clearTimeout(this.scheduleTimer);
    if (this.ftsTimer) clearTimeout(this.ftsTimer);
    this.response.stop();
    await this.sensor.stop();
    await this.processSensor.stop();
    await this.networkSensor.stop();
    this.telemetryPush.stop();
    await this.content.close();
    await this.waitForScans();
    while (this.realtimeBusy) await new Promise((r) => setTimeout(r, 10));
    await this.hashPool.close();
    await this.execPool.close();
  }
}
