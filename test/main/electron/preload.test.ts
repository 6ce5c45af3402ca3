// window.mamori as the page sees it: exactly the contract's methods plus on(), no ipcRenderer, errors
// that keep their code, and events filtered by name. Also: the shipped bundle runs in a sandbox.
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.js'));

import { contextBridge, ipcRenderer } from './fake-electron.js';
import { eventNames, ipcChannel, ipcEventChannel, methodNames } from '../../../preload/contract/index.js';
import { repoRoot } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- what the page receives is untyped
type Exposed = Record<string, any>;
let mamori: Exposed;

beforeAll(async () => {
  await import('../../../preload/index.js');
  mamori = contextBridge.exposed.get('mamori') as Exposed;
});

describe('window.mamori', () => {
  it('is the only thing exposed, and holds exactly the contract methods plus on()', () => {
    expect([...contextBridge.exposed.keys()]).toEqual(['mamori']);
    expect(Object.keys(mamori).sort()).toEqual([...methodNames, 'on'].sort());
    for (const key of Object.keys(mamori)) expect(typeof mamori[key], key).toBe('function');
  });

  it('gives the page no ipcRenderer, no send/invoke, no require', () => {
    for (const key of ['ipcRenderer', 'invoke', 'send', 'sendSync', 'require', 'process', 'electron']) {
      expect(mamori[key], key).toBeUndefined();
    }
    expect(Object.isFrozen(mamori)).toBe(true);
    expect(Object.values(mamori)).not.toContain(ipcRenderer);
  });

  it('each method invokes its derived channel and resolves to the value', async () => {
    ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: { items: [], total: 0 } });
    await expect(mamori.listAlerts({ limit: 5 })).resolves.toEqual({ items: [], total: 0 });
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(ipcChannel('listAlerts'), { limit: 5 });

    ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: { state: 'protected' } });
    await expect(mamori.getStatus()).resolves.toEqual({ state: 'protected' });
    expect(ipcRenderer.invoke).toHaveBeenLastCalledWith(ipcChannel('getStatus'), {});
  });

  it('a failed call rejects with its error code intact (it must survive the context bridge)', async () => {
    ipcRenderer.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'TARGET_EXISTS', message: 'a file is already there' } });
    const err = await mamori.restoreQuarantine({ id: 'q1' }).catch((e: unknown) => e);
    expect(err).toEqual({ name: 'MamoriError', code: 'TARGET_EXISTS', message: 'a file is already there' });
    expect(Object.getPrototypeOf(err)).toBe(Object.prototype); // a plain object: copied whole by the bridge

    ipcRenderer.invoke.mockRejectedValueOnce(new Error('An object could not be cloned.'));
    await expect(mamori.getStatus({ fn: () => 1 })).rejects.toEqual({ name: 'MamoriError', code: 'INTERNAL', message: 'An object could not be cloned.' });
  });

  it('on() delivers only the named event, never the IPC event object, and unsubscribes', () => {
    const alerts: unknown[] = [];
    const statuses: unknown[] = [];
    const offAlert = mamori.on('alert', (...args: unknown[]) => alerts.push(args));
    mamori.on('status', (payload: unknown) => statuses.push(payload));

    ipcRenderer.emit(ipcEventChannel, { event: 'alert', payload: { id: 'a1' } });
    ipcRenderer.emit(ipcEventChannel, { event: 'status', payload: { state: 'paused' } });
    ipcRenderer.emit(ipcEventChannel, { event: 'bogus', payload: 1 });
    ipcRenderer.emit(ipcEventChannel, 'garbage');
    expect(alerts).toEqual([[{ id: 'a1' }]]);
    expect(statuses).toEqual([{ state: 'paused' }]);

    offAlert();
    ipcRenderer.emit(ipcEventChannel, { event: 'alert', payload: { id: 'a2' } });
    expect(alerts).toHaveLength(1);
  });

  it('one throwing listener does not stop the others', () => {
    const got: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    mamori.on('quarantine', () => { throw new Error('boom'); });
    mamori.on('quarantine', (p: unknown) => got.push(p));
    ipcRenderer.emit(ipcEventChannel, { event: 'quarantine', payload: { id: 'q1' } });
    expect(got).toEqual([{ id: 'q1' }]);
    spy.mockRestore();
  });

  it('on() refuses unknown events and non-function listeners', () => {
    expect(() => mamori.on('ipc', () => undefined)).toThrow(/unknown Mamori event/);
    expect(() => mamori.on('alert', 'not a function')).toThrow(/listener/);
    expect(eventNames).toContain('alert');
  });
});

describe('the preload bundle (dist/preload/index.cjs)', () => {
  it('builds with preload/vite.config.ts into one CommonJS file that needs only electron', async () => {
    const { build } = await import('vite');
    const outDir = mkdtempSync(join(tmpdir(), 'mamori-preload-'));
    await build({ configFile: join(repoRoot, 'preload', 'vite.config.ts'), logLevel: 'silent', build: { outDir } });
    const file = join(outDir, 'index.cjs');
    expect(existsSync(file)).toBe(true);
    const src = readFileSync(file, 'utf8');
    rmSync(outDir, { recursive: true, force: true });

    // Run it the way Electron runs a sandboxed preload: a wrapper whose require knows only 'electron'.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
    const exposed = new Map<string, any>();
    const required: string[] = [];
    const fakeElectron = {
      contextBridge: { exposeInMainWorld: (k: string, v: unknown) => exposed.set(k, v) },
      ipcRenderer: { invoke: async () => ({ ok: true, value: 42 }), on: () => undefined },
    };
    const sandboxRequire = (name: string) => {
      required.push(name);
      if (name === 'electron') return fakeElectron;
      throw new Error(`module not found: ${name}`);
    };
    const module = { exports: {} };
    const wrapper = new Function('require', 'process', 'Buffer', 'global', 'setImmediate', 'clearImmediate', 'exports', 'module', src);
    wrapper(sandboxRequire, {}, undefined, globalThis, setImmediate, clearImmediate, module.exports, module);

    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed.get('mamori')).sort()).toEqual([...methodNames, 'on'].sort());
    await expect(exposed.get('mamori').getStatus()).resolves.toBe(42);
  }, 60_000);
});
