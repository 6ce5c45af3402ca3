// Messages between the hash pool (main thread) and its workers.
import type { DigestPolicy } from '../detect/index.js';

export interface HashRequest { id: number; path: string }
/** Sent to every worker when it starts and whenever the signature lists change. */
export interface PolicyMessage { policy: DigestPolicy }
export type HashReply =
  | {
    id: number; ok: true; size: number; sha256: string; md5: string | null; sha1: string | null; small: Uint8Array | null;
    dev: number; ino: number; mtimeMs: number;
  }
  | { id: number; ok: false; code: string; message: string };
