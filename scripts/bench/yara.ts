// YARA throughput: Mamori (mamori-yara via YaraScanner) vs the `yara` CLI, both with the ReversingLabs
// rules over the same corpus (~300 MB of real binaries, libraries and text copied into a temp folder).
// Two generic rules are added on both sides (ELF header, a common string) so the match comparison has
// something to compare on a corpus with no malware in it.
// The yara CLI gets the rules precompiled by yarac (`yara -C`), so neither side pays for compiling in the
// timed part; compile times are printed separately. Median of N runs each, alternating.
// Usage: node --import tsx scripts/bench/yara.ts [--mb 300] [--runs 3] [--threads N] [--rules DIR] [--keep]
// Prints wall time and CPU time (on a busy machine the CPU figures are the steadier ones).
// Exit status: 0; 1 when the two disagree about which rules match which files or one of them failed.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { YaraScanner } from '../../main/core/detect/yara/index.js';

const MB = 1_000_000;
const { values: opt } = parseArgs({
  options: {
    mb: { type: 'string', default: '300' },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string' },
    rules: { type: 'string', default: join(process.cwd(), '..', 'shared', 'corpora', 'yara-reversinglabs', 'yara') },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log('node --import tsx scripts/bench/yara.ts [--mb 300] [--runs 3] [--threads N] [--rules DIR] [--keep]');
  process.exit(0);
}
const targetBytes = Number(opt.mb) * MB;
const runs = Number(opt.runs);
const threads = opt.threads ? Number(opt.threads) : availableParallelism();
const rulesDir = opt.rules!;
const helper = join(process.cwd(), 'native-helpers', 'bin', 'mamori-yara');
for (const [what, ok] of [['--mb', targetBytes > 0], ['--runs', Number.isInteger(runs) && runs > 0], ['--threads', Number.isInteger(threads) && threads > 0]] as const) {
  if (!ok) { console.error(`${what} wants a positive number`); process.exit(2); }
}
if (!existsSync(rulesDir)) { console.error(`rules not found: ${rulesDir} (give --rules DIR)`); process.exit(2); }
if (!existsSync(helper)) { console.error(`${helper} is not built: make -C native-helpers`); process.exit(2); }
for (const tool of ['yara', 'yarac']) {
  if (spawnSync(tool, ['--version']).error) { console.error(`${tool} is not installed (apt-get install yara)`); process.exit(2); }
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

function ruleFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, e.name);
    if (e.isDirectory() && !e.name.startsWith('.')) out.push(...ruleFiles(full));
    else if (e.isFile() && /\.(yar|yara)$/i.test(e.name)) out.push(full);
  }
  return out;
}

/** Regular files of a folder (not following links), up to `depth` levels. */
function filesIn(dir: string, depth: number, filter: (name: string) => boolean = () => true): string[] {
  const out: string[] = [];
  let entries;
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, e.name);
    if (e.isFile() && filter(e.name)) out.push(full);
    else if (e.isDirectory() && depth > 0) out.push(...filesIn(full, depth - 1, filter));
  }
  return out;
}

/** Copies a mix of executables, shared libraries and text (round-robin over the sources) up to the target size. */
function buildCorpus(dir: string): { files: number; bytes: number } {
  const sources = [
    filesIn('/usr/bin', 0),
    filesIn('/usr/lib/x86_64-linux-gnu', 0, (n) => /\.so(\.|$)/.test(n)),
    filesIn('/usr/share/doc', 2),
    filesIn('/usr/lib/python3', 3),
  ].filter((s) => s.length);
  const maxOne = 64 * 1024 * 1024;
  let bytes = 0;
  let files = 0;
  const cursor = sources.map(() => 0);
  for (let round = 0; bytes < targetBytes && cursor.some((c, i) => c < sources[i]!.length); round++) {
    for (let s = 0; s < sources.length && bytes < targetBytes; s++) {
      const src = sources[s]![cursor[s]!++];
      if (!src) continue;
      let size;
      try { size = lstatSync(src).size; } catch { continue; }
      if (size > maxOne) continue;
      const sub = join(dir, String(s), String(Math.floor(files / 500)));
      mkdirSync(sub, { recursive: true });
      try { copyFileSync(src, join(sub, `${files}-${src.split('/').pop()!}`)); } catch { continue; }
      bytes += size;
      files++;
    }
  }
  return { files, bytes };
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) walk(full, out);
    else if (e.isFile()) out.push(full);
  }
  return out;
}

/** "rule<TAB>relative path" per match, sorted: the two contenders must agree exactly. */
type MatchSet = string[];

const CLK_TCK = 100; // Linux USER_HZ as /proc reports it

/** CPU seconds (user + system) a process has used so far. */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

interface RunResult { s: number; cpu: number; matches: MatchSet }

function runYara(compiled: string, corpus: string, out: string): RunResult {
  const t0 = process.hrtime.bigint();
  // bash's `times` gives the CPU time yara used (its children's line), which the machine's load disturbs less than wall time.
  const r = spawnSync('bash', ['-c', 'yara "$@" > "$OUT"; rc=$?; times >&2; exit $rc', 'bash', '-C', '-r', '-p', String(threads), compiled, corpus],
    { encoding: 'utf8', env: { ...process.env, OUT: out } });
  const s = seconds(t0);
  if (r.status !== 0) throw new Error(`yara exited ${String(r.status)}: ${r.stderr.trim().slice(0, 300)}`);
  const errLines = r.stderr.trim().split('\n');
  const children = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(errLines.pop() ?? '');
  if (!children) throw new Error(`cannot read yara's CPU time from: ${r.stderr.slice(-200)}`);
  errLines.pop(); // the shell's own times
  if (errLines.length) console.warn(`  yara stderr: ${errLines.slice(0, 3).join(' | ')}`);
  const cpu = Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4]);
  const matches = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => {
    const sp = l.indexOf(' ');
    return `${l.slice(0, sp)}\t${relative(corpus, l.slice(sp + 1))}`;
  }).sort();
  return { s, cpu, matches };
}

async function runMamori(scanner: YaraScanner, corpus: string): Promise<RunResult & { errors: string[]; helperCpu: number; clientCpu: number }> {
  const helperCpu0 = cpuOf(scanner.pid!);
  const selfCpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const paths = walk(corpus);
  const matches: MatchSet = [];
  const errors: string[] = [];
  await Promise.all(paths.map((p) => scanner.scanFile(p).then(
    (ms) => { for (const m of ms) matches.push(`${m.rule}\t${relative(corpus, p)}`); },
    (err: Error) => { errors.push(`${p}: ${err.message}`); },
  )));
  const s = seconds(t0);
  const self = process.cpuUsage(selfCpu0);
  const helperCpu = cpuOf(scanner.pid!) - helperCpu0;
  const clientCpu = (self.user + self.system) / 1e6;
  return { s, cpu: helperCpu + clientCpu, helperCpu, clientCpu, matches: matches.sort(), errors };
}

const work = mkdtempSync(join(tmpdir(), 'mamori-bench-yara-'));
const corpus = join(work, 'corpus');
let exitCode = 0;
try {
  const checkRules = join(work, 'bench-check.yar');
  writeFileSync(checkRules, 'rule bench_elf { condition: uint32(0) == 0x464c457f }\n'
    + 'rule bench_license { strings: $a = "Free Software Foundation" condition: $a }\n');
  const rules = [...ruleFiles(rulesDir), checkRules];
  console.log(`rules: ${rules.length - 1} files under ${rulesDir}; threads: ${threads}; runs: ${runs}`);
  let t0 = process.hrtime.bigint();
  const { files, bytes } = buildCorpus(corpus);
  console.log(`corpus: ${files} files, ${(bytes / MB).toFixed(1)} MB (copied in ${seconds(t0).toFixed(1)} s) at ${corpus}`);
  // Warm the page cache once so every run reads the same way.
  for (const p of walk(corpus)) readFileSync(p);

  const compiled = join(work, 'rl.yarc');
  t0 = process.hrtime.bigint();
  const yarac = spawnSync('yarac', [...rules.map((f) => `${f === checkRules ? 'bench-check.yar' : relative(rulesDir, f)}:${f}`), compiled], { encoding: 'utf8' });
  const yaracS = seconds(t0);
  if (yarac.status !== 0) throw new Error(`yarac failed: ${yarac.stderr.trim().slice(0, 500)}`);

  t0 = process.hrtime.bigint();
  const scanner = await YaraScanner.start({ rules: [rulesDir, checkRules], binary: helper, threads, maxFileSize: 1 << 30 });
  const startS = seconds(t0);
  const rep = scanner.report;
  console.log(`compile: yarac ${yaracS.toFixed(2)} s (${statSync(compiled).size} bytes compiled); mamori-yara ${rep.rules} rules, `
    + `${rep.filesOk} files ok, ${rep.filesFailed} failed, compile ${rep.compileMs} ms (start to ready ${startS.toFixed(2)} s)`);

  const yaraRuns: number[] = [];
  const mamoriRuns: number[] = [];
  const yaraCpu: number[] = [];
  const mamoriCpu: number[] = [];
  let yaraMatches: MatchSet = [];
  let mamoriMatches: MatchSet = [];
  for (let i = 0; i < runs; i++) {
    const y = runYara(compiled, corpus, join(work, 'yara.out'));
    yaraRuns.push(y.s);
    yaraCpu.push(y.cpu);
    yaraMatches = y.matches;
    const m = await runMamori(scanner, corpus);
    mamoriRuns.push(m.s);
    mamoriCpu.push(m.cpu);
    mamoriMatches = m.matches;
    if (m.errors.length) { console.error(`  mamori errors: ${m.errors.length}, first: ${m.errors[0]}`); exitCode = 1; }
    console.log(`  run ${i + 1}: yara ${y.s.toFixed(2)} s, ${y.cpu.toFixed(2)} CPU-s (${y.matches.length} matches); `
      + `mamori ${m.s.toFixed(2)} s, ${m.cpu.toFixed(2)} CPU-s (helper ${m.helperCpu.toFixed(2)}, client ${m.clientCpu.toFixed(2)}; ${m.matches.length} matches)`);
  }
  await scanner.close();

  const row = (name: string, s: number, cpu: number) =>
    `${name.padEnd(28)} ${s.toFixed(2).padStart(7)} s ${(bytes / MB / s).toFixed(1).padStart(8)} MB/s ${(files / s).toFixed(0).padStart(8)} files/s`
    + ` ${cpu.toFixed(2).padStart(8)} CPU-s ${(bytes / MB / cpu).toFixed(1).padStart(8)} MB per CPU-s`;
  const ym = median(yaraRuns);
  const mm = median(mamoriRuns);
  const yc = median(yaraCpu);
  const mc = median(mamoriCpu);
  console.log(`\nmedian of ${runs}, ${files} files, ${(bytes / MB).toFixed(1)} MB, ${threads} threads, ${rep.rules} rules`);
  console.log(row(`yara -C -r -p ${threads}`, ym, yc));
  console.log(row('mamori-yara (YaraScanner)', mm, mc));
  const ratio = ym / mm;
  console.log(`ratio mamori/yara, wall time: ${ratio.toFixed(2)}x (target >= 1.0x: ${ratio >= 1 ? 'PASS' : 'FAIL'}); `
    + `CPU time (yara CPU-s / mamori CPU-s, helper + client): ${(yc / mc).toFixed(2)}x; load average ${loadavg()[0]!.toFixed(1)}`);
  const same = yaraMatches.length === mamoriMatches.length && yaraMatches.every((m, i) => m === mamoriMatches[i]);
  console.log(`matches: yara ${yaraMatches.length}, mamori ${mamoriMatches.length}: ${same ? 'identical' : 'DIFFERENT'}`);
  if (!same) {
    exitCode = 1;
    const ys = new Set(yaraMatches);
    const ms = new Set(mamoriMatches);
    console.log(`  only yara: ${yaraMatches.filter((m) => !ms.has(m)).slice(0, 5).join(' | ')}`);
    console.log(`  only mamori: ${mamoriMatches.filter((m) => !ys.has(m)).slice(0, 5).join(' | ')}`);
  }
} catch (err) {
  console.error(`bench failed: ${(err as Error).message}`);
  exitCode = 1;
} finally {
  if (opt.keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
