// The renderer's walls, as an attacker would test them: isolation flags, CSP on every response, no
// navigation or pop-ups, no permissions, no network, and the UI protocol serves only the UI's files.
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.js'));
vi.mock('../../../main/core/index.js', () => import('./fake-core.js'));

import { fakeEvent, FakeBrowserWindow, FakeWebContents, protocol, session, app } from './fake-electron.js';
import { start, type Started } from './harness.js';
import { CSP } from '../../../main/electron/security.js';
import { APP_ENTRY, isAppUrl } from '../../../main/electron/protocol.js';

let running: Started | null = null;
afterEach(async () => {
  await running?.shell.shutdown();
  running = null;
});

const EXPECTED_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
  + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

describe('the window', () => {
  it('is isolated: contextIsolation and sandbox on, no Node in the page, web security on, our preload', async () => {
    running = await start();
    const prefs = running.win().options.webPreferences;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(prefs.preload).toMatch(/dist[/\\]preload[/\\]index\.cjs$/);
  });

  it('loads our UI over the mamori:// protocol, not from the web', async () => {
    running = await start();
    expect(running.win().loadURL).toHaveBeenCalledWith('mamori://app/index.html');
    expect(isAppUrl(APP_ENTRY)).toBe(true);
    for (const foreign of ['https://evil.example/', 'file:///etc/passwd', 'mamori://evil/index.html', 'mamori://app:8080/', 'mamori://u:p@app/', 'not a url']) {
      expect(isAppUrl(foreign), foreign).toBe(false);
    }
  });

  it('refuses window.open and navigation away from the UI, allows in-app hash routes', async () => {
    running = await start();
    const contents = running.win().webContents;
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });

    const away = fakeEvent({ url: 'https://evil.example/phish' });
    contents.emit('will-navigate', away);
    expect(away.defaultPrevented).toBe(true);

    const file = fakeEvent({ url: 'file:///home/u/.ssh/id_rsa' });
    contents.emit('will-frame-navigate', file);
    expect(file.defaultPrevented).toBe(true);

    const redirect = fakeEvent({ url: 'http://127.0.0.1:9/' });
    contents.emit('will-redirect', redirect);
    expect(redirect.defaultPrevented).toBe(true);

    const inApp = fakeEvent({ url: 'mamori://app/index.html#/alerts/a1' });
    contents.emit('will-navigate', inApp);
    expect(inApp.defaultPrevented).toBe(false);

    const webview = fakeEvent();
    contents.emit('will-attach-webview', webview, {}, {});
    expect(webview.defaultPrevented).toBe(true);
  });

  it('hardens every webContents, not only the main window', async () => {
    running = await start();
    const other = new FakeWebContents();
    app.emit('web-contents-created', fakeEvent(), other);
    expect(other.windowOpenHandler?.({ url: 'https://x.example/' })).toEqual({ action: 'deny' });
    const nav = fakeEvent({ url: 'https://x.example/' });
    other.emit('will-navigate', nav);
    expect(nav.defaultPrevented).toBe(true);
    expect(FakeBrowserWindow.instances).toHaveLength(1);
  });
});

describe('the session', () => {
  it('puts the strict CSP on every response, replacing a weaker one', async () => {
    running = await start();
    expect(CSP).toBe(EXPECTED_CSP);
    const listener = session.defaultSession.webRequest.headersListener!;
    expect(listener).toBeTypeOf('function');
    const callback = vi.fn();
    listener({
      url: 'mamori://app/index.html', resourceType: 'mainFrame',
      responseHeaders: { 'content-security-policy': ["default-src *; script-src 'unsafe-inline'"], 'Content-Type': ['text/html'] },
    }, callback);
    const headers = callback.mock.calls[0]![0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']).toEqual([EXPECTED_CSP]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['Content-Type']).toEqual(['text/html']);

    const noHeaders = vi.fn();
    listener({ url: 'mamori://app/assets/app.js', resourceType: 'script' }, noHeaders);
    expect(noHeaders.mock.calls[0]![0].responseHeaders['Content-Security-Policy']).toEqual([EXPECTED_CSP]);
  });

  it('cancels any request from the UI to the network or to local files', async () => {
    running = await start();
    const listener = session.defaultSession.webRequest.beforeRequestListener!;
    const verdict = (url: string) => {
      const cb = vi.fn();
      listener({ url }, cb);
      return cb.mock.calls[0]![0].cancel as boolean;
    };
    expect(verdict('https://evil.example/exfil?d=1')).toBe(true);
    expect(verdict('http://127.0.0.1:8080/')).toBe(true);
    expect(verdict('wss://evil.example/')).toBe(true);
    expect(verdict('file:///etc/shadow')).toBe(true);
    expect(verdict('mamori://app/assets/app.js')).toBe(false);
    expect(verdict('data:image/png;base64,AAAA')).toBe(false);
  });

  it('refuses permission requests (camera, location, notifications, clipboard reading, ...)', async () => {
    running = await start();
    const request = session.defaultSession.permissionRequestHandler!;
    const check = session.defaultSession.permissionCheckHandler!;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'usb', 'fullscreen']) {
      const cb = vi.fn();
      request(running.win().webContents, permission, cb, { requestingUrl: 'mamori://app/index.html', isMainFrame: true });
      expect(cb, permission).toHaveBeenCalledWith(false);
      expect(check(running.win().webContents, permission, 'mamori://app', { requestingUrl: 'mamori://app/index.html', isMainFrame: true })).toBe(false);
    }
  });

  it('lets only our own page write text to the clipboard (the copy buttons)', async () => {
    running = await start();
    const request = session.defaultSession.permissionRequestHandler!;
    const ours = vi.fn();
    request(running.win().webContents, 'clipboard-sanitized-write', ours, { requestingUrl: 'mamori://app/index.html#/alerts/a1', isMainFrame: true });
    expect(ours).toHaveBeenCalledWith(true);
    const theirs = vi.fn();
    request(running.win().webContents, 'clipboard-sanitized-write', theirs, { requestingUrl: 'https://evil.example/', isMainFrame: false });
    expect(theirs).toHaveBeenCalledWith(false);
  });
});

describe('the mamori:// protocol', () => {
  async function get(url: string, method = 'GET'): Promise<Response> {
    const handler = protocol.handlers.get('mamori');
    if (!handler) throw new Error('no handler for mamori://');
    return handler(new Request(url, { method }));
  }

  it('serves the UI files with the CSP header and the right types', async () => {
    running = await start();
    const page = await get('mamori://app/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(EXPECTED_CSP);
    expect(await page.text()).toContain('<title>Mamori</title>');
    const script = await get('mamori://app/assets/app.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('mamori://app/')).status).toBe(200);
  });

  it('never serves anything outside the UI folder', async () => {
    running = await start();
    for (const url of [
      'mamori://app/../secret.txt',
      'mamori://app/%2e%2e/secret.txt',
      'mamori://app/assets/%2e%2e%2f%2e%2e/secret.txt',
      'mamori://app/..%2f..%2f..%2fetc/passwd',
      'mamori://app/%2Fetc%2Fpasswd',
    ]) {
      const res = await get(url);
      expect(res.status, url).not.toBe(200);
      expect(await res.text(), url).not.toContain('outside the renderer folder');
    }
    expect((await get('mamori://other/index.html')).status).toBe(404);
    expect((await get('mamori://app/missing.js')).status).toBe(404);
    expect((await get('mamori://app/index.html', 'POST')).status).toBe(405);
  });
});
