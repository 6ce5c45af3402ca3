// The HTTP client for the headless agent, derived from the contract. Used by the React UI in a browser
// and by the CLI. Events come over one streamed GET (fetch, not EventSource, so the token stays in a header).
import { eventNames, methodNames, type EventName, type EventPayload, type MamoriClient, type MethodName } from './api.js';
import { MamoriError, unwrap, type Envelope } from './errors.js';

export interface HttpClientOptions {
  baseUrl: string; // e.g. http://127.0.0.1:4321
  token: string;
  fetch?: typeof fetch;
}

export const HTTP_CALL_PREFIX = '/api/call/';
export const HTTP_EVENTS_PATH = '/api/events';

export function createHttpClient(options: HttpClientOptions): MamoriClient & { close(): void } {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/$/, '');
  const headers = { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' };

  const call = async (name: MethodName, input: unknown): Promise<unknown> => {
    let response: Response;
    try {
      response = await doFetch(`${base}${HTTP_CALL_PREFIX}${name}`, {
        method: 'POST', headers, body: JSON.stringify(input ?? {}),
      });
    } catch (err) {
      throw new MamoriError('UNREACHABLE', `cannot reach Mamori at ${base}: ${(err as Error).message}`);
    }
    const text = await response.text();
    let envelope: Envelope<unknown>;
    try {
      envelope = JSON.parse(text) as Envelope<unknown>;
    } catch {
      throw new MamoriError('INTERNAL', `unexpected reply (HTTP ${response.status}): ${text.slice(0, 200)}`);
    }
    return unwrap(envelope);
  };

  const client = {} as Record<string, unknown>;
  for (const name of methodNames) client[name] = (input?: unknown) => call(name, input);

  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let stream: AbortController | null = null;
  let closed = false;

  const openStream = (): void => {
    if (stream || closed) return;
    const controller = new AbortController();
    stream = controller;
    void (async () => {
      let retryMs = 500;
      while (!controller.signal.aborted) {
        try {
          const res = await doFetch(`${base}${HTTP_EVENTS_PATH}`, { headers, signal: controller.signal });
          if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
          retryMs = 500;
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          try {
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              buffer += value;
              let cut: number;
              while ((cut = buffer.indexOf('\n\n')) >= 0) {
                deliver(buffer.slice(0, cut));
                buffer = buffer.slice(cut + 2);
              }
            }
          } finally {
            void reader.cancel().catch(() => undefined); // never leave a stream open behind a reconnect
          }
        } catch {
          if (controller.signal.aborted) return;
        }
        await new Promise((r) => setTimeout(r, retryMs));
        retryMs = Math.min(retryMs * 2, 10_000);
      }
    })();
  };

  const deliver = (frame: string): void => {
    let event = '';
    let data = '';
    for (const line of frame.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!(eventNames as string[]).includes(event)) return;
    let payload: unknown;
    try { payload = JSON.parse(data); } catch { return; }
    for (const listener of [...(listeners.get(event as EventName) ?? [])]) {
      // One faulty listener must not break delivery to the others, nor the stream itself.
      try { listener(payload); } catch (err) { console.error(`mamori: a listener for "${event}" failed`, err); }
    }
  };

  client.on = <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => {
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener as (payload: unknown) => void);
    openStream();
    return () => { set.delete(listener as (payload: unknown) => void); };
  };
  client.close = () => { closed = true; stream?.abort(); stream = null; };
  return client as unknown as MamoriClient & { close(): void };
}
