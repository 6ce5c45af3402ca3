// Known-bad files: by exact content (EICAR) and by SHA-256.
import { createHash } from 'node:crypto';
import { FILE_RULES, type FileRule } from './rules.js';

// Built from two halves so that this source file is not itself the test string.
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$' + 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const EICAR_BYTES = Buffer.from(EICAR, 'latin1');
/** The EICAR standard: the 68 bytes first, then only these whitespace bytes, 128 bytes at most in total. */
const EICAR_TRAILING = new Set([0x20, 0x09, 0x0a, 0x0d, 0x1a]);
export const EICAR_MAX_SIZE = 128;

export function isEicar(content: Buffer): boolean {
  if (content.length < EICAR_BYTES.length || content.length > EICAR_MAX_SIZE) return false;
  if (!content.subarray(0, EICAR_BYTES.length).equals(EICAR_BYTES)) return false;
  for (let i = EICAR_BYTES.length; i < content.length; i++) if (!EICAR_TRAILING.has(content[i]!)) return false;
  return true;
}

interface HashEntry { name: string; rule: FileRule }

/** Harmless test programs every antivirus knows; real threat lists are imported by the user. */
const BUILT_IN: ReadonlyArray<[string, string]> = [
  ['71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495', 'ClamAV test program clam.exe'],
];

export const SHA256_RE = /^[0-9a-f]{64}$/;

export class HashSignatures {
  private readonly entries = new Map<string, HashEntry>();

  constructor(userSignatures: Map<string, string> = new Map()) {
    for (const [sha, name] of userSignatures) this.entries.set(sha, { name, rule: FILE_RULES.knownMalware });
    // Built-ins win: a test program stays a test program even if a user list also names it.
    for (const [sha, name] of BUILT_IN) this.entries.set(sha, { name, rule: FILE_RULES.testProgram });
  }

  lookup(sha256: string): HashEntry | undefined {
    return this.entries.get(sha256);
  }

  get size(): number { return this.entries.size; }
}

/** Parse a user hash list: one SHA-256 per line, "#" comments, "hash name", "hash;name" or "hash,name". */
export function parseHashList(text: string, listName: string): {
  entries: Map<string, string>; duplicates: number; invalid: { line: number; reason: string }[]; invalidCount: number;
} {
  const entries = new Map<string, string>();
  const invalid: { line: number; reason: string }[] = [];
  let invalidCount = 0;
  let duplicates = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    const [rawHash, ...rest] = line.split(/[;,\s]+/);
    const hash = (rawHash ?? '').toLowerCase();
    if (!SHA256_RE.test(hash)) {
      invalidCount++;
      if (invalid.length < 50) invalid.push({ line: i + 1, reason: hash.length === 64 ? 'not hexadecimal' : `expected 64 hex characters, got ${hash.length}` });
      continue;
    }
    if (entries.has(hash)) duplicates++;
    entries.set(hash, rest.join(' ').slice(0, 200) || `${listName}:${hash.slice(0, 12)}`);
  }
  return { entries, duplicates, invalid, invalidCount };
}

export function sha256Hex(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}
