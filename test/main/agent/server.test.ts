// The agent's HTTP face, over real loopback HTTP against a real core on a real SQLite file.
// What is checked is what a user or an attacker on the same machine (or a web page in their browser) would see.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../main/core/index.js';
import { EICAR } from '../../../main/core/detect/index.js';
import { CSP, MAX_BODY_BYTES, startAgentServer, type AgentServer } from '../../../main/agent/server.js';
import {
  Alert, createHttpClient, MamoriError, methods, QuarantineItem, Scan, Status,
} from '../../../preload/contract/index.js';
import { waitFor } from '../../helpers/temp.js';

const TOKEN = 'test-token-0123456789abcdefghijklmnop';
const INDEX_HTML = '<!doctype html><title>Mamori UI</title><div id="root"></div>';
const SECRET = 'TOP-SECRET-outside-the-ui-folder';

let root: string;
let dataDir: string;
let watchDir: string;
let uiDir: string;
let core: Core;
let agent: AgentServer;
let port: number;
const logs: string[] = [];

interface RawReply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One HTTP request with full control over the path and headers (no URL normalisation, no pooling). */
function raw(o: {
  method?: string; path: string; headers?: Record<string, string | number>; body?: string | Buffer; host?: string | null;
}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...o.headers };
    if (o.host !== null) headers.host = o.host ?? `127.0.0.1:${port}`;
    const req = request({
      host: '127.0.0.1', port, method: o.method ?? 'GET', path: o.path, headers, agent: false, setHost: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };
const jsonHeaders = { ...auth, 'content-type': 'application/json' };

function call(method: string, body: unknown, headers: Record<string, string> = jsonHeaders, path?: string): Promise<RawReply> {
  return raw({ method: 'POST', path: path ?? `/api/call/${method}`, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

function envelope(r: RawReply): { ok: boolean; value?: unknown; error?: { code: string; message: string } } {
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(r.body);
}

function client(token = TOKEN) {
  return createHttpClient({ baseUrl: `http://127.0.0.1:${port}`, token });
}


async function scanToEnd(c: ReturnType<typeof client>, paths: string[]) {
  let { scan } = await c.startScan({ paths, trigger: 'cli' });
  while (scan.state === 'running') {
    await new Promise((r) => setTimeout(r, 50));
    scan = (await c.getScan({ id: scan.id })).scan;
  }
  return scan;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mamori-server-test-'));
  dataDir = join(root, 'data');
  watchDir = join(root, 'watched');
  uiDir = join(root, 'ui');
  mkdirSync(watchDir);
  mkdirSync(join(uiDir, 'assets'), { recursive: true });
  writeFileSync(join(uiDir, 'index.html'), INDEX_HTML);
  writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log("mamori");\n');
  // Files an attacker would like to read: next to the UI folder, and in a sibling whose name starts the same.
  writeFileSync(join(root, 'secret.txt'), SECRET);
  mkdirSync(join(root, 'ui-secret'));
  writeFileSync(join(root, 'ui-secret', 'key.txt'), SECRET);
  core = await createCore({ dataDir, watchFolders: [watchDir], host: 'test', log: (l, m) => logs.push(`${l}: ${m}`) });
  agent = await startAgentServer({ api: core.api, events: core.events, token: TOKEN, port: 0, staticDir: uiDir });
  port = agent.port;
});

afterAll(async () => {
  await agent?.close();
  await core?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('binding', () => {
  it('listens on loopback only, on the port it reports', () => {
    const addr = agent.server.address();
    expect(addr).toMatchObject({ address: '127.0.0.1', port });
    expect(port).toBeGreaterThan(0);
  });
});

describe('access token', () => {
  it('refuses an API call without a token (401 UNAUTHORIZED)', async () => {
    const r = await call('getStatus', {}, { 'content-type': 'application/json' });
    expect(r.status).toBe(401);
    expect(envelope(r)).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
  });

  it('refuses a wrong token, a same-length wrong token, a token without "Bearer " and a token in the query', async () => {
    const sameLength = TOKEN.slice(0, -1) + (TOKEN.endsWith('p') ? 'q' : 'p');
    expect(sameLength).toHaveLength(TOKEN.length);
    const attempts: Array<[string, Record<string, string>]> = [
      ['/api/call/getStatus', { 'content-type': 'application/json', authorization: 'Bearer nope' }],
      ['/api/call/getStatus', { 'content-type': 'application/json', authorization: `Bearer ${sameLength}` }],
      ['/api/call/getStatus', { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}x` }],
      ['/api/call/getStatus', { 'content-type': 'application/json', authorization: TOKEN }],
      ['/api/call/getStatus', { 'content-type': 'application/json', authorization: `Basic ${TOKEN}` }],
      ['/api/call/getStatus', { 'content-type': 'application/json', authorization: 'Bearer ' }],
      [`/api/call/getStatus?token=${TOKEN}`, { 'content-type': 'application/json' }],
    ];
    for (const [path, headers] of attempts) {
      const r = await raw({ method: 'POST', path, headers, body: '{}' });
      expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
      expect(envelope(r).error?.code).toBe('UNAUTHORIZED');
      expect(r.body).not.toContain(TOKEN);
    }
  });

  it('serves an API call with the right token', async () => {
    const r = await call('getStatus', {});
    expect(r.status).toBe(200);
    const e = envelope(r);
    expect(e.ok).toBe(true);
    const status = Status.parse(e.value);
    expect(status.watchedFolders).toContain(watchDir);
  });

  it('requires the token for the event stream too', async () => {
    const r = await raw({ path: '/api/events' });
    expect(r.status).toBe(401);
    expect(envelope(r).error?.code).toBe('UNAUTHORIZED');
    const wrong = await raw({ path: '/api/events', headers: { authorization: 'Bearer wrong-token-wrong-token' } });
    expect(wrong.status).toBe(401);
  });

  it('a client with a wrong token gets MamoriError UNAUTHORIZED', async () => {
    const c = client('wrong-token-wrong-token-wrong');
    const err = await c.getStatus().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MamoriError);
    expect((err as MamoriError).code).toBe('UNAUTHORIZED');
  });
});

describe('Host header (DNS rebinding)', () => {
  it('refuses a foreign host name, even with the right token and the right port', async () => {
    for (const host of ['evil.com', `evil.com:${port}`, `127.0.0.1.evil.com:${port}`, `127.0.0.1:${port}.evil.com`]) {
      const r = await raw({ method: 'POST', path: '/api/call/getStatus', headers: jsonHeaders, body: '{}', host });
      expect(r.status, host).toBe(403);
      expect(envelope(r).error?.code).toBe('FORBIDDEN');
    }
  });

  it('refuses 127.0.0.1 and localhost on another port', async () => {
    for (const host of [`127.0.0.1:${port + 1}`, `localhost:${port === 80 ? 81 : 80}`, '127.0.0.1', 'localhost']) {
      const r = await raw({ method: 'POST', path: '/api/call/getStatus', headers: jsonHeaders, body: '{}', host });
      expect(r.status, host).toBe(403);
    }
  });

  it('refuses a foreign host for the UI files as well (a rebinding page cannot read the app)', async () => {
    const r = await raw({ path: '/', host: 'evil.com' });
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('Mamori UI');
  });

  it('accepts 127.0.0.1:PORT and localhost:PORT', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const r = await raw({ method: 'POST', path: '/api/call/getStatus', headers: jsonHeaders, body: '{}', host });
      expect(r.status, host).toBe(200);
      const page = await raw({ path: '/', host });
      expect(page.status, host).toBe(200);
    }
  });
});

describe('Origin header (cross-site requests)', () => {
  it('refuses a foreign Origin on API calls and on the event stream, even with the token', async () => {
    for (const origin of ['http://evil.example', `http://evil.example:${port}`, 'null', `https://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`]) {
      const r = await call('getStatus', {}, { ...jsonHeaders, origin });
      expect(r.status, origin).toBe(403);
      expect(envelope(r).error?.code).toBe('FORBIDDEN');
    }
    const ev = await raw({ path: '/api/events', headers: { ...auth, origin: 'http://evil.example' } });
    expect(ev.status).toBe(403);
  });

  it('accepts the same origin', async () => {
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const r = await call('getStatus', {}, { ...jsonHeaders, origin });
      expect(r.status, origin).toBe(200);
    }
  });

  it('a foreign origin never triggers a state change (pauseProtection is refused before it runs)', async () => {
    const r = await call('pauseProtection', { minutes: 5 }, { ...jsonHeaders, origin: 'http://evil.example' });
    expect(r.status).toBe(403);
    const status = Status.parse(envelope(await call('getStatus', {})).value);
    expect(status.state).not.toBe('paused');
    expect(status.pausedUntil).toBeNull();
  });
});

describe('request bodies', () => {
  it('answers bad JSON with 400 BAD_INPUT', async () => {
    for (const body of ['{', '{"a":}', 'not json', '\u0000']) {
      const r = await call('getStatus', body);
      expect(r.status, body).toBe(400);
      expect(envelope(r).error?.code).toBe('BAD_INPUT');
    }
  });

  it('refuses any Content-Type but application/json with 415 (no form or text/plain CSRF)', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
      const headers: Record<string, string> = { ...auth };
      if (type) headers['content-type'] = type;
      const r = await raw({ method: 'POST', path: '/api/call/getStatus', headers, body: '{}' });
      expect(r.status, String(type)).toBe(415);
      expect(envelope(r).error?.code).toBe('BAD_INPUT');
    }
    const withCharset = await call('getStatus', {}, { ...jsonHeaders, 'content-type': 'application/json; charset=utf-8' });
    expect(withCharset.status).toBe(200);
  });

  it('refuses GET on a call endpoint', async () => {
    const r = await raw({ path: '/api/call/getStatus', headers: auth });
    expect(r.status).toBe(405);
  });

  it('an empty body counts as {} (methods without input work)', async () => {
    const r = await raw({ method: 'POST', path: '/api/call/getStatus', headers: jsonHeaders });
    expect(r.status).toBe(200);
    const nullBody = await call('getStatus', 'null');
    expect(nullBody.status).toBe(200);
  });

  it('refuses a declared oversize body with 413 without reading it, and still serves the next request', async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port, method: 'POST', path: '/api/call/importHashList', agent: false,
        headers: { ...jsonHeaders, 'content-length': MAX_BODY_BYTES + 1 },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => { resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }); req.destroy(); });
      });
      req.on('error', reject);
      req.write('{"name":"x","text":"'); // and never the rest
    });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    const next = await call('getStatus', {});
    expect(next.status).toBe(200);
  });

  it('stops reading an undeclared (chunked) body once it passes the limit, and still serves the next request', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const outcome = await new Promise<number | string>((resolve) => {
      const req = request({
        host: '127.0.0.1', port, method: 'POST', path: '/api/call/getStatus', agent: false,
        headers: { ...jsonHeaders, 'transfer-encoding': 'chunked' },
      }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      let sent = 0;
      const pump = () => {
        while (sent <= MAX_BODY_BYTES + chunk.length) {
          sent += chunk.length;
          if (!req.write(chunk)) { req.once('drain', pump); return; }
        }
        req.end();
      };
      pump();
    });
    // The server must not buffer without bound; what the client sees is a 413 (or, at worst, a cut connection).
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(outcome);
    const next = await call('getStatus', {});
    expect(next.status).toBe(200);
  }, 30_000);
});

describe('hostile method names and inputs', () => {
  it('answers an unknown method with 404 NOT_FOUND in an envelope', async () => {
    const r = await call('formatDisk', {});
    expect(r.status).toBe(404);
    expect(envelope(r)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('never calls inherited Object.prototype members: __proto__, constructor, toString, ... are 404', async () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype', 'isPrototypeOf']) {
      const r = await call(name, {});
      expect(r.status, name).toBe(404);
      expect(envelope(r).error?.code, name).toBe('NOT_FOUND');
    }
    // and the server is fine afterwards
    expect((await call('getStatus', {})).status).toBe(200);
  });

  it('does not resolve encoded, nested or empty method names', async () => {
    for (const path of ['/api/call/get%53tatus', '/api/call/getStatus/x', '/api/call/', '/api/call/%5F%5Fproto%5F%5F', '/api/call/../call/getStatus']) {
      const r = await raw({ method: 'POST', path, headers: jsonHeaders, body: '{}' });
      if (path === '/api/call/../call/getStatus') {
        // URL normalisation turns this into /api/call/getStatus, which is a real, authorised call.
        expect(r.status).toBe(200);
        continue;
      }
      expect(r.status, path).toBe(404);
    }
  });

  it('answers unknown API paths with 404 (with the token)', async () => {
    const r = await raw({ path: '/api/nothing', headers: auth });
    expect(r.status).toBe(404);
    expect(envelope(r).error?.code).toBe('NOT_FOUND');
  });

  it('refuses extra fields (inputs are strict) with 400 BAD_INPUT', async () => {
    const cases: Array<[string, unknown]> = [
      ['getStatus', { x: 1 }],
      ['getAlert', { id: 'abc', extra: true }],
      ['listAlerts', { limit: 10, sql: 'DROP TABLE alerts' }],
      ['updateSettings', { autoQuarantine: false, dataDir: '/tmp/evil' }],
    ];
    for (const [name, input] of cases) {
      const r = await call(name, input);
      expect(r.status, name).toBe(400);
      expect(envelope(r).error?.code).toBe('BAD_INPUT');
    }
    // the settings were not touched
    const settings = envelope(await call('getSettings', {})).value as { autoQuarantine: boolean };
    expect(settings.autoQuarantine).toBe(true);
  });

  it('refuses a "__proto__" key in the body and does not pollute Object.prototype', async () => {
    const r = await call('getStatus', '{"__proto__":{"polluted":"yes"}}');
    expect(r.status).toBe(400);
    const r2 = await call('listAlerts', '{"limit":5,"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}');
    expect(r2.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses wrong types and names the field', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['listAlerts', { limit: '10' }, 'limit'],
      ['listAlerts', { limit: 0 }, 'limit'],
      ['listAlerts', { limit: 1.5 }, 'limit'],
      ['listAlerts', { status: 'deleted' }, 'status'],
      ['getAlert', { id: 42 }, 'id'],
      ['getAlert', { id: '../../etc/passwd' }, 'id'],
      ['getAlert', {}, 'id'],
      ['pauseProtection', { minutes: 100000 }, 'minutes'],
      ['startScan', { paths: '/tmp' }, 'paths'],
      ['startScan', { paths: [] }, 'paths'],
    ];
    for (const [name, input, field] of cases) {
      const r = await call(name, input);
      expect(r.status, `${name} ${JSON.stringify(input)}`).toBe(400);
      const e = envelope(r);
      expect(e.error?.code).toBe('BAD_INPUT');
      expect(e.error?.message, `${name} ${JSON.stringify(input)}`).toContain(field);
    }
    for (const body of ['[]', '"getStatus"', '42', 'true']) {
      const r = await call('getStatus', body);
      expect(r.status, body).toBe(400);
    }
  });

  it('refuses a relative path, a path with NUL, and too many paths in startScan (400, nothing scanned)', async () => {
    const before = (envelope(await call('listScans', {})).value as { items: unknown[] }).items.length;
    const cases: unknown[] = [
      { paths: ['relative/dir'] },
      { paths: ['../../etc'] },
      { paths: ['.'] },
      { paths: [`${watchDir}\u0000/etc/passwd`] },
      { paths: [''] },
      { paths: Array.from({ length: 65 }, () => watchDir) },
      { paths: ['/' + 'a'.repeat(5000)] },
    ];
    for (const input of cases) {
      const r = await call('startScan', input);
      expect(r.status, JSON.stringify(input).slice(0, 80)).toBe(400);
      expect(envelope(r).error?.code).toBe('BAD_INPUT');
      expect(envelope(r).error?.message).toContain('paths');
    }
    const after = (envelope(await call('listScans', {})).value as { items: unknown[] }).items.length;
    expect(after).toBe(before);
  });

  it('refuses non-absolute watch folders in updateSettings', async () => {
    const r = await call('updateSettings', { watchFolders: ['Downloads'] });
    expect(r.status).toBe(400);
    expect(envelope(r).error?.message).toContain('watchFolders');
  });
});

describe('static UI files', () => {
  it('serves index.html at / with the CSP and the other security headers', async () => {
    const r = await raw({ path: '/' });
    expect(r.status).toBe(200);
    expect(r.body).toBe(INDEX_HTML);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(CSP);
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('sends the security headers on API answers and errors too', async () => {
    for (const r of [await call('getStatus', {}), await raw({ path: '/api/events' }), await raw({ path: '/', host: 'evil.com' })]) {
      expect(r.headers['content-security-policy']).toBe(CSP);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('serves assets with their type', async () => {
    const r = await raw({ path: '/assets/app.js' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.body).toContain('mamori');
  });

  it('falls back to index.html for client-side routes, and 404s missing assets', async () => {
    for (const path of ['/alerts', '/alerts/alr_123', '/quarantine/', '/assets', '/settings?tab=1']) {
      const r = await raw({ path });
      expect(r.status, path).toBe(200);
      expect(r.body, path).toBe(INDEX_HTML);
    }
    for (const path of ['/assets/missing.js', '/favicon.ico', '/missing.css']) {
      const r = await raw({ path });
      expect(r.status, path).toBe(404);
      expect(r.body).not.toContain('Mamori UI');
    }
  });

  it('never serves a file outside the UI folder, however the path is encoded', async () => {
    const paths = [
      '/../secret.txt', '/../../secret.txt', '/../../../../../../etc/passwd', '/..%2fsecret.txt', '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt', '/%2E%2E%2Fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/..%5csecret.txt', '/%252e%252e%252fsecret.txt', '/%2e%2e%2fui-secret%2fkey.txt', '/..%2fui-secret/key.txt',
      '/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fshadow', '/.%2e/secret.txt',
      '/%2e%2e%2fsecret.txt%00.html', '/secret.txt%00', '/%00../secret.txt', '/%c0%ae%c0%ae/secret.txt', '/%ff',
      '//etc/passwd', '/\\..\\secret.txt', '/..;/secret.txt', `/${'%2e%2e%2f'.repeat(20)}etc/passwd`,
      `/%2e%2e%2f${root.split('/').pop()}%2fsecret.txt`, `/${encodeURIComponent(join(root, 'secret.txt'))}`,
    ];
    for (const path of paths) {
      const r = await raw({ path });
      expect([200, 400, 403, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain(SECRET);
      expect(r.body, path).not.toMatch(/root:.*:0:0:/);
      if (r.status === 200) expect(r.body, path).toBe(INDEX_HTML);
    }
    // the server still works
    expect((await raw({ path: '/' })).status).toBe(200);
  });

  it('refuses other methods than GET/HEAD for UI files', async () => {
    const r = await raw({ method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(405);
    const head = await raw({ method: 'HEAD', path: '/' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
});

describe('the API through createHttpClient (real core)', () => {
  it('returns contract-shaped values', async () => {
    const c = client();
    methods.getStatus.output.parse(await c.getStatus());
    methods.getSettings.output.parse(await c.getSettings());
    methods.listAlerts.output.parse(await c.listAlerts());
    methods.listQuarantine.output.parse(await c.listQuarantine({ includeInactive: true }));
    methods.listScans.output.parse(await c.listScans());
  });

  it('rebuilds errors as MamoriError with the code (getAlert of an unknown id -> NOT_FOUND)', async () => {
    const c = client();
    const err = await c.getAlert({ id: 'alr_does_not_exist' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MamoriError);
    expect((err as MamoriError).code).toBe('NOT_FOUND');
    const bad = await c.getAlert({ id: 'no/slashes' }).catch((e: unknown) => e);
    expect((bad as MamoriError).code).toBe('BAD_INPUT');
    const restore = await c.restoreQuarantine({ id: 'q_unknown' }).catch((e: unknown) => e);
    expect((restore as MamoriError).code).toBe('NOT_FOUND');
  });

  it('an unreachable agent is UNREACHABLE', async () => {
    const c = createHttpClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN });
    const err = await c.getStatus().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MamoriError);
    expect((err as MamoriError).code).toBe('UNREACHABLE');
  });

  it('scan, quarantine, restore: TARGET_EXISTS when the original path is occupied, rename works, then CONFLICT', async () => {
    const c = client();
    const dir = join(root, 'scan-me');
    mkdirSync(dir);
    const bad = join(dir, 'invoice.pdf.exe');
    writeFileSync(bad, EICAR, { mode: 0o640 });
    writeFileSync(join(dir, 'clean.txt'), 'hello');
    const scan = Scan.parse(await scanToEnd(c, [dir]));
    expect(scan.state).toBe('completed');
    expect(scan.findings).toBe(1);
    expect(existsSync(bad)).toBe(false);
    expect(existsSync(join(dir, 'clean.txt'))).toBe(true);

    const alert = Alert.parse(await c.getAlert({ id: scan.alertIds[0]! }));
    expect(alert.file?.path).toBe(bad);
    expect(alert.file?.sha256).toBe(createHash('sha256').update(EICAR).digest('hex'));
    const qid = alert.actions[0]?.quarantineId;
    expect(alert.actions[0]).toMatchObject({ kind: 'quarantine', status: 'succeeded' });
    expect(qid).toBeTruthy();

    writeFileSync(bad, 'the user put something else here');
    const err = await c.restoreQuarantine({ id: qid! }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MamoriError);
    expect((err as MamoriError).code).toBe('TARGET_EXISTS');
    expect(readFileSync(bad, 'utf8')).toBe('the user put something else here');

    const restored = await c.restoreQuarantine({ id: qid!, onConflict: 'rename' });
    QuarantineItem.parse(restored.item);
    expect(restored.restoredPath).toBe(join(dir, 'invoice.pdf (restored).exe'));
    expect(readFileSync(restored.restoredPath, 'latin1')).toBe(EICAR);
    expect(statSync(restored.restoredPath).mode & 0o777).toBe(0o640);
    expect(readFileSync(bad, 'utf8')).toBe('the user put something else here');

    const again = await c.restoreQuarantine({ id: qid! }).catch((e: unknown) => e);
    expect((again as MamoriError).code).toBe('CONFLICT');
  });
});

describe('events', () => {
  it('a client receives an alert (and the quarantine) when EICAR is dropped into a watched folder', async () => {
    let connected!: () => void;
    const streamOpen = new Promise<void>((r) => { connected = r; });
    const c = createHttpClient({
      baseUrl: `http://127.0.0.1:${port}`, token: TOKEN,
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (String(input).endsWith('/api/events') && res.ok) connected();
        return res;
      },
    });
    const alerts: Alert[] = [];
    const quarantined: QuarantineItem[] = [];
    try {
      c.on('alert', (a) => alerts.push(a));
      c.on('quarantine', (q) => quarantined.push(q));
      await streamOpen;
      const file = join(watchDir, 'download.com');
      writeFileSync(file, EICAR);
      const alert = await waitFor('an alert event', () => alerts.find((a) => a.file?.path === file), 15_000);
      expect(Alert.parse(alert)).toMatchObject({ source: 'realtime', ruleId: expect.any(String), detection: { signature: 'EICAR-Test-File' } });
      expect(alert.actions[0]).toMatchObject({ kind: 'quarantine', status: 'succeeded' });
      const q = await waitFor('a quarantine event', () => quarantined.find((x) => x.originalPath === file));
      expect(QuarantineItem.parse(q).state).toBe('quarantined');
      expect(existsSync(file)).toBe(false);
    } finally {
      c.close();
    }
  }, 30_000);

  it('the raw stream is text/event-stream and frames are "event: NAME\\ndata: JSON"', async () => {
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/events`, { headers: auth, signal: controller.signal });
    try {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      text += (await reader.read()).value ?? '';
      await call('resumeProtection', {}); // emits a status event
      const end = Date.now() + 5000;
      while (!/event: status\ndata: \{.*\}\n\n/.test(text) && Date.now() < end) text += (await reader.read()).value ?? '';
      const m = /event: status\ndata: (\{.*\})\n\n/.exec(text);
      expect(m).not.toBeNull();
      Status.parse(JSON.parse(m![1]!));
    } finally {
      controller.abort();
    }
  });
});

describe('close', () => {
  it('closes promptly while an event stream and an idle connection are open', async () => {
    const extra = await startAgentServer({ api: core.api, events: core.events, token: TOKEN, port: 0, staticDir: null });
    let opened!: () => void;
    const open = new Promise<void>((r) => { opened = r; });
    const c = createHttpClient({
      baseUrl: `http://127.0.0.1:${extra.port}`, token: TOKEN,
      fetch: async (i, init) => { const res = await fetch(i, init); opened(); return res; },
    });
    // A browser keeps idle and preconnected sockets; a local program can open one and send nothing.
    const idle = connect(extra.port, '127.0.0.1');
    const idleConnected = new Promise<void>((r) => idle.once('connect', () => r()));
    const idleClosed = new Promise<void>((r) => idle.once('close', () => r()));
    idle.on('error', () => undefined);
    try {
      c.on('status', () => undefined);
      await open;
      await c.getStatus();
      await idleConnected;
      const t0 = Date.now();
      await Promise.race([extra.close(), new Promise((r) => setTimeout(r, 5000))]);
      expect(Date.now() - t0).toBeLessThan(2000);
      await idleClosed;
    } finally {
      c.close();
      idle.destroy();
    }
  });

  it('without a built UI, / says how to build it (503) and the API still works', async () => {
    const extra = await startAgentServer({ api: core.api, events: core.events, token: TOKEN, port: 0, staticDir: null });
    try {
      const page = await new Promise<RawReply>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: extra.port, path: '/', agent: false }, (res) => {
          let body = '';
          res.on('data', (d) => { body += d; });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(page.status).toBe(503);
      expect(page.body).toContain('npm run build');
      const c = createHttpClient({ baseUrl: `http://127.0.0.1:${extra.port}`, token: TOKEN });
      Status.parse(await c.getStatus());
    } finally {
      await extra.close();
    }
  });
});
