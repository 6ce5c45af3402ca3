// A deterministic, realistic-looking corpus: nested folders, sizes log-distributed from 1 KiB to 16 MiB,
// a mix of random (media, archives), text (logs, source, CSV) and mixed (programs, databases) content,
// plus exactly one EICAR test file that every engine must report.
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ByteStream, Rng } from './prng.js';

export const MIN_FILE = 1024;
export const MAX_FILE = 16 * 1024 * 1024;
const CHUNK = 1024 * 1024;

export type FileKind = 'random' | 'text' | 'mixed' | 'eicar';

export interface CorpusFile {
  path: string;
  rel: string;
  size: number;
  kind: FileKind;
}

export interface Corpus {
  root: string;
  seed: number;
  files: CorpusFile[];
  bytes: number;
  dirs: number;
  eicar: CorpusFile;
  eicarSha256: string;
  generateSeconds: number;
}

export interface CorpusOptions {
  root: string;
  files: number;
  /** Target total size in bytes (the EICAR file comes on top). */
  bytes: number;
  seed: number;
}

/** The 68-byte EICAR test string, assembled at run time so no source file of ours is the string. */
export function eicarBytes(): Buffer {
  const parts = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-', 'ANTIVIRUS-TEST-FILE!$H+H*'];
  return Buffer.from(parts.join(''), 'latin1');
}

const TOP = ['Documents', 'Downloads', 'Projects', 'Pictures', 'Music', 'Desktop', 'Archive', 'shared'];
const SUB = ['src', 'lib', 'assets', '2023', '2024', 'reports', 'invoices', 'build', 'old', 'backup', 'drafts',
  'photos', 'vendor', 'data', 'tmp', 'notes', 'clients', 'exports'];
const EXT: Record<Exclude<FileKind, 'eicar'>, string[]> = {
  random: ['bin', 'dat', 'jpg', 'png', 'mp3', 'mp4', 'pdf', 'docx', 'xlsx', 'iso'],
  text: ['txt', 'log', 'csv', 'json', 'md', 'html', 'js', 'py', 'xml'],
  mixed: ['exe', 'dll', 'so', 'db', 'sqlite', 'img'],
};
const STEMS = ['report', 'invoice', 'backup', 'photo', 'track', 'setup', 'notes', 'data', 'export', 'scan', 'draft',
  'build', 'archive', 'budget', 'minutes', 'contract', 'readme', 'index', 'video', 'dump'];
const WORDS = ('the of and to in is for on that with as by at from this be are or an it not was which have all '
  + 'customer invoice total amount date status error warning info request response server client user file '
  + 'folder open close read write update delete create value count id name price tax net gross 2024 ok').split(' ');

/**
 * Sizes are log-normal, like files on a real disk: log2(size) = mu + SIGMA * z, z standard normal, clamped to
 * 1 KiB-16 MiB. mu (the median) is found by bisection so the total lands on the target. The first file is
 * 16 MiB (when the target leaves room for it) and the second 1 KiB, so both ends of the range are present.
 */
const SIGMA_LOG2 = 2.5;

export function planSizes(count: number, targetBytes: number, rng: Rng): number[] {
  const zs = Array.from({ length: count }, () => {
    const u1 = 1 - rng.next();
    const u2 = rng.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2); // Box-Muller
  });
  const lo2 = Math.log2(MIN_FILE);
  const hi2 = Math.log2(MAX_FILE);
  const forceMax = MAX_FILE + (count - 1) * MIN_FILE <= targetBytes / 2;
  const sizes = (mu: number) => zs.map((z, i) => {
    if (i === 0 && forceMax) return MAX_FILE;
    if (i === 1) return MIN_FILE;
    return Math.round(2 ** Math.min(hi2, Math.max(lo2, mu + SIGMA_LOG2 * z)));
  });
  const total = (mu: number) => sizes(mu).reduce((a, b) => a + b, 0);
  let lo = lo2 - 4 * SIGMA_LOG2;
  let hi = hi2 + 4 * SIGMA_LOG2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (total(mid) > targetBytes) hi = mid; else lo = mid;
  }
  return sizes((lo + hi) / 2);
}

function textPool(rng: Rng): Buffer {
  const lines: string[] = [];
  let length = 0;
  while (length < CHUNK) {
    const n = 6 + rng.int(12);
    const words = Array.from({ length: n }, () => rng.pick(WORDS));
    const line = `${String(rng.int(100000)).padStart(5, '0')} ${words.join(' ')}\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join(''), 'latin1');
}

function writeFile(path: string, size: number, kind: Exclude<FileKind, 'eicar'>, seed: number, label: string,
  rng: Rng, pool: Buffer): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = new ByteStream(seed, label);
    let left = size;
    while (left > 0) {
      if (kind === 'random') {
        const n = Math.min(left, CHUNK);
        writeSync(fd, bytes.next(n));
        left -= n;
        continue;
      }
      const n = Math.min(left, 4096 + rng.int(60 * 1024));
      let block: Buffer;
      const roll = rng.next();
      if (kind === 'text' || roll < 0.2) {
        const at = rng.int(pool.length - n);
        block = pool.subarray(at, at + n);
      } else if (roll < 0.5) {
        block = Buffer.alloc(n);
      } else {
        block = bytes.next(n);
      }
      writeSync(fd, block);
      left -= n;
    }
  } finally {
    closeSync(fd);
  }
}

export function generateCorpus(o: CorpusOptions): Corpus {
  const started = performance.now();
  const rng = new Rng(o.seed);
  rmSync(o.root, { recursive: true, force: true });
  mkdirSync(o.root, { recursive: true });

  // Folders: a tree grown by attaching each new folder under a random existing one (depth <= 6).
  const dirs: { rel: string; depth: number }[] = TOP.map((name) => ({ rel: name, depth: 1 }));
  const dirCount = Math.max(TOP.length, Math.round(o.files / 16));
  const seen = new Set(dirs.map((d) => d.rel));
  while (dirs.length < dirCount) {
    const parent = rng.pick(dirs);
    if (parent.depth >= 6) continue;
    const rel = `${parent.rel}/${rng.pick(SUB)}${rng.next() < 0.5 ? '' : `-${rng.int(100)}`}`;
    if (seen.has(rel)) continue;
    seen.add(rel);
    dirs.push({ rel, depth: parent.depth + 1 });
  }
  for (const d of dirs) mkdirSync(join(o.root, d.rel), { recursive: true });

  const pool = textPool(rng);
  const sizes = planSizes(o.files, o.bytes, rng);
  const files: CorpusFile[] = [];
  const names = new Set<string>();
  for (let i = 0; i < sizes.length; i++) {
    const roll = rng.next();
    const kind: Exclude<FileKind, 'eicar'> = roll < 0.45 ? 'random' : roll < 0.8 ? 'text' : 'mixed';
    let rel: string;
    do {
      rel = `${rng.pick(dirs).rel}/${rng.pick(STEMS)}-${rng.int(10000)}.${rng.pick(EXT[kind])}`;
    } while (names.has(rel));
    names.add(rel);
    const path = join(o.root, rel);
    writeFile(path, sizes[i]!, kind, o.seed, rel, rng, pool);
    files.push({ path, rel, size: sizes[i]!, kind });
  }

  const eicarRel = 'Downloads/samples/eicar_test.com';
  mkdirSync(join(o.root, 'Downloads/samples'), { recursive: true });
  const eicar: CorpusFile = { path: join(o.root, eicarRel), rel: eicarRel, size: eicarBytes().length, kind: 'eicar' };
  writeFileSync(eicar.path, eicarBytes());
  files.push(eicar);

  return {
    root: o.root, seed: o.seed, files, bytes: files.reduce((a, f) => a + f.size, 0),
    dirs: dirs.length + 1, eicar, eicarSha256: createHash('sha256').update(eicarBytes()).digest('hex'),
    generateSeconds: (performance.now() - started) / 1000,
  };
}

/** Put the EICAR file back (a contender may have quarantined or otherwise moved it). */
export function restoreEicar(corpus: Corpus): void {
  mkdirSync(join(corpus.root, 'Downloads/samples'), { recursive: true });
  writeFileSync(corpus.eicar.path, eicarBytes());
}
