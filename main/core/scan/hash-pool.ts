// A small pool of hashing worker threads. On this 2-core machine one thread reading and hashing reaches
// ~0.6x of in-memory SHA-256 speed (the page-cache copy costs as much as a third of the time); two
// workers overlap that copy with hashing and keep the main thread (UI, API, events) free.
// Workers start on first use and stop after a minute idle, so an idle Mamori holds no extra threads.
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { DigestPolicy } from '../detect/index.js';
import { startWorker } from '../util/index.js';
import type { HashReply } from './hash-protocol.js';
import { NotARegularFile, type InspectedFile } from './inspect.js';

const IDLE_MS = 60_000;

interface Slot { worker: Worker; pending: Map<number, (reply: HashReply) => void> }

export class HashPool {
  private slots: Slot[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private policy: DigestPolicy = { md5: { any: false, sizes: [] }, sha1: { any: false, sizes: [] } };

  constructor(private readonly size = Math.max(1, Math.min(2, availableParallelism()))) {}

  /** Which files also need MD5/SHA-1 (from the signature lists); applies to requests sent after this call. */
  setDigestPolicy(policy: DigestPolicy): void {
    this.policy = policy;
    for (const s of this.slots) s.worker.postMessage({ policy });
  }

  inspect(path: string): Promise<InspectedFile> {
    if (this.closed) return Promise.reject(new Error('hash pool is closed'));
    if (!this.slots.length) this.start();
    if (this.idleTimer) { clearTimeout(this.idleTimer); this.idleTimer = null; }
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    // A worker with work keeps the process alive; an idle one never does.
    if (!slot.pending.size) slot.worker.ref();
    return new Promise<InspectedFile>((resolve, reject) => {
      slot.pending.set(id, (reply) => {
        if (reply.ok) {
          resolve({
            path, size: reply.size, sha256: reply.sha256, md5: reply.md5, sha1: reply.sha1, smallContent: reply.small ? Buffer.from(reply.small) : null,
            dev: reply.dev, ino: reply.ino, mtimeMs: reply.mtimeMs,
          });
        } else if (reply.code === 'NOT_REGULAR') {
          reject(new NotARegularFile(reply.message));
        } else {
          reject(Object.assign(new Error(reply.message), { code: reply.code }));
        }
        this.armIdleTimer();
      });
      slot.worker.postMessage({ id, path });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stopWorkers();
  }

  private start(): void {
    for (let i = 0; i < this.size; i++) {
      const worker = startWorker(new URL(`./hash-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', (reply: HashReply) => {
        const done = slot.pending.get(reply.id);
        slot.pending.delete(reply.id);
        if (!slot.pending.size) worker.unref();
        done?.(reply);
      });
      worker.on('error', (err) => this.failSlot(slot, err));
      worker.on('exit', () => this.failSlot(slot, new Error('hash worker exited')));
      worker.postMessage({ policy: this.policy });
      worker.unref();
      this.slots.push(slot);
    }
  }

  /** A worker that dies fails only its own requests; the next request starts a fresh pool. */
  private failSlot(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    for (const [id, done] of slot.pending) done({ id, ok: false, code: 'WORKER_FAILED', message: err.message });
    slot.pending.clear();
  }

  private armIdleTimer(): void {
    if (this.idleTimer || this.slots.some((s) => s.pending.size)) return;
    this.idleTimer = setTimeout(() => { this.idleTimer = null; void this.stopWorkers(); }, IDLE_MS);
    this.idleTimer.unref();
  }

  private async stopWorkers(): Promise<void> {
    if (this.idleTimer) { clearTimeout(this.idleTimer); this.idleTimer = null; }
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
