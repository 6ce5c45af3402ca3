// Read a file once: its SHA-256, and the whole content when it is small enough for content rules.
// Reads are asynchronous and double-buffered: while the main thread hashes one 1 MiB chunk, the
// thread pool already copies the next one from the page cache, so reading and hashing overlap on
// two cores and the event loop (UI, API, real-time events) stays responsive. Measured on this
// machine (2 cores): sync reads reach ~0.6x of in-memory hashing, read-then-hash ~0.55-0.75x,
// this pipeline ~0.75-0.9x (docs/benchmarks.md).
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { EICAR_MAX_SIZE, type FileFacts } from '../detect/index.js';

export const READ_CHUNK = 1024 * 1024;
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface InspectedFile extends FileFacts {
  dev: number;
  ino: number;
  mtimeMs: number;
}

export class NotARegularFile extends Error {
  readonly code = 'NOT_REGULAR';
}

/** Two READ_CHUNK buffers owned by one caller at a time (a scan lane); never shared concurrently. */
export interface ReadBuffers { a: Buffer; b: Buffer }

export function newReadBuffers(): ReadBuffers {
  return { a: Buffer.allocUnsafe(READ_CHUNK), b: Buffer.allocUnsafe(READ_CHUNK) };
}

export async function inspectFile(path: string, buffers: ReadBuffers): Promise<InspectedFile> {
  const fh = await open(path, OPEN_FLAGS);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotARegularFile(`${path} is not a regular file`);
    const hash = createHash('sha256');
    let size = 0;
    let small: Buffer | null = null;
    let current = buffers.a;
    let next = buffers.b;
    let pending = fh.read(current, 0, READ_CHUNK, null);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      pending = fh.read(next, 0, READ_CHUNK, null); // the next chunk is copied while this one is hashed
      const chunk = current.subarray(0, bytesRead);
      hash.update(chunk);
      if (size === 0 && bytesRead <= EICAR_MAX_SIZE) small = Buffer.from(chunk);
      size += bytesRead;
      [current, next] = [next, current];
    }
    return {
      path, size, sha256: hash.digest('hex'), smallContent: size <= EICAR_MAX_SIZE ? small : null,
      dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs,
    };
  } finally {
    await fh.close();
  }
}
