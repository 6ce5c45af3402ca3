// App lifecycle a user notices: one instance, never as root, the window hides to the tray, Quit really
// stops the core, and a failed start says why.
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.js'));
vi.mock('../../../main/core/index.js', () => import('./fake-core.js'));

import { app, dialog, FakeBrowserWindow, fakeEvent, protocol, state } from './fake-electron.js';
import { createCore, current } from './fake-core.js';
import { flush, start, type Started } from './harness.js';
import { APP_ENTRY } from '../../../main/electron/protocol.js';

let running: Started | null = null;
afterEach(async () => {
  await running?.shell.shutdown();
  running = null;
});

describe('start-up', () => {
  it('runs its named steps in order and ends with a window showing the UI', async () => {
    running = await start();
    const { shell, win } = running;
    expect(await shell.started).toBe('started');
    expect(shell.startupSteps).toEqual([
      'refuse to run as root',
      'take the single-instance lock',
      'register the mamori:// scheme',
      'harden every web page',
      'wire quitting to the shut-down',
      'wait for Electron to be ready',
      'lock down the session',
      'serve the UI',
      'start the core',
      'read the preferences',
      'open the IPC bridge',
      'create the window',
      'forward core events to the window',
      'show the tray icon',
      'notify about alerts',
    ]);
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      expect.objectContaining({ scheme: 'mamori', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
    expect(win().loadURL).toHaveBeenCalledWith(APP_ENTRY);
    win().emit('ready-to-show');
    expect(win().isVisible()).toBe(true);
  });

  it('registers the scheme synchronously, before Electron can become ready', async () => {
    const { resetFakeElectron } = await import('./fake-electron.js');
    const { resetFakeCore } = await import('./fake-core.js');
    const { startShell } = await import('../../../main/electron/shell.js');
    resetFakeElectron();
    resetFakeCore();
    const shell = startShell({ argv: [], getuid: () => 1000, log: () => undefined });
    // No await yet: the pre-ready steps must already have happened.
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1);
    expect(app.requestSingleInstanceLock).toHaveBeenCalledTimes(1);
    expect(app.whenReady).toHaveBeenCalledTimes(1);
    expect(createCore).not.toHaveBeenCalled();
    await shell.started;
    await shell.shutdown();
  });

  it('uses the same data folder as the headless agent (the core\'s defaultDataDir)', async () => {
    running = await start();
    expect(current.configs).toEqual([expect.objectContaining({ dataDir: '/tmp/mamori-test-data', host: 'electron' })]);
  });

  it('starts hidden in the tray with --hidden', async () => {
    running = await start({ argv: ['electron', '.', '--hidden'] });
    running.win().emit('ready-to-show');
    expect(running.win().isVisible()).toBe(false);
  });

  it('refuses to run as root: one line on stderr, exits, starts nothing', async () => {
    running = await start({ getuid: () => 0 });
    expect(await running.shell.started).toBe('halted');
    expect(running.stderr).toHaveLength(1);
    expect(running.stderr[0]).toMatch(/does not run as root/);
    expect(app.exit).toHaveBeenCalledWith(1);
    expect(app.requestSingleInstanceLock).not.toHaveBeenCalled();
    expect(createCore).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('a second instance quits at once and starts no core', async () => {
    running = await start({}, () => { state.haveLock = false; });
    expect(await running.shell.started).toBe('halted');
    expect(app.quit).toHaveBeenCalled();
    expect(createCore).not.toHaveBeenCalled();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('the first instance shows and focuses its window when a second one starts', async () => {
    running = await start({ argv: ['--hidden'] });
    const w = running.win();
    w.minimized = true;
    expect(w.isVisible()).toBe(false);
    app.emit('second-instance', fakeEvent(), ['mamori-desktop'], '/home/u');
    expect(w.isVisible()).toBe(true);
    expect(w.isMinimized()).toBe(false);
    expect(w.focused).toBe(true);
    expect(FakeBrowserWindow.instances).toHaveLength(1);
  });

  it('a second instance started while the core is still starting gets the one window, shown', async () => {
    let release!: () => void;
    const shellStarting = start({ argv: ['--hidden'] }, () => {
      current.gate = new Promise<void>((r) => { release = r; });
    });
    await flush();
    expect(createCore).toHaveBeenCalledTimes(1);
    app.emit('second-instance', fakeEvent(), ['mamori-desktop'], '/home/u');
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    release();
    running = await shellStarting;
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    running.win().emit('ready-to-show');
    expect(running.win().isVisible()).toBe(true);
  });

  it('a core that cannot start: an error box names the reason, the shut-down runs, exit code 1', async () => {
    running = await start({}, () => { current.fail = new Error('database is from a newer Mamori'); });
    expect(await running.shell.started).toBe('failed');
    expect(dialog.showErrorBox).toHaveBeenCalledWith('Mamori could not start', 'database is from a newer Mamori');
    expect(running.logs.join('\n')).toMatch(/"start the core" failed: database is from a newer Mamori/);
    expect(app.exit).toHaveBeenCalledWith(1);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });
});

describe('closing and quitting', () => {
  it('closing the window hides it to the tray; the core keeps running', async () => {
    running = await start();
    const w = running.win();
    w.show();
    w.close();
    expect(w.isDestroyed()).toBe(false);
    expect(w.isVisible()).toBe(false);
    expect(running.core.stop).not.toHaveBeenCalled();
  });

  it('app quit runs the ordered shut-down once: tray removed, IPC closed, core stopped, then the app ends', async () => {
    running = await start();
    const { shell, core } = running;
    expect(shell.shutdownSteps).toEqual([
      'stop notifications', 'unhook IPC, core events and signals', 'remove the tray icon', 'close the window', 'stop the core',
    ]);
    app.quit();
    await flush();
    expect(core.stop).toHaveBeenCalledTimes(1);
    expect(running.tray().destroyed).toBe(true);
    expect(running.win().isDestroyed()).toBe(true);
    expect(core.listenerCount('alert')).toBe(0);
    expect(core.listenerCount('status')).toBe(0);
    const { ipcMain } = await import('./fake-electron.js');
    expect(ipcMain.handlers.size).toBe(0);
    expect(state.quitted).toBe(true);
    await shell.shutdown();
    expect(core.stop).toHaveBeenCalledTimes(1);
  });

  it('the shut-down finishes even when a step fails', async () => {
    running = await start();
    running.tray().destroy = () => { throw new Error('tray already gone'); };
    app.quit();
    await flush();
    expect(running.core.stop).toHaveBeenCalledTimes(1);
    expect(running.logs.join('\n')).toMatch(/"remove the tray icon" failed: tray already gone/);
    expect(state.quitted).toBe(true);
  });

  it('SIGTERM quits through the same shut-down', async () => {
    running = await start();
    // Call the shell's own SIGTERM handler (emitting the signal would also reach the test runner's).
    const onSigterm = process.listeners('SIGTERM').at(-1) as () => void;
    onSigterm();
    await flush();
    expect(running.core.stop).toHaveBeenCalledTimes(1);
    expect(state.quitted).toBe(true);
  });
});

describe('the entry point', () => {
  it('main.ts starts the shell', async () => {
    const { resetFakeElectron } = await import('./fake-electron.js');
    const { resetFakeCore } = await import('./fake-core.js');
    resetFakeElectron();
    const core = resetFakeCore();
    vi.spyOn(process, 'getuid').mockReturnValue(1000);
    await import('../../../main/electron/main.js');
    await flush();
    expect(createCore).toHaveBeenCalledTimes(1);
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    app.quit();
    await flush();
    expect(core.stop).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
  });
});
