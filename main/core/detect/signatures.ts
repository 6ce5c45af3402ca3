// Known-bad files: by exact content (EICAR) and by SHA-256.
import { createHash } from 'node:crypto';
import { FILE_RULES, type FileRule } from './rules.js';
import type { HashAlgo, HashSignature } from './signature-formats.js';

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

export interface HashEntry { name: string; rule: FileRule; size: number | null; list: string | null }

/** Harmless test programs every antivirus knows; real threat lists are imported by the user. */
const BUILT_IN: ReadonlyArray<[string, string]> = [
  ['71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495', 'ClamAV test program clam.exe'],
];

export const SHA256_RE = /^[0-9a-f]{64}$/;

/** A user signature as stored: the hash, what it needs to match, and the list it came from. */
export interface StoredSignature extends HashSignature { list: string }

/** Which extra digests a file of some size needs, so MD5/SHA-1 are computed only when a signature could match. */
export interface DigestPolicy {
  md5: { any: boolean; sizes: number[] };
  sha1: { any: boolean; sizes: number[] };
}

export interface HashedFile { size: number; sha256: string; md5?: string | null; sha1?: string | null }

export class HashSignatures {
  private readonly byAlgo: Record<HashAlgo, Map<string, HashEntry[]>> = { md5: new Map(), sha1: new Map(), sha256: new Map() };
  readonly policy: DigestPolicy;

  constructor(userSignatures: Iterable<StoredSignature> = []) {
    const sizes = { md5: new Set<number>(), sha1: new Set<number>() };
    const any = { md5: false, sha1: false };
    for (const s of userSignatures) {
      this.add(s.algo, s.hash, { name: s.name, rule: FILE_RULES.knownMalware, size: s.size, list: s.list });
      if (s.algo !== 'sha256') {
        if (s.size === null) any[s.algo] = true;
        else sizes[s.algo].add(s.size);
      }
    }
    // Built-ins win: a test program stays a test program even if a user list also names it.
    for (const [sha, name] of BUILT_IN) this.byAlgo.sha256.set(sha, [{ name, rule: FILE_RULES.testProgram, size: null, list: null }]);
    this.policy = {
      md5: { any: any.md5, sizes: [...sizes.md5] },
      sha1: { any: any.sha1, sizes: [...sizes.sha1] },
    };
  }

  /** The first signature that matches the file: SHA-256 first, then SHA-1, then MD5, each with its size rule. */
  lookup(file: HashedFile): HashEntry | undefined {
    const candidates: [HashAlgo, string | null | undefined][] = [['sha256', file.sha256], ['sha1', file.sha1], ['md5', file.md5]];
    for (const [algo, hash] of candidates) {
      if (!hash) continue;
      const hit = this.byAlgo[algo].get(hash)?.find((e) => e.size === null || e.size === file.size);
      if (hit) return hit;
    }
    return undefined;
  }

  get builtIn(): number { return BUILT_IN.length; }

  get size(): number { return this.byAlgo.md5.size + this.byAlgo.sha1.size + this.byAlgo.sha256.size; }

  private add(algo: HashAlgo, hash: string, entry: HashEntry): void {
    const list = this.byAlgo[algo].get(hash);
    if (list) list.push(entry);
    else this.byAlgo[algo].set(hash, [entry]);
  }
}

/** Whether a file of this size needs the extra digest under a policy. */
export function needsDigest(rule: DigestPolicy['md5'], size: number): boolean {
  return rule.any || rule.sizes.includes(size);
}

export function sha256Hex(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}
