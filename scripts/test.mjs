#!/usr/bin/env node
// npm test: lint, typecheck, build, unit + integration tests (vitest), end-to-end tests (Playwright,
// Debian Chromium), and the real-Electron test (skips with a message when the binary is missing).
// Ends with one summary line "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

// Agents started by the tests (e2e included) keep to the folder watcher, never the exec guard on this machine's /.
process.env.MAMORI_FILE_SENSOR ??= 'chokidar';
process.env.MAMORI_NETWORK_RESPONSE ??= 'off';
process.env.MAMORI_AUTO_RESPONSE ??= 'off';
const report = 'test-results/summary';
rmSync(report, { recursive: true, force: true });
mkdirSync(report, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
let failedSteps = [];

function run(name, cmd, env = {}) {
  console.log(`\n=== ${name}: ${cmd.join(' ')}`);
  const r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) failedSteps.push(name);
  return r.status === 0;
}

run('lint', ['npx', 'eslint', '.']);
run('typecheck', ['npm', 'run', '-s', 'typecheck']);
if (!run('build', ['node', 'scripts/build.mjs'])) {
  console.error('build failed: not running the tests');
  process.exit(1);
}
run('native helpers', ['make', '-s', '-C', 'native-helpers']);

run('vitest', ['npx', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}/vitest.json`]);
if (existsSync(`${report}/vitest.json`)) {
  const v = JSON.parse(readFileSync(`${report}/vitest.json`, 'utf8'));
  totals.passed += v.numPassedTests; totals.failed += v.numFailedTests; totals.skipped += v.numPendingTests + (v.numTodoTests ?? 0);
}

for (const [name, config] of [['e2e (Chromium)', 'playwright.config.ts'], ['e2e (Electron)', 'playwright.electron.config.ts']]) {
  if (!existsSync(config)) continue;
  const out = `${report}/${config.replace(/\W+/g, '-')}.json`;
  run(name, ['npx', 'playwright', 'test', '--config', config, '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  if (existsSync(out)) {
    const s = JSON.parse(readFileSync(out, 'utf8')).stats ?? {};
    totals.passed += (s.expected ?? 0) + (s.flaky ?? 0); totals.failed += s.unexpected ?? 0; totals.skipped += s.skipped ?? 0;
  }
}

if (failedSteps.length) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
// A step that failed without a counted test failure (lint, typecheck, a crashed runner) still fails the run.
if (failedSteps.length && totals.failed === 0) totals.failed = failedSteps.length;
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length ? 1 : 0);
