// End to end through the headless agent's web UI: a user imports a ClamAV .hdb file on the Settings page,
// sees what was imported and which line was skipped, a file on that list dropped into a watched folder is
// then quarantined, and removing the list (confirmed) empties the table. Needs `npm run build` first.
import { expect, test } from '@playwright/test';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from './agent.js';

test.describe.configure({ mode: 'serial' });

let agent: RunningAgent;
let staging: string;

test.beforeAll(async () => {
  agent = await startAgent();
  staging = mkdtempSync(join(tmpdir(), 'mamori-e2e-sigs-'));
});

test.afterAll(async () => {
  await agent?.stop();
  if (staging) rmSync(staging, { recursive: true, force: true });
});

test('a ClamAV .hdb imported in Settings is used at once, and the list can be removed', async ({ page }) => {
  const payload = Buffer.from('#!/bin/sh\necho pretend dropper known by md5\n');
  const md5 = createHash('md5').update(payload).digest('hex');
  const hdb = join(staging, 'office-iocs.hdb');
  writeFileSync(hdb, `${md5}:${payload.length}:Pretend.Office.Dropper\nthis line is broken\n`);

  await page.goto(agent.handle.url);
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('signatures-empty')).toBeVisible();
  await expect(page.getByTestId('signatures-builtin')).toContainText('1');

  await page.getByTestId('signatures-file').setInputFiles(hdb);
  await page.getByTestId('signatures-import').click();
  const result = page.getByTestId('signatures-result');
  await expect(result).toContainText('Imported 1 signature(s) into “office-iocs”: 1 MD5.');
  await expect(result).toContainText('Line 2:');
  const row = page.getByTestId('signatures-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('office-iocs');
  await expect(row).toContainText('ClamAV MD5 (.hdb)');
  await expect(row).toContainText('1 unreadable line(s) skipped');

  const dropped = join(agent.watched, 'invoice.sh');
  writeFileSync(dropped, payload);
  await expect.poll(() => existsSync(dropped), { timeout: 15_000 }).toBe(false);

  await page.getByTestId('signatures-remove').click();
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('signatures-empty')).toBeVisible();
});

test('a format Mamori cannot read is refused with a reason, and nothing is imported', async ({ page }) => {
  const ldb = join(staging, 'main.ldb');
  writeFileSync(ldb, 'Sig;Engine:51-255;0;41424344\n');
  await page.goto(agent.handle.url);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('signatures-file').setInputFiles(ldb);
  await page.getByTestId('signatures-import').click();
  await expect(page.getByTestId('signatures-error')).toContainText('use YARA rules');
  await expect(page.getByTestId('signatures-empty')).toBeVisible();
});

test('Settings shows the YARA rules in use; a rule folder with a broken file is added and the broken file is named', async ({ page }) => {
  const folder = join(staging, 'yara-rules');
  mkdirSync(folder);
  writeFileSync(join(folder, 'good.yar'), 'rule office_marker { strings: $a = "OFFICE-MARKER-e2e" condition: $a }\n');
  writeFileSync(join(folder, 'broken.yar'), 'rule broken { condition: and }\n');
  await page.goto(agent.handle.url);
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('yara-summary')).toContainText(/rules in use/);
  await page.getByTestId('yara-folder-input').fill(folder);
  await page.getByTestId('yara-folder-add').click();
  await expect(page.getByTestId('yara-folders')).toContainText(folder);
  await expect(page.getByTestId('yara-errors')).toContainText('broken.yar', { timeout: 15_000 });
  await expect(page.getByTestId('yara-summary')).toContainText(/rules in use from 2 file\(s\)/);
});

test('Settings > File protection: says which tier runs, and a changed setting and an added exclusion are kept', async ({ page }) => {
  await page.goto(agent.handle.url);
  await page.getByTestId('nav-settings').click();
  // Agents started by tests use the folder watcher (MAMORI_FILE_SENSOR=chokidar).
  await expect(page.getByTestId('file-protection-tier')).toContainText('watches only the folders');
  await expect(page.getByTestId('file-exclusions')).toContainText('~/.cache');
  await page.getByTestId('file-block-exec').click();
  await expect(page.getByTestId('file-block-exec')).not.toBeChecked();
  await page.getByTestId('file-exclusion-input').fill('~/.cache/thumbnails');
  await page.getByTestId('file-exclusion-add').click();
  await expect(page.getByTestId('file-exclusions')).toContainText('~/.cache/thumbnails');
  await page.reload();
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('file-block-exec')).not.toBeChecked();
  await expect(page.getByTestId('file-exclusions')).toContainText('~/.cache/thumbnails');
});
