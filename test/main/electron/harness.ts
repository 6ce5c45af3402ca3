// Starts the real shell against the fake Electron and the fake core. Test files must declare
//   vi.mock('electron', () => import('./fake-electron.js'));
//   vi.mock('../../../main/core/index.js', () => import('./fake-core.js'));
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startShell, type Shell, type ShellOptions } from '../../../main/electron/shell.js';
import type { AppPaths } from '../../../main/electron/paths.js';
import { resetFakeElectron, FakeBrowserWindow, FakeTray } from './fake-electron.js';
import { resetFakeCore, type FakeCore } from './fake-core.js';

export const repoRoot = resolve(import.meta.dirname, '..', '..', '..');

const tempRoots: string[] = [];
afterAll(() => {
  for (const dir of tempRoots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function testPaths(): AppPaths {
  const root = mkdtempSync(join(tmpdir(), 'mamori-shell-'));
  tempRoots.push(root);
  const renderer = join(root, 'dist', 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Mamori</title><script type="module" src="./assets/app.js"></script>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log("ui")');
  writeFileSync(join(root, 'secret.txt'), 'outside the renderer folder');
  return {
    root,
    renderer,
    preload: join(root, 'dist', 'preload', 'index.cjs'),
    trayIcons: join(repoRoot, 'assets', 'tray'),
    appIcon: join(repoRoot, 'assets', 'icon.png'),
  };
}

export interface Started {
  shell: Shell;
  core: FakeCore;
  logs: string[];
  stderr: string[];
  win(): FakeBrowserWindow;
  tray(): FakeTray;
}

/** Resets the fakes and starts the shell; resolves once start-up has settled. */
export async function start(options: Partial<ShellOptions> = {}, before?: (core: FakeCore) => void): Promise<Started> {
  resetFakeElectron();
  const core = resetFakeCore();
  before?.(core);
  const logs: string[] = [];
  const stderr: string[] = [];
  const shell = startShell({
    argv: [],
    paths: testPaths(),
    getuid: () => 1000,
    log: (level, message) => logs.push(`${level}: ${message}`),
    stderr: (line) => stderr.push(line),
    ...options,
  });
  await shell.started;
  await flush();
  return {
    shell, core, logs, stderr,
    win: () => {
      const w = FakeBrowserWindow.instances.at(-1);
      if (!w) throw new Error('no window was created');
      return w;
    },
    tray: () => {
      const t = FakeTray.instances.at(-1);
      if (!t) throw new Error('no tray icon was created');
      return t;
    },
  };
}

/** Lets pending promise callbacks (IPC handlers, tray actions) run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}
