// The whole core through an exec storm: 20,000 short-lived processes from one bash loop, as fast as the
// machine runs them. Every exec must be in the store with its marker and index, or missing only as far as
// the sensor reported lost events (never silently). Runs the 'auto' tier (what a user gets); set
// MAMORI_STORM_TIER=ebpf|cn_proc to pick one. The CPU figure printed is this whole test process.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../../main/core/index.js';
import { tempDirs } from '../../../helpers/temp.js';
import { HELPERS_DIR as helpersDir, helperSkipReason } from '../../../helpers/native-helper.js';
import { countStorm, processStatus, runLoop, settle } from './storm.js';

const dirs = tempDirs();
const cores: Core[] = [];
afterEach(async () => { for (const c of cores.splice(0)) await c.stop(); dirs.cleanup(); });

const N = 20_000;
const choice = (process.env.MAMORI_STORM_TIER ?? 'auto') as 'auto' | 'ebpf' | 'cn_proc';
const binaries = { ebpf: ['mamori-proc-ebpf'], cn_proc: ['mamori-proc-cn'], auto: ['mamori-proc-ebpf', 'mamori-proc-cn'] }[choice];
const reasons = binaries.map((b) => helperSkipReason(join(helpersDir, b)));
const skip = reasons.every((r) => r !== null) ? reasons.join('; ') : null;

describe.skipIf(skip !== null)(`process sensor under an exec storm (${choice})${skip ? ` (skipped: no helper can run: ${skip})` : ''}`, () => {
  it(`stores all ${N.toLocaleString('en')} execs of a storm, or exactly accounts for what the kernel dropped`, async () => {
    const dataDir = dirs.make('mamori-storm-');
    const core = await createCore({ dataDir, watchFolders: [], host: 'test', processSensor: choice, helpersDir, log: () => undefined });
    cores.push(core);
    const before = await processStatus(core);
    expect(before.state).toBe('running');
    const marker = `mamori-storm-${process.pid}-${Date.now().toString(36)}`;

    const cpu0 = process.cpuUsage();
    const loop = await runLoop(marker, N);
    const count = await settle(() => countStorm(dataDir, loop.pid, marker, N), N, 5000, 60_000);
    const cpu = process.cpuUsage(cpu0);
    const after = await processStatus(core);
    const lost = after.eventsLost - before.eventsLost;
    const missing = N - count.execs;
    console.log(`[storm] tier ${after.tier}: ${N} execs in ${(loop.wallMs / 1000).toFixed(1)} s; stored ${count.execs} exec events, `
      + `${count.withArgs} with marker and index (${missing} missing, ${count.badOrDuplicate} bad or duplicate); eventsLost ${lost}; `
      + `test process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s = ${Math.round((cpu.user + cpu.system) / N)} µs per exec`);

    expect(after.state).toBe('running');
    expect(count.badOrDuplicate).toBe(0);
    // Missing execs only as far as the sensor counted losses (its count covers every event type, so it may be larger).
    expect(missing).toBeGreaterThanOrEqual(0);
    if (missing > 0) expect(lost, `${missing} execs missing but only ${lost} events reported lost`).toBeGreaterThanOrEqual(missing);
    if (after.tier === 'ebpf') {
      // argv is captured in the kernel: every stored exec carries the marker and its own index.
      expect(count.withArgs).toBe(count.execs);
      expect(count.missingIndexes).toBe(missing);
    } else {
      // cn_proc reads argv from /proc after the fact: a /bin/true that already exited has none (a known limit).
      expect(count.withArgs).toBeLessThanOrEqual(count.execs);
    }
  }, 240_000);
});
