// Behaviour-rule tests: a real core with the real process sensor and Mamori's rule pack, a temp folder the
// file sensor watches, and a way to run real commands as children and wait for (or rule out) their alerts.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert } from '../../preload/contract/index.js';
import { createCore, type Core } from '../../main/core/index.js';
import { HELPERS_DIR, helperSkipReason } from './native-helper.js';

export interface BehaviourCore {
  core: Core;
  /** A temp folder the file sensor watches; the test's files go here. */
  dir: string;
  /** Runs `sh -c cmd` as a child of the test and waits for it to end. */
  run(cmd: string, opts?: { cwd?: string; env?: Record<string, string> }): Promise<{ pid: number; code: number | null }>;
  /** Waits (default 5 s) for alerts of this rule (its `name`); [] when none came. */
  alerts(ruleName: string, timeoutMs?: number): Promise<Alert[]>;
  /** Waits, then fails if this rule raised an alert. */
  noAlerts(ruleName: string, waitMs?: number): Promise<void>;
  stop(): Promise<void>;
}

let cachedReason: string | null | undefined;

/** null when behaviour tests can run here (root, the eBPF or cn_proc helper works); else why not. */
export function behaviourSkipReason(): string | null {
  if (cachedReason !== undefined) return cachedReason;
  if (process.getuid?.() !== 0) return (cachedReason = 'the process sensor needs root');
  const ebpf = helperSkipReason(join(HELPERS_DIR, 'mamori-proc-ebpf'));
  const cn = ebpf ? helperSkipReason(join(HELPERS_DIR, 'mamori-proc-cn')) : null;
  return (cachedReason = ebpf && cn ? `no process sensor runs here: ${ebpf}; ${cn}` : null);
}

export async function startBehaviourCore(o: { rulesDir?: string; watch?: boolean } = {}): Promise<BehaviourCore> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mamori-behaviour-data-'));
  const dir = mkdtempSync(join(tmpdir(), 'mamori-behaviour-'));
  const logs: string[] = [];
  const core = await createCore({
    dataDir, host: 'test', processSensor: 'auto', fileSensor: o.watch === false ? 'off' : 'chokidar', watchFolders: [dir],
    rulesDir: o.rulesDir ?? join(process.cwd(), 'rules'), log: (level, m) => logs.push(`${level} ${m}`),
  });
  const status = await core.api.getStatus({});
  const proc = status.sensors.find((s) => s.id === 'process');
  if (proc?.state !== 'running') {
    await core.stop();
    throw new Error(`the process sensor is not running (${proc?.detail ?? 'no detail'}):\n${logs.join('\n')}`);
  }
  const seen = async (ruleName: string) => (await core.api.listAlerts({ limit: 1000 })).items.filter((a) => a.ruleId === ruleName);
  return {
    core,
    dir,
    run: (cmd, opts = {}) => new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', cmd], { cwd: opts.cwd ?? dir, env: { ...process.env, ...opts.env }, stdio: 'ignore' });
      child.once('error', reject);
      child.once('close', (code) => resolve({ pid: child.pid!, code }));
    }),
    async alerts(ruleName, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = await seen(ruleName);
        if (found.length || Date.now() > until) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async noAlerts(ruleName, waitMs = 1500) {
      await new Promise((r) => setTimeout(r, waitMs));
      const found = await seen(ruleName);
      if (found.length) {
        throw new Error(`expected no alert of ${ruleName}, got ${found.length}: ${found.map((a) => a.process?.command_line ?? a.title).join(' | ')}`);
      }
    },
    async stop() {
      await core.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
