// Transport selection. In Electron the preload exposes `window.mamori`; in a browser talking to the
// headless agent there is none, and the page URL carries the agent's token: http://127.0.0.1:PORT/#token=T.
// The token is moved to sessionStorage and removed from the visible URL (and from history).
import { createHttpClient, MamoriError, type MamoriClient } from '../../preload/contract/index.js';

declare global {
  interface Window {
    mamori?: MamoriClient;
  }
}

export const TOKEN_KEY = 'mamori.token';

export type Connection =
  | { kind: 'ready'; client: MamoriClient; transport: 'electron' | 'http' }
  | { kind: 'no-token' };

/** Pulls `token=` out of a hash like "#token=abc" or "#token=abc&route=/alerts/x". */
export function tokenFromHash(hash: string): { token: string | null; route: string | null } {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  if (body.startsWith('/') || body === '') return { token: null, route: null };
  const params = new URLSearchParams(body);
  const token = params.get('token');
  const route = params.get('route');
  return { token: token && token.length > 0 ? token : null, route: route && route.startsWith('/') ? route : null };
}

function readStoredToken(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function storeToken(token: string | null): void {
  try {
    if (token) window.sessionStorage.setItem(TOKEN_KEY, token);
    else window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token then lives only in memory for this page
  }
}

let memoryToken: string | null = null;

export function connect(): Connection {
  if (window.mamori) return { kind: 'ready', client: window.mamori, transport: 'electron' };

  const fromHash = tokenFromHash(window.location.hash);
  if (fromHash.token) {
    storeToken(fromHash.token);
    memoryToken = fromHash.token;
    // Hide the token: replace the URL without adding a history entry.
    const clean = `${window.location.pathname}${window.location.search}#${fromHash.route ?? '/overview'}`;
    window.history.replaceState(null, '', clean);
  }
  const token = fromHash.token ?? readStoredToken() ?? memoryToken;
  if (!token) return { kind: 'no-token' };
  const client = createHttpClient({ baseUrl: window.location.origin, token });
  return { kind: 'ready', client, transport: 'http' };
}

/** Forget a token the agent refused (it restarted with a new one). */
export function forgetToken(): void {
  memoryToken = null;
  storeToken(null);
}

export function isMamoriError(err: unknown): err is MamoriError {
  return err instanceof MamoriError || (typeof err === 'object' && err !== null && 'code' in err && 'message' in err);
}

export function errorCode(err: unknown): string | null {
  return isMamoriError(err) ? String((err as { code: unknown }).code) : null;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (isMamoriError(err)) return String((err as { message: unknown }).message);
  return String(err);
}
