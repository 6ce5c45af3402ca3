// The headless agent's HTTP face: the same React UI and the contract's API, on 127.0.0.1 only.
// Every API request needs the bearer token; every request needs a Host header naming this loopback
// port (so a DNS-rebinding page cannot reach us); a foreign Origin is refused.
import { timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import {
  dispatch, eventNames, httpStatusFor, HTTP_CALL_PREFIX, HTTP_EVENTS_PATH, MamoriError, toErrorEnvelope,
  type Dispatchable, type MamoriEvents,
} from '../../preload/contract/index.js';

export const MAX_BODY_BYTES = 70 * 1024 * 1024; // a 64 MiB hash list plus JSON overhead

export const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.woff2': 'font/woff2',
};

export interface AgentServerOptions {
  api: Dispatchable;
  events: MamoriEvents;
  token: string;
  port: number;
  /** The built UI (dist/renderer); when absent the API still works and / says how to build the UI. */
  staticDir: string | null;
}

export interface AgentServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startAgentServer(o: AgentServerOptions): Promise<AgentServer> {
  const streams = new Set<ServerResponse>();
  let port = o.port;
  const tokenBytes = Buffer.from(o.token);

  const server = createServer((req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    void handle(req, res).catch((err) => sendJson(res, 500, toErrorEnvelope(err)));
  });

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      return sendJson(res, 403, toErrorEnvelope(new MamoriError('FORBIDDEN', 'Host header must name this loopback address')));
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const isApi = url.pathname.startsWith('/api/');
    if (isApi) {
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedHosts().has(origin.replace(/^http:\/\//, ''))) {
        return sendJson(res, 403, toErrorEnvelope(new MamoriError('FORBIDDEN', 'cross-origin requests are refused')));
      }
      if (!authorized(req)) {
        return sendJson(res, 401, toErrorEnvelope(new MamoriError('UNAUTHORIZED', 'missing or wrong access token')));
      }
    }
    if (isApi && url.pathname.startsWith(HTTP_CALL_PREFIX)) {
      if (req.method !== 'POST') return sendJson(res, 405, toErrorEnvelope(new MamoriError('BAD_INPUT', 'use POST')));
      const body = await readJsonBody(req);
      if (!body.ok) return sendJson(res, body.status, toErrorEnvelope(new MamoriError('BAD_INPUT', body.message)));
      const envelope = await dispatch(o.api, url.pathname.slice(HTTP_CALL_PREFIX.length), body.value);
      return sendJson(res, httpStatusFor(envelope), envelope);
    }
    if (isApi && url.pathname === HTTP_EVENTS_PATH && req.method === 'GET') return openEventStream(res);
    if (isApi) return sendJson(res, 404, toErrorEnvelope(new MamoriError('NOT_FOUND', 'no such endpoint')));
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, toErrorEnvelope(new MamoriError('BAD_INPUT', 'use GET')));
    return serveStatic(url.pathname, res);
  }

  function authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    return given.length === tokenBytes.length && timingSafeEqual(given, tokenBytes);
  }

  function openEventStream(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(': mamori events\n\n');
    streams.add(res);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
    res.on('close', () => { clearInterval(heartbeat); streams.delete(res); });
  }

  const unsubscribers = eventNames.map((name) => o.events.on(name, (payload) => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of streams) res.write(frame);
  }));

  function serveStatic(pathname: string, res: ServerResponse): void {
    if (!o.staticDir) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The Mamori UI is not built. Run `npm run build`, then restart the agent. The API works.\n');
      return;
    }
    let rel: string;
    try { rel = decodeURIComponent(pathname); } catch { rel = '/'; }
    if (rel.includes('\0')) rel = '/';
    // normalize() and the prefix check keep "/../" and encoded variants inside the UI folder.
    let file = normalize(join(o.staticDir, rel === '/' ? 'index.html' : rel));
    if (!file.startsWith(o.staticDir + sep) && file !== o.staticDir) file = join(o.staticDir, 'index.html');
    let size: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      // Client-side routes fall back to the app; missing assets are 404s.
      if (extname(rel)) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found\n'); return; }
      file = join(o.staticDir, 'index.html');
      size = statSync(file).size;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=3600',
    });
    createReadStream(file).pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  port = (server.address() as AddressInfo).port;

  return {
    server,
    port,
    close: async () => {
      for (const u of unsubscribers) u();
      for (const res of streams) res.end();
      // server.close() only stops accepting; it waits for every open socket (an idle keep-alive or
      // preconnected one, a stream) to go away. Cut them now, or close() can wait for minutes.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

type BodyResult = { ok: true; value: unknown } | { ok: false; status: number; message: string };

async function readJsonBody(req: IncomingMessage): Promise<BodyResult> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) return { ok: false, status: 415, message: 'Content-Type must be application/json' };
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return { ok: false, status: 413, message: 'request body too large' };
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_BODY_BYTES) return { ok: false, status: 413, message: 'request body too large' };
    chunks.push(chunk as Buffer);
  }
  if (!total) return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { ok: false, status: 400, message: 'request body is not valid JSON' };
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) { res.end(); return; }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
