#!/usr/bin/env node
// npm start: the desktop app when it can run, otherwise the same core headless with the UI on localhost.
// Extra arguments go to the headless agent (e.g. npm start -- --port 0 --watch ~/Shared).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const built = ['dist/main/agent/cli.js', 'dist/main/electron/main.js', 'dist/renderer/index.html'].every((f) => existsSync(f));
if (!built) {
  console.log('Building Mamori first (npm run build)...');
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function electronBinary() {
  const dir = join('node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  const binary = () => (existsSync(pathFile) ? join(dir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null);
  if (binary() && existsSync(binary())) return binary();
  // First start on a normal machine: fetch the Electron binary once (fails fast when offline).
  const r = spawnSync(process.execPath, [join(dir, 'install.js')], { stdio: 'ignore', timeout: 300_000 });
  return r.status === 0 && binary() && existsSync(binary()) ? binary() : null;
}

function headlessReason() {
  if (process.getuid?.() === 0) return 'running as root, and the desktop app never runs as root';
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return 'no display';
  return null;
}

let reason = headlessReason();
let electron = null;
if (!reason) {
  electron = electronBinary();
  if (!electron) reason = 'the Electron binary is not installed and could not be downloaded';
}

const child = electron
  ? spawn(electron, ['.', ...args], { stdio: 'inherit' })
  : (console.log(`Mamori: starting headless (${reason}); the UI is served on 127.0.0.1, open the URL below.`),
    spawn(process.execPath, ['bin/mamori.js', 'agent', ...args], { stdio: 'inherit' }));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
