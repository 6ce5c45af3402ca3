import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QuarantineVault } from '../../../../main/core/respond/index.js';
import { openStore, type Store } from '../../../../main/core/store/index.js';
import { MamoriError } from '../../../../preload/contract/index.js';
import { tempDirs } from '../../../helpers/temp.js';

const dirs = tempDirs();
const stores: Store[] = [];
afterEach(() => { for (const s of stores.splice(0)) s.close(); dirs.cleanup(); });

function setup() {
  const dataDir = dirs.make('mamori-vault-');
  const work = dirs.make('mamori-files-');
  const store = openStore(dataDir, { language: 'auto', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' }, () => undefined);
  stores.push(store);
  return { dataDir, work, store, vault: new QuarantineVault(join(dataDir, 'quarantine'), store.quarantine) };
}

function makeFile(dir: string, name: string, size: number, mode = 0o754) {
  const path = join(dir, name);
  const bytes = randomBytes(size);
  writeFileSync(path, bytes);
  chmodSync(path, mode);
  utimesSync(path, 1_600_000_000.25, 1_600_000_000.25);
  return { path, bytes, mode, mtimeMs: statSync(path).mtimeMs };
}

const req = (path: string) => ({ path, ruleId: 'r', signature: 'S', alertId: null });

describe('quarantine vault', () => {
  it('moves the file out and stores it neither byte-identical nor executable', () => {
    const { work, vault } = setup();
    const f = makeFile(work, 'tool.sh', 3 * 1024 * 1024 + 17);
    const item = vault.quarantine(req(f.path));
    expect(existsSync(f.path)).toBe(false);
    const stored = readFileSync(vault.itemFile(item.id));
    expect(stored.includes(f.bytes.subarray(0, 64))).toBe(false);
    expect(statSync(vault.itemFile(item.id)).mode & 0o111).toBe(0);
    expect(item).toMatchObject({ state: 'quarantined', originalPath: f.path, size: f.bytes.length, mode: f.mode, mtimeMs: f.mtimeMs });
  });

  it('restores identical bytes, mode and mtime at the original path', () => {
    const { work, vault, store } = setup();
    const f = makeFile(work, 'report.pdf', 1_500_000, 0o640);
    const item = vault.quarantine(req(f.path));
    const { restoredPath } = vault.restore(item.id, 'refuse');
    expect(restoredPath).toBe(f.path);
    expect(readFileSync(f.path).equals(f.bytes)).toBe(true);
    expect(statSync(f.path).mode & 0o7777).toBe(0o640);
    expect(statSync(f.path).mtimeMs).toBe(f.mtimeMs);
    expect(store.quarantine.get(item.id)?.state).toBe('restored');
    expect(existsSync(vault.itemFile(item.id))).toBe(false);
    expect(readdirSync(work)).toEqual(['report.pdf']); // no temp file left behind
  });

  it('never overwrites what now sits at the original path: refuses, or restores under a new name', () => {
    const { work, vault } = setup();
    const f = makeFile(work, 'notes.txt', 1000);
    const item = vault.quarantine(req(f.path));
    writeFileSync(f.path, 'the user wrote a new file here');
    expect(() => vault.restore(item.id, 'refuse')).toThrow(expect.objectContaining({ code: 'TARGET_EXISTS' }));
    expect(readFileSync(f.path, 'utf8')).toBe('the user wrote a new file here');
    const { restoredPath } = vault.restore(item.id, 'rename');
    expect(restoredPath).toBe(join(work, 'notes (restored).txt'));
    expect(readFileSync(restoredPath).equals(f.bytes)).toBe(true);
    expect(readFileSync(f.path, 'utf8')).toBe('the user wrote a new file here');
  });

  it('recreates a deleted folder on restore', () => {
    const { work, vault } = setup();
    const sub = join(work, 'gone');
    const f = makeFile(work, 'x.bin', 10);
    const item = vault.quarantine(req(f.path));
    expect(existsSync(sub)).toBe(false);
    expect(vault.restore(item.id, 'refuse').restoredPath).toBe(f.path);
  });

  it('deletes for good, and a deleted or restored item cannot be acted on again', () => {
    const { work, vault } = setup();
    const a = vault.quarantine(req(makeFile(work, 'a', 10).path));
    const b = vault.quarantine(req(makeFile(work, 'b', 10).path));
    expect(vault.delete(a.id).state).toBe('deleted');
    expect(existsSync(vault.itemFile(a.id))).toBe(false);
    vault.restore(b.id, 'refuse');
    expect(() => vault.restore(a.id, 'refuse')).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(() => vault.delete(b.id)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    expect(() => vault.restore('q_nope', 'refuse')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('refuses symbolic links and files that changed since they were scanned, moving nothing', () => {
    const { work, vault } = setup();
    const f = makeFile(work, 'real', 100);
    symlinkSync(f.path, join(work, 'link'));
    expect(() => vault.quarantine(req(join(work, 'link')))).toThrow(MamoriError);
    expect(() => vault.quarantine({ ...req(f.path), expected: { sha256: '0'.repeat(64) } })).toThrow(/changed after it was scanned/);
    expect(readFileSync(f.path).equals(f.bytes)).toBe(true);
    expect(readdirSync(work).sort()).toEqual(['link', 'real']);
  });

  it('says clearly when the quarantined copy was damaged, and keeps the item', () => {
    const { work, vault, store } = setup();
    const item = vault.quarantine(req(makeFile(work, 'd', 5000).path));
    const file = vault.itemFile(item.id);
    chmodSync(file, 0o600);
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    writeFileSync(file, bytes);
    expect(() => vault.restore(item.id, 'refuse')).toThrow(/does not match its recorded SHA-256/);
    expect(existsSync(join(work, 'd'))).toBe(false);
    expect(store.quarantine.get(item.id)?.state).toBe('quarantined');
  });
});
