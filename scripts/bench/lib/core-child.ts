// Start a Mamori core in a child Node process (lib/core-host.mjs) and talk to it: ready, status, stop.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Status } from '../../../preload/contract/index.js';
import { trackChild, untrackChild } from './cleanup.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CORE_MODULE = fileURLToPath(new URL('../../../dist/main/core/index.js', import.meta.url));
export const STORE_MODULE = fileURLToPath(new URL('../../../dist/main/core/store/index.js', import.meta.url));
export const HELPERS_DIR = fileURLToPath(new URL('../../../native-helpers/bin/', import.meta.url));
const HOST = fileURLToPath(new URL('./core-host.mjs', import.meta.url));

/** Build the compiled core (npm run build) and the native helpers (make -C native-helpers) when missing. */
export function ensureBuilt(): string | null {
  if (!existsSync(CORE_MODULE)) {
    console.log('  dist/ is missing: building (node scripts/build.mjs) ...');
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
    if (r.status !== 0 || !existsSync(CORE_MODULE)) return 'the build (npm run build) failed';
  }
  for (const helper of ['mamori-proc-ebpf', 'mamori-proc-cn']) {
    if (existsSync(`${HELPERS_DIR}${helper}`)) continue;
    console.log(`  native-helpers/bin/${helper} is missing: building (make -C native-helpers) ...`);
    const r = spawnSync('make', ['-C', 'native-helpers'], { cwd: REPO, stdio: 'inherit' });
    if (r.status !== 0) return 'make -C native-helpers failed';
    break;
  }
  return null;
}

export interface CoreChildConfig {
  dataDir: string;
  processSensor: 'ebpf' | 'cn_proc' | 'off' | 'auto';
  watchFolders?: string[];
  host?: 'agent' | 'test';
}

export interface CoreChild {
  readonly pid: number;
  /** Time createCore took in the child (database, sensors, helper self-test and start). */
  readonly startMs: number;
  readonly status0: Status;
  /** Warnings and errors the core logged. */
  readonly log: string[];
  status(): Promise<{ status: Status; memory: NodeJS.MemoryUsage }>;
  stop(): Promise<void>;
}

export function startCoreChild(config: CoreChildConfig, timeoutMs = 60_000): Promise<CoreChild> {
  const child: ChildProcess = fork(HOST, [JSON.stringify({ ...config, coreModule: CORE_MODULE, helpersDir: HELPERS_DIR, host: config.host ?? 'agent' })], {
    detached: true, // its own process group: the helper it starts is ended with it at cleanup
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  trackChild(child);
  const log: string[] = [];
  let waiting: { type: string; resolve: (m: Record<string, unknown>) => void } | null = null;
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => { exited = true; untrackChild(child); resolve(); }));

  const request = (cmd: string, reply: string, ms: number) => new Promise<Record<string, unknown>>((resolve, reject) => {
    if (exited) { reject(new Error('the core process is gone')); return; }
    const timer = setTimeout(() => { waiting = null; reject(new Error(`the core did not answer "${cmd}" within ${ms} ms`)); }, ms);
    waiting = { type: reply, resolve: (m) => { clearTimeout(timer); resolve(m); } };
    child.send({ cmd });
  });

  return new Promise<CoreChild>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the core did not start within ${timeoutMs} ms`)); }, timeoutMs);
    child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`the core process exited (${signal ?? code}) before it was ready: ${log.join(' | ')}`)); });
    child.on('message', (raw) => {
      const m = raw as Record<string, unknown> & { type: string };
      if (m.type === 'log') { log.push(`[${String(m.level)}] ${String(m.message)}`); return; }
      if (m.type === 'failed') { clearTimeout(timer); reject(new Error(`the core did not start: ${String(m.message).split('\n')[0]}`)); return; }
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve({
          pid: child.pid!,
          startMs: m.startMs as number,
          status0: m.status as Status,
          log,
          status: async () => {
            const r = await request('status', 'status', 10_000);
            return { status: r.status as Status, memory: r.memory as NodeJS.MemoryUsage };
          },
          stop: async () => {
            if (exited) return;
            child.send({ cmd: 'stop' });
            const killer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 20_000);
            await exitPromise;
            clearTimeout(killer);
          },
        });
        return;
      }
      if (waiting && m.type === waiting.type) { const w = waiting; waiting = null; w.resolve(m); }
    });
  });
}

/** The process sensor's entry of a status (tier, state, eventsLost). */
export function processSensorOf(status: Status): { state: string; tier: string | null; detail: string | null; eventsLost: number } | null {
  const s = status.sensors.find((x) => x.id === 'process') as { state: string; tier?: string | null; detail: string | null; eventsLost?: number } | undefined;
  return s ? { state: s.state, tier: s.tier ?? null, detail: s.detail, eventsLost: s.eventsLost ?? 0 } : null;
}
