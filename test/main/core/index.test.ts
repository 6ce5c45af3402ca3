// The first protection path end to end through the real core: real files, a real watcher, a real SQLite file.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../../preload/contract/index.js';
import { createCore, type Core } from '../../../main/core/index.js';
import { EICAR } from '../../../main/core/detect/index.js';
import { tempDirs, waitFor } from '../../helpers/temp.js';

const dirs = tempDirs();
const cores: Core[] = [];
afterEach(async () => { for (const c of cores.splice(0)) await c.stop(); dirs.cleanup(); });

async function start(dataDir = dirs.make('mamori-data-'), watch = [dirs.make('mamori-watch-')]) {
  const core = await createCore({ dataDir, watchFolders: watch, host: 'test', log: () => undefined });
  cores.push(core);
  return { core, dataDir, watched: watch[0]! };
}

function dropEicar(dir: string, name = 'eicar.com.txt') {
  const path = join(dir, name);
  writeFileSync(path, EICAR + '\n');
  chmodSync(path, 0o640);
  utimesSync(path, 1_700_000_000, 1_700_000_000);
  return { path, bytes: readFileSync(path), mtimeMs: statSync(path).mtimeMs };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('real-time protection of watched folders', () => {
  it('quarantines EICAR dropped in a watched folder, raises one alert, and restores it byte-identical', async () => {
    const { core, watched } = await start();
    const alerts: Alert[] = [];
    core.events.on('alert', (a) => alerts.push(a));
    const f = dropEicar(watched);
    await waitFor('quarantine', () => !existsSync(f.path) && alerts.length > 0, 10_000);
    const alert = (await core.api.listAlerts({})).items[0]!;
    expect(alert).toMatchObject({
      severity: 'high', ruleId: 'mamori.file.eicar', status: 'open', source: 'realtime',
      file: { path: f.path, sha256: sha256(f.bytes), size: f.bytes.length },
      actions: [{ kind: 'quarantine', status: 'succeeded', actor: 'policy' }],
    });
    expect(alert.text.ja.title).toMatch(/テストファイル/);
    const status = await core.api.getStatus({});
    expect(status).toMatchObject({ state: 'attention', openAlerts: 1, quarantined: 1 });

    const [item] = (await core.api.listQuarantine({})).items;
    expect(item).toMatchObject({ originalPath: f.path, sha256: sha256(f.bytes), mode: 0o640, alertId: alert.id });
    await core.api.restoreQuarantine({ id: item!.id });
    expect(readFileSync(f.path).equals(f.bytes)).toBe(true);
    expect(statSync(f.path).mode & 0o777).toBe(0o640);
    expect(statSync(f.path).mtimeMs).toBe(f.mtimeMs);
    // The user's decision stands: the restored file is not quarantined again by the watcher.
    await new Promise((r) => setTimeout(r, 1500));
    expect(existsSync(f.path)).toBe(true);
    const after = await core.api.getAlert({ id: alert.id });
    expect(after.actions.map((a) => `${a.kind}:${a.status}:${a.actor}`)).toEqual(['quarantine:undone:policy', 'restore:succeeded:user']);
  });

  it('only records when automatic quarantine is off', async () => {
    const { core, watched } = await start();
    await core.api.updateSettings({ autoQuarantine: false });
    const f = dropEicar(watched);
    await waitFor('alert', async () => (await core.api.listAlerts({})).total === 1, 10_000);
    expect(existsSync(f.path)).toBe(true);
    expect((await core.api.listAlerts({})).items[0]!.actions).toEqual([]);
  });

  it('does nothing while paused, and says so', async () => {
    const { core, watched } = await start();
    const status = await core.api.pauseProtection({ minutes: 15 });
    expect(status.state).toBe('paused');
    expect(Date.parse(status.pausedUntil!) - Date.now()).toBeGreaterThan(14 * 60_000);
    const f = dropEicar(watched);
    await new Promise((r) => setTimeout(r, 1200));
    expect(existsSync(f.path)).toBe(true);
    expect((await core.api.resumeProtection({})).state).toBe('protected');
    const g = dropEicar(watched, 'second.txt');
    await waitFor('quarantine after resume', () => !existsSync(g.path), 10_000);
  });

  it('finds a file whose hash is on an imported list, as critical', async () => {
    const { core, watched } = await start();
    const payload = Buffer.from('#!/bin/sh\necho pretend dropper\n');
    const r = await core.api.importHashList({ name: 'office-iocs', text: `# iocs\n${sha256(payload)} Pretend.Dropper\nnot a hash\n` });
    expect(r).toMatchObject({ imported: 1, invalidCount: 1 });
    writeFileSync(join(watched, 'dropper.sh'), payload, { mode: 0o755 });
    const alert = await waitFor('alert', async () => (await core.api.listAlerts({})).items[0], 10_000);
    expect(alert).toMatchObject({ severity: 'critical', ruleId: 'mamori.file.known-malware', detection: { engine: 'hash', signature: 'Pretend.Dropper' } });
  });

  it('finds a file by the MD5 and size of an imported ClamAV .hdb, lists and removes the list', async () => {
    const { core, watched } = await start();
    const payload = Buffer.from('#!/bin/sh\necho pretend md5 dropper\n');
    const md5 = createHash('md5').update(payload).digest('hex');
    const sameMd5OtherSize = `${md5}:${payload.length + 5}:Wrong.Size`;
    const r = await core.api.importSignatures({ fileName: 'office.hdb', text: `${md5}:${payload.length}:Pretend.Md5.Dropper\n${sameMd5OtherSize}\nbroken\n` });
    expect(r).toMatchObject({ name: 'office', format: 'clamav-hdb', imported: 2, byAlgo: { md5: 2, sha1: 0, sha256: 0 }, invalidCount: 1 });
    expect(r.invalid).toEqual([{ line: 3, code: 'BAD_FIELDS', reason: expect.any(String) }]);
    expect((await core.api.listSignatures({})).lists).toEqual([expect.objectContaining({ name: 'office', count: 2, invalidCount: 1 })]);
    writeFileSync(join(watched, 'dropper.sh'), payload, { mode: 0o755 });
    const alert = await waitFor('alert', async () => (await core.api.listAlerts({})).items[0], 10_000);
    expect(alert).toMatchObject({ severity: 'critical', detection: { engine: 'hash', signature: 'Pretend.Md5.Dropper' } });
    await expect(core.api.importSignatures({ fileName: 'main.ldb', text: 'x' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(core.api.importSignatures({ fileName: 'junk.hdb', text: 'junk\n' })).rejects.toThrow(/no signature in junk.hdb could be read/);
    expect(await core.api.removeSignatureList({ name: 'office' })).toEqual({ removed: 'office' });
    expect((await core.api.listSignatures({})).lists).toEqual([]);
    await expect(core.api.removeSignatureList({ name: 'office' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('merges a repeat of the same file into one alert with a count', async () => {
    const { core, watched } = await start();
    await core.api.updateSettings({ autoQuarantine: false });
    const f = dropEicar(watched);
    await waitFor('first alert', async () => (await core.api.listAlerts({})).total === 1, 10_000);
    writeFileSync(f.path, EICAR + '\n\n'); // rewritten: a different file content -> a different alert
    writeFileSync(f.path, EICAR + '\n');   // back to the first content
    const { items } = await core.api.startScan({ paths: [watched] }).then(() => waitFor('merged repeat', async () => {
      const list = await core.api.listAlerts({});
      return list.items.find((a) => a.count > 1) ? list : null;
    }, 10_000));
    expect(items.filter((a) => a.file?.sha256 === sha256(f.bytes))).toHaveLength(1);
  });
});

describe('on-demand scans', () => {
  it('scan a folder, report progress, keep the history, and quarantine what they find', async () => {
    const { core } = await start(undefined, []);
    const folder = dirs.make('mamori-scan-');
    for (let i = 0; i < 50; i++) writeFileSync(join(folder, `doc${i}.txt`), `document ${i}\n`.repeat(100));
    const f = dropEicar(folder);
    const progress: number[] = [];
    core.events.on('scanProgress', (p) => progress.push(p.filesScanned));
    const finished = new Promise<unknown>((r) => core.events.on('scanFinished', r));
    const { scan } = await core.api.startScan({ paths: [folder] });
    expect(scan.state).toBe('running');
    await finished;
    const { items } = await core.api.listScans({});
    expect(items[0]).toMatchObject({ id: scan.id, state: 'completed', filesScanned: 51, findings: 1, errors: 0, trigger: 'user' });
    expect(items[0]!.endedAt).not.toBeNull();
    expect(progress.at(-1)).toBe(51);
    expect(existsSync(f.path)).toBe(false);
    const alert = await core.api.getAlert({ id: items[0]!.alertIds[0]! });
    expect(alert).toMatchObject({ source: 'scan', scanId: scan.id });
    expect((await core.api.getStatus({})).lastScan?.id).toBe(scan.id);
  });

  it('never scans Mamori\'s own data folder (the vault would find itself)', async () => {
    const parent = dirs.make('mamori-parent-');
    const dataDir = join(parent, 'data');
    const { core } = await start(dataDir, []);
    const f = dropEicar(parent);
    let done = new Promise((r) => core.events.on('scanFinished', r));
    await core.api.startScan({ paths: [parent] });
    await done;
    expect(existsSync(f.path)).toBe(false);
    done = new Promise((r) => core.events.on('scanFinished', r));
    await core.api.startScan({ paths: [parent] });
    await done;
    expect((await core.api.listScans({})).items[0]!.findings).toBe(0);
  });

  it('keeps alerts, quarantine and scan history across a restart', async () => {
    const dataDir = dirs.make('mamori-data-');
    const folder = dirs.make('mamori-scan-');
    const first = await start(dataDir, []);
    dropEicar(folder);
    const finished = new Promise((r) => first.core.events.on('scanFinished', r));
    await first.core.api.startScan({ paths: [folder] });
    await finished;
    await first.core.stop();
    const second = await start(dataDir, []);
    expect((await second.core.api.listAlerts({})).total).toBe(1);
    expect((await second.core.api.listQuarantine({})).items).toHaveLength(1);
    expect((await second.core.api.listScans({})).items[0]).toMatchObject({ state: 'completed', findings: 1 });
  });

  it('marks a scan that was running when the process died as failed on the next start', async () => {
    const dataDir = dirs.make('mamori-data-');
    const first = await start(dataDir, []);
    await first.core.stop();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(dataDir, 'mamori.db'));
    db.prepare(`INSERT INTO scans (id, paths_json, trigger, state, started_at) VALUES ('scan_dead', '["/x"]', 'user', 'running', ?)`)
      .run(new Date().toISOString());
    db.close();
    const second = await start(dataDir, []);
    expect((await second.core.api.getScan({ id: 'scan_dead' })).scan).toMatchObject({ state: 'failed', endedAt: expect.any(String) });
  });

  it('rejects bad input with a clear error', async () => {
    const { core } = await start(undefined, []);
    await expect(core.api.startScan({ paths: ['relative/path'] })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/absolute/) });
    await expect(core.api.getAlert({ id: '../../etc' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(core.api.cancelScan({ id: 'scan_unknown' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
