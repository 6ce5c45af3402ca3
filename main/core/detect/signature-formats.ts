// Hash signature files people already have: ClamAV's .hdb/.hdu (MD5:size:name) and .hsb/.hsu
// (SHA-1 or SHA-256:size:name, size may be "*"), and plain lists of MD5, SHA-1 or SHA-256 hashes with an
// optional name ("hash;name", "hash name", "hash,name"), which covers signature-base's hash-iocs.txt.
// Parsing is pure and never throws on content: every bad line gets a code, a line number and a reason.

export type HashAlgo = 'md5' | 'sha1' | 'sha256';
export type SignatureFormat = 'clamav-hdb' | 'clamav-hsb' | 'hash-list';

export interface HashSignature {
  algo: HashAlgo;
  hash: string;
  /** Exact file size the signature requires (ClamAV), or null for any size. */
  size: number | null;
  name: string;
}

export type BadLineCode = 'BAD_HASH' | 'BAD_SIZE' | 'MISSING_NAME' | 'BAD_FIELDS';
export interface BadLine { line: number; code: BadLineCode; reason: string }

export interface ParsedSignatures {
  format: SignatureFormat;
  entries: HashSignature[];
  duplicates: number;
  /** The first MAX_BAD_LINES bad lines; invalidCount has them all. */
  invalid: BadLine[];
  invalidCount: number;
}

export class UnsupportedSignatureFormat extends Error {
  readonly code = 'UNSUPPORTED_FORMAT';
}

const MAX_BAD_LINES = 50;
const MAX_NAME = 200;
const HEX = /^[0-9a-f]+$/;
const ALGO_BY_LENGTH: Record<number, HashAlgo> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };
const CLAMAV_LINE = /^[0-9a-fA-F]{32,64}:(\d+|\*):/;

// ClamAV formats Mamori does not read, with the reason a user can act on.
const UNSUPPORTED: Record<string, string> = {
  mdb: 'ClamAV .mdb files hash PE sections, not whole files; Mamori matches whole-file hashes only',
  msb: 'ClamAV .msb files hash PE sections, not whole files; Mamori matches whole-file hashes only',
  mdu: 'ClamAV .mdu files hash PE sections, not whole files; Mamori matches whole-file hashes only',
  msu: 'ClamAV .msu files hash PE sections, not whole files; Mamori matches whole-file hashes only',
  ndb: 'ClamAV .ndb files are byte patterns, not hashes: use YARA rules for content signatures',
  ldb: 'ClamAV .ldb files are logical signatures, not hashes: use YARA rules for content signatures',
  cvd: 'ClamAV .cvd/.cld are signed archives of many databases: unpack them with sigtool --unpack and import the .hdb/.hsb files',
  cld: 'ClamAV .cvd/.cld are signed archives of many databases: unpack them with sigtool --unpack and import the .hdb/.hsb files',
  cud: 'ClamAV .cud files are signed archives of many databases: unpack them with sigtool --unpack and import the .hdb/.hsb files',
};

/** Picks the format from the file name, then from the first signature line. Throws UnsupportedSignatureFormat. */
export function detectFormat(fileName: string, text: string): SignatureFormat {
  const ext = fileName.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';
  if (UNSUPPORTED[ext]) throw new UnsupportedSignatureFormat(UNSUPPORTED[ext]);
  if (ext === 'hdb' || ext === 'hdu') return 'clamav-hdb';
  if (ext === 'hsb' || ext === 'hsu') return 'clamav-hsb';
  const first = text.split(/\r?\n/, 200).map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  if (first && CLAMAV_LINE.test(first)) return first.split(':')[0]!.length === 32 ? 'clamav-hdb' : 'clamav-hsb';
  return 'hash-list';
}

export function parseSignatures(text: string, fileName: string, listName: string): ParsedSignatures {
  const format = detectFormat(fileName, text);
  const entries = new Map<string, HashSignature>();
  const invalid: BadLine[] = [];
  let invalidCount = 0;
  let duplicates = 0;
  const bad = (line: number, code: BadLineCode, reason: string) => {
    invalidCount++;
    if (invalid.length < MAX_BAD_LINES) invalid.push({ line, code, reason });
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    const parsed = format === 'hash-list' ? parseListLine(line, listName) : parseClamavLine(line, format);
    if ('code' in parsed) { bad(i + 1, parsed.code, parsed.reason); continue; }
    const key = `${parsed.algo}:${parsed.hash}:${parsed.size ?? '*'}`;
    if (entries.has(key)) duplicates++;
    entries.set(key, parsed);
  }
  return { format, entries: [...entries.values()], duplicates, invalid, invalidCount };
}

type LineResult = HashSignature | { code: BadLineCode; reason: string };

function hashOf(raw: string, allowed: readonly HashAlgo[]): { algo: HashAlgo; hash: string } | { code: BadLineCode; reason: string } {
  const hash = raw.toLowerCase();
  const algo = ALGO_BY_LENGTH[hash.length];
  if (!HEX.test(hash)) return { code: 'BAD_HASH', reason: `"${raw.slice(0, 80)}" is not a hexadecimal hash` };
  if (!algo || !allowed.includes(algo)) {
    const lengths = allowed.map((a) => ({ md5: 32, sha1: 40, sha256: 64 })[a]).join(', ');
    return { code: 'BAD_HASH', reason: `a hash here has ${lengths} hex characters, got ${hash.length}` };
  }
  return { algo, hash };
}

function parseListLine(line: string, listName: string): LineResult {
  const [rawHash = '', ...rest] = line.split(/[;,\s]+/);
  const h = hashOf(rawHash, ['md5', 'sha1', 'sha256']);
  if ('code' in h) return h;
  // The name is everything after the first separator, kept as written (signature-base names contain spaces).
  const name = line.slice(rawHash.length).replace(/^[;,\s]+/, '').trim() || rest.join(' ');
  return { ...h, size: null, name: (name || `${listName}:${h.hash.slice(0, 12)}`).slice(0, MAX_NAME) };
}

function parseClamavLine(line: string, format: 'clamav-hdb' | 'clamav-hsb'): LineResult {
  // HASH:SIZE:NAME[:FLEVEL[:MAXFLEVEL]]
  const fields = line.split(':');
  if (fields.length < 3 || fields.length > 5) return { code: 'BAD_FIELDS', reason: `expected HASH:SIZE:NAME, got ${fields.length} field(s)` };
  const [rawHash, rawSize, rawName] = fields as [string, string, string];
  const h = hashOf(rawHash, format === 'clamav-hdb' ? ['md5'] : ['sha1', 'sha256']);
  if ('code' in h) return h;
  let size: number | null;
  if (rawSize === '*') {
    if (format === 'clamav-hdb') return { code: 'BAD_SIZE', reason: 'a wildcard size "*" is only allowed in .hsb files' };
    size = null;
  } else if (/^\d{1,15}$/.test(rawSize)) {
    size = Number(rawSize);
  } else {
    return { code: 'BAD_SIZE', reason: `"${rawSize.slice(0, 40)}" is not a file size` };
  }
  const name = rawName.trim();
  if (!name) return { code: 'MISSING_NAME', reason: 'the signature has no name' };
  return { ...h, size, name: name.slice(0, MAX_NAME) };
}
