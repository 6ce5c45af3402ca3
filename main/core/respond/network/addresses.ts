// Addresses and CIDR prefixes, parsed into bytes and printed back in one canonical form. Only that
// canonical text, rebuilt from the bytes, is ever written into an nft script: whatever the caller passed
// (`1.2.3.4; flush ruleset`) either parses as an address or is refused here.
import { isIP } from 'node:net';
import { NetworkGuardError } from './errors.js';

export interface Prefix {
  family: 4 | 6;
  /** The network address, host bits cleared (4 or 16 bytes). */
  bytes: Uint8Array;
  /** Prefix length: 32 or 128 for a single address. */
  len: number;
  /** Canonical text: `10.0.0.5`, `10.0.0.0/24`, `2001:db8::/32`. */
  text: string;
}

const MAX_INPUT = 100;

const invalid = (input: unknown, why: string): NetworkGuardError => {
  const shown = typeof input === 'string' ? JSON.stringify(input.slice(0, 60)) : typeof input;
  return new NetworkGuardError('INVALID_ADDRESS', `${shown} is not an address Mamori can block or allow (${why})`);
};

/** Parses `addr` or `addr/len` (IPv4 or IPv6). Throws NetworkGuardError INVALID_ADDRESS. */
export function parsePrefix(input: unknown): Prefix {
  if (typeof input !== 'string') throw invalid(input, 'expected a string');
  const s = input.trim();
  if (s.length === 0 || s.length > MAX_INPUT) throw invalid(input, 'empty or too long');
  const parts = s.split('/');
  if (parts.length > 2) throw invalid(input, 'more than one "/"');
  const [addr = '', lenText] = parts;
  // Node accepts a zone id (`fe80::1%eth0`); a zone has no meaning to a host-wide firewall.
  if (addr.includes('%')) throw invalid(input, 'zone ids are not supported');
  const kind = isIP(addr);
  if (kind === 0) throw invalid(input, 'not an IPv4 or IPv6 address');
  let family: 4 | 6 = kind === 4 ? 4 : 6;
  let bytes = family === 4 ? v4Bytes(addr) : v6Bytes(addr);
  const max = family === 4 ? 32 : 128;
  let len = max;
  if (lenText !== undefined) {
    if (!/^\d{1,3}$/.test(lenText)) throw invalid(input, 'the prefix length is not a number');
    len = Number(lenText);
    if (len > max) throw invalid(input, `the prefix length is more than ${max}`);
  }
  // /0 is every address: blocking it cuts the host off without the allow-list isolation keeps.
  if (len === 0) throw invalid(input, 'a /0 prefix covers every address; use isolation instead');
  // A dual-stack socket shows an IPv4 peer as ::ffff:a.b.c.d, but the packet on the wire is IPv4.
  if (family === 6 && len >= 96 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    family = 4;
    bytes = bytes.slice(12);
    len -= 96;
    if (len === 0) throw invalid(input, 'a /96 mapped prefix covers every IPv4 address; use isolation instead');
  }
  bytes = mask(bytes, len);
  const full = family === 4 ? 32 : 128;
  const base = family === 4 ? [...bytes].join('.') : formatV6(bytes);
  return { family, bytes, len, text: len === full ? base : `${base}/${len}` };
}

/** The canonical text of an address or prefix, for callers that persist what they asked for. */
export function canonicalAddress(input: string): string {
  return parsePrefix(input).text;
}

/** Sorts and removes duplicates: IPv4 first, then by address, then by prefix length. */
export function uniquePrefixes(list: readonly Prefix[]): Prefix[] {
  const byText = new Map(list.map((p) => [p.text, p]));
  return [...byText.values()].sort(comparePrefix);
}

function comparePrefix(a: Prefix, b: Prefix): number {
  if (a.family !== b.family) return a.family - b.family;
  for (let i = 0; i < a.bytes.length; i++) {
    const d = (a.bytes[i] ?? 0) - (b.bytes[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.len - b.len;
}

function v4Bytes(addr: string): Uint8Array {
  return Uint8Array.from(addr.split('.').map(Number));
}

function v6Bytes(addr: string): Uint8Array {
  let text = addr;
  const tail: number[] = [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes the last two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = v4Bytes(text.slice(lastColon + 1));
    tail.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1); // keep a `::` that ends right before the tail
  }
  const groupsOf = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const halves = text.split('::');
  const head = groupsOf(halves[0] ?? '');
  const rest = halves.length > 1 ? groupsOf(halves[1] ?? '') : [];
  const missing = 8 - tail.length - head.length - rest.length;
  const groups = halves.length > 1 ? [...head, ...new Array<number>(missing).fill(0), ...rest, ...tail] : [...head, ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

function mask(bytes: Uint8Array, len: number): Uint8Array {
  return bytes.map((b, i) => {
    const bits = Math.max(0, Math.min(8, len - i * 8));
    return b & ((0xff << (8 - bits)) & 0xff);
  });
}

/** RFC 5952: lower case, no leading zeros, the longest run (2+) of zero groups shortened to `::`. */
function formatV6(bytes: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[i * 2] ?? 0) << 8) | (bytes[i * 2 + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}
