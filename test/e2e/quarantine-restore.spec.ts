// End to end through the headless agent's web UI: an EICAR file dropped into a watched folder is
// detected and quarantined, shown in Alerts and Quarantine, and restored byte-identical with its
// mode and mtime. Also: the UI in Japanese, and the page and the API without the token.
// Needs `npm run build` first.
import { expect, test } from '@playwright/test';
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eicarBytes, startAgent, type RunningAgent } from './agent.js';

test.describe.configure({ mode: 'serial' });

let agent: RunningAgent;
let staging: string;

test.beforeAll(async () => {
  agent = await startAgent();
  staging = mkdtempSync(join(tmpdir(), 'mamori-e2e-staging-'));
});

test.afterAll(async () => {
  await agent?.stop();
  if (staging) rmSync(staging, { recursive: true, force: true });
});

test('an EICAR file is quarantined, shown, and restored byte-identical with its mode and mtime', async ({ page }) => {
  test.info().annotations.push({ type: 'agent', description: agent.handle.url });
  const bytes = eicarBytes();
  expect(bytes.length).toBe(69); // 68 bytes + newline
  const mtime = new Date('2024-03-05T06:07:08.000Z');
  const name = 'eicar-test.com';
  const target = join(agent.watched, name);

  // Prepare the file outside the watched folder (content, mode, mtime), then move it in at once,
  // so the watcher never sees a half-written file or the wrong mtime.
  const prepared = join(staging, name);
  writeFileSync(prepared, bytes, { mode: 0o640 });
  chmodSync(prepared, 0o640);
  utimesSync(prepared, mtime, mtime);

  await page.goto(agent.handle.url);
  await expect(page.getByTestId('status-sentence')).toBeVisible();
  // The token is taken out of the visible URL.
  await expect(page).not.toHaveURL(/token=/);

  await page.getByTestId('nav-alerts').click();
  await expect(page.getByTestId('page-title')).toHaveText('Alerts');

  renameSync(prepared, target);

  // The alert arrives live (pushed event), without reloading the page.
  const row = page.getByTestId('alert-row').filter({ hasText: target });
  await expect(row).toBeVisible({ timeout: 45_000 });
  await expect(row.getByTestId('severity-badge')).toBeVisible();

  await row.getByTestId('alert-link').click();
  await expect(page).toHaveURL(/#\/alerts\/[A-Za-z0-9_-]+$/);
  const detail = page.getByTestId('alert-detail');
  await expect(detail).toBeVisible();
  await expect(page.getByTestId('alert-path')).toHaveText(target);
  // What Mamori did: the file was quarantined.
  const quarantined = page.getByTestId('alert-action').and(page.locator('[data-kind="quarantine"][data-status="succeeded"]'));
  await expect(quarantined).toBeVisible();
  await expect(page.getByTestId('alert-what-done')).toContainText('Moved the file to quarantine');
  // The four answers are there, in order.
  const order = await page.locator('[data-testid^="alert-what"], [data-testid="alert-undo"]').evaluateAll(
    (els) => els.map((e) => e.getAttribute('data-testid')),
  );
  expect(order).toEqual(['alert-what-happened', 'alert-what-done', 'alert-what-to-do', 'alert-undo']);
  const alertUrl = page.url();

  // The file is gone from the watched folder.
  await expect.poll(() => existsSync(target), { timeout: 20_000 }).toBe(false);

  // Quarantine lists it; restore it from there.
  await page.getByTestId('nav-quarantine').click();
  const qrow = page.getByTestId('quarantine-row').and(page.locator(`[data-path="${target}"]`));
  await expect(qrow).toBeVisible();
  await expect(qrow).toContainText(name);
  await qrow.getByTestId('quarantine-restore').click();
  await expect(page.getByTestId('restore-done')).toBeVisible();

  // Back at its path, byte-identical, same mode and mtime.
  await expect.poll(() => existsSync(target), { timeout: 20_000 }).toBe(true);
  const restored = readFileSync(target);
  expect(restored.equals(bytes)).toBe(true);
  const st = statSync(target);
  expect(st.mode & 0o777).toBe(0o640);
  expect(Math.floor(st.mtimeMs / 1000)).toBe(Math.floor(mtime.getTime() / 1000));

  // The quarantine list no longer shows it as quarantined; with "show restored" it appears as restored.
  await expect(qrow).toHaveCount(0);
  await page.getByTestId('quarantine-include-inactive').check();
  await expect(page.getByTestId('quarantine-row').and(page.locator(`[data-path="${target}"][data-state="restored"]`))).toBeVisible();

  // The alert now says the file was put back, and can be marked resolved.
  await page.goto(alertUrl);
  await expect(page.getByTestId('undo-restored')).toBeVisible();
  await page.getByTestId('alert-resolve').click();
  await expect(detail).toHaveAttribute('data-status', 'resolved');

  // Mamori does not quarantine the file again: the user's decision stands.
  await page.waitForTimeout(1500);
  expect(existsSync(target)).toBe(true);
});

test('the UI is in Japanese when the language setting is ja', async ({ page }) => {
  await page.goto(agent.handle.url);
  await expect(page.getByTestId('status-sentence')).toBeVisible();
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('language-ja').check();
  // Applied at once, and stored: still Japanese after a reload.
  await expect(page.getByTestId('nav-overview')).toHaveText('概要');
  const settings = await agent.call<{ language: string }>('getSettings');
  expect(settings.language).toBe('ja');
  await page.reload();
  await page.getByTestId('nav-overview').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'ja');

  const status = await agent.call<{ state: string }>('getStatus');
  const sentences: Record<string, string> = {
    protected: '保護されています', attention: '確認が必要です', paused: '保護を一時停止しています', degraded: '保護が十分に働いていません',
  };
  // After the first test the only alert is resolved, so the machine should be protected.
  expect(status.state).toBe('protected');
  await expect(page.getByTestId('status-sentence')).toHaveText(sentences[status.state]!);
  await expect(page.getByTestId('overview-pause')).toHaveText('15 分間一時停止');

  // Back to automatic for whoever comes next.
  await agent.call('updateSettings', { language: 'auto' });
});

test('without the token the page says to open the agent link, and the API answers 401', async ({ browser }) => {
  const context = await browser.newContext(); // fresh sessionStorage: no token remembered
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${agent.handle.port}/`);
  const notice = page.getByTestId('no-token');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('mamori agent');
  await expect(page.getByTestId('status-sentence')).toHaveCount(0);
  await context.close();

  const base = `http://127.0.0.1:${agent.handle.port}/api/call/getStatus`;
  const none = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(none.status).toBe(401);
  const wrong = await fetch(base, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-token-at-all-00000000' }, body: '{}',
  });
  expect(wrong.status).toBe(401);
  const right = await fetch(base, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${agent.handle.token}` }, body: '{}',
  });
  expect(right.status).toBe(200);
});

test('restoring over an existing file offers a new name; deleting asks first and is permanent', async ({ page }) => {
  const bytes = eicarBytes();
  const name = 'second-eicar.com';
  const target = join(agent.watched, name);
  const prepared = join(staging, name);
  writeFileSync(prepared, bytes, { mode: 0o600 });
  chmodSync(prepared, 0o600);

  await page.goto(agent.handle.url);
  await page.getByTestId('nav-alerts').click();
  renameSync(prepared, target);
  const row = page.getByTestId('alert-row').filter({ hasText: target });
  await expect(row).toBeVisible({ timeout: 45_000 });
  await row.getByTestId('alert-link').click();
  await expect(page.getByTestId('alert-action').and(page.locator('[data-kind="quarantine"][data-status="succeeded"]'))).toBeVisible();
  await expect.poll(() => existsSync(target), { timeout: 20_000 }).toBe(false);

  // Someone puts a new, harmless file at the same path; Mamori must not overwrite it.
  writeFileSync(target, 'the new report\n');
  await page.getByTestId('alert-undo').getByTestId('restore-button').click();
  await expect(page.getByTestId('restore-exists')).toBeVisible();
  await page.getByTestId('restore-rename').click();
  // "Restored to ..." shows, then (as the pushed events arrive) the section states where the file is now.
  const where = page.getByTestId('alert-undo').locator('[data-restored-path]').first();
  await expect(where).toBeVisible();
  await expect(page.getByTestId('undo-restored')).toBeVisible();
  expect(readFileSync(target, 'utf8')).toBe('the new report\n');
  const restoredPath = await where.getAttribute('data-restored-path') ?? '';
  expect(restoredPath).not.toBe(target);
  expect(restoredPath.startsWith(agent.watched)).toBe(true);
  expect(readFileSync(restoredPath).equals(bytes)).toBe(true);
  expect(statSync(restoredPath).mode & 0o777).toBe(0o600);

  // A third file: delete it from quarantine, after a confirmation that says it is permanent.
  const third = 'third-eicar.com';
  const thirdTarget = join(agent.watched, third);
  writeFileSync(join(staging, third), bytes);
  renameSync(join(staging, third), thirdTarget);
  await expect.poll(() => existsSync(thirdTarget), { timeout: 30_000 }).toBe(false);
  await page.getByTestId('nav-quarantine').click();
  const qrow = page.getByTestId('quarantine-row').and(page.locator(`[data-path="${thirdTarget}"]`));
  await expect(qrow).toBeVisible();
  await qrow.getByTestId('quarantine-delete').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('cannot be undone');
  await expect(page.getByTestId('confirm-cancel')).toBeFocused(); // the safe choice is the default
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(qrow).toBeVisible();
  await qrow.getByTestId('quarantine-delete').click();
  await page.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('delete-done')).toBeVisible();
  await expect(qrow).toHaveCount(0);
  const items = await agent.call<{ items: { originalPath: string; state: string }[] }>('listQuarantine', { includeInactive: true });
  expect(items.items.find((i) => i.originalPath === thirdTarget)?.state).toBe('deleted');
  expect(existsSync(thirdTarget)).toBe(false);
});

test('pause for 15 minutes says when protection resumes; resume brings it back', async ({ page }) => {
  // Resolve what the previous tests left open, so the state is only about pausing.
  const open = await agent.call<{ items: { id: string }[] }>('listAlerts', { status: 'open' });
  for (const a of open.items) await agent.call('setAlertStatus', { id: a.id, status: 'resolved' });

  await page.goto(agent.handle.url);
  await expect(page.getByTestId('status-sentence')).toHaveText("You're protected");
  await page.getByTestId('overview-pause').click();
  await expect(page.getByTestId('status-card')).toHaveAttribute('data-state', 'paused');
  await expect(page.getByTestId('status-sentence')).toHaveText('Protection is paused');
  await expect(page.getByTestId('paused-until')).toContainText('Protection resumes by itself at');
  await page.getByTestId('overview-resume').click();
  await expect(page.getByTestId('status-sentence')).toHaveText("You're protected");
  await expect(page.getByTestId('overview-pause')).toBeVisible();
});
