// Read a file once: its SHA-256, and the whole content when it is small enough for content rules.
// Async reads into one reused 1 MiB buffer per lane keep the event loop free and the disk busy.
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

/** `buffer` is the caller's scratch space (READ_CHUNK bytes); never shared between concurrent calls. */
export async function inspectFile(path: string, buffer: Buffer): Promise<InspectedFile> {
  const fh = await open(path, OPEN_FLAGS);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotARegularFile(`${path} is not a regular file`);
    const hash = createHash('sha256');
    let size = 0;
    let small: Buffer | null = null;
    for (;;) {
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      if (size === 0 && bytesRead <= EICAR_MAX_SIZE) small = Buffer.from(chunk);
      size += bytesRead;
    }
    return {
      path, size, sha256: hash.digest('hex'), smallContent: size <= EICAR_MAX_SIZE ? small : null,
      dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs,
    };
  } finally {
    await fh.close();
  }
}
