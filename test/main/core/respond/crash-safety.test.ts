// Fault injection: kill -9 the process at every step of quarantine, restore and delete, then start again
// and check the file is whole: at its original path, or in the vault and restorable byte-identical.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QuarantineVault } from '../../../../main/core/respond/index.js';
import { openStore, type Store } from '../../../../main/core/store/index.js';
import { tempDirs } from '../../../helpers/temp.js';

const CHILD = join(import.meta.dirname, '../../../fixtures/vault-child.ts');
const dirs = tempDirs();
const stores: Store[] = [];
afterEach(() => { for (const s of stores.splice(0)) s.close(); dirs.cleanup(); });

/** SIGKILL a child (if it still runs) and wait until it is gone. */
async function killAndWait(child: ChildProcess): Promise<void> {
  const exited = child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

function runChild(args: string[], fault?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    env: { ...process.env, MAMORI_FAULT: fault ?? '' }, encoding: 'utf8', timeout: 30_000,
  });
  return r;
}

function scenario() {
  const dataDir = dirs.make('mamori-crash-data-');
  const work = dirs.make('mamori-crash-files-');
  const path = join(work, 'invoice.exe');
  const bytes = randomBytes(3 * 1024 * 1024 + 123); // several chunks, so "midway" exists
  writeFileSync(path, bytes);
  chmodSync(path, 0o751);
  utimesSync(path, 1_650_000_000, 1_650_000_000);
  return { dataDir, work, path, bytes, mtimeMs: statSync(path).mtimeMs };
}

function reopen(dataDir: string) {
  const store = openStore(dataDir, { language: 'auto', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' }, () => undefined);
  stores.push(store);
  const vault = new QuarantineVault(join(dataDir, 'quarantine'), store.quarantine);
  return { store, vault, report: vault.recover() };
}

/** The invariant: the bytes are at the original path, or in the vault and restorable there, identical. */
function expectNothingLost(s: ReturnType<typeof scenario>) {
  const { store, vault } = reopen(s.dataDir);
  expect(store.quarantine.withPending()).toEqual([]);
  expect(readdirSync(join(s.dataDir, 'quarantine', 'tmp'))).toEqual([]);
  const active = store.quarantine.list(false).filter((i) => i.originalPath === s.path);
  const inPlace = existsSync(s.path);
  expect(inPlace || active.length === 1).toBe(true);
  if (inPlace) {
    expect(active).toEqual([]); // never both: the vault does not claim a file that is still there
  } else {
    vault.restore(active[0]!.id, 'refuse');
  }
  expect(readFileSync(s.path).equals(s.bytes)).toBe(true);
  expect(statSync(s.path).mode & 0o7777).toBe(0o751);
  expect(statSync(s.path).mtimeMs).toBe(s.mtimeMs);
  expect(readdirSync(s.work)).toEqual(['invoice.exe']); // no restore temp left behind
  return { inPlace, store, vault };
}

describe('crash safety (kill -9 at every step)', () => {
  const quarantineSteps = ['quarantine:copying', 'quarantine:copied', 'quarantine:recorded', 'quarantine:committed', 'quarantine:original-removed'];
  it.each(quarantineSteps)('quarantine killed at %s loses nothing', (step) => {
    const s = scenario();
    const r = runChild(['quarantine', s.dataDir, s.path], step);
    expect(r.signal).toBe('SIGKILL');
    const { inPlace } = expectNothingLost(s);
    // Before the vault copy is committed the original stays; after, the quarantine is completed.
    expect(inPlace).toBe(step === 'quarantine:copying' || step === 'quarantine:copied' || step === 'quarantine:recorded');
  });

  it('a quarantine rolled back by recovery asks for the file to be scanned again', () => {
    const s = scenario();
    runChild(['quarantine', s.dataDir, s.path], 'quarantine:recorded');
    const { report } = reopen(s.dataDir);
    expect(report.rescan).toEqual([s.path]);
  });

  const restoreSteps = ['restore:journaled', 'restore:writing', 'restore:temp-written', 'restore:linked', 'restore:recorded'];
  it.each(restoreSteps)('restore killed at %s loses nothing', (step) => {
    const s = scenario();
    const id = runChild(['quarantine', s.dataDir, s.path]).stdout.trim();
    expect(id).toMatch(/^q_/);
    const r = runChild(['restore', s.dataDir, id], step);
    expect(r.signal).toBe('SIGKILL');
    const { inPlace, store } = expectNothingLost(s);
    if (step === 'restore:linked' || step === 'restore:recorded') {
      expect(inPlace).toBe(true);
      expect(store.quarantine.get(id)?.state).toBe('restored');
    }
  });

  it('delete killed after its journal entry finishes the deletion the user asked for', () => {
    const s = scenario();
    const id = runChild(['quarantine', s.dataDir, s.path]).stdout.trim();
    expect(runChild(['delete', s.dataDir, id], 'delete:journaled').signal).toBe('SIGKILL');
    const { store, vault } = reopen(s.dataDir);
    expect(store.quarantine.get(id)?.state).toBe('deleted');
    expect(existsSync(vault.itemFile(id))).toBe(false);
  });

  it('re-indexes vault files when the database was lost', () => {
    const s = scenario();
    const id = runChild(['quarantine', s.dataDir, s.path]).stdout.trim();
    for (const f of readdirSync(s.dataDir)) if (f.startsWith('mamori.db')) writeFileSync(join(s.dataDir, f), 'garbage');
    const { store, report } = reopen(s.dataDir);
    expect(report.reindexed).toEqual([id]);
    expect(store.quarantine.get(id)?.state).toBe('quarantined');
    expectNothingLost(s);
  });

  it('survives real kill -9 at random moments during quarantine and restore of a large file', async () => {
    for (let round = 0; round < 6; round++) {
      const s = scenario();
      const big = randomBytes(48 * 1024 * 1024);
      writeFileSync(s.path, big);
      utimesSync(s.path, 1_650_000_000, 1_650_000_000);
      const state = { ...s, bytes: big };
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'quarantine', s.dataDir, s.path], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 700));
      await killAndWait(child);
      const { store } = reopen(s.dataDir);
      const inPlace = existsSync(s.path);
      expect(inPlace || store.quarantine.countActive() === 1).toBe(true);
      if (!inPlace) {
        const id = store.quarantine.list(false)[0]!.id;
        const r = spawn(process.execPath, ['--import', 'tsx', CHILD, 'restore', s.dataDir, id], { stdio: 'ignore' });
        await new Promise((res) => setTimeout(res, 200 + Math.random() * 600));
        await killAndWait(r);
      }
      for (const st of stores.splice(0)) st.close();
      expectNothingLost(state);
    }
  }, 180_000);
});
