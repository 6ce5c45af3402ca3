// End to end through the headless agent's web UI: response actions. A file hash blocked through the API is
// listed on the Actions page and undone there; a program paused through the API is let go again with Undo;
// an EICAR alert offers "Add an exception…" prefilled from the alert, previews the alerts it would have hidden,
// and the saved exception is listed (and removed) in Settings; a change in the response policy grid is stored;
// cutting the network off where Mamori may not touch the firewall is explained, not crashed on.
// Needs `npm run build` first. The agent never changes the firewall nor acts by itself here (see below).
import { expect, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eicarBytes, startAgent, type RunningAgent } from './agent.js';

// As scripts/test.mjs does: this agent must never change this machine's firewall nor act on its own.
process.env.MAMORI_FILE_SENSOR ??= 'chokidar';
process.env.MAMORI_NETWORK_RESPONSE ??= 'off';
process.env.MAMORI_AUTO_RESPONSE ??= 'off';

test.describe.configure({ mode: 'serial' });

interface Action { id: string; kind: string; status: string; undo: { possible: boolean; undoneBy: string | null } }
interface AlertLite { id: string; file: { path: string; sha256: string | null } | null }

let agent: RunningAgent;
let staging: string;
const children: ChildProcess[] = [];

test.beforeAll(async () => {
  agent = await startAgent({ language: 'en' });
  staging = mkdtempSync(join(tmpdir(), 'mamori-e2e-response-'));
});

test.afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await agent?.stop();
  if (staging) rmSync(staging, { recursive: true, force: true });
});

/** Opens the UI with the token, then a route (the token stays in the tab's session). */
async function open(page: Page, route: string): Promise<void> {
  await page.goto(agent.handle.url);
  await expect(page.getByTestId('nav-overview')).toBeVisible();
  await page.goto(`http://127.0.0.1:${agent.handle.port}/#${route}`);
}

const actionRow = (page: Page, id: string) => page.locator(`[data-testid="response-action"][data-action-id="${id}"]`);

/** /proc/PID/stat after the command name: [0] is field 3 (state), [19] is field 22 (start time in clock ticks). */
function statFields(pid: number): string[] {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).trim().split(' ');
}

test('a file hash blocked through the API is on the Actions page, and Undo there lets it run again', async ({ page }) => {
  const sha = createHash('sha256').update(`mamori-e2e-block-${Date.now()}`).digest('hex');
  const blocked = await agent.call<Action>('respond', { kind: 'block_hash', sha256: sha, reason: 'e2e: block a hash' });
  expect(blocked.status).toBe('succeeded');

  await open(page, '/overview');
  await page.getByTestId('nav-actions').click();
  await expect(page.getByTestId('page-title')).toHaveText('Actions');
  const row = actionRow(page, blocked.id);
  await expect(row).toHaveAttribute('data-status', 'succeeded');
  await expect(row).toHaveAttribute('data-kind', 'block_hash');
  await expect(row.getByTestId('action-summary')).toHaveText('Blocked a file from running');
  await expect(row).toContainText(sha);
  await expect(row).toContainText('by you');

  await row.getByTestId('action-undo').click();
  await expect(row).toHaveAttribute('data-status', 'undone');
  await expect(row.getByTestId('action-status')).toHaveText('Undone');
  await expect(row.getByTestId('action-undo')).toHaveCount(0);

  const after = await agent.call<Action>('getAction', { id: blocked.id });
  expect(after.status).toBe('undone');
  expect(after.undo.undoneBy).toBeTruthy();
  // The undo itself is listed: the file may run again.
  await expect(actionRow(page, after.undo.undoneBy!)).toHaveAttribute('data-kind', 'unblock_hash');
});

test('a program paused through the API runs again after Undo in the UI', async ({ page }) => {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.push(child);
  const pid = child.pid!;
  await expect.poll(() => statFields(pid)[0]).toMatch(/^[RS]$/);
  const entityId = `${pid}-${statFields(pid)[19]}`;

  const suspended = await agent.call<Action>('respond', { kind: 'suspend', entityId, reason: 'e2e: pause sleep' });
  expect(suspended.status).toBe('succeeded');
  expect(suspended.undo.possible).toBe(true);
  await expect.poll(() => statFields(pid)[0]).toBe('T');

  await open(page, '/actions');
  const row = actionRow(page, suspended.id);
  await expect(row).toHaveAttribute('data-status', 'succeeded');
  await expect(row.getByTestId('action-summary')).toHaveText('Paused the program');
  await expect(row).toContainText('sleep');
  await row.getByTestId('action-undo').click();
  await expect(row).toHaveAttribute('data-status', 'undone');
  await expect(row.getByTestId('action-message')).toHaveText('Undone.');

  await expect.poll(() => statFields(pid)[0], { timeout: 10_000 }).not.toBe('T');
  expect(child.exitCode).toBeNull(); // let go, not killed
  child.kill('SIGKILL');
});

test('an exception added from an EICAR alert shows that alert in its preview, is listed in Settings and can be removed', async ({ page }) => {
  const name = 'eicar-exception.com';
  const prepared = join(staging, name);
  const target = join(agent.watched, name);
  writeFileSync(prepared, eicarBytes());
  renameSync(prepared, target);

  let alert: AlertLite | undefined;
  await expect.poll(async () => {
    const list = await agent.call<{ items: AlertLite[] }>('listAlerts', { limit: 50 });
    alert = list.items.find((a) => a.file?.path === target);
    return alert?.file?.sha256 ?? null;
  }, { timeout: 45_000 }).not.toBeNull();
  const sha = alert!.file!.sha256!;

  await open(page, `/alerts/${alert!.id}`);
  await expect(page.getByTestId('alert-detail')).toBeVisible();
  await expect(page.getByTestId('alert-path')).toHaveText(target);
  const tools = page.getByTestId('response-tools');
  await expect(tools.getByTestId('response-block-hash')).toBeVisible();
  await tools.getByTestId('response-add-exception').click();

  const editor = page.getByTestId('exception-editor');
  await expect(editor.getByTestId('exception-kind')).toHaveValue('hash');
  await expect(editor.getByTestId('exception-value')).toHaveValue(sha);
  await expect(editor.locator(`[data-testid="exception-preview-alert"][data-alert-id="${alert!.id}"]`)).toBeVisible();
  await expect(editor.getByTestId('exception-preview-count')).toContainText(/It matches \d+ of the last \d+ alerts/);
  // Another kind prefills from the same alert and previews again.
  await editor.getByTestId('exception-kind').selectOption('path');
  await expect(editor.getByTestId('exception-value')).toHaveValue(target);
  await expect(editor.locator(`[data-testid="exception-preview-alert"][data-alert-id="${alert!.id}"]`)).toBeVisible();
  await editor.getByTestId('exception-kind').selectOption('hash');
  await expect(editor.getByTestId('exception-value')).toHaveValue(sha);
  await expect(editor.getByTestId('exception-preview')).toHaveAttribute('data-ready', 'true');
  await editor.getByTestId('exception-note').fill('e2e: the test file');
  await editor.getByTestId('exception-save').click();
  await expect(page.getByTestId('response-result')).toContainText('Exception saved');

  const saved = await agent.call<{ exceptions: { id: string; kind: string; value: string; fromAlertId: string | null }[] }>('getSettings');
  const ex = saved.exceptions.find((e) => e.kind === 'hash' && e.value === sha);
  expect(ex?.fromAlertId).toBe(alert!.id);

  await page.getByTestId('nav-settings').click();
  const row = page.locator(`[data-testid="exception-row"][data-exception-id="${ex!.id}"]`);
  await expect(row).toBeVisible();
  await expect(row).toContainText(sha);
  await expect(row).toContainText('e2e: the test file');
  await row.getByTestId('exception-remove').click();
  await expect(row).toHaveCount(0);
  await expect(page.getByTestId('exceptions-message')).toContainText('Exception removed');
  const afterRemove = await agent.call<{ exceptions: unknown[] }>('getSettings');
  expect(afterRemove.exceptions).toHaveLength(0);
});

test('a change in the response policy grid is saved and still there after a reload', async ({ page }) => {
  const before = await agent.call<{ responsePolicy: { bySeverity: Record<string, Record<string, string>> } }>('getSettings');
  expect(before.responsePolicy.bySeverity.medium!.network).toBe('record');
  await open(page, '/settings');
  const cell = page.getByTestId('policy-medium-network');
  await expect(cell).toHaveValue('record');
  await cell.selectOption('ask');
  await expect(page.getByTestId('response-settings-message')).toHaveText('Saved.');
  await expect(cell).toHaveValue('ask');

  await page.reload();
  await expect(page.getByTestId('policy-medium-network')).toHaveValue('ask');
  // The rest of the policy is as it was.
  await expect(page.getByTestId('policy-medium-process')).toHaveValue('ask');
  await expect(page.getByTestId('policy-critical-file')).toHaveValue('act');
  const after = await agent.call<{ responsePolicy: { enabled: boolean; bySeverity: Record<string, Record<string, string>> } }>('getSettings');
  expect(after.responsePolicy.bySeverity.medium).toEqual({ ...before.responsePolicy.bySeverity.medium, network: 'ask' });
  expect(after.responsePolicy.enabled).toBe(true);
});

test('cutting the computer off where Mamori may not change the firewall asks first, then says why in plain words', async ({ page }) => {
  // Only with the firewall switched off for this agent: never isolate the machine running the tests.
  test.skip(process.env.MAMORI_NETWORK_RESPONSE !== 'off', 'needs MAMORI_NETWORK_RESPONSE=off');
  const list = await agent.call<{ items: AlertLite[] }>('listAlerts', { limit: 1 });
  test.skip(!list.items[0], 'no alert to open');
  await open(page, `/alerts/${list.items[0]!.id}`);
  const tools = page.getByTestId('response-tools');
  await tools.getByTestId('response-isolate').click();
  // Only the open dialog is in the accessibility tree, named by its own title.
  const dialog = page.getByRole('dialog', { name: 'Cut this computer off the network?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('until you reconnect it');
  await expect(dialog).toContainText('Nothing stays reachable');
  await dialog.getByTestId('confirm-ok').click();
  await expect(page.getByTestId('response-result')).toContainText('not allowed to change the network settings');
  await expect(page.getByTestId('isolated-banner')).toHaveCount(0);
  // Recorded as failed, with its reason, under "What Mamori did".
  const failed = page.locator('[data-testid="response-action"][data-kind="isolate"][data-status="failed"]');
  await expect(failed.getByTestId('action-error')).toContainText('not allowed to change the network settings');
  const status = await agent.call<{ isolated: boolean }>('getStatus');
  expect(status.isolated).toBe(false);
});

test('banners on every page: a cut-off computer offers Reconnect, a question offers Do it / Don\'t; failures are messages', async ({ page }) => {
  // This agent may never cut the machine off nor asks by itself, so the status (and the open question) are
  // changed at the HTTP boundary; the calls the banners make go to the real agent, which refuses them.
  await page.route(/\/api\/events/, (route) => route.abort());
  await page.route(/\/api\/call\/getStatus$/, async (route) => {
    const response = await route.fetch();
    const body = await response.json() as { ok: boolean; value: Record<string, unknown> };
    await route.fulfill({ response, json: { ...body, value: { ...body.value, isolated: true, pendingDecisions: 1 } } });
  });
  const now = new Date();
  const question = {
    id: 'ra_e2e_question', time: now.toISOString(), kind: 'kill', status: 'pending', actor: 'policy', reason: 'e2e', alertId: null, incidentId: null,
    target: { entityId: '999999-1', executable: '/usr/bin/e2e-program' }, summary: 'Waiting for your decision.', processes: [], changed: false,
    error: null, undo: { possible: false, reason: null, undoneAt: null, undoneBy: null }, undoes: null,
    decideBy: new Date(now.getTime() + 5 * 60_000).toISOString(),
  };
  await page.route(/\/api\/call\/listActions$/, async (route) => {
    const input = route.request().postDataJSON() as { status?: string } | null;
    if (input?.status !== 'pending') return route.continue();
    return route.fulfill({ json: { ok: true, value: { items: [question] } } });
  });

  await open(page, '/scans');
  const isolated = page.getByTestId('isolated-banner');
  await expect(isolated).toContainText('Mamori has cut this computer off the network');
  const pending = page.getByTestId('pending-banner');
  await expect(pending).toContainText('Mamori has a question for you.');
  const ask = pending.locator('[data-testid="response-action"][data-action-id="ra_e2e_question"]');
  await expect(ask.getByTestId('action-summary')).toHaveText('Mamori asks: Stop the program?');
  await expect(ask).toContainText('/usr/bin/e2e-program');
  // On another page too.
  await page.getByTestId('nav-quarantine').click();
  await expect(isolated).toBeVisible();
  await expect(pending).toBeVisible();

  // The agent does not know this question: said in words, nothing breaks.
  await ask.getByTestId('action-approve').click();
  await expect(ask.getByTestId('action-message')).toHaveText('This no longer exists. The page shows what is there now.');
  // Reconnecting needs the firewall, which this agent may not touch.
  await isolated.getByTestId('reconnect').click();
  await expect(isolated.getByTestId('reconnect-error')).toContainText('not allowed to change the network settings');
  await expect(page.getByTestId('page-title')).toHaveText('Quarantine');
});
