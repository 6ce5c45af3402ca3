// Deterministic randomness for the corpus: a small PRNG for decisions, AES-CTR for bulk bytes.
import { createCipheriv, createHash, type Cipher } from 'node:crypto';

/** mulberry32: tiny, fast, good enough to pick sizes, names and kinds. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/**
 * A reproducible stream of random-looking bytes, one per file: AES-128-CTR over zeros with a key
 * derived from (seed, label). Runs at GB/s with AES-NI, so generating the corpus is disk-bound.
 */
export class ByteStream {
  private readonly cipher: Cipher;
  private zeros = Buffer.alloc(0);

  constructor(seed: number, label: string) {
    const key = createHash('sha256').update(`mamori-bench:${seed}:${label}`).digest().subarray(0, 16);
    this.cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  }

  next(length: number): Buffer {
    if (this.zeros.length < length) this.zeros = Buffer.alloc(length);
    return this.cipher.update(this.zeros.subarray(0, length));
  }
}
