// Start a Mamori core in a child Node process (lib/core-host.mjs) and talk to it: ready, status, stop.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Status } from '../../../preload/contract/index.js';
import { trackChild, untrackChild } from './cleanup.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const HOST = fileURLToPath(new URL('./core-host.mjs', import.meta.url));
const HELPERS = ['mamori-proc-ebpf', 'mamori-proc-cn', 'mamori-file-fanotify'];

/** What the bench measures: a copy of the compiled core and the helpers, made once per run (see snapshotBuild). */
export interface Build {
  root: string;
  coreModule: string;
  storeModule: string;
  helpersDir: string;
}

let current: Build | null = null;

/** The newest modification time of the TypeScript the core is built from (main/, preload/). */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const top of ['main', 'preload']) walk(join(REPO, top));
  return newest;
}

/** The snapshot in use; snapshotBuild() must have run. */
export function build(): Build {
  if (!current) throw new Error('snapshotBuild() has not run');
  return current;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Copy the compiled core (dist/main, dist/preload, package.json) and the native helpers into `dir`, building
 * them first when missing. Every measurement of the run then uses the same build, even if someone rebuilds
 * dist/ meanwhile (the build empties dist/ first). node_modules is linked, not copied.
 */
export async function snapshotBuild(dir: string): Promise<string | null> {
  const dist = join(REPO, 'dist');
  const ready = () => existsSync(join(dist, 'main/core/index.js')) && existsSync(join(dist, 'main/core/store/index.js'))
    && existsSync(join(dist, 'preload/contract/index.js')) && HELPERS.every((h) => existsSync(join(REPO, 'native-helpers/bin', h)));
  if (!ready()) {
    // Maybe a build is running right now (it starts by emptying dist/): give it a moment before building.
    for (let i = 0; i < 40 && !ready(); i++) await sleep(500);
  }
  const stale = existsSync(join(dist, 'main/core/index.js')) && newestSource() > statSync(join(dist, 'main/core/index.js')).mtimeMs;
  if (!existsSync(join(dist, 'main/core/index.js')) || stale) {
    // A stale dist/ would measure yesterday's code under today's name.
    console.log(`  dist/ is ${stale ? 'older than the sources' : 'missing'}: building (node scripts/build.mjs) ...`);
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
    if (r.status !== 0) return 'the build (npm run build) failed';
  }
  if (!HELPERS.every((h) => existsSync(join(REPO, 'native-helpers/bin', h)))) {
    console.log('  a native helper is missing: building (make -C native-helpers) ...');
    const r = spawnSync('make', ['-C', 'native-helpers'], { cwd: REPO, stdio: 'inherit' });
    if (r.status !== 0) return 'make -C native-helpers failed';
  }
  if (!ready()) return 'dist/ or native-helpers/bin is incomplete after the build';
  mkdirSync(join(dir, 'dist'), { recursive: true });
  cpSync(join(dist, 'main'), join(dir, 'dist/main'), { recursive: true });
  cpSync(join(dist, 'preload'), join(dir, 'dist/preload'), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'native-helpers/bin'), { recursive: true });
  for (const h of HELPERS) cpSync(join(REPO, 'native-helpers/bin', h), join(dir, 'native-helpers/bin', h));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  if (!existsSync(join(dir, 'dist/main/core/index.js'))) return 'dist/ vanished while it was copied (a build running?)';
  current = {
    root: dir,
    coreModule: join(dir, 'dist/main/core/index.js'),
    storeModule: join(dir, 'dist/main/core/store/index.js'),
    helpersDir: join(dir, 'native-helpers/bin'),
  };
  return null;
}

export interface CoreChildConfig {
  dataDir: string;
  processSensor: 'ebpf' | 'cn_proc' | 'off' | 'auto';
  watchFolders?: string[];
  host?: 'agent' | 'test';
  /** The file sensor and the filesystems it marks (and guards); unset: the core's defaults. */
  fileSensor?: 'auto' | 'fanotify' | 'chokidar' | 'off';
  fileMounts?: string[];
  execVerdictTimeoutMs?: number;
  /** Passed to api.updateSettings before the core reports ready. */
  settings?: Record<string, unknown>;
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
  const b = build();
  const child: ChildProcess = fork(HOST, [JSON.stringify({ ...config, coreModule: b.coreModule, helpersDir: b.helpersDir, host: config.host ?? 'agent' })], {
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

/** The file sensor's entry of a status (tier, state, detail, eventsLost). */
export function fileSensorOf(status: Status): { state: string; tier: string | null; detail: string | null; eventsLost: number } | null {
  const s = status.sensors.find((x) => x.id === 'file-watch') as { state: string; tier?: string | null; detail: string | null; eventsLost?: number } | undefined;
  return s ? { state: s.state, tier: s.tier ?? null, detail: s.detail, eventsLost: s.eventsLost ?? 0 } : null;
}

/** The process sensor's entry of a status (tier, state, eventsLost). */
export function processSensorOf(status: Status): { state: string; tier: string | null; detail: string | null; eventsLost: number } | null {
  const s = status.sensors.find((x) => x.id === 'process') as { state: string; tier?: string | null; detail: string | null; eventsLost?: number } | undefined;
  return s ? { state: s.state, tier: s.tier ?? null, detail: s.detail, eventsLost: s.eventsLost ?? 0 } : null;
}
