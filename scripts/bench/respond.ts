// Benchmark 6: response time. A critical behaviour rule matches a process this bench starts; Mamori's policy
// kills its tree on its own. Measured per process, in this process's clock: exec -> alert (detection),
// alert -> the process is gone and reaped (response), and the whole exec -> gone. The baseline side by side
// is the floor: this bench killing the same kind of process itself and waiting for it to be reaped.
// The compiled core (dist/) runs in this process with the real process sensor (root: eBPF or cn_proc); the
// firewall is never touched (network responses off).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Alert } from '../../preload/contract/index.js';
import { removeOnExit } from './lib/cleanup.js';
import { REPO, build, snapshotBuild } from './lib/core-child.js';
import { fmtInt, formatGrid, machineInfo, quantile } from './lib/report.js';

export interface RespondBenchOptions { processes: number; seed: number }

type CoreModule = typeof import('../../main/core/index.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat[stat.lastIndexOf(')') + 2];
    return state === 'T' || state === 't' || state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

/** Starts `sh -c 'sleep 30; true MARKER'` (its own process group); resolves when it has been reaped. */
function victim(marker: string): { pid: number; gone: Promise<number> } {
  const child = spawn('sh', ['-c', `sleep 30; true ${marker}`], { stdio: 'ignore', detached: true });
  const gone = new Promise<number>((resolve) => child.once('exit', () => resolve(performance.now())));
  return { pid: child.pid!, gone };
}

export async function respondBench(o: RespondBenchOptions): Promise<number> {
  const machine = machineInfo();
  console.log(`Mamori response-time benchmark (${machine.nproc} cores, ${machine.cpu}, node ${process.versions.node})`);
  if (process.getuid?.() !== 0) { console.log('  skipped: the process sensor needs root'); return 0; }
  const work = mkdtempSync(join(tmpdir(), 'mamori-bench-respond-'));
  removeOnExit(work);
  const broken = await snapshotBuild(join(work, 'app'));
  if (broken) { console.log(`  cannot build the core: ${broken}`); return 1; }
  const helpersDir = join(REPO, 'native-helpers', 'bin');
  if (!existsSync(join(helpersDir, 'mamori-proc-signal'))) { console.log('  mamori-proc-signal is missing: run make -C native-helpers'); return 1; }
  const marker = `mamori-bench-respond-${o.seed}-${process.pid}`;
  const rulesDir = join(work, 'rules');
  mkdirSync(join(rulesDir, 'sigma'), { recursive: true });
  mkdirSync(join(rulesDir, 'yara'), { recursive: true });
  writeFileSync(join(rulesDir, 'sigma', 'bench.yml'), [
    'title: Response benchmark marker', 'id: 6f1c1e8e-2d52-4d0b-9a57-3b9d5f0c0b01', 'status: test', 'level: critical',
    'logsource: {category: process_creation, product: linux}', `detection: {selection: {CommandLine|contains: '${marker}'}, condition: selection}`, '',
  ].join('\n'));
  const mod = (await import(pathToFileURL(build().coreModule).href)) as CoreModule;
  const core = await mod.createCore({
    dataDir: join(work, 'data'), host: 'test', processSensor: 'auto', fileSensor: 'off', networkSensor: 'off', network: 'off', autoResponse: true,
    scheduledScans: false, rulesDir, helpersDir, log: () => {},
  });
  const failures: string[] = [];
  try {
    const status = await core.api.getStatus({});
    const sensor = status.sensors.find((s) => s.id === 'process');
    if (sensor?.state !== 'running') { console.log(`  skipped: the process sensor is not running (${sensor?.detail ?? 'no detail'})`); return 0; }
    const policy = (await core.api.getSettings({})).responsePolicy;
    // Only the kill is measured: no isolation attempt in between.
    await core.api.updateSettings({ responsePolicy: { ...policy, bySeverity: { ...policy.bySeverity, critical: { file: 'act', process: 'act', network: 'record' } } } });
    const alertAt = new Map<number, number>();
    const stoppedAt = new Map<number, number>();
    core.events.on('alert', (a: Alert) => {
      const pid = a.process?.pid;
      if (pid === undefined || alertAt.has(pid)) return;
      alertAt.set(pid, performance.now());
      // Stopped: frozen (SIGSTOP, the first thing Mamori sends) or already gone, as /proc shows it.
      const poll = () => {
        if (isStopped(pid)) stoppedAt.set(pid, performance.now());
        else setTimeout(poll, 1);
      };
      poll();
    });

    const detection: number[] = [];
    const stopping: number[] = [];
    const response: number[] = [];
    const total: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < o.processes; i++) {
      // Side by side: Mamori stops one, then the bench stops one itself.
      const t0 = performance.now();
      const v = victim(marker);
      const gone = await Promise.race([v.gone, sleep(10_000).then(() => null)]);
      if (gone === null) {
        failures.push(`process ${v.pid} was not stopped within 10 s`);
        try { process.kill(-v.pid, 'SIGKILL'); } catch { /* gone */ }
        await v.gone;
      } else {
        const at = alertAt.get(v.pid);
        if (at === undefined) failures.push(`process ${v.pid} ended without an alert naming it`);
        else {
          detection.push(at - t0);
          response.push(gone - at);
          total.push(gone - t0);
          const stopped = stoppedAt.get(v.pid);
          if (stopped !== undefined) stopping.push(stopped - at);
        }
      }
      const b = victim('baseline');
      await sleep(20); // let it start, as Mamori's victims had
      const k0 = performance.now();
      process.kill(-b.pid, 'SIGKILL');
      floor.push((await b.gone) - k0);
      await sleep(50);
    }
    const row = (name: string, xs: number[]) => [name, fmtInt(xs.length), quantile(xs, 0.5).toFixed(1), quantile(xs, 0.99).toFixed(1), Math.max(...xs).toFixed(1)];
    console.log(`\n6. Response time: ${o.processes} processes matching a critical rule, killed by policy; load ${loadavg()[0]!.toFixed(2)}`);
    console.log(formatGrid(['interval (ms)', 'n', 'p50', 'p99', 'max'], [
      row('exec -> alert (detection)', detection),
      row('alert -> process stopped (frozen or gone)', stopping),
      row('alert -> process gone (Mamori\'s response)', response),
      row('exec -> process gone', total),
      row('baseline: kill -> gone (the bench itself)', floor),
    ], [0]));
    const p50 = quantile(response, 0.5);
    console.log(`Detection -> stopped: p50 ${quantile(stopping, 0.5).toFixed(1)} ms, p99 ${quantile(stopping, 0.99).toFixed(1)} ms; `
      + `gone vs the floor: p50 ${(p50 / quantile(floor, 0.5)).toFixed(1)}x (${p50.toFixed(1)} ms vs ${quantile(floor, 0.5).toFixed(1)} ms)`);
    if (failures.length) console.log(`Failures (${failures.length}):\n  ${failures.slice(0, 10).join('\n  ')}`);
    mkdirSync(join(REPO, 'bench-results'), { recursive: true });
    const out = {
      at: new Date().toISOString(), machine, processes: o.processes, sensor: sensor.detail, failures,
      ms: { detection, stopping, response, total, floor },
      summary: Object.fromEntries(Object.entries({ detection, stopping, response, total, floor }).map(([k, xs]) => [k, { p50: quantile(xs, 0.5), p99: quantile(xs, 0.99) }])),
    };
    const file = join(REPO, 'bench-results', `respond-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(out, null, 2));
    writeFileSync(join(REPO, 'bench-results', 'latest-respond.json'), JSON.stringify(out, null, 2));
    console.log(`Results: ${file}`);
    return failures.length ? 1 : 0;
  } finally {
    await core.stop();
  }
}
