// `npm run bench` -> node --import tsx scripts/bench/run.ts [options]
// Each group prints its tables and writes bench-results/<name>-<timestamp>.json: the scan group also
// bench-results/latest.json (as before), the telemetry group bench-results/latest-telemetry.json, the files
// group bench-results/latest-files.json.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { FILES_TESTS, filesBench, type FilesBenchOptions, type FilesTest } from './files.js';
import { respondBench, type RespondBenchOptions } from './respond.js';
import { rulesBench, type RulesBenchOptions } from './rules.js';
import { cleanupAll } from './lib/cleanup.js';
import { scanThroughput, type ScanBenchOptions } from './scan-throughput.js';
import {
  STORM_AGENTS, TELEMETRY_TESTS, telemetryBench, type StormAgent, type TelemetryBenchOptions, type TelemetryTest,
} from './telemetry.js';

const GROUPS = ['scan', 'telemetry', 'yara', 'files', 'rules', 'respond'] as const;
type Group = (typeof GROUPS)[number];

const HELP = `Usage: npm run bench -- [options]

  --group G        which benchmarks: scan, telemetry, yara, files, rules, respond or all (default all; 8-12 minutes on 2 cores)
  --quick          small sizes everywhere for a fast check (about 1.5 minutes for all)
  --runs R         runs per contender, the median is reported (default 3; scan, exec storm, store, files and rules)
  --seed S         seed of the generated data (default 1)
  -h, --help       this text

1. scan: Mamori's on-demand scan vs the machine's SHA-256 limit, sha256sum and clamscan, over a
   generated corpus (removed at the end).
  --files N        number of files (default 2000, plus one EICAR file)
  --mb M           total size in MB of 1,000,000 bytes (default 700)
  --only a,b       only these contenders: mamori, sha256sum, clamscan (the limit always runs)
  --target X       Mamori's target as a fraction of the limit (default 0.8)
  --keep           keep the corpus directory and print its path

2. telemetry: process telemetry (Linux, root: eBPF, cn_proc, auditd). Mamori runs as the compiled
   core (dist/) in a child process; dist/ and native-helpers/bin are built when missing.
  --tests a,b      which: storm, store, latency, idle (default all four)
  --storm N        execs of /bin/true per exec-storm run (default 5000)
  --storm-with a,b agents compared with no agent: ebpf, cn_proc, auditd (default all three;
                   auditd is skipped with the reason when it is not installed or already running)
  --events N       synthetic exec events inserted into the store (default 200000)
  --batch N        events per insertBatch (default 5000)
  --latency-execs N  execs timed from spawn to stored (default 200)
  --latency-gap-ms N time between them (default 20)
  --idle-seconds N idle window measured (default 30)
  --settle-seconds N wait after the core starts, before the idle window (default 10)

3. yara: Mamori's YARA scanning (mamori-yara) vs \`yara -C -r\` with the ReversingLabs rules from
   ../shared/corpora over ~300 MB of real binaries, libraries and text (scripts/bench/yara.ts; skipped
   with the reason when the rules or the yara CLI are missing).
  --yara-mb M      corpus size in MB (default 300; 60 with --quick)

4. files: file protection (Linux, root). On a tmpfs the bench mounts in its temp dir (the only
   filesystem the cores mark and exec-guard; unmounted at the end and on Ctrl-C): tar -x of a large
   tree with no agent vs the core's fanotify file sensor (events stored vs expected, lost, events/s),
   and an exec storm of copies of /bin/true with no agent, the sensor without the guard, and the
   exec guard cold (every copy checked once) and warm (cached). Needs tar; cc for per-exec p50/p99.
  --file-tests a,b which: untar, exec (default both)
  --untar-files N  files in the tree (default 20000; 3000 with --quick)
  --untar-dirs N   directories they are spread over (default 2000; 300 with --quick)
  --execs N        execs per exec-storm pass (default 2000; 300 with --quick)
  --verdict-timeout-ms N  the exec guard's verdict deadline (default: the core's, 300 ms)

5. rules: behaviour rules. Events/s through the Sigma engine (dist/, one thread) with Mamori's pack and
   SigmaHQ's Linux rules from ../shared/corpora, against the engine with no rules (routing only), and
   from 10 rules to all of them (scripts/bench/rules.ts). Target: >= 200,000 events/s with all rules.
  --rule-events N  events per pass (default 200000; 50000 with --quick)

6. respond: response time (Linux, root). Processes this bench starts match a critical behaviour rule and
   Mamori's policy kills them: exec -> alert, alert -> process gone (p50/p99), against the floor of the
   bench killing the same kind of process itself (scripts/bench/respond.ts). The firewall is not touched.
  --respond-processes N  processes (default 100; 20 with --quick)

Exit status: 0 whatever the PASS/FAIL of the targets; 1 when a contender crashed or gave a wrong
result (scan: wrong file count, bytes, or not exactly one finding; telemetry: Mamori eBPF did not
store every exec with its command line, the store lost events or searched wrong; files: a file create missing that the sensor did not count as lost,
an exec of /bin/true blocked); 2 on bad options.`;

function positive(name: string, value: string | undefined, fallback: number, integer = true): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  return n;
}

function list<T extends string>(name: string, value: string | undefined, known: readonly T[]): T[] | null {
  if (value === undefined) return null;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const id of items) if (!(known as readonly string[]).includes(id)) throw new Error(`--${name}: unknown "${id}" (${known.join(', ')})`);
  return items as T[];
}

async function main(): Promise<number> {
  let groups: Group[];
  let scan: ScanBenchOptions;
  let telemetry: TelemetryBenchOptions;
  let yaraArgs: string[];
  let files: FilesBenchOptions;
  let rules: RulesBenchOptions;
  let respond: RespondBenchOptions;
  try {
    const { values } = parseArgs({
      options: {
        group: { type: 'string' },
        quick: { type: 'boolean', default: false },
        files: { type: 'string' },
        mb: { type: 'string' },
        runs: { type: 'string' },
        seed: { type: 'string' },
        only: { type: 'string' },
        target: { type: 'string' },
        keep: { type: 'boolean', default: false },
        tests: { type: 'string' },
        storm: { type: 'string' },
        'storm-with': { type: 'string' },
        events: { type: 'string' },
        batch: { type: 'string' },
        'latency-execs': { type: 'string' },
        'latency-gap-ms': { type: 'string' },
        'idle-seconds': { type: 'string' },
        'settle-seconds': { type: 'string' },
        'yara-mb': { type: 'string' },
        'file-tests': { type: 'string' },
        'untar-files': { type: 'string' },
        'untar-dirs': { type: 'string' },
        execs: { type: 'string' },
        'verdict-timeout-ms': { type: 'string' },
        'rule-events': { type: 'string' },
        'respond-processes': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) { console.log(HELP); return 0; }
    const group = values.group ?? 'all';
    if (group !== 'all' && !(GROUPS as readonly string[]).includes(group)) throw new Error(`--group must be ${GROUPS.join(', ')} or all, got "${group}"`);
    groups = group === 'all' ? [...GROUPS] : [group as Group];
    const quick = values.quick ?? false;
    const only = list('only', values.only, ['sha256-limit', 'limit', 'mamori', 'sha256sum', 'clamscan']);
    const runs = positive('runs', values.runs, 3);
    const seed = positive('seed', values.seed, 1);
    scan = {
      quick,
      files: positive('files', values.files, quick ? 300 : 2000),
      mb: positive('mb', values.mb, quick ? 80 : 700, false),
      runs,
      seed,
      only,
      target: positive('target', values.target, 0.8, false),
      keep: values.keep ?? false,
    };
    const minMb = (scan.files * 1024) / 1e6;
    const maxMb = (scan.files * 16 * 2 ** 20) / 1e6;
    if (scan.mb < minMb || scan.mb > maxMb) {
      throw new Error(`--mb ${scan.mb} cannot be reached with ${scan.files} files of 1 KiB-16 MiB (${minMb.toFixed(1)}-${maxMb.toFixed(0)} MB)`);
    }
    telemetry = {
      quick,
      runs,
      seed,
      tests: list<TelemetryTest>('tests', values.tests, TELEMETRY_TESTS) ?? [...TELEMETRY_TESTS],
      storm: positive('storm', values.storm, quick ? 1000 : 5000),
      stormWith: list<StormAgent>('storm-with', values['storm-with'], STORM_AGENTS) ?? [...STORM_AGENTS],
      events: positive('events', values.events, quick ? 50_000 : 200_000),
      batch: positive('batch', values.batch, 5000),
      latencyExecs: positive('latency-execs', values['latency-execs'], quick ? 50 : 200),
      latencyGapMs: positive('latency-gap-ms', values['latency-gap-ms'], 20),
      idleSeconds: positive('idle-seconds', values['idle-seconds'], quick ? 10 : 30),
      settleSeconds: positive('settle-seconds', values['settle-seconds'], quick ? 3 : 10),
    };
    files = {
      quick,
      runs,
      seed,
      tests: list<FilesTest>('file-tests', values['file-tests'], FILES_TESTS) ?? [...FILES_TESTS],
      untarFiles: positive('untar-files', values['untar-files'], quick ? 3000 : 20_000),
      untarDirs: positive('untar-dirs', values['untar-dirs'], quick ? 300 : 2000),
      execs: positive('execs', values.execs, quick ? 300 : 2000),
      verdictTimeoutMs: values['verdict-timeout-ms'] === undefined ? null : positive('verdict-timeout-ms', values['verdict-timeout-ms'], 300),
    };
    if (files.untarDirs > files.untarFiles) throw new Error(`--untar-dirs ${files.untarDirs} is more than --untar-files ${files.untarFiles}`);
    rules = { runs, seed, events: positive('rule-events', values['rule-events'], quick ? 50_000 : 200_000) };
    respond = { seed, processes: positive('respond-processes', values['respond-processes'], quick ? 20 : 100) };
    yaraArgs = ['--mb', String(positive('yara-mb', values['yara-mb'], quick ? 60 : 300, false)), '--runs', String(runs)];
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  let code = 0;
  for (const g of groups) {
    if (groups.length > 1) console.log(`\n======== bench group: ${g} ========`);
    try {
      const c = g === 'scan' ? await scanThroughput(scan) : g === 'telemetry' ? await telemetryBench(telemetry)
        : g === 'files' ? await filesBench(files) : g === 'rules' ? await rulesBench(rules) : g === 'respond' ? await respondBench(respond)
          : yaraBench(yaraArgs);
      code = Math.max(code, c);
    } catch (err) {
      console.error(`bench group ${g} failed: ${(err as Error).stack ?? err}`);
      code = 1;
    }
    cleanupAll();
  }
  return code;
}

/** The YARA comparison is its own script (it can run alone); here it runs as a child with the same output. */
function yaraBench(args: string[]): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench/yara.ts', ...args], { stdio: 'inherit' });
  if (r.status === 2) { console.log('yara group skipped: see the reason above'); return 0; }
  return r.status ?? 1;
}

main().then(
  (code) => { cleanupAll(); process.exit(code); },
  (err) => { console.error(`bench failed: ${(err as Error).stack ?? err}`); cleanupAll(); process.exit(1); },
);
