// End to end through the headless agent's web UI: Settings shows the behaviour rules in use; a Sigma folder
// with a good and a broken rule is added (the broken one is named with its reason); a process doing what the
// good rule describes raises an alert whose page says what happened, who did it and the ATT&CK technique.
// Needs `npm run build` first; the process sensor needs root (the alert part is skipped otherwise).
import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from './agent.js';

test.describe.configure({ mode: 'serial' });

let agent: RunningAgent;
let staging: string;

test.beforeAll(async () => {
  agent = await startAgent();
  staging = mkdtempSync(join(tmpdir(), 'mamori-e2e-sigma-'));
});

test.afterAll(async () => {
  await agent?.stop();
  if (staging) rmSync(staging, { recursive: true, force: true });
});

const RULE = `title: E2E marker command
id: 5f1e4a77-6c1b-4d0a-9d1e-3b7f2a9c0e11
name: e2e.marker-command
logsource: { product: linux, category: process_creation }
detection:
  selection: { CommandLine|contains: e2e-behaviour-marker-7731 }
  condition: selection
level: high
tags: [attack.execution, attack.t1059.004]
mamori:
  explain:
    en: { title: A test command ran, what: A command with the e2e marker ran., why: The end-to-end test checks alerts., do: Nothing to do. }
    ja: { title: テストのコマンドが実行されました, what: 目印付きのコマンドが実行されました。, why: E2E テストです。, do: 対応は不要です。 }
`;

test('Settings lists the behaviour rules; an added Sigma folder is used and its broken rule is named with the reason', async ({ page }) => {
  const folder = join(staging, 'sigma');
  mkdirSync(folder);
  writeFileSync(join(folder, 'marker.yml'), RULE);
  writeFileSync(join(folder, 'broken.yml'), RULE.replace('5f1e4a77', '6f1e4a77').replace('e2e.marker-command', 'e2e.broken').replace('condition: selection', 'condition: selection and nothing'));
  await page.goto(agent.handle.url);
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('sigma-summary')).toContainText(/\d+ rules and \d+ sequences in use/);
  const before = Number((await page.getByTestId('sigma-summary').textContent())!.match(/(\d+) rules/)![1]);
  expect(before).toBeGreaterThanOrEqual(40);
  await page.getByTestId('sigma-folder-input').fill(folder);
  await page.getByTestId('sigma-folder-add').click();
  await expect(page.getByTestId('sigma-folders')).toContainText(folder);
  await expect(page.getByTestId('sigma-problems')).toContainText('broken.yml');
  await expect(page.getByTestId('sigma-problems')).toContainText('UNKNOWN_IDENTIFIER');
  await expect(page.getByTestId('sigma-summary')).toContainText(`${before + 1} rules`);
});

test('a process doing what the rule describes raises an alert that says who did it and the ATT&CK technique', async ({ page }) => {
  const status = await agent.call<{ sensors: { id: string; state: string }[] }>('getStatus');
  test.skip(status.sensors.find((s) => s.id === 'process')?.state !== 'running', 'the process sensor does not run here (needs root and eBPF or cn_proc)');
  // The marker is built inside the shell: only the echo carries it, not the shell's own command line.
  spawnSync('/bin/sh', ['-c', 'M=e2e-behaviour-marker; /bin/echo $M-7731 >/dev/null; true']);
  await page.goto(agent.handle.url);
  await page.getByTestId('nav-alerts').click();
  const row = page.getByTestId('alert-row').filter({ hasText: 'A test command ran' });
  await expect(row).toHaveCount(1, { timeout: 15_000 });
  await row.getByTestId('alert-link').click();
  await expect(page.getByTestId('alert-title')).toHaveText('A test command ran');
  await expect(page.getByTestId('alert-process')).toContainText('Done by');
  await expect(page.getByTestId('alert-process')).toContainText('/bin/echo');
  await expect(page.getByTestId('alert-attack')).toContainText('T1059.004');

  // The same alert as an incident: its words, the technique, a timeline with the command, a way to the tree.
  await page.getByTestId('nav-incidents').click();
  const incident = page.getByTestId('incident-row').filter({ hasText: 'A test command ran' });
  await expect(incident).toHaveCount(1);
  await incident.getByTestId('incident-link').click();
  await expect(page.getByTestId('incident-title')).toHaveText('A test command ran');
  await expect(page.getByTestId('incident-techniques')).toContainText('T1059.004');
  await expect(page.getByTestId('incident-timeline')).toContainText('e2e-behaviour-marker-7731');
  await expect(page.getByTestId('incident-advice')).toContainText('Nothing to do.');
  await page.getByTestId('incident-resolve').click();
  await expect(page.getByTestId('incident-detail')).toHaveAttribute('data-status', 'resolved');
});
