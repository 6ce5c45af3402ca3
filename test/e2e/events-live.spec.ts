// Live Events through the headless agent's web UI: a process started after the page loaded appears in
// the list by itself (pushed `telemetry` summary -> first page fetched again), with no click. When the user
// has paged further, or paused, the rows stay put and "N new events" says what is waiting.
// Real agent, real process sensor, real Chromium. Needs `npm run build` first.
import { expect, test, type Page } from '@playwright/test';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startAgent, type RunningAgent } from './agent.js';

test.describe.configure({ mode: 'serial' });

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent();
  // Wait until the process sensor records (the helper attaches a moment after the agent listens).
  const warm = `mamori-e2e-warm-${randomBytes(4).toString('hex')}`;
  await expect.poll(async () => {
    await runShell('exit 0', warm);
    return (await agent.call<{ items: unknown[] }>('searchEvents', { text: warm, limit: 1 })).items.length;
  }, { timeout: 30_000 }).toBeGreaterThan(0);
});

test.afterAll(async () => {
  await agent?.stop();
});

async function runShell(script: string, marker: string): Promise<number> {
  const child = spawn('/bin/sh', ['-c', script, marker], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('could not start /bin/sh');
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid;
}

async function openSearch(page: Page, hash: string): Promise<void> {
  await page.goto(agent.handle.url);
  await expect(page.getByTestId('status-sentence')).toBeVisible();
  await page.evaluate((h) => { window.location.hash = h; }, hash);
  await expect(page.getByTestId('page-title')).toHaveText('Events');
}

test('a process started while the Events page is open appears without a click', async ({ page }) => {
  const marker = `mamori-e2e-live-${randomBytes(6).toString('hex')}`;
  await openSearch(page, `#/events?q=${marker}`);
  await expect(page.getByTestId('events-empty')).toBeVisible();
  const live = page.getByTestId('events-live');
  await expect(live).toHaveAttribute('data-state', 'live');
  await expect(live).toHaveText('Live');
  // Count the list fetches, to show the new rows come from the page's own live refetch.
  let searches = 0;
  page.on('request', (r) => { if (r.url().endsWith('/api/call/searchEvents')) searches++; });

  const pid = await runShell('exit 4', marker);
  const ended = page.getByTestId('event-row').and(page.locator(`[data-pid="${pid}"][data-action="exit"]`));
  await expect(ended.getByTestId('event-what')).toHaveText('ended (exit 4)', { timeout: 15_000 });
  await expect(page.getByTestId('event-row').and(page.locator(`[data-pid="${pid}"][data-action="exec"]`))).toHaveCount(1);
  expect(searches).toBeGreaterThan(0);
  await expect(page.getByTestId('events-new')).toHaveCount(0);

  // Other kinds of filter are respected: a network-only view stays empty for a process event.
  await page.evaluate((m) => { window.location.hash = `#/events?q=${m}&kind=network`; }, marker);
  await expect(page.getByTestId('events-empty')).toBeVisible();
  await runShell('exit 5', marker);
  await page.waitForTimeout(2500);
  await expect(page.getByTestId('event-row')).toHaveCount(0);
  await expect(page.getByTestId('events-new')).toHaveCount(0);
});

test('paused, the list stays put and "N new events" shows them on request; Japanese too', async ({ page }) => {
  const marker = `mamori-e2e-live-${randomBytes(6).toString('hex')}`;
  const first = await runShell('exit 0', marker);
  await openSearch(page, `#/events?q=${marker}`);
  const rows = page.getByTestId('event-row');
  await expect(rows.and(page.locator(`[data-pid="${first}"][data-action="exit"]`))).toHaveCount(1);
  const before = await rows.count();

  const toggle = page.getByTestId('events-live-toggle');
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('events-live')).toHaveAttribute('data-state', 'paused');

  const second = await runShell('exit 6', marker);
  const waiting = page.getByTestId('events-new');
  await expect(waiting).toBeVisible({ timeout: 15_000 });
  await expect(waiting).toHaveText(/^\d+ new events?: show (them|it)$/);
  expect(Number(await waiting.getAttribute('data-count'))).toBeGreaterThanOrEqual(1);
  await expect(rows).toHaveCount(before); // nothing jumped
  await expect(rows.and(page.locator(`[data-pid="${second}"]`))).toHaveCount(0);

  await waiting.click();
  await expect(rows.and(page.locator(`[data-pid="${second}"][data-action="exit"]`)).getByTestId('event-what')).toHaveText('ended (exit 6)');
  await expect(waiting).toHaveCount(0);
  // Resuming turns live rows back on.
  await toggle.click();
  await expect(page.getByTestId('events-live')).toHaveAttribute('data-state', 'live');
  const third = await runShell('exit 7', marker);
  await expect(rows.and(page.locator(`[data-pid="${third}"][data-action="exit"]`))).toHaveCount(1, { timeout: 15_000 });

  await agent.call('updateSettings', { language: 'ja' });
  try {
    await page.reload();
    await expect(page.getByTestId('events-live')).toHaveText('ライブ');
    await expect(page.getByTestId('events-live-toggle')).toHaveText('ライブ表示を一時停止');
  } finally {
    await agent.call('updateSettings', { language: 'auto' });
  }
});

test('after "Load more", new events wait behind "N new events" instead of shifting the rows being read', async ({ page }) => {
  const marker = `mamori-e2e-live-${randomBytes(6).toString('hex')}`;
  // 60 children: fork + exec + exit each, well over one page of 100.
  await runShell('i=0; while [ $i -lt 60 ]; do /bin/true "$0"; i=$((i+1)); done; exit 0', marker);
  await expect.poll(async () => (await agent.call<{ items: unknown[] }>('searchEvents', { text: marker, limit: 1000 })).items.length,
    { timeout: 20_000 }).toBeGreaterThan(150);
  await openSearch(page, `#/events?q=${marker}`);
  const rows = page.getByTestId('event-row');
  await expect(rows).toHaveCount(100);
  await page.getByTestId('events-load-more').click();
  await expect.poll(() => rows.count()).toBeGreaterThan(150);
  const shown = await rows.count();
  const firstId = await rows.first().getAttribute('data-event-id');

  const pid = await runShell('exit 9', marker);
  await expect(page.getByTestId('events-new')).toBeVisible({ timeout: 15_000 });
  await expect(rows).toHaveCount(shown);
  await expect(rows.first()).toHaveAttribute('data-event-id', firstId!);
  await page.getByTestId('events-new').click();
  await expect(rows.and(page.locator(`[data-pid="${pid}"][data-action="exit"]`))).toHaveCount(1);
  await expect(rows).toHaveCount(100); // back to the first page, newest on top
  await expect(page.getByTestId('events-new')).toHaveCount(0);
});

test('an open process tree shows a child started after it was opened', async ({ page }) => {
  const marker = `mamori-e2e-tree-${randomBytes(6).toString('hex')}`;
  // The shell blocks on a FIFO with its builtin `read` (no child yet), then starts one: the tree is open first.
  const go = `/tmp/${marker}.fifo`;
  expect(spawnSync('mkfifo', [go]).status).toBe(0);
  const shell = spawn('/bin/sh', ['-c', `read line < ${go}; /bin/true "$0"; sleep 1`, marker], { stdio: 'ignore' });
  const pid = shell.pid!;
  try {
    await expect.poll(async () => (await agent.call<{ items: { process: { pid: number } }[] }>('searchEvents', { text: marker, limit: 100 }))
      .items.some((e) => e.process.pid === pid), { timeout: 20_000 }).toBe(true);
    await page.goto(agent.handle.url);
    await expect(page.getByTestId('status-sentence')).toBeVisible();
    await page.evaluate((p) => { window.location.hash = `#/process/${p}`; }, pid);
    const self = page.getByTestId('tree-self');
    await expect(self).toHaveAttribute('data-pid', String(pid));
    await expect(self.getByTestId('tree-child')).toHaveCount(0);
    // Non-blocking: fails at once (ENXIO) rather than hanging if the shell is not reading.
    const fd = openSync(go, constants.O_WRONLY | constants.O_NONBLOCK);
    writeSync(fd, 'go\n');
    closeSync(fd);
    // /bin/true MARKER, then `sleep 1`: both appear without a reload.
    await expect(self.getByTestId('tree-child').filter({ hasText: `/bin/true ${marker}` })).toHaveCount(1, { timeout: 15_000 });
    await expect(self.getByTestId('tree-child').filter({ hasText: 'sleep 1' })).toHaveCount(1, { timeout: 15_000 });
  } finally {
    shell.kill();
    rmSync(go, { force: true });
  }
});
