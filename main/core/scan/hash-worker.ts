// Runs in a worker thread: reads a file synchronously in 1 MiB chunks and hashes it. Synchronous reads
// are the fastest way to feed SHA-256 (no thread-pool round trip per chunk), and in a worker they block
// nobody. One request at a time per worker; the pool keeps each worker's queue short.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { HashReply, HashRequest } from './hash-protocol.js';

const CHUNK = 1024 * 1024;
const SMALL = 128; // content rules (EICAR) look at files up to this size
const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const buffer = Buffer.allocUnsafe(CHUNK);

function inspect(req: HashRequest): HashReply {
  let fd: number | undefined;
  try {
    fd = openSync(req.path, FLAGS);
    const st = fstatSync(fd);
    if (!st.isFile()) return { id: req.id, ok: false, code: 'NOT_REGULAR', message: `${req.path} is not a regular file` };
    const hash = createHash('sha256');
    let size = 0;
    let small: Uint8Array | null = null;
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      if (size === 0 && n <= SMALL) small = new Uint8Array(buffer.subarray(0, n));
      size += n;
    }
    return {
      id: req.id, ok: true, size, sha256: hash.digest('hex'), small: size <= SMALL ? small : null,
      dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs,
    };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { id: req.id, ok: false, code: e.code ?? 'ERROR', message: e.message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

parentPort!.on('message', (req: HashRequest) => parentPort!.postMessage(inspect(req)));
