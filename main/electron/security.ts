// The renderer's walls: a strict CSP on every response, no network, no permissions, no new windows,
// no navigation away from our own UI. Applied to the session and to every webContents ever created.
import type { Session, WebContents } from 'electron';
import { isAppUrl } from './protocol.js';
import type { Log } from './steps.js';

export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** Response headers with our CSP replacing whatever the response carried (in any letter case). */
export function withCsp(headers: Record<string, string | string[]> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() === 'content-security-policy') continue;
    out[name] = Array.isArray(value) ? value : [value];
  }
  out['Content-Security-Policy'] = [CSP];
  return out;
}

/** The UI never needs the network: requests with these schemes are cancelled even if the CSP were bypassed. */
const BLOCKED_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:', 'file:']);

export function isBlockedRequest(url: string): boolean {
  try {
    return BLOCKED_SCHEMES.has(new URL(url).protocol);
  } catch {
    return true;
  }
}

/**
 * Permissions the UI may use, only from our own page: writing text to the clipboard (the "copy hash /
 * command line" buttons). Everything else (camera, microphone, location, notifications, clipboard
 * reading, USB, ...) is refused.
 */
const ALLOWED_PERMISSIONS = new Set<string>(['clipboard-sanitized-write']);

export function permissionAllowed(permission: string, requestingUrl: string | undefined): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && typeof requestingUrl === 'string' && isAppUrl(requestingUrl);
}

export function hardenSession(ses: Session, log: Log): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders) });
  });
  ses.webRequest.onBeforeRequest((details, callback) => {
    const cancel = isBlockedRequest(details.url);
    if (cancel) log('warn', `blocked a request from the UI to ${details.url.slice(0, 200)}`);
    callback({ cancel });
  });
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    const ok = permissionAllowed(permission, details.requestingUrl);
    if (!ok) log('warn', `refused the "${permission}" permission`);
    callback(ok);
  });
  ses.setPermissionCheckHandler((_contents, permission, _origin, details) => permissionAllowed(permission, details.requestingUrl));
}

/** For every webContents (app 'web-contents-created'): no pop-ups, no webviews, no leaving our UI. */
export function hardenWebContents(contents: WebContents, log: Log): void {
  contents.setWindowOpenHandler(({ url }) => {
    log('warn', `refused to open a window for ${url.slice(0, 200)}`);
    return { action: 'deny' };
  });
  const stayHome = (event: { preventDefault(): void }, url: string, what: string): void => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    log('warn', `refused to ${what} to ${url.slice(0, 200)}`);
  };
  contents.on('will-navigate', (event) => stayHome(event, event.url, 'navigate'));
  contents.on('will-frame-navigate', (event) => stayHome(event, event.url, 'navigate a frame'));
  contents.on('will-redirect', (event) => stayHome(event, event.url, 'redirect'));
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('warn', 'refused to attach a <webview>');
  });
}
