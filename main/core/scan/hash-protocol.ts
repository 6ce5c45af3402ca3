// Messages between the hash pool (main thread) and its workers.
export interface HashRequest { id: number; path: string }
export type HashReply =
  | { id: number; ok: true; size: number; sha256: string; small: Uint8Array | null; dev: number; ino: number; mtimeMs: number }
  | { id: number; ok: false; code: string; message: string };
