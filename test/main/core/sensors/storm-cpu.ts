// CPU the core spends per exec: a whole core (process sensor on the chosen tier) through an exec storm,
// measured as this process's user+system CPU (worker threads included) from the storm's start until the
// store holds its exec events, divided by the execs. Not a test: run it by hand, e.g.
//   node --import tsx test/main/core/sensors/storm-cpu.ts --tier ebpf --execs 5000 [--cpu-prof]
// (add `node --cpu-prof --cpu-prof-dir=/tmp/prof ...` to see where the time goes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../../../main/core/index.js';
import { countStorm, runLoop, settle } from './storm.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
};
const tier = arg('tier', 'ebpf') as 'ebpf' | 'cn_proc';
const n = Number(arg('execs', '5000'));
const dataDir = mkdtempSync(join(tmpdir(), 'mamori-storm-cpu-'));
try {
  const core = await createCore({
    dataDir, watchFolders: [], host: 'test', processSensor: tier,
    helpersDir: join(process.cwd(), 'native-helpers', 'bin'), log: () => undefined,
  });
  await new Promise((r) => setTimeout(r, 1000)); // helper attached
  // Warm-up storm, not measured: worker threads loaded, code optimised, /bin/true hashed once.
  const warm = `mamori-storm-warm-${process.pid}`;
  const warmLoop = await runLoop(warm, 500);
  await settle(() => countStorm(dataDir, warmLoop.pid, warm, 500), 500);
  const marker = `mamori-storm-cpu-${process.pid}-${Date.now()}`;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  const loop = await runLoop(marker, n);
  // Counting reads the SQLite file in this process too: its CPU is taken out of the figure.
  let countingUs = 0;
  const count = await settle(() => {
    const c0 = process.cpuUsage();
    const c = countStorm(dataDir, loop.pid, marker, n);
    const c1 = process.cpuUsage(c0);
    countingUs += c1.user + c1.system;
    return c;
  }, n);
  const raw = process.cpuUsage(cpu0);
  const cpu = { user: raw.user - countingUs, system: raw.system };
  const wall = Date.now() - t0;
  const stored = (await core.api.getStatus({})).sensors.find((s) => s.id === 'process');
  await core.stop();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(JSON.stringify({
    tier, execs: n, loopWallMs: loop.wallMs, untilStoredMs: wall, stored: count, coreCpuS: +cpuS.toFixed(3),
    userS: +(cpu.user / 1e6).toFixed(3), systemS: +(cpu.system / 1e6).toFixed(3),
    cpuUsPerExec: Math.round((cpuS * 1e6) / n), countingS: +(countingUs / 1e6).toFixed(3), load: (await import('node:os')).loadavg().map((l) => +l.toFixed(2)), sensor: stored,
  }));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
