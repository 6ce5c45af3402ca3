// createHttpClient(): the contract over HTTP, as the browser UI and the CLI use it. Part of it against a scripted
// fetch (exact requests, hostile replies, chunked streams), part against the real agent server with a stub core.
import { afterEach, describe, expect, it } from 'vitest';
import { CoreEvents } from '../../../main/core/events.js';
import { startAgentServer, type AgentServer } from '../../../main/agent/server.js';
import { methodNames, type MamoriImpl } from '../../../preload/contract/api.js';
import { createHttpClient, HTTP_CALL_PREFIX, HTTP_EVENTS_PATH } from '../../../preload/contract/http-client.js';
import { MamoriError } from '../../../preload/contract/errors.js';
import { ErrorCode, type Status, type TelemetrySummary } from '../../../preload/contract/schemas.js';
import { waitFor } from '../../helpers/temp.js';

const TOKEN = 'client-test-token-abcdefghijklmnopqrstuvwxyz';

interface Seen { url: string; method: string; headers: Record<string, string>; body: string | undefined }

/** A fetch that records requests and answers with the given function. */
function scriptedFetch(answer: (req: Seen, init: RequestInit | undefined) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fn = (async (input: string | URL | Request, init?: RequestInit) => {
    const req: Seen = {
      url: String(input), method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()), body: init?.body as string | undefined,
    };
    seen.push(req);
    return answer(req, init);
  }) as typeof fetch;
  return { fetch: fn, seen };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A streamed events reply whose body is cut into the given pieces (bytes), ending or staying open. */
function streamReply(pieces: Uint8Array[], init?: RequestInit, keepOpen = true): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of pieces) controller.enqueue(p);
      if (!keepOpen) controller.close();
      init?.signal?.addEventListener('abort', () => { try { controller.error(new Error('aborted')); } catch { /* closed */ } });
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}


const status = (n: number): Status => ({
  state: 'protected', reasons: [], pausedUntil: null, watchedFolders: ['/home/u/Downloads'], sensors: [],
  openAlerts: n, openBySeverity: { critical: 0, high: 0, medium: 0, low: 0, informational: 0 }, quarantined: 0,
  lastScan: null, alertsPerDay: [], version: '0.0.0', dataDir: '/tmp/x', isolated: false, pendingDecisions: 0,
});

describe('calls', () => {
  it('has one function per contract method, each POSTing JSON with the bearer token to /api/call/<name>', async () => {
    const { fetch, seen } = scriptedFetch((req) => json({ ok: true, value: { echo: req.url } }));
    const c = createHttpClient({ baseUrl: 'http://127.0.0.1:4321/', token: TOKEN, fetch });
    for (const name of methodNames) {
      expect(typeof c[name], name).toBe('function');
      const value = await (c[name] as (i?: unknown) => Promise<unknown>)({ probe: name });
      expect(value).toEqual({ echo: `http://127.0.0.1:4321${HTTP_CALL_PREFIX}${name}` });
    }
    expect(seen).toHaveLength(methodNames.length);
    for (const [i, req] of seen.entries()) {
      expect(req.method).toBe('POST');
      expect(req.url).toBe(`http://127.0.0.1:4321/api/call/${methodNames[i]}`); // one slash, despite the trailing one
      expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(req.headers['content-type']).toBe('application/json');
      expect(JSON.parse(req.body!)).toEqual({ probe: methodNames[i] });
    }
  });

  it('sends {} when called without input', async () => {
    const { fetch, seen } = scriptedFetch(() => json({ ok: true, value: null }));
    const c = createHttpClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN, fetch });
    await c.getStatus();
    expect(seen[0]!.body).toBe('{}');
  });

  it('rebuilds every error code as a MamoriError', async () => {
    for (const code of ErrorCode.options) {
      const { fetch } = scriptedFetch(() => json({ ok: false, error: { code, message: `it went ${code}` } }, 418));
      const c = createHttpClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN, fetch });
      const err = await c.getAlert({ id: 'a' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MamoriError);
      expect(err).toBeInstanceOf(Error);
      expect(err).toMatchObject({ name: 'MamoriError', code, message: `it went ${code}` });
    }
  });

  it('a reply that is not an envelope (a proxy page, an empty body) is INTERNAL with the HTTP status', async () => {
    for (const [body, status] of [['<html>Bad Gateway</html>', 502], ['', 500]] as const) {
      const { fetch } = scriptedFetch(() => new Response(body, { status }));
      const c = createHttpClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN, fetch });
      const err = await c.getStatus().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MamoriError);
      expect((err as MamoriError).code).toBe('INTERNAL');
      expect((err as MamoriError).message).toContain(`HTTP ${status}`);
    }
  });

  it('an unreachable agent is UNREACHABLE naming the address', async () => {
    const { fetch } = scriptedFetch(() => { throw new TypeError('fetch failed'); });
    const c = createHttpClient({ baseUrl: 'http://127.0.0.1:9', token: TOKEN, fetch });
    const err = await c.listAlerts().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MamoriError);
    expect((err as MamoriError).code).toBe('UNREACHABLE');
    expect((err as MamoriError).message).toContain('http://127.0.0.1:9');
  });

  it('makes no request until a method is called or an event is subscribed', () => {
    const { fetch, seen } = scriptedFetch(() => json({ ok: true, value: null }));
    createHttpClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN, fetch });
    expect(seen).toEqual([]);
  });
});

describe('events over a scripted stream', () => {
  const enc = new TextEncoder();
  const frame = (event: string, payload: unknown) => `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;

  it('opens one GET /api/events with the token for all listeners, and parses frames split anywhere', async () => {
    const ja = { ...status(1), dataDir: '/home/ユーザー/守り' };
    const text = ': mamori events\n\n' + frame('status', status(1)) + ': ping\n\n' + frame('status', ja) + frame('alert', { id: 'a1' });
    const bytes = enc.encode(text);
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 3) pieces.push(bytes.slice(i, i + 3)); // splits lines and UTF-8 characters
    const { fetch, seen } = scriptedFetch((_req, init) => streamReply(pieces, init));
    const c = createHttpClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN, fetch });
    const statuses: Status[] = [];
    const alerts: unknown[] = [];
    c.on('status', (s) => statuses.push(s));
    c.on('alert', (a) => alerts.push(a));
    await waitFor('the alert', () => alerts.length === 1);
    c.close();
    expect(statuses).toEqual([status(1), ja]);
    expect(alerts).toEqual([{ id: 'a1' }]);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ url: `http://127.0.0.1:1${HTTP_EVENTS_PATH}`, method: 'GET' });
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('ignores unknown events, bad JSON, comments and inherited names', async () => {
    const text = frame('formatDisk', {}) + 'event: status\ndata: {not json\n\n' + frame('__proto__', {}) + frame('toString', {})
      + 'data: {"orphan":true}\n\n' + frame('status', status(7));
    const { fetch } = scriptedFetch((_req, init) => streamReply([enc.encode(text)], init));
    const c = createHttpClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN, fetch });
    const got: unknown[] = [];
    c.on('status', (s) => got.push(s));
    await waitFor('the good frame', () => got.length === 1);
    c.close();
    expect(got).toEqual([status(7)]);
  });

  it('stops delivering to a listener once it unsubscribes', async () => {
    let push!: (s: string) => void;
    const { fetch } = scriptedFetch((_req, init) => new Response(new ReadableStream<Uint8Array>({
      start(controller) {
        push = (s) => controller.enqueue(enc.encode(s));
        init?.signal?.addEventListener('abort', () => controller.error(new Error('aborted')));
      },
    })));
    const c = createHttpClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN, fetch });
    const a: number[] = [];
    const b: number[] = [];
    const offA = c.on('status', (s) => a.push(s.openAlerts));
    c.on('status', (s) => b.push(s.openAlerts));
    await waitFor('the stream', () => push);
    push(frame('status', status(1)));
    await waitFor('first', () => b.length === 1);
    offA();
    push(frame('status', status(2)));
    await waitFor('second', () => b.length === 2);
    c.close();
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 2]);
  });

  it('a listener that throws does not break delivery to the others or the stream', async () => {
    let push!: (s: string) => void;
    const { fetch, seen } = scriptedFetch((_req, init) => new Response(new ReadableStream<Uint8Array>({
      start(controller) {
        push = (s) => controller.enqueue(enc.encode(s));
        init?.signal?.addEventListener('abort', () => controller.error(new Error('aborted')));
      },
    })));
    const c = createHttpClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN, fetch });
    const good: number[] = [];
    c.on('status', () => { throw new Error('a buggy UI handler'); });
    c.on('status', (s) => good.push(s.openAlerts));
    await waitFor('the stream', () => push);
    // two frames in one chunk, then one more
    push(frame('status', status(1)) + frame('status', status(2)));
    push(frame('status', status(3)));
    await new Promise((r) => setTimeout(r, 300));
    c.close();
    expect(good).toEqual([1, 2, 3]);
    expect(seen).toHaveLength(1); // no reconnect was needed
  });

  it('retries after a refused stream (401) and after the stream ends, and stops for good on close()', async () => {
    let n = 0;
    const { fetch, seen } = scriptedFetch((_req, init) => {
      n++;
      if (n === 1) return json({ ok: false, error: { code: 'UNAUTHORIZED', message: 'no' } }, 401);
      if (n === 2) return streamReply([enc.encode(frame('status', status(2)))], init, false); // ends at once
      return streamReply([enc.encode(frame('status', status(n)))], init);
    });
    const c = createHttpClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN, fetch });
    const got: number[] = [];
    c.on('status', (s) => got.push(s.openAlerts));
    await waitFor('the third connection', () => got.includes(3), 8000);
    c.close();
    const after = seen.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(seen.length).toBe(after);
    expect(got).toEqual([2, 3]);
  });
});

describe('against the real agent server (stub core)', () => {
  let server: AgentServer | null = null;
  afterEach(async () => { await server?.close(); server = null; });

  function stubImpl(): MamoriImpl {
    const impl: Record<string, unknown> = {};
    for (const name of methodNames) impl[name] = () => { throw new MamoriError('INTERNAL', `${name} not stubbed`); };
    return {
      ...impl,
      getStatus: () => status(3),
      getAlert: ({ id }: { id: string }) => { throw new MamoriError('NOT_FOUND', `no alert with id ${id}`); },
      restoreQuarantine: ({ id }: { id: string }) => { throw new MamoriError('TARGET_EXISTS', `something else is now at /x for ${id}`); },
      listAlerts: (input: unknown) => ({ items: [], total: 0, input }),
    } as unknown as MamoriImpl;
  }

  it('round-trips values, defaults and errors', async () => {
    const events = new CoreEvents(() => undefined);
    server = await startAgentServer({ api: stubImpl(), events, token: TOKEN, port: 0, staticDir: null });
    const c = createHttpClient({ baseUrl: `http://127.0.0.1:${server.port}`, token: TOKEN });
    expect(await c.getStatus()).toEqual(status(3));
    expect(await c.listAlerts({ limit: 3 })).toEqual({ items: [], total: 0, input: { limit: 3, offset: 0, status: 'all' } });
    await expect(c.getAlert({ id: 'alr_x' })).rejects.toMatchObject({ name: 'MamoriError', code: 'NOT_FOUND', message: 'no alert with id alr_x' });
    await expect(c.restoreQuarantine({ id: 'q_1' })).rejects.toMatchObject({ code: 'TARGET_EXISTS' });
    await expect(c.getAlert({ id: 'bad id!' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const wrong = createHttpClient({ baseUrl: `http://127.0.0.1:${server.port}`, token: 'x'.repeat(TOKEN.length) });
    await expect(wrong.getStatus()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('a throwing listener does not make the client pile up open event streams on the agent', async () => {
    const events = new CoreEvents(() => undefined);
    server = await startAgentServer({ api: stubImpl(), events, token: TOKEN, port: 0, staticDir: null });
    let connections = 0;
    const c = createHttpClient({
      baseUrl: `http://127.0.0.1:${server.port}`, token: TOKEN,
      fetch: async (input, init) => { const res = await fetch(input, init); connections++; return res; },
    });
    try {
      c.on('status', () => { throw new Error('a buggy UI handler'); });
      await waitFor('the stream', () => connections === 1);
      for (let i = 0; i < 3; i++) {
        events.emit('status', status(i));
        await new Promise((r) => setTimeout(r, 700)); // longer than the client's first retry delay
      }
      const open = await new Promise<number>((r) => server!.server.getConnections((_e, n) => r(n)));
      // A browser allows 6 connections per host: leaked streams would soon starve the UI's API calls.
      expect({ connections, open }).toEqual({ connections: 1, open: 1 });
    } finally {
      c.close();
    }
  });

  it('carries telemetry summaries from the core to a subscriber, like every other contract event', async () => {
    const events = new CoreEvents(() => undefined);
    server = await startAgentServer({ api: stubImpl(), events, token: TOKEN, port: 0, staticDir: null });
    let connections = 0;
    const c = createHttpClient({
      baseUrl: `http://127.0.0.1:${server.port}`, token: TOKEN,
      fetch: async (input, init) => { const res = await fetch(input, init); connections++; return res; },
    });
    const got: TelemetrySummary[] = [];
    try {
      c.on('telemetry', (s) => got.push(s));
      await waitFor('the stream', () => connections === 1);
      const summary: TelemetrySummary = {
        count: 2, byKind: { process: 1, syscall: 0, network: 1, file: 0 }, newestId: 9, newestTime: '2026-01-01T00:00:00.000Z',
        recent: [], entities: ['9-1'], entitiesTruncated: false,
      };
      events.emit('telemetry', summary);
      await waitFor('the summary', () => got.length === 1);
      expect(got[0]).toEqual(summary);
    } finally {
      c.close();
    }
  });

  it('the event stream comes back after the agent restarts on the same port', async () => {
    const events = new CoreEvents(() => undefined);
    server = await startAgentServer({ api: stubImpl(), events, token: TOKEN, port: 0, staticDir: null });
    const port = server.port;
    let connections = 0;
    const c = createHttpClient({
      baseUrl: `http://127.0.0.1:${port}`, token: TOKEN,
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (String(input).endsWith(HTTP_EVENTS_PATH) && res.ok) connections++;
        return res;
      },
    });
    const got: number[] = [];
    try {
      c.on('status', (s) => got.push(s.openAlerts));
      await waitFor('the first connection', () => connections === 1);
      events.emit('status', status(1));
      await waitFor('the first event', () => got.length === 1);

      await server.close();
      server = await startAgentServer({ api: stubImpl(), events, token: TOKEN, port, staticDir: null });
      await waitFor('the reconnection', () => connections === 2, 15_000);
      events.emit('status', status(2));
      await waitFor('the event after the restart', () => got.length === 2);
      expect(got).toEqual([1, 2]);
    } finally {
      c.close();
    }
  }, 30_000);
});
