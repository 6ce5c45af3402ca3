// The quarantine vault: moves a file out of reach and puts it back byte-identical, crash-safely.
//
// Invariant: at every instant the file's bytes exist, whole, either at their original path or as a
// committed vault item (items/<id>.mq), so `kill -9` at any step loses nothing. Each step is named by a
// faultPoint so tests can kill the process exactly there. The database row carries a `pending` journal
// of the operation in flight; recover() finishes or rolls back whatever a crash interrupted.
import { createHash } from 'node:crypto';
import {
  closeSync, constants, existsSync, fchmodSync, fchownSync, fstatSync, fsyncSync, linkSync, lstatSync, mkdirSync,
  openSync, readdirSync, readSync, renameSync, statSync, unlinkSync, utimesSync, writeSync, type Stats,
} from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { QuarantineItem } from '../../../preload/contract/index.js';
import { MamoriError } from '../../../preload/contract/index.js';
import type { QuarantineRepo } from '../store/quarantine.js';
import { faultPoint, fsyncDir, newId, nowIso } from '../util/index.js';
import { decryptor, encodeHeader, encryptor, newKeyMaterial, readHeader, type VaultHeader } from './vault-format.js';

const CHUNK = 1024 * 1024;

export interface QuarantineRequest {
  path: string;
  ruleId: string;
  signature: string;
  alertId: string | null;
  /** What the detector saw; if the file changed since, nothing is moved. */
  expected?: { sha256: string; dev?: number; ino?: number };
}

type Pending =
  | { op: 'quarantine' }
  | { op: 'restore'; temp: string; target: string }
  | { op: 'delete' };

export interface RecoveryReport {
  /** Files left in place by an interrupted quarantine: scan them again. */
  rescan: string[];
  completed: string[];
  rolledBack: string[];
  reindexed: string[];
  problems: string[];
}

export class QuarantineVault {
  private readonly itemsDir: string;
  private readonly tmpDir: string;

  constructor(root: string, private readonly repo: QuarantineRepo) {
    this.itemsDir = join(root, 'items');
    this.tmpDir = join(root, 'tmp');
    mkdirSync(this.itemsDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
  }

  itemFile(id: string): string {
    return join(this.itemsDir, `${id}.mq`);
  }

  quarantine(req: QuarantineRequest): QuarantineItem {
    const id = newId('q');
    const flags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
    let src: number;
    try {
      src = openSync(req.path, flags);
    } catch (err) {
      throw ioError(`cannot open ${req.path}`, err);
    }
    const partial = join(this.tmpDir, `${id}.partial`);
    let st: Stats;
    let header: VaultHeader;
    try {
      st = fstatSync(src);
      if (!st.isFile()) throw new MamoriError('CONFLICT', `${req.path} is not a regular file`);
      if (req.expected?.ino !== undefined && (st.ino !== req.expected.ino || st.dev !== req.expected.dev)) {
        throw new MamoriError('CONFLICT', `${req.path} was replaced after it was scanned; not moved`);
      }
      header = {
        id, time: nowIso(), originalPath: req.path, size: st.size, sha256: '', mode: st.mode & 0o7777, uid: st.uid,
        gid: st.gid, mtimeMs: st.mtimeMs, ruleId: req.ruleId, signature: req.signature, alertId: req.alertId,
        ...newKeyMaterial(),
      };
      const sha256 = this.writeVaultCopy(src, partial, header);
      if (req.expected && sha256 !== req.expected.sha256) {
        unlinkSync(partial);
        throw new MamoriError('CONFLICT', `${req.path} changed after it was scanned; not moved`);
      }
      header.sha256 = sha256;
    } catch (err) {
      if (existsSync(partial)) unlinkSync(partial);
      throw err instanceof MamoriError ? err : ioError(`cannot copy ${req.path} into the vault`, err);
    } finally {
      closeSync(src);
    }
    faultPoint('quarantine:copied');

    const item = toItem(header, 'quarantined');
    this.repo.upsert(item);
    this.repo.setPending(id, JSON.stringify({ op: 'quarantine' } satisfies Pending));
    faultPoint('quarantine:recorded');

    renameSync(partial, this.itemFile(id));
    fsyncDir(this.itemsDir);
    faultPoint('quarantine:committed');

    try {
      this.removeOriginal(req.path, st, header.sha256);
    } catch (err) {
      // The original stays where it is, so the vault copy must not pretend otherwise.
      safeUnlink(this.itemFile(id));
      this.repo.delete(id);
      throw err;
    }
    faultPoint('quarantine:original-removed');
    this.repo.setPending(id, null);
    return item;
  }

  restore(id: string, onConflict: 'refuse' | 'rename'): { item: QuarantineItem; restoredPath: string } {
    const item = this.requireActive(id);
    const file = this.itemFile(id);
    const { header, bodyOffset } = readHeaderOrThrow(file);
    const dir = dirname(item.originalPath);
    mkdirSync(dir, { recursive: true });

    let target = item.originalPath;
    if (pathTaken(target)) {
      if (onConflict === 'refuse') {
        throw new MamoriError('TARGET_EXISTS', `something else is now at ${target}; restore under a new name or move it first`);
      }
      target = freeAlternative(target);
    }
    const temp = join(dir, `.${basename(item.originalPath)}.mamori-restore-${id}`);
    this.repo.setPending(id, JSON.stringify({ op: 'restore', temp, target } satisfies Pending));
    faultPoint('restore:journaled');

    this.writeRestoredCopy(file, bodyOffset, header, temp);
    faultPoint('restore:temp-written');

    // link() never replaces an existing name, so a file that appeared meanwhile is never overwritten.
    for (;;) {
      try {
        linkSync(temp, target);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') { safeUnlink(temp); this.repo.setPending(id, null); throw ioError(`cannot restore to ${target}`, err); }
        if (onConflict === 'refuse') {
          safeUnlink(temp);
          this.repo.setPending(id, null);
          throw new MamoriError('TARGET_EXISTS', `something else is now at ${target}; restore under a new name or move it first`);
        }
        target = freeAlternative(item.originalPath);
        this.repo.setPending(id, JSON.stringify({ op: 'restore', temp, target } satisfies Pending));
      }
    }
    faultPoint('restore:linked');
    unlinkSync(temp);
    fsyncDir(dir);

    const restored = this.finishRestore(item, target);
    faultPoint('restore:recorded');
    return { item: restored, restoredPath: target };
  }

  delete(id: string): QuarantineItem {
    const item = this.requireActive(id);
    this.repo.setPending(id, JSON.stringify({ op: 'delete' } satisfies Pending));
    faultPoint('delete:journaled');
    safeUnlink(this.itemFile(id));
    fsyncDir(this.itemsDir);
    const deleted: QuarantineItem = { ...item, state: 'deleted', changedAt: nowIso() };
    this.repo.upsert(deleted);
    this.repo.setPending(id, null);
    return deleted;
  }

  /** Finish or roll back what a crash interrupted, and re-index vault files the database lost. */
  recover(): RecoveryReport {
    const report: RecoveryReport = { rescan: [], completed: [], rolledBack: [], reindexed: [], problems: [] };
    for (const name of readdirSync(this.tmpDir)) safeUnlink(join(this.tmpDir, name)); // never committed

    for (const name of readdirSync(this.itemsDir)) {
      if (!name.endsWith('.mq')) continue;
      const id = name.slice(0, -3);
      if (this.repo.get(id)) continue;
      try {
        const { header } = readHeader(join(this.itemsDir, name));
        this.repo.upsert(toItem(header, 'quarantined'));
        this.repo.setPending(id, JSON.stringify({ op: 'quarantine' } satisfies Pending));
        report.reindexed.push(id);
      } catch (err) {
        report.problems.push(`vault file ${name} is unreadable and was left untouched: ${(err as Error).message}`);
      }
    }

    for (const { item, pending } of this.repo.withPending()) {
      let p: Pending;
      try { p = JSON.parse(pending) as Pending; } catch { report.problems.push(`bad journal for ${item.id}`); continue; }
      try {
        this.recoverOne(item, p, report);
      } catch (err) {
        report.problems.push(`could not recover ${item.id} (${item.originalPath}): ${(err as Error).message}`);
      }
    }
    return report;
  }

  private recoverOne(item: QuarantineItem, p: Pending, report: RecoveryReport): void {
    const vaultFile = this.itemFile(item.id);
    const inVault = existsSync(vaultFile);
    if (p.op === 'quarantine') {
      if (!inVault) {
        // Crashed before the vault copy was committed: the original never moved. Forget the row, scan again.
        this.repo.delete(item.id);
        report.rolledBack.push(item.id);
        report.rescan.push(item.originalPath);
        return;
      }
      // The vault copy is committed: finish by removing the original if it is still the same content.
      const st = lstatOrNull(item.originalPath);
      if (st?.isFile() && st.size === item.size && sha256File(item.originalPath) === item.sha256) {
        unlinkSync(item.originalPath);
        fsyncDir(dirname(item.originalPath));
      }
      this.repo.setPending(item.id, null);
      report.completed.push(item.id);
      return;
    }
    if (p.op === 'restore') {
      const st = lstatOrNull(p.target);
      const done = st?.isFile() && st.size === item.size && sha256File(p.target) === item.sha256;
      if (done) {
        safeUnlink(p.temp);
        this.finishRestore(item, p.target);
        report.completed.push(item.id);
      } else {
        safeUnlink(p.temp); // a partial copy; the vault item is still whole
        this.repo.setPending(item.id, null);
        report.rolledBack.push(item.id);
      }
      return;
    }
    // delete: the user asked for it; finish it.
    safeUnlink(vaultFile);
    this.repo.upsert({ ...item, state: 'deleted', changedAt: nowIso() });
    this.repo.setPending(item.id, null);
    report.completed.push(item.id);
  }

  private finishRestore(item: QuarantineItem, target: string): QuarantineItem {
    const restored: QuarantineItem = { ...item, state: 'restored', restoredPath: target, changedAt: nowIso() };
    this.repo.upsert(restored);
    this.repo.setPending(item.id, null);
    safeUnlink(this.itemFile(item.id));
    fsyncDir(this.itemsDir);
    return restored;
  }

  private requireActive(id: string): QuarantineItem {
    const item = this.repo.get(id);
    if (!item) throw new MamoriError('NOT_FOUND', `no quarantined file with id ${id}`);
    if (item.state !== 'quarantined') throw new MamoriError('CONFLICT', `${id} is already ${item.state}`);
    return item;
  }

  /** Copy src into an encrypted vault file; returns the SHA-256 of what was read. */
  private writeVaultCopy(src: number, dest: string, header: VaultHeader): string {
    const out = openSync(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      // The header is written with the hash left empty, then rewritten: its length is fixed by padding the hash slot.
      const hash = createHash('sha256');
      const cipher = encryptor(header);
      const headerBytes = encodeHeader({ ...header, sha256: '0'.repeat(64) });
      writeAll(out, headerBytes, 0);
      let position = headerBytes.length;
      const buf = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const n = readSync(src, buf, 0, CHUNK, null);
        if (n === 0) break;
        const plain = buf.subarray(0, n);
        hash.update(plain);
        const enc = cipher.update(plain);
        writeAll(out, enc, position);
        position += enc.length;
        faultPoint('quarantine:copying');
      }
      const sha256 = hash.digest('hex');
      const finalHeader = encodeHeader({ ...header, sha256 });
      if (finalHeader.length !== headerBytes.length) throw new Error('vault header length changed');
      writeAll(out, finalHeader, 0);
      fchmodSync(out, 0o400);
      fsyncSync(out);
      return sha256;
    } finally {
      closeSync(out);
    }
  }

  private writeRestoredCopy(vaultFile: string, bodyOffset: number, header: VaultHeader, temp: string): void {
    safeUnlink(temp); // a leftover of an earlier interrupted attempt
    const src = openSync(vaultFile, 'r');
    const out = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      const hash = createHash('sha256');
      const decipher = decryptor(header);
      const buf = Buffer.allocUnsafe(CHUNK);
      let position = bodyOffset;
      let written = 0;
      for (;;) {
        const n = readSync(src, buf, 0, CHUNK, position);
        if (n === 0) break;
        position += n;
        const plain = decipher.update(buf.subarray(0, n));
        hash.update(plain);
        writeAll(out, plain, written);
        written += plain.length;
        faultPoint('restore:writing');
      }
      if (hash.digest('hex') !== header.sha256 || written !== header.size) {
        throw new MamoriError('IO_ERROR', `vault item ${header.id} does not match its recorded SHA-256; it was not restored`);
      }
      if (process.getuid?.() === 0) {
        try { fchownSync(out, header.uid, header.gid); } catch { /* owner may no longer exist */ }
      }
      fchmodSync(out, header.mode);
      fsyncSync(out);
    } catch (err) {
      closeSync(out);
      safeUnlink(temp);
      throw err;
    } finally {
      closeSync(src);
    }
    closeSync(out);
    const mtime = header.mtimeMs / 1000;
    utimesSync(temp, mtime, mtime);
  }

  private removeOriginal(path: string, scanned: Stats, sha256: string): void {
    const now = lstatOrNull(path);
    if (!now) return; // already gone: the vault copy is all there is
    if (now.ino !== scanned.ino || now.dev !== scanned.dev || now.size !== scanned.size || now.mtimeMs !== scanned.mtimeMs) {
      // Something rewrote or replaced the file while we copied it: keep both, the vault copy is a snapshot.
      throw new MamoriError('CONFLICT', `${path} changed while it was being quarantined (copied content ${sha256.slice(0, 12)}); left in place`);
    }
    unlinkSync(path);
    fsyncDir(dirname(path));
  }
}

function toItem(h: VaultHeader, state: QuarantineItem['state']): QuarantineItem {
  return {
    id: h.id, time: h.time, state, originalPath: h.originalPath, size: h.size, sha256: h.sha256, mode: h.mode, uid: h.uid,
    gid: h.gid, mtimeMs: h.mtimeMs, ruleId: h.ruleId, signature: h.signature, alertId: h.alertId, restoredPath: null, changedAt: null,
  };
}

function writeAll(fd: number, buf: Buffer, position: number): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, position + off);
}

function readHeaderOrThrow(file: string): { header: VaultHeader; bodyOffset: number } {
  try {
    return readHeader(file);
  } catch (err) {
    throw ioError('the quarantined copy is missing or damaged', err);
  }
}

function pathTaken(p: string): boolean {
  return lstatOrNull(p) !== null;
}

/** "report.pdf" -> "report (restored).pdf", then "report (restored 2).pdf", ... */
function freeAlternative(original: string): string {
  const ext = extname(original);
  const stem = original.slice(0, original.length - ext.length);
  for (let i = 1; i < 10_000; i++) {
    const candidate = `${stem} (restored${i === 1 ? '' : ` ${i}`})${ext}`;
    if (!pathTaken(candidate)) return candidate;
  }
  throw new MamoriError('TARGET_EXISTS', `no free name next to ${original}`);
}

function lstatOrNull(p: string): Stats | null {
  try { return lstatSync(p); } catch { return null; }
}

function safeUnlink(p: string): void {
  try { unlinkSync(p); } catch { /* already gone */ }
}

function sha256File(p: string): string {
  const fd = openSync(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!statSync(p).isFile()) return '';
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}

function ioError(what: string, err: unknown): MamoriError {
  const e = err as NodeJS.ErrnoException;
  const why = e?.code === 'EACCES' || e?.code === 'EPERM' ? 'permission denied'
    : e?.code === 'ENOENT' ? 'it no longer exists'
    : e?.code === 'ELOOP' ? 'it is a symbolic link'
    : e?.message ?? String(err);
  return new MamoriError(e?.code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR', `${what}: ${why}`);
}
