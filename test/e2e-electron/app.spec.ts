// The real desktop app, launched with Playwright's Electron support: the window opens on the Overview,
// window.mamori is there, Node's require is not, and the data lives where MAMORI_DATA_DIR says.
// The Electron binary cannot be downloaded on the build machines: then this test skips, with a reason.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { methodNames } from '../../preload/contract/api.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Electron executable, found the way node_modules/electron finds it, but never downloading. */
function electronBinary(): string | null {
  const pkg = join(repo, 'node_modules', 'electron');
  const pathTxt = join(pkg, 'path.txt');
  const relative = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? join(override, relative ?? 'electron') : relative ? join(pkg, 'dist', relative) : null;
  return candidate && existsSync(candidate) ? candidate : null;
}

const binary = electronBinary();
const isRoot = process.getuid?.() === 0;

const NO_BINARY = 'Electron binary not installed (cannot be downloaded on this machine): skipping real-Electron test';
const AS_ROOT = 'running as root: the desktop app refuses to run as root by design; run this test as a normal user';
// The list reporter does not print skip reasons: say it once, plainly, in the log.
if (!binary || isRoot) console.log(`[e2e-electron] ${!binary ? NO_BINARY : AS_ROOT}`);

test.describe('Mamori desktop app', () => {
  test.skip(!binary, NO_BINARY);
  test.skip(isRoot, AS_ROOT);

  let app: ElectronApplication | null = null;
  let dataDir = '';

  test.beforeAll(() => {
    for (const built of ['dist/main/electron/main.js', 'dist/preload/index.cjs', 'dist/renderer/index.html']) {
      if (!existsSync(join(repo, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
    }
  });

  test.afterEach(async () => {
    await app?.close().catch(() => undefined);
    app = null;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('opens on the Overview with window.mamori and without Node', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mamori-e2e-'));
    app = await electron.launch({
      executablePath: binary!,
      args: [repo],
      cwd: repo,
      env: { ...process.env, MAMORI_DATA_DIR: dataDir, ELECTRON_ENABLE_LOGGING: '1' },
    });
    const page = await app.firstWindow();

    await expect(page).toHaveTitle(/Mamori/);
    expect(page.url()).toMatch(/^mamori:\/\/app\/index\.html/);
    await expect(page.locator('#root > *').first()).toBeVisible();
    await expect(page.locator('body')).toContainText(/protected|attention|paused|保護|確認|一時停止/i);

    const sandbox = await page.evaluate(() => ({
      mamori: typeof (window as { mamori?: unknown }).mamori,
      keys: Object.keys((window as { mamori?: object }).mamori ?? {}).sort(),
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      ipcRenderer: typeof (window as { ipcRenderer?: unknown }).ipcRenderer,
    }));
    expect(sandbox).toEqual({
      mamori: 'object',
      keys: [...methodNames, 'on'].sort(),
      require: 'undefined',
      process: 'undefined',
      ipcRenderer: 'undefined',
    });

    const status = await page.evaluate(() => (window as unknown as { mamori: { getStatus(): Promise<{ state: string; dataDir: string }> } }).mamori.getStatus());
    expect(['protected', 'attention', 'paused', 'degraded']).toContain(status.state);
    expect(status.dataDir).toBe(dataDir);

    // Closing the window hides it to the tray; the app keeps running.
    const afterClose = await app.evaluate(async ({ BrowserWindow }) => {
      const win = BrowserWindow.getAllWindows()[0]!;
      win.close();
      await new Promise((r) => setTimeout(r, 200));
      return { destroyed: win.isDestroyed(), visible: !win.isDestroyed() && win.isVisible() };
    });
    expect(afterClose).toEqual({ destroyed: false, visible: false });
  });
});
