// YaraScanner: Mamori's YARA rules, compiled once by the mamori-yara helper, scanning files and
// in-memory data. At most maxInFlight requests are with the helper at a time (the rest wait here, in
// order), so a caller can hand it every file of a scan at once. If the helper dies, the requests it had
// fail with HELPER_CRASHED, it is started again (rules recompiled) and the waiting requests go on.
import { join, resolve as resolvePath } from 'node:path';
import { packageInfo } from '../../util/index.js';
import { YaraHelperProcess, type CompileReport } from './helper-process.js';
import {
  asNumber, asString, toDeepProblems, toMatches, toMembers, type DeepMember, type DeepProblem, type HelperLine, type YaraMatch,
} from './protocol.js';

export interface YaraScannerOptions {
  /** Rule files, or folders searched recursively for *.yar and *.yara. */
  rules: string[];
  /** The helper (default: native-helpers/bin/mamori-yara in Mamori's folder). */
  binary?: string;
  /** Scanning threads in the helper (default: its number of CPUs). */
  threads?: number;
  /** Larger files fail with TOO_BIG (helper default 128 MiB). */
  maxFileSize?: number;
  /** Largest scanData buffer (helper default 32 MiB). */
  maxDataSize?: number;
  /** Per-scan timeout in seconds (helper default 60). */
  timeoutS?: number;
  /** Deep scans (scanDeep): container levels opened below the file (helper default 10). */
  deepMaxDepth?: number;
  /** Deep scans: largest member kept in memory, uncompressed (helper default 64 MiB). */
  deepMaxMember?: number;
  /** Deep scans: all members of one file together (helper default 256 MiB). */
  deepMaxTotal?: number;
  /** Deep scans: uncompressed:compressed ratio of one container past 1 MiB out (helper default 200). */
  deepMaxRatio?: number;
  /** Deep scans: members of one file together (helper default 10,000). */
  deepMaxEntries?: number;
  /** Requests sent to the helper and not yet answered (default: 16 per helper thread, at least 64). */
  maxInFlight?: number;
  /** How long compiling may take before the start fails (default 120 s). */
  startTimeoutMs?: number;
  /** Restarts allowed within a minute before the scanner gives up (default 5). */
  maxRestartsPerMinute?: number;
  log?: (message: string) => void;
}

/** Why a scan failed: `code` is an errno name (ENOENT, EACCES, ...) or TOO_BIG, TIMEOUT, NOT_REGULAR,
 * HELPER_CRASHED, HELPER_FAILED, CLOSED, ... */
export class YaraScanError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Rules that had matched before the scan failed (a TIMEOUT can still have some). */
    readonly matches: YaraMatch[] = [],
  ) {
    super(message);
    this.name = 'YaraScanError';
  }
}

/** What a deep scan found: the file's own matches, every member inside it, and what could not be opened. */
export interface DeepScanResult {
  matches: YaraMatch[];
  size: number;
  members: DeepMember[];
  problems: DeepProblem[];
}

interface Waiting {
  request: Record<string, unknown>;
  resolve(line: HelperLine): void;
  reject(err: Error): void;
}

type State = 'running' | 'restarting' | 'failed' | 'closed';

export class YaraScanner {
  private helper!: YaraHelperProcess;
  private compileReport!: CompileReport;
  private state: State = 'running';
  private nextId = 1;
  // A FIFO read from waitHead: Array.shift() would copy the whole array per call with 100,000 files waiting.
  private waiting: Waiting[] = [];
  private waitHead = 0;
  private readonly inFlight = new Map<number, Waiting>();
  private writeBlocked = false;
  private restartTimes: number[] = [];
  private failure: string | null = null;
  private restartCount = 0;
  private readonly binary: string;
  private readonly args: string[];
  private readonly log: (message: string) => void;

  private constructor(private readonly o: YaraScannerOptions) {
    this.binary = o.binary ?? join(packageInfo().root, 'native-helpers', 'bin', 'mamori-yara');
    this.log = o.log ?? (() => undefined);
    const args = o.rules.flatMap((r) => ['--rules', resolvePath(r)]);
    if (o.threads !== undefined) args.push('--threads', String(o.threads));
    if (o.maxFileSize !== undefined) args.push('--max-file-size', String(o.maxFileSize));
    if (o.maxDataSize !== undefined) args.push('--max-data-size', String(o.maxDataSize));
    if (o.timeoutS !== undefined) args.push('--timeout-s', String(o.timeoutS));
    const deep: [string, number | undefined][] = [
      ['--deep-max-depth', o.deepMaxDepth], ['--deep-max-member', o.deepMaxMember], ['--deep-max-total', o.deepMaxTotal],
      ['--deep-max-ratio', o.deepMaxRatio], ['--deep-max-entries', o.deepMaxEntries],
    ];
    for (const [flag, value] of deep) if (value !== undefined) args.push(flag, String(value));
    this.args = args;
  }

  /** Starts the helper and waits until the rules are compiled. Rejects if the helper cannot run at all;
   * rule files that do not compile are not a failure: see report.errors. */
  static async start(o: YaraScannerOptions): Promise<YaraScanner> {
    if (o.rules.length === 0) throw new Error('YaraScanner needs at least one rules path');
    const s = new YaraScanner(o);
    await s.launch();
    return s;
  }

  /** What the last compile produced: rule count, per-file errors and warnings, compile time. */
  get report(): CompileReport {
    return this.compileReport;
  }

  get restarts(): number {
    return this.restartCount;
  }

  /** The helper's process id (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.helper.pid;
  }

  /** Requests sent or waiting. */
  get pending(): number {
    return this.inFlight.size + this.waiting.length - this.waitHead;
  }

  /** Requests with the helper now (never more than maxInFlight). */
  get sent(): number {
    return this.inFlight.size;
  }

  /** Rules matching the file at `path`; rejects with a YaraScanError (ENOENT, EACCES, TOO_BIG, ...). */
  scanFile(path: string): Promise<YaraMatch[]> {
    return this.enqueue({ type: 'scan', path }).then((m) => toMatches(m.matches));
  }

  /** Like scanFile, and if the file is an archive (zip, 7z, tar, cpio, cab, rar, iso, gz/bz2/xz/zst...)
   * or a container (mail, mbox, HTML data: URIs, uuencode, BinHex, SZDD, RTF objects, PDF streams, TNEF),
   * also every member inside it, recursively, each with its hashes and YARA matches. Members are opened in
   * the helper's memory, never written to disk. What could not be opened (bombs, nesting too deep,
   * damaged or encrypted members) is in `problems`; the file itself failing rejects like scanFile. */
  scanDeep(path: string): Promise<DeepScanResult> {
    return this.enqueue({ type: 'scan', path, deep: true }).then((m) => ({
      matches: toMatches(m.matches),
      size: asNumber(m.size),
      members: toMembers(m.members),
      problems: toDeepProblems(m.problems),
    }));
  }

  /** Rules matching in-memory bytes (an archive member); `name` fills the filename variables. */
  scanData(name: string, data: Uint8Array): Promise<YaraMatch[]> {
    if (data.byteLength > this.compileReport.maxDataSize) {
      return Promise.reject(new YaraScanError('TOO_BIG', `${name}: ${data.byteLength} bytes, more than the limit of ${this.compileReport.maxDataSize}`));
    }
    return this.enqueue({ type: 'scan_data', name, data_b64: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') })
      .then((m) => toMatches(m.matches));
  }

  /** Answers what was already sent, fails what is still waiting with CLOSED, and stops the helper. */
  async close(deadlineMs = 10_000): Promise<void> {
    if (this.state === 'closed') return;
    const wasRunning = this.state === 'running';
    this.state = 'closed';
    for (const w of this.takeAllWaiting()) w.reject(new YaraScanError('CLOSED', 'the YARA scanner was closed'));
    if (wasRunning) await this.helper.close(deadlineMs);
    for (const [id, w] of this.inFlight) {
      this.inFlight.delete(id);
      w.reject(new YaraScanError('CLOSED', 'the YARA scanner was closed before the scan finished'));
    }
  }

  private takeAllWaiting(): Waiting[] {
    const all = this.waiting.slice(this.waitHead);
    this.waiting = [];
    this.waitHead = 0;
    return all;
  }

  private get maxInFlight(): number {
    // Enough to keep every helper thread busy between small files (8 in flight ran 4,700 small files 40% slower than 64).
    return this.o.maxInFlight ?? Math.max(64, this.compileReport.threads * 16);
  }

  private enqueue(request: Record<string, unknown>): Promise<HelperLine> {
    if (this.state === 'closed') return Promise.reject(new YaraScanError('CLOSED', 'the YARA scanner is closed'));
    if (this.state === 'failed') return Promise.reject(new YaraScanError('HELPER_FAILED', this.failure ?? 'mamori-yara cannot run'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.state === 'running' && !this.writeBlocked && this.waitHead < this.waiting.length && this.inFlight.size < this.maxInFlight) {
      const w = this.waiting[this.waitHead++]!;
      if (this.waitHead >= 1024 && this.waitHead * 2 >= this.waiting.length) {
        this.waiting = this.waiting.slice(this.waitHead);
        this.waitHead = 0;
      }
      const id = this.nextId++;
      this.inFlight.set(id, w);
      if (!this.helper.send(JSON.stringify({ ...w.request, id }))) {
        this.writeBlocked = true;
        this.helper.onDrain(() => { this.writeBlocked = false; this.pump(); });
      }
    }
  }

  private async launch(): Promise<void> {
    const { helper, report } = await YaraHelperProcess.start({
      binary: this.binary,
      args: this.args,
      startTimeoutMs: this.o.startTimeoutMs ?? 120_000,
      log: this.log,
      onLine: (m) => this.onLine(m),
      onClose: (reason, expected) => this.onClose(reason, expected),
    });
    this.helper = helper;
    this.compileReport = report;
    this.writeBlocked = false;
  }

  private onLine(m: HelperLine): void {
    if (m.type !== 'result' && m.type !== 'error') return;
    const id = typeof m.id === 'number' ? m.id : null;
    const w = id === null ? undefined : this.inFlight.get(id);
    if (!w) {
      if (m.type === 'error') this.log(`mamori-yara: ${asString(m.code)} ${asString(m.message)}`);
      return;
    }
    this.inFlight.delete(id!);
    const err = m.type === 'error' ? m : (m.error as Record<string, unknown> | undefined);
    if (err && typeof err === 'object') {
      const what = typeof w.request.path === 'string' ? w.request.path : asString(w.request.name);
      w.reject(new YaraScanError(asString(err.code, 'ERROR'), `${what}: ${asString(err.message)}`, toMatches(m.matches)));
    } else {
      w.resolve(m);
    }
    this.pump();
  }

  private onClose(reason: string, expected: boolean): void {
    if (expected || this.state === 'closed') return;
    for (const [id, w] of this.inFlight) {
      this.inFlight.delete(id);
      w.reject(new YaraScanError('HELPER_CRASHED', `${reason} while scanning; the scan was not finished`));
    }
    const now = Date.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < 60_000);
    if (this.restartTimes.length >= (this.o.maxRestartsPerMinute ?? 5)) {
      this.giveUp(`${reason}; it was restarted ${this.restartTimes.length} times in a minute, giving up`);
      return;
    }
    this.restartTimes.push(now);
    this.state = 'restarting';
    this.log(`${reason}; restarting it`);
    const delay = 100 * this.restartTimes.length;
    setTimeout(() => {
      if (this.state !== 'restarting') return;
      this.launch().then(() => {
        if (this.state !== 'restarting') { void this.helper.close(1000); return; }
        this.restartCount++;
        this.state = 'running';
        this.pump();
      }, (err: Error) => this.giveUp(`could not restart mamori-yara: ${err.message}`));
    }, delay);
  }

  private giveUp(why: string): void {
    this.state = 'failed';
    this.failure = why;
    this.log(why);
    for (const w of this.takeAllWaiting()) w.reject(new YaraScanError('HELPER_FAILED', why));
  }
}
