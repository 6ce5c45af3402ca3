// End to end through the headless agent's web UI: a process started by this test shows up in the
// Events search within moments (the real process sensor), and its process tree shows the parent
// (this test's own node process) and the exit code. Also paging, the sensor tier on the Overview,
// and the page in Japanese. Needs `npm run build` first.
import { expect, test } from '@playwright/test';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startAgent, type RunningAgent } from './agent.js';

test.describe.configure({ mode: 'serial' });

interface Ev { event: { action: string; kind: string }; process: { pid: number; entity_id: string; command_line: string | null } }

let agent: RunningAgent;

test.beforeAll(async () => {
  agent = await startAgent();
});

test.afterAll(async () => {
  await agent?.stop();
});

/** Runs /bin/sh -c SCRIPT MARKER from this process; resolves with its pid and exit code. */
async function runShell(script: string, marker: string): Promise<{ pid: number; code: number | null }> {
  const child = spawn('/bin/sh', ['-c', script, marker], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start /bin/sh');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { pid, code };
}

/** Waits until the agent has recorded events matching `text` that satisfy `done`. */
async function waitForEvents(text: string, done: (items: Ev[]) => boolean): Promise<Ev[]> {
  let items: Ev[] = [];
  await expect.poll(async () => {
    items = (await agent.call<{ items: Ev[] }>('searchEvents', { text, limit: 1000 })).items;
    return done(items);
  }, { timeout: 20_000 }).toBe(true);
  return items;
}

test('a process started here is found in Events, and its tree shows its parent and exit code', async ({ page }) => {
  const marker = `mamori-e2e-${randomBytes(6).toString('hex')}`;
  const { pid, code } = await runShell('exit 3', marker);
  expect(code).toBe(3);
  await waitForEvents(marker, (items) => items.some((e) => e.process.pid === pid && e.event.action === 'exit'));

  await page.goto(agent.handle.url);
  await expect(page.getByTestId('status-sentence')).toBeVisible();
  await page.getByTestId('nav-events').click();
  await expect(page.getByTestId('page-title')).toHaveText('Events');
  await expect(page).toHaveURL(/#\/events$/);

  const search = page.getByTestId('events-search');
  await search.fill(marker);
  await search.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/events\\?q=${marker}$`));

  const mine = page.getByTestId('event-row').and(page.locator(`[data-pid="${pid}"]`));
  const started = mine.and(page.locator('[data-action="exec"]'));
  const ended = mine.and(page.locator('[data-action="exit"]'));
  await expect(started).toHaveCount(1);
  await expect(started.getByTestId('event-what')).toHaveText('started');
  await expect(ended.getByTestId('event-what')).toHaveText('ended (exit 3)');
  await expect(ended.getByTestId('event-command')).toContainText(marker);
  await expect(ended.getByTestId('event-command')).toContainText('exit 3');
  await expect(ended).toContainText(`pid ${pid}`);
  // Newest first: the exit comes before the start.
  const actions = await mine.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
  expect(actions.indexOf('exit')).toBeLessThan(actions.indexOf('exec'));
  const entity = await ended.getAttribute('data-entity');
  expect(entity).toBeTruthy();

  // A click anywhere on the row opens the process tree.
  await ended.locator('td').first().click();
  await expect(page).toHaveURL(new RegExp(`#/process/${entity}$`));
  const tree = page.getByTestId('process-tree');
  await expect(tree).toHaveAttribute('data-entity', entity!);
  const self = page.getByTestId('tree-self');
  await expect(self).toHaveAttribute('data-pid', String(pid));
  await expect(self.getByTestId('node-state').first()).toHaveText('ended (exit 3)');
  await expect(self.getByTestId('node-state').first()).toHaveAttribute('data-exit-code', '3');
  await expect(self.getByTestId('node-command').first()).toContainText(marker);
  // Its parent is this test's node process.
  const parent = page.getByTestId('tree-ancestor').last();
  await expect(parent).toHaveAttribute('data-pid', String(process.pid));
  await expect(page.getByTestId('process-summary')).toContainText('was started by');

  // Technical details: the entity id, and the raw JSON.
  await self.getByTestId('node-tech').first().locator('summary').click();
  await expect(self.getByTestId('node-entity').first()).toHaveText(entity!);
  await expect(self.getByTestId('node-raw-json').first()).toContainText(`"exit_code": 3`);
  await expect(self.getByTestId('node-sha256').first()).toHaveText(/^[0-9a-f]{64}$/);

  // Back to the same search.
  await page.getByTestId('back-to-events').click();
  await expect(page).toHaveURL(new RegExp(`#/events\\?q=${marker}$`));
  await expect(page.getByTestId('events-search')).toHaveValue(marker);

  // Keyboard: the process link of a row opens the tree too.
  await mine.and(page.locator('[data-action="exec"]')).getByTestId('event-process-link').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/process/${entity}$`));
  await expect(page.getByTestId('page-title')).toBeFocused();
});

test('children appear in the tree, and results page with "Load more"', async ({ page }) => {
  const marker = `mamori-e2e-${randomBytes(6).toString('hex')}`;
  // 60 children, each a fork + exec + exit: well over one page of 100 events.
  const { pid, code } = await runShell('i=0; while [ $i -lt 60 ]; do /bin/true "$0"; i=$((i+1)); done; exit 0', marker);
  expect(code).toBe(0);
  await waitForEvents(marker, (items) => items.filter((e) => e.event.action === 'exit').length >= 61);

  await page.goto(agent.handle.url);
  await page.evaluate((m) => { window.location.hash = `#/events?q=${m}&kind=process&range=1h`; }, marker);
  await expect(page.getByTestId('events-kind-process')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('events-range')).toHaveValue('1h');
  const rows = page.getByTestId('event-row');
  await expect(rows).toHaveCount(100);
  await page.getByTestId('events-load-more').click();
  await expect.poll(() => rows.count()).toBeGreaterThan(180);
  const ids = await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-event-id')));
  expect(new Set(ids).size).toBe(ids.length); // no duplicates across pages
  await expect(page.getByTestId('events-load-more')).toHaveCount(0);
  await expect(page.getByTestId('events-end')).toBeVisible();

  // The shell's tree: 60 children, each ended with exit 0; collapse and expand.
  await page.goto(`${agent.handle.url.split('#')[0]}#/process/${pid}`);
  const self = page.getByTestId('tree-self');
  await expect(self).toHaveAttribute('data-pid', String(pid));
  const children = self.getByTestId('tree-child');
  await expect(children).toHaveCount(60);
  await expect(children.first().getByTestId('node-state').first()).toHaveText('ended (exit 0)');
  const toggle = self.getByTestId('tree-toggle').first();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  await toggle.press('Enter');
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  await expect(children).toHaveCount(0);
  await page.getByTestId('tree-expand-all').click();
  await expect(children).toHaveCount(60);
});

test('the Overview says how programs are recorded; Events in Japanese', async ({ page }) => {
  const status = await agent.call<{ sensors: { id: string; tier?: string | null }[] }>('getStatus');
  const tier = status.sensors.find((s) => s.id === 'process')?.tier;
  expect(tier === 'ebpf' || tier === 'cn_proc').toBe(true);

  await page.goto(agent.handle.url);
  await page.locator('details.tech > summary').first().click();
  const line = page.getByTestId('sensor-process-tier');
  await expect(line).toHaveAttribute('data-tier', tier!);
  await expect(line).toContainText(tier === 'ebpf' ? 'eBPF' : 'cn_proc');
  await expect(line).toContainText('What it can miss');

  const marker = `mamori-e2e-${randomBytes(6).toString('hex')}`;
  const { pid } = await runShell('exit 5', marker);
  await waitForEvents(marker, (items) => items.some((e) => e.process.pid === pid && e.event.action === 'exit'));
  await agent.call('updateSettings', { language: 'ja' });
  try {
    await page.reload();
    await expect(page.getByTestId('nav-events')).toHaveText('動作の記録');
    await page.evaluate((m) => { window.location.hash = `#/events?q=${m}`; }, marker);
    const ended = page.getByTestId('event-row').and(page.locator(`[data-pid="${pid}"][data-action="exit"]`));
    await expect(ended.getByTestId('event-what')).toHaveText('終了しました（終了コード 5）');
    await ended.getByTestId('event-process-link').click();
    await expect(page.getByTestId('page-title')).toHaveText('プロセスの親子関係');
    await expect(page.getByTestId('tree-self').getByTestId('node-state').first()).toHaveText('終了（終了コード 5）');
  } finally {
    await agent.call('updateSettings', { language: 'auto' });
  }
});
