// The IPC bridge as an attacker sees it: only our window's main frame showing our UI reaches the core;
// everything else gets FORBIDDEN. Inputs are validated by the contract before the core sees them.
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.js'));
vi.mock('../../../main/core/index.js', () => import('./fake-core.js'));

import { ipcMain, FakeWebContents, type FakeFrame } from './fake-electron.js';
import { makeAlert, makeStatus } from './fake-core.js';
import { start, type Started } from './harness.js';
import { ipcChannel, ipcEventChannel, methodNames } from '../../../preload/contract/index.js';

let running: Started | null = null;
afterEach(async () => {
  await running?.shell.shutdown();
  running = null;
});

/** An IPC event as Electron would build it for a call from `frame` in `sender`. */
function ipcEvent(sender: FakeWebContents, frame: FakeFrame | null) {
  return { sender, senderFrame: frame, processId: frame?.processId ?? 0, frameId: frame?.routingId ?? 0 };
}

describe('IPC bridge', () => {
  it('has exactly one handler per contract method, on the derived channel names', async () => {
    running = await start();
    expect([...ipcMain.handlers.keys()].sort()).toEqual(methodNames.map((m) => ipcChannel(m)).sort());
  });

  it('a call from our window reaches the core with validated, defaulted input', async () => {
    running = await start();
    const contents = running.win().webContents;
    const reply = await ipcMain.invoke(ipcChannel('listAlerts'), ipcEvent(contents, contents.mainFrame), { minSeverity: 'high' });
    expect(reply).toEqual({ ok: true, value: { items: [], total: 0 } });
    expect(running.core.api.listAlerts).toHaveBeenCalledWith({ limit: 200, offset: 0, status: 'all', minSeverity: 'high' });

    const status = await ipcMain.invoke(ipcChannel('getStatus'), ipcEvent(contents, contents.mainFrame), undefined);
    expect(status).toMatchObject({ ok: true, value: { state: 'protected' } });
  });

  it('bad input gets BAD_INPUT and never reaches the core', async () => {
    running = await start();
    const contents = running.win().webContents;
    const call = (name: Parameters<typeof ipcChannel>[0], input: unknown) =>
      ipcMain.invoke(ipcChannel(name), ipcEvent(contents, contents.mainFrame), input);

    expect(await call('startScan', { paths: ['relative/path'] })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await call('startScan', { paths: ['/tmp'], extra: 'x' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await call('getAlert', { id: '../../etc/passwd' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await call('pauseProtection', { minutes: -5 })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(running.core.api.startScan).not.toHaveBeenCalled();
    expect(running.core.api.getAlert).not.toHaveBeenCalled();
    expect(running.core.api.pauseProtection).not.toHaveBeenCalled();
  });

  it('core errors come back as coded envelopes, not exceptions', async () => {
    running = await start();
    const contents = running.win().webContents;
    const reply = await ipcMain.invoke(ipcChannel('getAlert'), ipcEvent(contents, contents.mainFrame), { id: 'nope' });
    expect(reply).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'not found' } });
  });

  it('FORBIDDEN for a subframe of our window, even one showing our own URL', async () => {
    running = await start();
    const contents = running.win().webContents;
    const sub: FakeFrame = { url: 'mamori://app/index.html', parent: contents.mainFrame, processId: 7, routingId: 999 };
    const reply = await ipcMain.invoke(ipcChannel('getStatus'), ipcEvent(contents, sub), {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(running.core.api.getStatus).toHaveBeenCalledTimes(1); // only the tray's own read at start-up
  });

  it('FORBIDDEN when our window shows a foreign page', async () => {
    running = await start();
    const contents = running.win().webContents;
    contents.navigated('https://evil.example/');
    const reply = await ipcMain.invoke(ipcChannel('restoreQuarantine'), ipcEvent(contents, contents.mainFrame), { id: 'q1' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    contents.navigated('file:///tmp/evil.html');
    const again = await ipcMain.invoke(ipcChannel('deleteQuarantine'), ipcEvent(contents, contents.mainFrame), { id: 'q1' });
    expect(again).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(running.core.api.restoreQuarantine).not.toHaveBeenCalled();
    expect(running.core.api.deleteQuarantine).not.toHaveBeenCalled();
    expect(running.logs.join('\n')).toMatch(/refused IPC call restoreQuarantine from https:\/\/evil\.example/);
  });

  it('FORBIDDEN for another webContents, even if it claims our URL', async () => {
    running = await start();
    const other = new FakeWebContents();
    other.navigated('mamori://app/index.html');
    const reply = await ipcMain.invoke(ipcChannel('updateSettings'), ipcEvent(other, other.mainFrame), { autoQuarantine: false });
    expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(running.core.api.updateSettings).not.toHaveBeenCalled();
  });

  it('FORBIDDEN when the sending frame is already gone', async () => {
    running = await start();
    const contents = running.win().webContents;
    const reply = await ipcMain.invoke(ipcChannel('getSettings'), ipcEvent(contents, null), {});
    expect(reply).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(running.core.api.getSettings).toHaveBeenCalledTimes(1); // the start-up read only
  });
});

describe('pushed events', () => {
  it('every core event reaches the window as {event, payload} on the one event channel', async () => {
    running = await start();
    const contents = running.win().webContents;
    const alert = makeAlert({ id: 'a9' });
    running.core.events.emit('alert', alert);
    running.core.events.emit('status', makeStatus({ state: 'attention', openAlerts: 1 }));
    const progress = { scanId: 's1', state: 'running', filesScanned: 3, bytesScanned: 10, filesTotal: null, bytesTotal: null, findings: 0, errors: 0, currentFolder: '/home/u', etaSeconds: null } as const;
    running.core.events.emit('scanProgress', progress);
    expect(contents.send).toHaveBeenCalledWith(ipcEventChannel, { event: 'alert', payload: alert });
    expect(contents.send).toHaveBeenCalledWith(ipcEventChannel, { event: 'status', payload: expect.objectContaining({ state: 'attention' }) });
    expect(contents.send).toHaveBeenCalledWith(ipcEventChannel, { event: 'scanProgress', payload: progress });
    expect(new Set(contents.send.mock.calls.map((c) => c[0]))).toEqual(new Set([ipcEventChannel]));
  });

  it('nothing is pushed to a foreign page', async () => {
    running = await start();
    const contents = running.win().webContents;
    contents.navigated('https://evil.example/');
    running.core.events.emit('alert', makeAlert());
    expect(contents.send).not.toHaveBeenCalled();
  });
});
