// Benchmark 4: file protection. What the fanotify file sensor sustains during a file storm (untar of a large
// tree: wall time with and without the core, events stored vs expected, events lost), and what the exec guard
// adds to every exec (an exec storm with no agent, the sensor without the guard, the guard cold and warm).
// Everything happens on a tmpfs the bench mounts itself: the cores mark (and guard) that filesystem only.
// Mamori runs as the compiled core in a child Node process (lib/core-host.mjs), host 'test': only the file
// sensor runs (no process or network sensor, no scheduled scans, no watched folder, so no scan on write).
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeNow, removeOnExit, runProcess } from './lib/cleanup.js';
import { fileSensorOf, snapshotBuild, startCoreChild, type CoreChild, type CoreChildConfig } from './lib/core-child.js';
import { ByteStream, Rng } from './lib/prng.js';
import { cpuTicksOf, processTree } from './lib/procfs.js';
import { fmtInt, fmtNum, formatGrid, machineInfo, median, quantile } from './lib/report.js';
import { mountTmpfs, type Tmpfs } from './lib/tmpfs.js';

export const FILES_TESTS = ['untar', 'exec'] as const;
export type FilesTest = (typeof FILES_TESTS)[number];

export interface FilesBenchOptions {
  quick: boolean;
  runs: number;
  seed: number;
  tests: FilesTest[];
  /** Files and directories of the generated tree. */
  untarFiles: number;
  untarDirs: number;
  /** Execs per exec-storm pass. */
  execs: number;
  /** The helper's verdict deadline (CoreConfig.execVerdictTimeoutMs); the core's default when null. */
  verdictTimeoutMs: number | null;
}

const RESULTS_DIR = fileURLToPath(new URL('../../bench-results/', import.meta.url));
const EXEC_TIMER_SRC = fileURLToPath(new URL('./lib/exec-timer.c', import.meta.url));
const DB_FILE = 'mamori.db';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Status = 'ok' | 'skipped' | 'crashed' | 'wrong-result';

/** This machine cannot run the measurement (not root, no fanotify...): printed and recorded, not a failure. */
class Skip extends Error {}

function openReader(dataDir: string): Database.Database {
  return new Database(join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });
}

/** A core whose fanotify file sensor marks only the bench's tmpfs; with or without the exec guard. */
async function startFileCore(dataDir: string, mnt: string, guard: boolean, o: FilesBenchOptions): Promise<CoreChild> {
  const config: CoreChildConfig = {
    dataDir, host: 'test', processSensor: 'off', fileSensor: 'fanotify', fileMounts: [mnt],
    ...(o.verdictTimeoutMs ? { execVerdictTimeoutMs: o.verdictTimeoutMs } : {}),
    ...(guard ? {} : { settings: { blockKnownBadExec: false } }),
  };
  const core = await startCoreChild(config);
  const f = fileSensorOf(core.status0);
  const guarding = /blocking known-bad programs/.test(f?.detail ?? '');
  if (f?.state !== 'running' || f.tier !== 'fanotify') {
    await core.stop();
    throw new Skip(`the fanotify file sensor does not run here: ${f?.detail ?? f?.state ?? 'no file sensor'} ${core.log.slice(0, 2).join(' | ')}`);
  }
  if (guarding !== guard) {
    await core.stop();
    throw new Error(`the file sensor ${guarding ? 'guards' : 'does not guard'} execs, expected the opposite (status: ${f.detail})`);
  }
  return core;
}

/**
 * Waits until the core and its helper are idle (at most 1 CPU tick, 10 ms, in half a second): the events of
 * the set-up (copies made, tree removed) stored and full-text indexed, so the timed part does not pay for them.
 */
async function waitIdle(core: CoreChild, maxMs = 15_000): Promise<number> {
  const t0 = performance.now();
  let before = cpuTicksOf(processTree(core.pid));
  for (;;) {
    await sleep(500);
    const now = cpuTicksOf(processTree(core.pid));
    if (now - before <= 1 || performance.now() - t0 > maxMs) return (performance.now() - t0) / 1000;
    before = now;
  }
}

/** Poll until `count()` reaches `want`, or stops growing for `quietMs`; the time of its last growth from `t0`. */
async function drain(count: () => number, want: number, t0: number, quietMs = 3000, maxMs = 120_000): Promise<{ n: number; lastGrowthSeconds: number }> {
  let last = -1;
  let lastGrowth = t0;
  for (;;) {
    const n = count();
    const now = performance.now();
    if (n > last) { last = n; lastGrowth = now; }
    if (n >= want || now - lastGrowth > quietMs || now - t0 > maxMs) return { n, lastGrowthSeconds: (lastGrowth - t0) / 1000 };
    await sleep(25);
  }
}

// ---- 1. untar storm ---------------------------------------------------------------------------------------

interface UntarRun {
  round: number;
  seconds: number;
  /** Mamori rows: what the store holds for the tree after the storm. */
  stored: number | null;
  fileCreates: number | null;
  dirCreates: number | null;
  byAction: Record<string, number> | null;
  coalesced: number | null;
  eventsLost: number | null;
  /** From tar's start until the last event was stored. */
  allStoredSeconds: number | null;
  eventsPerSec: number | null;
  notes: string[];
}

interface UntarRow {
  id: 'none' | 'mamori';
  label: string;
  status: Status;
  reason: string | null;
  runs: UntarRun[];
  medianSeconds: number | null;
  overheadPct: number | null;
  log: string[];
}

/** The tree, made once: `dirs` directories under tree/, `files` files of 64 B-4 KiB spread over them; then tar -cf. */
function makeTar(work: string, o: FilesBenchOptions): { tar: string; bytes: number } {
  const src = join(work, 'src');
  const rng = new Rng(o.seed);
  const bytes = new ByteStream(o.seed, 'untar');
  let total = 0;
  for (let d = 0; d < o.untarDirs; d++) mkdirSync(join(src, 'tree', `d${d}`), { recursive: true });
  for (let i = 0; i < o.untarFiles; i++) {
    const size = 64 + rng.int(4033);
    writeFileSync(join(src, 'tree', `d${i % o.untarDirs}`, `f${i}.txt`), bytes.next(size));
    total += size;
  }
  const tar = join(work, 'tree.tar');
  const r = spawnSync('tar', ['-cf', tar, '-C', src, 'tree'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar -cf failed: ${r.stderr || r.error?.message}`);
  rmSync(src, { recursive: true, force: true });
  return { tar, bytes: total };
}

async function untarOnce(tar: string, into: string): Promise<number> {
  mkdirSync(into, { recursive: true });
  const r = await runProcess('tar', ['-xf', tar, '-C', into]);
  if (r.code !== 0) throw new Error(`tar -xf exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 200)}`);
  return r.seconds;
}

async function untarBench(o: FilesBenchOptions, work: string, mnt: string): Promise<{ rows: UntarRow[]; tarBytes: number; tarFileBytes: number }> {
  console.log(`  building the tree: ${fmtInt(o.untarFiles)} files in ${fmtInt(o.untarDirs)} directories, then tar -cf ...`);
  const { tar, bytes } = makeTar(work, o);
  const tarFileBytes = readFileSync(tar).length;
  const none: UntarRow = { id: 'none', label: 'no agent', status: 'ok', reason: null, runs: [], medianSeconds: null, overheadPct: null, log: [] };
  const mamori: UntarRow = { id: 'mamori', label: 'Mamori, fanotify file sensor', status: 'ok', reason: null, runs: [], medianSeconds: null, overheadPct: null, log: [] };
  const expectedDirs = o.untarDirs + 1; // tree/ itself
  // Untimed warm-up: tar in the page cache, the tmpfs pages allocated once.
  await untarOnce(tar, join(mnt, 'warm'));
  rmSync(join(mnt, 'warm'), { recursive: true, force: true });
  for (let round = 1; round <= o.runs; round++) {
    // no agent
    {
      const into = join(mnt, `untar-none-${round}`);
      const seconds = await untarOnce(tar, into);
      rmSync(into, { recursive: true, force: true });
      none.runs.push({ round, seconds, stored: null, fileCreates: null, dirCreates: null, byAction: null, coalesced: null, eventsLost: null, allStoredSeconds: null, eventsPerSec: null, notes: [] });
      console.log(`  run ${round}/${o.runs} no agent: tar -x ${seconds.toFixed(2)} s`);
    }
    if (mamori.status === 'crashed' || mamori.status === 'skipped') continue;
    // Mamori: a fresh core (and database) per run, started before the storm, stopped before the tree is removed.
    const dataDir = join(work, `data-untar-${round}`);
    removeOnExit(dataDir);
    const into = join(mnt, `untar-mamori-${round}`);
    let core: CoreChild | null = null;
    let db: Database.Database | null = null;
    try {
      core = await startFileCore(dataDir, mnt, true, o);
      db = openReader(dataDir);
      await waitIdle(core);
      const id0 = (db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck().get() as number);
      const countQ = db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck();
      const t0 = performance.now();
      const seconds = await untarOnce(tar, into);
      const want = o.untarFiles + expectedDirs;
      const d = await drain(() => (countQ.get() as number) - id0, want, t0);
      await sleep(800); // past the coalescing window: late attribute changes (tar sets directory times last) are in
      const root = `${join(into, 'tree')}`;
      const rows = db.prepare(`SELECT action, json_extract(extra, '$.file.type') AS type, count(*) AS n, sum(coalesce(json_extract(extra, '$.event.coalesced'), 0)) AS folded
        FROM events WHERE id > ? AND kind = 'file' AND (json_extract(extra, '$.file.path') = ? OR json_extract(extra, '$.file.path') LIKE ?) GROUP BY 1, 2`)
        .all(id0, root, `${root}/%`) as { action: string; type: string | null; n: number; folded: number }[];
      const byAction: Record<string, number> = {};
      let stored = 0; let fileCreates = 0; let dirCreates = 0; let coalesced = 0;
      for (const r of rows) {
        byAction[`${r.action}${r.type === 'dir' ? ' (dir)' : ''}`] = r.n;
        stored += r.n; coalesced += r.folded;
        if (r.action === 'create' && r.type === 'dir') dirCreates += r.n;
        else if (r.action === 'create') fileCreates += r.n;
      }
      const { status } = await core.status();
      const f = fileSensorOf(status);
      const notes: string[] = [];
      if (f?.state !== 'running') notes.push(`file sensor ${f?.state}: ${f?.detail}`);
      const lost = f?.eventsLost ?? 0;
      const missing = o.untarFiles - fileCreates + Math.max(0, expectedDirs - dirCreates);
      if (missing > 0 && missing > lost) notes.push(`${missing} create event(s) missing, only ${lost} counted as lost`);
      const run: UntarRun = {
        round, seconds, stored, fileCreates, dirCreates, byAction, coalesced, eventsLost: lost,
        allStoredSeconds: d.lastGrowthSeconds, eventsPerSec: d.lastGrowthSeconds > 0 ? d.n / d.lastGrowthSeconds : null, notes,
      };
      mamori.runs.push(run);
      if (notes.length && mamori.status === 'ok') { mamori.status = 'wrong-result'; mamori.reason = notes.join('; '); }
      console.log(`  run ${round}/${o.runs} Mamori: tar -x ${seconds.toFixed(2)} s; ${fmtInt(stored)} events for the tree `
        + `(file creates ${fmtInt(fileCreates)}/${fmtInt(o.untarFiles)}, dir creates ${fmtInt(dirCreates)}/${fmtInt(expectedDirs)}; ${JSON.stringify(byAction)}), `
        + `${fmtInt(coalesced)} folded, lost ${lost}; all stored ${d.lastGrowthSeconds.toFixed(2)} s after tar started, ${fmtInt(run.eventsPerSec ?? 0)} events/s`
        + (notes.length ? `  WRONG: ${notes.join('; ')}` : ''));
    } catch (err) {
      if (err instanceof Skip) { mamori.status = 'skipped'; mamori.reason = err.message; console.log(`  Mamori skipped: ${err.message}`); }
      else { mamori.status = 'crashed'; mamori.reason = (err as Error).message; console.log(`  run ${round}/${o.runs} Mamori: CRASHED: ${mamori.reason}`); }
    } finally {
      db?.close();
      if (core) { mamori.log.push(...core.log); await core.stop(); }
      rmSync(into, { recursive: true, force: true });
      removeNow(dataDir);
    }
  }
  for (const r of [none, mamori]) if (r.runs.length) r.medianSeconds = median(r.runs.map((x) => x.seconds));
  if (none.medianSeconds && mamori.medianSeconds !== null) mamori.overheadPct = ((mamori.medianSeconds - none.medianSeconds) / none.medianSeconds) * 100;
  rmSync(tar, { force: true });
  return { rows: [none, mamori], tarBytes: bytes, tarFileBytes };
}

function untarTable(r: { rows: UntarRow[] }, o: FilesBenchOptions): string {
  const header = ['contender', 'tar -x median s', 'overhead', 'file creates', 'dir creates', 'events stored', 'folded', 'lost', 'all stored s', 'events/s', 'runs (s)'];
  const body = r.rows.map((row) => {
    if (row.medianSeconds === null) return [row.label, '-', '-', '-', '-', '-', '-', '-', '-', '-', `${row.status.toUpperCase()}: ${(row.reason ?? '').slice(0, 120)}`];
    const runs = row.runs.map((x) => x.seconds.toFixed(2)).join(' ') + (row.status === 'ok' ? '' : `  ${row.status.toUpperCase()}: ${row.reason}`);
    if (row.id === 'none') return [row.label, row.medianSeconds.toFixed(2), '-', '-', '-', '-', '-', '-', '-', '-', runs];
    const m = (f: (x: UntarRun) => number | null) => { const v = row.runs.map(f).filter((x): x is number => x !== null); return v.length ? median(v) : null; };
    const worst = (f: (x: UntarRun) => number | null) => Math.min(...row.runs.map(f).filter((x): x is number => x !== null));
    return [
      row.label, row.medianSeconds.toFixed(2), row.overheadPct === null ? '-' : `${row.overheadPct >= 0 ? '+' : ''}${row.overheadPct.toFixed(1)}%`,
      `${fmtInt(worst((x) => x.fileCreates))}/${fmtInt(o.untarFiles)}`, `${fmtInt(worst((x) => x.dirCreates))}/${fmtInt(o.untarDirs + 1)}`,
      fmtInt(m((x) => x.stored) ?? 0), fmtInt(m((x) => x.coalesced) ?? 0), String(Math.max(...row.runs.map((x) => x.eventsLost ?? 0))),
      (m((x) => x.allStoredSeconds) ?? 0).toFixed(2), fmtInt(m((x) => x.eventsPerSec) ?? 0), runs,
    ];
  });
  return formatGrid(header, body, [header.length - 1]);
}

// ---- 2. exec storm ---------------------------------------------------------------------------------------

type ExecContender = 'none' | 'noguard' | 'guard';
const EXEC_LABELS: Record<ExecContender, string> = {
  none: 'no agent',
  noguard: 'Mamori, file sensor, blockKnownBadExec=false',
  guard: 'Mamori, exec guard',
};

interface ExecPass {
  round: number;
  /** first: every copy runs for the first time (with the guard: a cache miss, the core hashes it and answers); again: the same copies once more (cached). */
  pass: 'first' | 'again';
  loopSeconds: number;
  /** Per exec, from the C harness (fork + execv + waitpid), microseconds. */
  harnessUs: number[] | null;
}

interface ExecRow {
  id: ExecContender;
  label: string;
  status: Status;
  reason: string | null;
  passes: ExecPass[];
  execTimeouts: number;
  execBlocked: number;
  log: string[];
}

interface ExecSummary {
  id: ExecContender;
  pass: 'first' | 'again';
  loopMedianSeconds: number;
  loopUsPerExec: number;
  extraLoopUsPerExec: number | null;
  p50Us: number | null; p99Us: number | null; meanUs: number | null;
  extraP50Us: number | null; extraP99Us: number | null; extraMeanUs: number | null;
}

/** Compiles lib/exec-timer.c into the work dir; null (and why) when there is no C compiler. */
function buildExecTimer(work: string): { bin: string | null; why: string | null } {
  const bin = join(work, 'exec-timer');
  const r = spawnSync('cc', ['-O2', '-o', bin, EXEC_TIMER_SRC], { encoding: 'utf8' });
  if (r.status !== 0) return { bin: null, why: `cc failed: ${(r.stderr || r.error?.message || '').trim().slice(0, 200)}` };
  return { bin, why: null };
}

/** n fresh copies of /bin/true, prefix + 1..n (each its own inode: the guard's cache misses on every one). */
function makeCopies(prefix: string, n: number): void {
  for (let i = 1; i <= n; i++) copyFileSync('/bin/true', `${prefix}${i}`);
}

async function execLoop(prefix: string, n: number): Promise<number> {
  const r = await runProcess('bash', ['-c', 'p=$1; n=$2; for ((i = 1; i <= n; i++)); do "$p$i" || exit 1; done', 'bash', prefix, String(n)]);
  if (r.code !== 0) throw new Error(`the exec loop exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 200)}`);
  return r.seconds;
}

async function execHarness(bin: string, prefix: string, n: number): Promise<number[]> {
  const r = await runProcess(bin, [prefix, '1', String(n)]);
  if (r.code !== 0) throw new Error(`exec-timer exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 200)}`);
  return r.stdout.trim().split('\n').map((l) => Number(l) / 1000);
}

async function execBench(o: FilesBenchOptions, work: string, mnt: string): Promise<{ rows: ExecRow[]; summary: ExecSummary[]; harness: string | null }> {
  const timer = buildExecTimer(work);
  if (timer.why) console.log(`  no per-exec timing (${timer.why}): only the shell loop's mean`);
  const rows: ExecRow[] = (['none', 'noguard', 'guard'] as const).map((id) => ({ id, label: EXEC_LABELS[id], status: 'ok', reason: null, passes: [], execTimeouts: 0, execBlocked: 0, log: [] }));
  // Untimed warm-up: bash and the harness in the page cache.
  const warm = join(mnt, 'exec-warm');
  mkdirSync(warm);
  makeCopies(join(warm, 't'), Math.min(200, o.execs));
  await execLoop(join(warm, 't'), Math.min(200, o.execs));
  if (timer.bin) await execHarness(timer.bin, join(warm, 't'), Math.min(200, o.execs));
  rmSync(warm, { recursive: true, force: true });

  for (let round = 1; round <= o.runs; round++) {
    for (const row of rows) {
      if (row.status === 'crashed' || row.status === 'skipped') continue;
      const dir = join(mnt, `exec-${row.id}-${round}`);
      const dataDir = join(work, `data-exec-${row.id}-${round}`);
      let core: CoreChild | null = null;
      let db: Database.Database | null = null;
      try {
        if (row.id !== 'none') {
          removeOnExit(dataDir);
          core = await startFileCore(dataDir, mnt, row.id === 'guard', o);
          db = openReader(dataDir);
        }
        mkdirSync(dir);
        // Fresh copies for every contender and run (made while the core watches, as a download would be).
        makeCopies(join(dir, 'l'), o.execs);
        if (timer.bin) makeCopies(join(dir, 'h'), o.execs);
        if (core) await waitIdle(core); // their create events stored and indexed, out of the way of the timed part
        const line: string[] = [];
        for (const pass of ['first', 'again'] as const) {
          if (core && pass === 'again') await waitIdle(core);
          const loopSeconds = await execLoop(join(dir, 'l'), o.execs);
          const harnessUs = timer.bin ? await execHarness(timer.bin, join(dir, 'h'), o.execs) : null;
          row.passes.push({ round, pass, loopSeconds, harnessUs });
          line.push(`${pass}: loop ${loopSeconds.toFixed(2)} s (${fmtInt((loopSeconds / o.execs) * 1e6)} µs/exec)`
            + (harnessUs ? `, harness p50 ${fmtInt(quantile(harnessUs, 0.5))} µs p99 ${fmtInt(quantile(harnessUs, 0.99))} µs` : ''));
        }
        let extra = '';
        if (core && db) {
          await sleep(700);
          const count = (action: string) => db!.prepare('SELECT count(*) FROM events WHERE kind = ? AND action = ?').pluck().get('file', action) as number;
          const timeouts = count('exec_timeout');
          const blocked = count('exec_blocked');
          row.execTimeouts += timeouts;
          row.execBlocked += blocked;
          const f = fileSensorOf((await core.status()).status);
          if (f?.state !== 'running') throw new Error(`the file sensor is ${f?.state}: ${f?.detail}`);
          extra = `; exec_timeout ${timeouts}, exec_blocked ${blocked}`;
          if (blocked && row.status === 'ok') { row.status = 'wrong-result'; row.reason = `${blocked} exec(s) of /bin/true blocked`; }
        }
        console.log(`  run ${round}/${o.runs} ${row.label}: ${line.join('; ')}${extra}`);
      } catch (err) {
        if (err instanceof Skip) { row.status = 'skipped'; row.reason = err.message; console.log(`  ${row.label}: skipped, ${err.message}`); }
        else { row.status = 'crashed'; row.reason = (err as Error).message; console.log(`  run ${round}/${o.runs} ${row.label}: CRASHED: ${row.reason}`); }
      } finally {
        db?.close();
        if (core) { row.log.push(...core.log); await core.stop(); }
        rmSync(dir, { recursive: true, force: true });
        if (row.id !== 'none') removeNow(dataDir);
      }
    }
  }
  const summary: ExecSummary[] = [];
  const base = new Map<string, ExecSummary>();
  for (const row of rows) {
    for (const pass of ['first', 'again'] as const) {
      const ps = row.passes.filter((p) => p.pass === pass);
      if (!ps.length) continue;
      const loopMedianSeconds = median(ps.map((p) => p.loopSeconds));
      const us = ps.flatMap((p) => p.harnessUs ?? []);
      const s: ExecSummary = {
        id: row.id, pass, loopMedianSeconds, loopUsPerExec: (loopMedianSeconds / o.execs) * 1e6, extraLoopUsPerExec: null,
        p50Us: us.length ? quantile(us, 0.5) : null, p99Us: us.length ? quantile(us, 0.99) : null, meanUs: us.length ? us.reduce((a, b) => a + b, 0) / us.length : null,
        extraP50Us: null, extraP99Us: null, extraMeanUs: null,
      };
      const b = row.id === 'none' ? (base.set(pass, s), s) : base.get(pass);
      if (b) {
        s.extraLoopUsPerExec = s.loopUsPerExec - b.loopUsPerExec;
        if (s.p50Us !== null && b.p50Us !== null) s.extraP50Us = s.p50Us - b.p50Us;
        if (s.p99Us !== null && b.p99Us !== null) s.extraP99Us = s.p99Us - b.p99Us;
        if (s.meanUs !== null && b.meanUs !== null) s.extraMeanUs = s.meanUs - b.meanUs;
      }
      summary.push(s);
    }
  }
  return { rows, summary, harness: timer.bin ? 'lib/exec-timer.c (fork + execv + waitpid, CLOCK_MONOTONIC)' : null };
}

function execTable(r: { rows: ExecRow[]; summary: ExecSummary[] }): string {
  const us = (x: number | null, sign = false) => (x === null ? '-' : `${sign && x >= 0 ? '+' : ''}${fmtInt(x)}`);
  const header = ['contender', 'pass', 'loop median s', 'µs/exec', 'extra µs', 'p50 µs', 'p99 µs', 'mean µs', 'extra p50', 'extra p99', 'extra mean', 'exec_timeout', 'runs: loop s'];
  const body: string[][] = [];
  for (const row of r.rows) {
    const ss = r.summary.filter((s) => s.id === row.id);
    if (!ss.length) { body.push([row.label, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', `${row.status.toUpperCase()}: ${(row.reason ?? '').slice(0, 120)}`]); continue; }
    for (const s of ss) {
      const pass = row.id === 'guard' ? (s.pass === 'first' ? 'cold (first exec of each copy)' : 'warm (cached)') : s.pass === 'first' ? 'first' : 'again';
      const runs = row.passes.filter((p) => p.pass === s.pass).map((p) => p.loopSeconds.toFixed(2)).join(' ') + (row.status === 'ok' ? '' : `  ${row.status.toUpperCase()}: ${row.reason}`);
      body.push([
        s.pass === 'first' ? row.label : '', pass, s.loopMedianSeconds.toFixed(2), us(s.loopUsPerExec), row.id === 'none' ? '-' : us(s.extraLoopUsPerExec, true),
        us(s.p50Us), us(s.p99Us), us(s.meanUs), row.id === 'none' ? '-' : us(s.extraP50Us, true), row.id === 'none' ? '-' : us(s.extraP99Us, true),
        row.id === 'none' ? '-' : us(s.extraMeanUs, true), row.id === 'none' || s.pass === 'again' ? '' : String(row.execTimeouts), runs,
      ]);
    }
  }
  return formatGrid(header, body, [1, header.length - 1]);
}

// ---- the group ------------------------------------------------------------------------------------------

export async function filesBench(o: FilesBenchOptions): Promise<number> {
  const startedAt = new Date();
  const machine = machineInfo();
  console.log(`Mamori file-protection benchmark (${machine.nproc} cores, ${machine.cpu}, node ${process.versions.node}): ${o.tests.join(', ')}`);
  const record: Record<string, unknown> = {
    benchmark: 'files', schema: 1, startedAt: startedAt.toISOString(), machine, options: o,
    units: { us: 'microseconds per exec', overhead: '(median tar -x time - no-agent median) / no-agent median', extra: 'contender - no agent, same pass' },
  };
  const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const save = () => {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const json = `${JSON.stringify(record, null, 2)}\n`;
    const file = join(RESULTS_DIR, `files-${stamp}.json`);
    writeFileSync(file, json);
    writeFileSync(join(RESULTS_DIR, 'latest-files.json'), json);
    return file;
  };
  const why = process.platform !== 'linux' ? 'fanotify is Linux-only'
    : process.getuid?.() !== 0 ? 'needs root (fanotify with filesystem marks, mounting the tmpfs)'
      : spawnSync('tar', ['--version']).status !== 0 ? 'tar is not installed' : null;
  if (why) {
    console.log(`  skipped: ${why}`);
    record.skipped = why;
    save();
    return 0;
  }
  const work = mkdtempSync(join(tmpdir(), 'mamori-bench-files-'));
  removeOnExit(work);
  let tmpfs: Tmpfs | null = null;
  const tables: string[] = [];
  const failures: string[] = [];
  const loadBefore = loadavg();
  try {
    const broken = await snapshotBuild(join(work, 'app'));
    if (broken) { console.log(`  CRASHED: ${broken}`); return 1; }
    // Room for the extracted tree twice (no agent and Mamori are never extracted at the same time) and the copies.
    const sizeMb = Math.max(256, Math.ceil((o.untarFiles * 8192 + o.execs * 2 * 40_000) / 2 ** 20) * 2);
    tmpfs = mountTmpfs(join(work, 'mnt'), sizeMb);
    console.log(`  tmpfs of ${sizeMb} MB on ${tmpfs.path}: the only filesystem the cores mark and guard`);
    if (loadBefore[0]! > machine.nproc / 2) console.log(`  note: the machine is busy (load average ${loadBefore[0]!.toFixed(2)} on ${machine.nproc} cores); expect noisy numbers`);
    const section = async <T,>(name: FilesTest, title: string, run: () => Promise<T>, table: (r: T) => string, check: (r: T) => string | null) => {
      if (!o.tests.includes(name)) return;
      console.log(`\n${title} ...`);
      try {
        const r = await run();
        record[name] = r;
        tables.push(`${title}\n${table(r)}`);
        const bad = check(r);
        if (bad) failures.push(`${name}: ${bad}`);
      } catch (err) {
        record[name] = { status: 'crashed', reason: (err as Error).message };
        tables.push(`${title}\nCRASHED: ${(err as Error).message}`);
        failures.push(`${name} crashed: ${(err as Error).message}`);
        console.log(`  CRASHED: ${(err as Error).stack ?? err}`);
      }
    };
    const bad = (rows: { id: string; status: Status; reason: string | null }[]) =>
      rows.filter((r) => r.status === 'crashed' || r.status === 'wrong-result').map((r) => `${r.id} ${r.status}: ${r.reason}`).join('; ') || null;
    await section('untar', `4.1 File storm: tar -x of ${fmtInt(o.untarFiles)} files in ${fmtInt(o.untarDirs)} directories onto the bench's tmpfs, median of ${o.runs} alternating run(s)`,
      () => untarBench(o, work, tmpfs!.path), (r) => untarTable(r, o), (r) => bad(r.rows));
    await section('exec', `4.2 Exec checks: ${fmtInt(o.execs)} execs of copies of /bin/true on the tmpfs, from one bash loop (wall time) and from a C harness (each exec timed), median of ${o.runs} run(s)`,
      () => execBench(o, work, tmpfs!.path), execTable, (r) => bad(r.rows));
  } finally {
    tmpfs?.unmount();
  }

  const finishedAt = new Date();
  const loadAfter = loadavg();
  console.log(`\nFiles: ${machine.nproc} cores, ${startedAt.toISOString().slice(0, 10)}, load average ${loadBefore[0]!.toFixed(2)} at the start, ${loadAfter[0]!.toFixed(2)} at the end`);
  console.log(tables.join('\n\n'));
  const untar = record.untar as { rows?: UntarRow[] } | undefined;
  const exec = record.exec as { rows?: ExecRow[]; summary?: ExecSummary[] } | undefined;
  for (const r of [...(untar?.rows ?? []), ...(exec?.rows ?? [])]) if (r.log.length) console.log(`  ${r.label} core log (first 5 of ${r.log.length}): ${r.log.slice(0, 5).join(' | ')}`);
  const fs = untar?.rows?.find((r) => r.id === 'mamori');
  if (fs && fs.runs.length) {
    const lossy = fs.runs.filter((r) => (r.eventsLost ?? 0) > 0);
    console.log(`File storm: Mamori's tar -x ${fs.overheadPct === null ? '-' : `${fs.overheadPct >= 0 ? '+' : ''}${fs.overheadPct.toFixed(1)}%`} vs no agent; `
      + (lossy.length ? `events LOST (counted in the sensor's status) in ${lossy.length} of ${fs.runs.length} run(s): ${lossy.map((r) => `run ${r.round} ${fmtInt(r.eventsLost!)}`).join(', ')}`
        : `no event lost in ${fs.runs.length} run(s)`));
  }
  const guard = exec?.rows?.find((r) => r.id === 'guard');
  if (guard && guard.passes.length) {
    const cold = exec!.summary!.find((s) => s.id === 'guard' && s.pass === 'first');
    const warm = exec!.summary!.find((s) => s.id === 'guard' && s.pass === 'again');
    // p50 first: on a shared machine the means and p99s carry other people's load.
    const e = (s: ExecSummary | undefined) => {
      const v = s?.extraP50Us ?? s?.extraLoopUsPerExec ?? null;
      return v === null ? '-' : `${v >= 0 ? '+' : ''}${fmtNum(v, 0)} µs`;
    };
    const basis = cold?.extraP50Us !== null && cold?.extraP50Us !== undefined ? 'p50 of the timed execs' : 'mean of the bash loop';
    console.log(`Exec guard, extra time per exec vs no agent (${basis}): ${e(cold)} cold (every copy checked: the core hashes it and answers), `
      + `${e(warm)} warm (cached in the helper); exec_timeout ${guard.execTimeouts} (0 in a healthy run)${guard.execTimeouts ? '  NOTE: checks ran into the verdict deadline' : ''}`);
  }
  record.finishedAt = finishedAt.toISOString();
  record.loadAverage = { before: loadBefore, after: loadAfter };
  record.failures = failures;
  const file = save();
  console.log(`Results: ${file} (and bench-results/latest-files.json); total ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s`);
  removeNow(work);
  if (failures.length) console.log(`Exit 1: ${failures.join('; ')}`);
  return failures.length ? 1 : 0;
}
