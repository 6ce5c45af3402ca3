// The tray as the office manager sees it: an icon and tooltip that follow the protection state, and a
// menu whose items do what they say, in the OS language.
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.js'));
vi.mock('../../../main/core/index.js', () => import('./fake-core.js'));

import { app, state } from './fake-electron.js';
import { makeStatus } from './fake-core.js';
import { flush, repoRoot, start, type Started } from './harness.js';

let running: Started | null = null;
afterEach(async () => {
  await running?.shell.shutdown();
  running = null;
});

const iconName = (t: { image: { path: string } }) => t.image.path.split(/[/\\]/).pop();

describe('tray icon and tooltip', () => {
  it('follow the status: protected -> attention -> paused -> protected', async () => {
    running = await start();
    const tray = running.tray();
    expect(iconName(tray)).toMatch(/^protected(@2x)?\.png$/);
    expect(tray.tooltip).toBe("Mamori — You're protected");

    running.core.events.emit('status', makeStatus({ state: 'attention', openAlerts: 2 }));
    expect(iconName(tray)).toMatch(/^attention(@2x)?\.png$/);
    expect(tray.tooltip).toBe('Mamori — Needs attention: 2 open alerts');
    expect(tray.item('status')?.label).toBe('Needs attention: 2 open alerts');

    running.core.events.emit('status', makeStatus({ state: 'paused', pausedUntil: '2025-01-01T05:15:00.000Z' }));
    expect(iconName(tray)).toMatch(/^paused(@2x)?\.png$/);
    expect(tray.tooltip).toMatch(/^Mamori — Protection paused until \d{1,2}:\d{2}/);

    running.core.events.emit('status', makeStatus({ state: 'protected' }));
    expect(iconName(tray)).toMatch(/^protected(@2x)?\.png$/);
  });

  it('degraded protection shows the attention icon', async () => {
    running = await start();
    running.core.events.emit('status', makeStatus({ state: 'degraded', reasons: [{ code: 'sensor-failed', detail: 'fanotify' }] }));
    expect(iconName(running.tray())).toMatch(/^attention/);
    expect(running.tray().tooltip).toBe("Mamori — Some protection isn't running");
  });

  it('the icon files are real PNGs that look different per state', () => {
    const pixels = (file: string) => {
      const buf = readFileSync(`${repoRoot}/assets/tray/${file}`);
      expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      let pos = 8;
      const idat: Buffer[] = [];
      let size = 0;
      while (pos < buf.length) {
        const len = buf.readUInt32BE(pos);
        const type = buf.toString('ascii', pos + 4, pos + 8);
        if (type === 'IHDR') size = buf.readUInt32BE(pos + 8);
        if (type === 'IDAT') idat.push(buf.subarray(pos + 8, pos + 8 + len));
        pos += 12 + len;
      }
      return { size, data: inflateSync(Buffer.concat(idat)) };
    };
    const seen = new Set<string>();
    for (const s of ['protected', 'attention', 'paused']) {
      const small = pixels(`${s}.png`);
      const big = pixels(`${s}@2x.png`);
      expect(small.size).toBe(16);
      expect(big.size).toBe(32);
      expect(small.data.length).toBe(16 * (16 * 4 + 1));
      seen.add(big.data.toString('base64'));
    }
    expect(seen.size).toBe(3);
  });
});

describe('tray menu', () => {
  it('offers Open, Scan now, Pause for 15 minutes and Quit', async () => {
    running = await start();
    expect(running.tray().labels()).toEqual([
      "You're protected", 'Open Mamori', 'Scan now', 'Pause protection for 15 minutes', 'Quit Mamori',
    ]);
    expect(running.tray().item('status')?.enabled).toBe(false);
  });

  it('Open shows and focuses the window', async () => {
    running = await start({ argv: ['--hidden'] });
    running.tray().item('open')!.click();
    expect(running.win().isVisible()).toBe(true);
    expect(running.win().focused).toBe(true);
  });

  it('Scan now scans the watched folders (trigger tray) and opens the Scans page', async () => {
    running = await start();
    running.tray().item('scan')!.click();
    await flush();
    expect(running.core.api.startScan).toHaveBeenCalledWith({ paths: ['/home/u/Downloads', '/home/u/Desktop'], trigger: 'tray' });
    expect(running.win().loadURL).toHaveBeenLastCalledWith('mamori://app/index.html#/scans');
    expect(running.win().isVisible()).toBe(true);
  });

  it('Scan now with no watched folders opens Settings instead of scanning nothing', async () => {
    running = await start({}, (core) => {
      core.status = makeStatus({ watchedFolders: [] });
      core.settings = { ...core.settings, watchFolders: [] };
    });
    running.tray().item('scan')!.click();
    await flush();
    expect(running.core.api.startScan).not.toHaveBeenCalled();
    expect(running.win().loadURL).toHaveBeenLastCalledWith('mamori://app/index.html#/settings');
  });

  it('Pause calls pauseProtection(15); the menu then offers Resume, which resumes', async () => {
    running = await start();
    running.tray().item('pause')!.click();
    await flush();
    expect(running.core.api.pauseProtection).toHaveBeenCalledWith({ minutes: 15 });
    expect(iconName(running.tray())).toMatch(/^paused/);
    expect(running.tray().item('pause')).toBeUndefined();
    expect(running.tray().item('resume')?.label).toBe('Resume protection');

    running.tray().item('resume')!.click();
    await flush();
    expect(running.core.api.resumeProtection).toHaveBeenCalledWith({});
    expect(iconName(running.tray())).toMatch(/^protected/);
    expect(running.tray().item('pause')).toBeDefined();
  });

  it('Quit runs the shut-down, which stops the core', async () => {
    running = await start();
    running.tray().item('quit')!.click();
    await flush();
    expect(app.quit).toHaveBeenCalled();
    expect(running.core.stop).toHaveBeenCalledTimes(1);
    expect(state.quitted).toBe(true);
  });

  it('speaks Japanese when the OS locale is Japanese', async () => {
    running = await start({}, () => { state.locale = 'ja-JP'; });
    expect(running.tray().labels()).toEqual([
      '保護されています', 'Mamori を開く', '今すぐスキャン', '保護を15分間一時停止', 'Mamori を終了',
    ]);
    expect(running.tray().tooltip).toBe('Mamori — 保護されています');
    running.core.events.emit('status', makeStatus({ state: 'attention', openAlerts: 3 }));
    expect(running.tray().tooltip).toBe('Mamori — 確認が必要です（未対応のアラート 3 件）');
  });

  it('follows the language chosen in Settings over the OS locale', async () => {
    running = await start({}, (core) => { core.settings = { ...core.settings, language: 'ja' }; });
    expect(running.tray().item('quit')?.label).toBe('Mamori を終了');
    running.core.settings = { ...running.core.settings, language: 'en' };
    running.core.events.emit('status', makeStatus());
    await flush();
    expect(running.tray().item('quit')?.label).toBe('Quit Mamori');
  });
});
