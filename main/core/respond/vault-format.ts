// The vault file format. A quarantined file is stored encrypted (AES-256-CTR, key in the header) so it
// is never byte-identical on disk: no other scanner flags it and no double-click can run it.
//   "MAMORIQ1" | u32 BE header length | header JSON | encrypted body
import { createCipheriv, createDecipheriv, randomBytes, type Cipher, type Decipher } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { z } from 'zod';

export const MAGIC = Buffer.from('MAMORIQ1', 'latin1');

export const VaultHeader = z.object({
  id: z.string(),
  time: z.string(),
  originalPath: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string(),
  mode: z.number().int(),
  uid: z.number().int(),
  gid: z.number().int(),
  mtimeMs: z.number(),
  ruleId: z.string(),
  signature: z.string(),
  alertId: z.string().nullable(),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  iv: z.string().regex(/^[0-9a-f]{32}$/),
});
export type VaultHeader = z.infer<typeof VaultHeader>;

export function newKeyMaterial(): { key: string; iv: string } {
  return { key: randomBytes(32).toString('hex'), iv: randomBytes(16).toString('hex') };
}

export function encodeHeader(header: VaultHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([MAGIC, len, json]);
}

export function encryptor(h: Pick<VaultHeader, 'key' | 'iv'>): Cipher {
  return createCipheriv('aes-256-ctr', Buffer.from(h.key, 'hex'), Buffer.from(h.iv, 'hex'));
}

export function decryptor(h: Pick<VaultHeader, 'key' | 'iv'>): Decipher {
  return createDecipheriv('aes-256-ctr', Buffer.from(h.key, 'hex'), Buffer.from(h.iv, 'hex'));
}

/** Read a vault file's header; the offset where the encrypted body starts comes with it. */
export function readHeader(file: string): { header: VaultHeader; bodyOffset: number } {
  const fd = openSync(file, 'r');
  try {
    const fixed = Buffer.alloc(12);
    if (readSync(fd, fixed, 0, 12, 0) !== 12 || !fixed.subarray(0, 8).equals(MAGIC)) throw new Error(`${file} is not a Mamori vault file`);
    const len = fixed.readUInt32BE(8);
    if (len > 1024 * 1024) throw new Error(`${file} has an implausible header length ${len}`);
    const json = Buffer.alloc(len);
    if (readSync(fd, json, 0, len, 12) !== len) throw new Error(`${file} has a truncated header`);
    return { header: VaultHeader.parse(JSON.parse(json.toString('utf8'))), bodyOffset: 12 + len };
  } finally {
    closeSync(fd);
  }
}
