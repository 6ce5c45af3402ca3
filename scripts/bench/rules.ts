// Benchmark 5: behaviour rules. Events per second through the Sigma engine (compiled core from dist/, in
// this process, one thread) with every rule loaded: Mamori's own pack plus SigmaHQ's Linux rules (test data
// in ../shared/corpora, when present). The baseline side by side is the engine with no rules at all: the
// cost of routing an event, which every rule count is compared with. Then how the rate changes from 10
// rules to all of them. Events: a deterministic mix shaped like the sensors' (70 % exec with command
// lines, 20 % file writes, 10 % connections).
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TelemetryEvent } from '../../preload/contract/index.js';
import { removeOnExit } from './lib/cleanup.js';
import { REPO, build, snapshotBuild } from './lib/core-child.js';
import { execEventSource } from './lib/exec-events.js';
import { Rng } from './lib/prng.js';
import { fmtInt, formatGrid, machineInfo, median } from './lib/report.js';

export interface RulesBenchOptions { events: number; runs: number; seed: number }

export const RULES_TARGET_EVENTS_PER_SEC = 200_000;

type SigmaModule = typeof import('../../main/core/detect/sigma/index.js');

/** The event mix: exec events from the store bench's generator, plus file writes and connections. */
function eventMix(total: number, seed: number): TelemetryEvent[] {
  const r = new Rng(seed + 7);
  const execs = execEventSource(total, seed).next(total);
  const dirs = ['/home/alice/Documents', '/home/bob/src/app', '/tmp', '/var/log', '/etc/nginx/conf.d', '/home/alice/.config/app', '/srv/www'];
  const names = ['report.pdf', 'notes.txt', 'index.js', 'access.log', 'site.conf', 'settings.json', 'photo.jpg', 'build.tar.gz'];
  return execs.map((e, i) => {
    const x = r.next();
    const base = { ...e, id: i + 1 } as TelemetryEvent;
    if (x < 0.7) return base;
    if (x < 0.9) {
      const path = `${r.pick(dirs)}/${r.pick(names)}`;
      return {
        ...base, event: { kind: 'file', action: r.pick(['create', 'modify', 'modify', 'rename']), sequence: null, provider: 'fanotify' },
        file: { path, name: path.slice(path.lastIndexOf('/') + 1), directory: path.slice(0, path.lastIndexOf('/')) },
      } as TelemetryEvent;
    }
    return {
      ...base, event: { kind: 'network', action: r.pick(['connect', 'connect', 'accept']), sequence: null },
      destination: { ip: r.pick(['192.168.1.20', '10.0.0.5', '151.101.2.132', '127.0.0.1', '93.184.216.34']), port: r.pick([443, 80, 22, 5432, 8080]) },
      network: { transport: 'tcp', type: 'ipv4' },
    } as TelemetryEvent;
  });
}

function rate(mod: SigmaModule, rules: ReturnType<SigmaModule['loadRuleFolders']>, n: number | null, events: TelemetryEvent[], runs: number)
  : { perSec: number; findings: number } {
  const chosen = n === null ? rules.rules : rules.rules.slice(0, n);
  const ids = new Set(chosen.map((r) => r.id));
  const correlations = n === null ? rules.correlations : rules.correlations.filter((c) => c.ruleIds.every((id) => ids.has(id)));
  const rates: number[] = [];
  let findings = 0;
  for (let run = 0; run < runs; run++) {
    const engine = new mod.SigmaEngine(chosen, correlations);
    for (let i = 0; i < Math.min(20_000, events.length); i++) engine.evaluate(events[i]!); // warm up the JIT
    const fresh = new mod.SigmaEngine(chosen, correlations);
    findings = 0;
    const t0 = performance.now();
    for (const e of events) findings += fresh.evaluate(e).length;
    rates.push(events.length / ((performance.now() - t0) / 1000));
  }
  return { perSec: median(rates), findings };
}

export async function rulesBench(o: RulesBenchOptions): Promise<number> {
  const machine = machineInfo();
  console.log(`Mamori behaviour-rules benchmark (${machine.nproc} cores, ${machine.cpu}, node ${process.versions.node}), one thread`);
  const work = mkdtempSync(join(tmpdir(), 'mamori-bench-rules-'));
  removeOnExit(work);
  const broken = await snapshotBuild(join(work, 'app'));
  if (broken) { console.log(`  cannot build the core: ${broken}`); return 1; }
  const mod = (await import(pathToFileURL(join(build().root, 'dist/main/core/detect/sigma/index.js')).href)) as SigmaModule;
  const corpora = join(REPO, '..', 'shared', 'corpora');
  const folders = [join(REPO, 'rules', 'sigma'), join(corpora, 'sigma-linux', 'rules', 'linux'), join(corpora, 'sigma-linux-extra')].filter((d) => existsSync(d));
  if (folders.length === 1) console.log('  note: ../shared/corpora is not here: Mamori\'s own pack only');
  const loaded = mod.loadRuleFolders(folders);
  const failed = loaded.results.filter((r) => !r.loaded).length;
  console.log(`  rules: ${loaded.rules.length} loaded (${loaded.correlations.length} correlations) from ${folders.length} folder(s); ${failed} not loaded (unsupported logsources)`);
  const events = eventMix(o.events, o.seed);
  // Mamori's own rules first, then SigmaHQ's: "10 rules" are Mamori's.
  const steps = [0, 10, 25, 50, 100].filter((n) => n < loaded.rules.length);
  const rows: string[][] = [];
  const baseline = rate(mod, loaded, 0, events, o.runs);
  let all = baseline;
  for (const n of [...steps.slice(1), null]) {
    const r = rate(mod, loaded, n, events, o.runs);
    if (n === null) all = r;
    rows.push([n === null ? `all ${loaded.rules.length}` : String(n), fmtInt(r.perSec), `${(r.perSec / baseline.perSec).toFixed(3)}x`,
      (1e6 / r.perSec).toFixed(2), fmtInt(r.findings)]);
  }
  const pass = all.perSec >= RULES_TARGET_EVENTS_PER_SEC;
  const table = formatGrid(['rules loaded', 'events/s', 'vs no rules', 'µs/event', 'findings'],
    [['none (routing only: the baseline)', fmtInt(baseline.perSec), '1.000x', (1e6 / baseline.perSec).toFixed(2), '0'], ...rows]);
  console.log(`\n5. Behaviour rules: ${fmtInt(events.length)} events (70 % exec, 20 % file, 10 % network), median of ${o.runs}; load ${loadavg()[0]!.toFixed(2)}`);
  console.log(table);
  console.log(`Target: all rules >= ${fmtInt(RULES_TARGET_EVENTS_PER_SEC)} events/s on one thread: ${pass ? 'PASS' : 'FAIL'} (${fmtInt(all.perSec)}/s)`);
  mkdirSync(join(REPO, 'bench-results'), { recursive: true });
  const out = { at: new Date().toISOString(), machine, folders, rules: loaded.rules.length, correlations: loaded.correlations.length, baseline: baseline.perSec, table: rows, allPerSec: all.perSec, pass };
  const file = join(REPO, 'bench-results', `rules-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(out, null, 2));
  writeFileSync(join(REPO, 'bench-results', 'latest-rules.json'), JSON.stringify(out, null, 2));
  console.log(`Results: ${file}`);
  return 0;
}
