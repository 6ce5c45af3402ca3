// The preload: builds window.mamori from the contract (one function per method, plus on()) and exposes
// it through the context bridge. It never exposes ipcRenderer or an IPC event object.
// Sandboxed preloads cannot load local files, so preload/vite.config.ts bundles this into one CommonJS
// file, dist/preload/index.cjs, with only 'electron' left external.
import { contextBridge, ipcRenderer } from 'electron';
import { eventNames, ipcChannel, ipcEventChannel, methodNames, type EventName } from './contract/api.js';
import { MamoriError, unwrap, type Envelope } from './contract/errors.js';

/** The part of ipcRenderer the preload uses (so tests can hand in a fake). */
export interface PreloadIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * A failed call rejects with a plain { name, code, message } object: the context bridge copies Error
 * objects with their message only, and the UI needs `code` (e.g. TARGET_EXISTS to offer a rename).
 */
export interface BridgedError {
  readonly name: 'MamoriError';
  readonly code: string;
  readonly message: string;
}

function bridged(err: unknown): BridgedError {
  if (err instanceof MamoriError) return { name: 'MamoriError', code: err.code, message: err.message };
  return { name: 'MamoriError', code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

const isEventName = (name: unknown): name is EventName =>
  typeof name === 'string' && (eventNames as readonly string[]).includes(name);

export function createPreloadApi(ipc: PreloadIpc): Record<string, unknown> {
  const api: Record<string, unknown> = {};
  for (const name of methodNames) {
    const channel = ipcChannel(name);
    api[name] = (input?: unknown): Promise<unknown> =>
      ipc.invoke(channel, input ?? {})
        .then((envelope) => unwrap(envelope as Envelope<unknown>))
        .catch((err: unknown) => Promise.reject(bridged(err)));
  }

  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  ipc.on(ipcEventChannel, (_event: unknown, message: unknown) => {
    if (typeof message !== 'object' || message === null) return;
    const { event, payload } = message as { event?: unknown; payload?: unknown };
    if (!isEventName(event)) return;
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        listener(payload);
      } catch (err) {
        console.error(`mamori: a listener for "${event}" failed`, err);
      }
    }
  });

  api.on = (event: unknown, listener: unknown): (() => void) => {
    if (!isEventName(event)) throw new TypeError(`unknown Mamori event "${String(event).slice(0, 80)}"`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const fn = listener as (payload: unknown) => void;
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => {
      listeners.get(event)?.delete(fn);
    };
  };
  return Object.freeze(api);
}

contextBridge.exposeInMainWorld('mamori', createPreloadApi(ipcRenderer));
