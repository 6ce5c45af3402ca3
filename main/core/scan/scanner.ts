// One on-demand scan: walk the paths, inspect every regular file, hand findings to the core, report
// progress. Symbolic links are not followed (like clamscan -r); unreadable or vanished files are
// counted as errors with a reason and the scan goes on.
import { lstatSync } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import type { Scan, ScanProgress } from '../../../preload/contract/index.js';
import type { CpuBudget } from './cpu-budget.js';
import { NotARegularFile, type InspectedFile } from './inspect.js';

// Requests in flight to the hash workers: enough to keep both busy between small files.
const LANES = 8;
const MAX_ERROR_SAMPLES = 20;
const PROGRESS_EVERY_MS = 250;
// The walker stays at most this many paths ahead of the lanes: a full scan of a disk never holds every path in memory.
const QUEUE_MAX = 10_000;

export interface ScanHooks {
  /** Reads and hashes one file (the hash pool). */
  inspect(path: string): Promise<InspectedFile>;
  /** Called for every inspected file; returns the alert id when the file was a finding. */
  onFile(file: InspectedFile): Promise<string | null>;
  onProgress(progress: ScanProgress): void;
  /** Paths under these folders are not scanned (Mamori's own data; pseudo and network filesystems). */
  exclude: string[];
  /** Scheduled scans share the CPU: lanes wait when the process is over budget. */
  budget?: CpuBudget;
}

export class ScanJob {
  private cancelled = false;
  private filesTotal = 0;
  private bytesTotal = 0;
  private walkDone = false;
  private currentFolder: string | null = null;
  private lastProgressAt = 0;
  private readonly startedMs = Date.now();
  private roomWaiter: (() => void) | null = null;

  constructor(readonly scan: Scan, private readonly hooks: ScanHooks) {}

  cancel(): void {
    this.cancelled = true;
    const w = this.roomWaiter;
    this.roomWaiter = null;
    w?.();
  }

  progress(): ScanProgress {
    const s = this.scan;
    const elapsed = (Date.now() - this.startedMs) / 1000;
    let eta: number | null = null;
    if (this.walkDone && s.bytesScanned > 0 && elapsed > 0.5) {
      const rate = s.bytesScanned / elapsed;
      eta = Math.max(0, Math.round((this.bytesTotal - s.bytesScanned) / rate));
    }
    return {
      scanId: s.id, state: s.state, filesScanned: s.filesScanned, bytesScanned: s.bytesScanned,
      filesTotal: this.walkDone ? this.filesTotal : null, bytesTotal: this.walkDone ? this.bytesTotal : null,
      findings: s.findings, errors: s.errors, currentFolder: this.currentFolder, etaSeconds: eta,
    };
  }

  async run(): Promise<Scan> {
    const queue: string[] = [];
    let wake: (() => void) | null = null;
    const notify = () => { const w = wake; wake = null; w?.(); };

    const walker = (async () => {
      for (const root of this.scan.paths) {
        if (this.cancelled) break;
        await this.walk(root, queue, notify);
      }
      this.walkDone = true;
      notify();
    })();

    const lane = async () => {
      for (;;) {
        if (this.cancelled) return;
        const path = queue.shift();
        if (this.roomWaiter && queue.length < QUEUE_MAX / 2) { const w = this.roomWaiter; this.roomWaiter = null; w(); }
        if (path === undefined) {
          if (this.walkDone) return;
          await new Promise<void>((r) => { const prev = wake; wake = () => { prev?.(); r(); }; });
          continue;
        }
        if (this.hooks.budget) await this.hooks.budget.wait();
        await this.scanOne(path);
      }
    };

    await Promise.all([walker, ...Array.from({ length: LANES }, lane)]);
    this.scan.state = this.cancelled ? 'cancelled' : 'completed';
    this.scan.endedAt = new Date().toISOString();
    this.hooks.onProgress(this.progress());
    return this.scan;
  }

  private async walk(root: string, queue: string[], notify: () => void): Promise<void> {
    let st;
    try {
      st = await lstat(root);
    } catch (err) {
      this.recordError(root, err);
      return;
    }
    if (this.isExcluded(root)) return;
    if (st.isFile()) {
      this.enqueue(root, st.size, queue, notify);
      return;
    }
    if (!st.isDirectory()) return;
    const stack = [root];
    while (stack.length && !this.cancelled) {
      const dir = stack.pop()!;
      let handle;
      try {
        handle = await opendir(dir, { bufferSize: 256 });
      } catch (err) {
        this.recordError(dir, err);
        continue;
      }
      try {
        for await (const entry of handle) {
          if (this.cancelled) break;
          if (queue.length >= QUEUE_MAX) await new Promise<void>((r) => { this.roomWaiter = r; });
          const full = join(dir, entry.name);
          if (this.isExcluded(full)) continue;
          if (entry.isDirectory()) stack.push(full);
          else if (entry.isFile()) {
            // Sync lstat: the inode is in cache right after readdir, and a promise per file costs more than the call.
            let size = 0;
            try { size = lstatSync(full).size; } catch { /* vanished: the lane will say so */ }
            this.enqueue(full, size, queue, notify);
          }
        }
      } catch (err) {
        this.recordError(dir, err);
      }
    }
  }

  private enqueue(path: string, size: number, queue: string[], notify: () => void): void {
    this.filesTotal++;
    this.bytesTotal += size;
    queue.push(path);
    notify();
  }

  private async scanOne(path: string): Promise<void> {
    this.currentFolder = dirname(path);
    try {
      const file = await this.hooks.inspect(path);
      this.scan.filesScanned++;
      this.scan.bytesScanned += file.size;
      const alertId = await this.hooks.onFile(file);
      if (alertId) {
        this.scan.findings++;
        if (!this.scan.alertIds.includes(alertId)) this.scan.alertIds.push(alertId);
      }
    } catch (err) {
      if (!(err instanceof NotARegularFile)) this.recordError(path, err);
    }
    const now = Date.now();
    if (now - this.lastProgressAt >= PROGRESS_EVERY_MS) {
      this.lastProgressAt = now;
      this.hooks.onProgress(this.progress());
    }
  }

  private recordError(path: string, err: unknown): void {
    this.scan.errors++;
    if (this.scan.errorSamples.length >= MAX_ERROR_SAMPLES) return;
    const e = err as NodeJS.ErrnoException;
    const code = e?.code === 'ENOENT' ? 'VANISHED' : e?.code ?? 'ERROR';
    const message = code === 'VANISHED' ? 'the file disappeared during the scan'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'ELOOP' ? 'symbolic link not followed'
      : e?.message ?? String(err);
    this.scan.errorSamples.push({ path, code, message });
  }

  private isExcluded(path: string): boolean {
    return this.hooks.exclude.some((ex) => path === ex || path.startsWith(ex.endsWith('/') ? ex : `${ex}/`));
  }
}
