#!/usr/bin/env node
// npm run build: the core, agent and shell (tsc), the UI and the preload bundle (vite), the native helpers (make).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

const steps = [
  ['clean dist', () => rmSync('dist', { recursive: true, force: true })],
  ['compile main + contract', ['npx', 'tsc', '-p', 'tsconfig.build.json']],
  ['bundle renderer', ['npx', 'vite', 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], 'renderer/vite.config.ts'],
  ['bundle preload', ['npx', 'vite', 'build', '--config', 'preload/vite.config.ts', '--logLevel', 'warn'], 'preload/vite.config.ts'],
  ['native helpers', ['make', '-s', '-C', 'native-helpers']],
];

for (const [name, cmd, needs] of steps) {
  if (needs && !existsSync(needs)) { console.log(`build: skip ${name} (${needs} missing)`); continue; }
  const started = Date.now();
  if (typeof cmd === 'function') cmd();
  else {
    const r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit' });
    if (r.status !== 0) { console.error(`build: ${name} failed`); process.exit(r.status ?? 1); }
  }
  console.log(`build: ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
