// Runs in a worker thread: reads a file synchronously in 1 MiB chunks and hashes it. Synchronous reads
// are the fastest way to feed SHA-256 (no thread-pool round trip per chunk), and in a worker they block
// nobody. One request at a time per worker; the pool keeps each worker's queue short.
// MD5 and SHA-1 are computed in the same pass only when a signature of that size exists (the policy),
// as ClamAV does with its size-keyed hash databases, so a SHA-256-only setup pays nothing for them.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { HashReply, HashRequest, PolicyMessage } from './hash-protocol.js';

const CHUNK = 1024 * 1024;
const SMALL = 128; // content rules (EICAR) look at files up to this size
const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const buffer = Buffer.allocUnsafe(CHUNK);

interface ExtraRule { any: boolean; sizes: Set<number> }
let extra: { md5: ExtraRule; sha1: ExtraRule } = { md5: { any: false, sizes: new Set() }, sha1: { any: false, sizes: new Set() } };
const wants = (rule: ExtraRule, size: number) => rule.any || rule.sizes.has(size);

function inspect(req: HashRequest): HashReply {
  let fd: number | undefined;
  try {
    fd = openSync(req.path, FLAGS);
    const st = fstatSync(fd);
    if (!st.isFile()) return { id: req.id, ok: false, code: 'NOT_REGULAR', message: `${req.path} is not a regular file` };
    const hash = createHash('sha256');
    // The size at open decides; a file that grows meanwhile simply gets no extra digest to match.
    const md5 = wants(extra.md5, st.size) ? createHash('md5') : null;
    const sha1 = wants(extra.sha1, st.size) ? createHash('sha1') : null;
    let size = 0;
    let small: Uint8Array | null = null;
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      const chunk = buffer.subarray(0, n);
      hash.update(chunk);
      md5?.update(chunk);
      sha1?.update(chunk);
      if (size === 0 && n <= SMALL) small = new Uint8Array(buffer.subarray(0, n));
      size += n;
    }
    return {
      id: req.id, ok: true, size, sha256: hash.digest('hex'),
      md5: md5?.digest('hex') ?? null, sha1: sha1?.digest('hex') ?? null, small: size <= SMALL ? small : null,
      dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs,
    };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { id: req.id, ok: false, code: e.code ?? 'ERROR', message: e.message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

parentPort!.on('message', (msg: HashRequest | PolicyMessage) => {
  if ('policy' in msg) {
    const rule = (r: { any: boolean; sizes: number[] }): ExtraRule => ({ any: r.any, sizes: new Set(r.sizes) });
    extra = { md5: rule(msg.policy.md5), sha1: rule(msg.policy.sha1) };
    return;
  }
  parentPort!.postMessage(inspect(msg));
});
