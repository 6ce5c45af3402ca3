// WAL checkpoints off the writing thread. SQLite's automatic checkpoint runs inside the commit that crosses
// the threshold: at 16 KiB pages that stalled one telemetry batch in ten by 100+ ms and cost ~30 % of
// ingest (issue 3). While events are written, a worker thread with its own connection checkpoints every
// 50 ms instead (it sleeps when the WAL is copied and nothing new came); the writer's automatic checkpoint stays on with a higher threshold as the backstop should
// that thread be gone. The thread starts with the first write and stops after a minute without one, so an
// idle Mamori holds no extra thread.
import type { Database } from 'better-sqlite3';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../util/index.js';

const IDLE_MS = 60_000;
/** Pages (16 KiB): 64 MiB of WAL before the writer checkpoints by itself. */
const BACKSTOP_PAGES = 4096;

export class Checkpointer {
  private worker: Worker | null = null;
  private idle: NodeJS.Timeout | null = null;
  private lastWrite = 0;
  private closed = false;

  constructor(private readonly db: Database, private readonly log: (m: string) => void) {
    if (!db.memory) db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  }

  /** After a write (a batch): wake the thread, starting it if needed. */
  wrote(): void {
    this.lastWrite = Date.now();
    if (this.worker) { this.worker.postMessage('wrote'); return; }
    if (this.closed || this.db.memory) return;
    const url = new URL(`./checkpoint-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
    const worker = startWorker(url, { workerData: { file: this.db.name } });
    worker.unref();
    worker.on('message', (m: { error?: string }) => { if (m.error) this.log(`WAL checkpoint failed: ${m.error}`); });
    worker.on('error', (err) => { this.log(`the WAL checkpoint thread stopped: ${err.message}`); this.forget(worker); });
    worker.on('exit', () => this.forget(worker));
    this.worker = worker;
    worker.postMessage('wrote');
    this.armIdle();
  }

  /** Stops the thread; it closes its connection after the checkpoint in progress. */
  close(): void {
    this.closed = true;
    this.stop();
  }

  private armIdle(): void {
    this.idle = setTimeout(() => {
      this.idle = null;
      if (Date.now() - this.lastWrite >= IDLE_MS) this.stop();
      else this.armIdle();
    }, IDLE_MS);
    this.idle.unref();
  }

  private stop(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const w = this.worker;
    this.worker = null;
    w?.postMessage('stop'); // it closes its connection and exits
  }

  private forget(w: Worker): void {
    if (this.worker === w) { this.worker = null; if (this.idle) clearTimeout(this.idle); this.idle = null; }
  }
}
