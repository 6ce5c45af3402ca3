// Benchmark 2: process telemetry. What recording every exec costs the machine (exec storm, against no agent
// and auditd), how fast the store takes events and finds them again, how long an exec takes to be stored,
// and what the agent costs at rest. Mamori runs as the compiled core in a child Node process
// (lib/core-host.mjs), so the bench's own memory and CPU never count as the agent's.
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AuditdRunner, auditStatus } from './lib/auditd.js';
import { removeNow, removeOnExit, runProcess } from './lib/cleanup.js';
import { build, processSensorOf, snapshotBuild, startCoreChild, type CoreChild } from './lib/core-child.js';
import { execEventSource, RARE_WORD } from './lib/exec-events.js';
import type { NewEvent } from '../../main/core/store/index.js';
import { CLK_TCK, cpuTicksOf, processTree, vmRss } from './lib/procfs.js';
import { fmtInt, fmtNum, formatGrid, machineInfo, median, quantile } from './lib/report.js';

export const TELEMETRY_TESTS = ['storm', 'store', 'latency', 'idle'] as const;
export type TelemetryTest = (typeof TELEMETRY_TESTS)[number];
export const STORM_AGENTS = ['ebpf', 'cn_proc', 'auditd'] as const;
export type StormAgent = (typeof STORM_AGENTS)[number];

export interface TelemetryBenchOptions {
  quick: boolean;
  runs: number;
  tests: TelemetryTest[];
  storm: number;
  stormWith: StormAgent[];
  events: number;
  batch: number;
  latencyExecs: number;
  latencyGapMs: number;
  idleSeconds: number;
  settleSeconds: number;
  seed: number;
}

export const TARGETS = { stormOverheadPct: 5, storeEventsPerSec: 100_000, idleRssMb: 100, idleCpuPct: 0.5 };

const RESULTS_DIR = fileURLToPath(new URL('../../bench-results/', import.meta.url));
const DB_FILE = 'mamori.db';
const MiB = 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const verdict = (pass: boolean | null) => (pass === null ? '-' : pass ? 'PASS' : 'FAIL');

type Status = 'ok' | 'skipped' | 'crashed' | 'wrong-result';

/** This machine cannot run the measurement (no eBPF, not root...): printed and recorded, not a failure. */
class Skip extends Error {}

/** Mamori's database, read-only, next to the core that writes it (WAL: readers see each commit at once). */
function openReader(dataDir: string): Database.Database {
  return new Database(join(dataDir, DB_FILE), { readonly: true, fileMustExist: true });
}

// ---- 1. exec storm ----------------------------------------------------------------------------------------

interface StormRun {
  round: number;
  marker: string;
  seconds: number;
  /** user+system CPU of the bash loop and the /bin/true it ran (sh `times`, 10 ms resolution). */
  loopCpuSeconds: number | null;
  /** CPU the agent used from the storm's start until its events were stored: core + helper, or auditd + kauditd. */
  agentCpuSeconds: number | null;
  /** The same split: Mamori's node process and its helper (Mamori rows only). */
  agentCpuSplit: { core: number; helper: number } | null;
  /** exec events (Mamori) or EXECVE records (auditd) carrying this run's marker. */
  recorded: number | null;
  /** ... of which with a distinct, exactly right command line (Mamori). */
  exact: number | null;
  /** exec events whose parent is the storm's bash, with or without a command line (Mamori; cn_proc may miss it). */
  execsSeen: number | null;
  lost: number | null;
  /** From the loop's end until the last event was stored (or stopped coming). */
  drainSeconds: number | null;
  startMs: number | null;
  notes: string[];
}

interface StormRow {
  id: 'none' | StormAgent;
  label: string;
  status: Status;
  reason: string | null;
  version: string | null;
  runs: StormRun[];
  medianSeconds: number | null;
  overheadPct: number | null;
  medianAgentCpuSeconds: number | null;
  log: string[];
}

interface StormContender {
  row: StormRow;
  prepare(): Promise<string | null>;
  run(round: number, marker: string): Promise<StormRun>;
  finish(): Promise<void>;
}

/** One bash loop of n short-lived execs, timed from spawn to exit; it prints its pid first (the execs' parent). */
async function runStorm(n: number, marker: string): Promise<{ seconds: number; cpu: number | null; bashPid: number }> {
  const r = await runProcess('bash', ['-c', `echo $$; for i in $(seq 1 ${n}); do /bin/true ${marker}$i; done`], { cpu: true });
  if (r.code !== 0) throw new Error(`the storm loop exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 200)}`);
  return { seconds: r.seconds, cpu: r.cpuSeconds, bashPid: Number(r.stdout.trim().split('\n')[0]) };
}

/** Poll until `count()` reaches `want`, or stops growing for `quietMs`, or `maxMs` passed. */
async function drain(count: () => number, want: number, quietMs = 3000, maxMs = 60_000): Promise<{ n: number; seconds: number }> {
  const started = performance.now();
  let last = -1;
  let lastChange = started;
  let lastGrowth = started;
  for (;;) {
    const n = count();
    const now = performance.now();
    if (n !== last) { if (n > last) lastGrowth = now; last = n; lastChange = now; }
    if (n >= want) return { n, seconds: (lastGrowth - started) / 1000 };
    if (now - lastChange > quietMs || now - started > maxMs) return { n, seconds: (lastGrowth - started) / 1000 };
    await sleep(50);
  }
}

function noneContender(o: TelemetryBenchOptions): StormContender {
  const row = newStormRow('none', 'no agent');
  return {
    row,
    prepare: async () => null,
    async run(round, marker) {
      const s = await runStorm(o.storm, marker);
      return { round, marker, seconds: s.seconds, loopCpuSeconds: s.cpu, agentCpuSeconds: null, agentCpuSplit: null, recorded: null, exact: null, execsSeen: null, lost: null, drainSeconds: null, startMs: null, notes: [] };
    },
    finish: async () => {},
  };
}

function newStormRow(id: StormRow['id'], label: string): StormRow {
  return { id, label, status: 'ok', reason: null, version: null, runs: [], medianSeconds: null, overheadPct: null, medianAgentCpuSeconds: null, log: [] };
}

function mamoriStormContender(o: TelemetryBenchOptions, tier: 'ebpf' | 'cn_proc', work: string): StormContender {
  const row = newStormRow(tier, tier === 'ebpf' ? 'Mamori, eBPF tier' : 'Mamori, cn_proc tier');
  return {
    row,
    async prepare() {
      // One start to check that this tier really runs here (no silent fallback to another tier).
      const dataDir = join(work, `check-${tier}`);
      let core: CoreChild | null = null;
      try {
        core = await startCoreChild({ dataDir, processSensor: tier, fileSensor: 'chokidar' });
        const p = processSensorOf(core.status0);
        row.version = `mamori ${core.status0.version}, helper mamori-proc-${tier === 'ebpf' ? 'ebpf' : 'cn'}`;
        if (!p || p.state !== 'running' || p.tier !== tier) return `the ${tier} tier does not run here: ${p?.detail ?? p?.state ?? 'no process sensor'}`;
        return null;
      } finally {
        await core?.stop();
        removeNow(dataDir);
      }
    },
    async run(round, marker) {
      const dataDir = join(work, `storm-${marker.replace(/-$/, '')}`);
      removeOnExit(dataDir);
      const core = await startCoreChild({ dataDir, processSensor: tier, fileSensor: 'chokidar' });
      const db = openReader(dataDir);
      try {
        await sleep(500); // the helper's first messages (processes already running) are stored
        const pids = processTree(core.pid);
        const cpu0 = cpuTicksOf(pids);
        const core0 = cpuTicksOf([core.pid]);
        const like = `/bin/true ${marker}%`; // not the bash loop's own command line, which holds the marker too
        const countQ = db.prepare("SELECT count(*) AS n FROM events WHERE action = 'exec' AND process_command_line LIKE ?").pluck();
        const s = await runStorm(o.storm, marker);
        const d = await drain(() => countQ.get(like) as number, o.storm);
        const cpu1 = cpuTicksOf(pids);
        const coreCpu = (cpuTicksOf([core.pid]) - core0) / CLK_TCK;
        const lines = db.prepare("SELECT process_command_line FROM events WHERE action = 'exec' AND process_command_line LIKE ?").pluck().all(like) as string[];
        const re = new RegExp(`^/bin/true ${marker}(\\d+)$`);
        const seen = new Set<number>();
        for (const l of lines) { const m = re.exec(l); if (m && Number(m[1]) >= 1 && Number(m[1]) <= o.storm) seen.add(Number(m[1])); }
        const execsSeen = db.prepare("SELECT count(*) FROM events WHERE action = 'exec' AND parent_pid = ?"
          + " AND coalesce(process_command_line, '') NOT LIKE 'seq %'")
          .pluck().get(s.bashPid) as number;
        const { status } = await core.status();
        const p = processSensorOf(status);
        const notes: string[] = [];
        if (p?.state !== 'running') notes.push(`process sensor ${p?.state}: ${p?.detail}`);
        if (lines.length !== seen.size) notes.push(`${lines.length - seen.size} duplicate or malformed command line(s)`);
        return {
          round, marker, seconds: s.seconds, loopCpuSeconds: s.cpu, agentCpuSeconds: (cpu1 - cpu0) / CLK_TCK,
          agentCpuSplit: { core: coreCpu, helper: (cpu1 - cpu0) / CLK_TCK - coreCpu }, recorded: lines.length,
          exact: seen.size, execsSeen, lost: p?.eventsLost ?? null, drainSeconds: d.seconds, startMs: core.startMs, notes,
        };
      } finally {
        db.close();
        row.log.push(...core.log);
        await core.stop();
        removeNow(dataDir);
      }
    },
    finish: async () => {},
  };
}

function auditdContender(o: TelemetryBenchOptions, work: string): StormContender {
  const row = newStormRow('auditd', 'auditd + execve rule');
  const auditd = new AuditdRunner(join(work, 'auditd'));
  return {
    row,
    async prepare() {
      const why = await auditd.prepare();
      row.version = auditd.version;
      if (why) await auditd.finish();
      return why;
    },
    async run(round, marker) {
      const from = auditd.logSize();
      const lost0 = auditStatus().lost;
      const pids = auditd.pids();
      const cpu0 = cpuTicksOf(pids);
      auditd.arm();
      let s: Awaited<ReturnType<typeof runStorm>>;
      try { s = await runStorm(o.storm, marker); } finally { auditd.disarm(); }
      const d = await drain(() => auditd.countRecords(from, marker), o.storm);
      const cpu1 = cpuTicksOf(pids);
      return {
        round, marker, seconds: s.seconds, loopCpuSeconds: s.cpu, agentCpuSeconds: (cpu1 - cpu0) / CLK_TCK, agentCpuSplit: null, recorded: d.n, exact: d.n,
        execsSeen: null, lost: auditStatus().lost - lost0, drainSeconds: d.seconds, startMs: null, notes: [],
      };
    },
    finish: () => auditd.finish(),
  };
}

async function stormBench(o: TelemetryBenchOptions, work: string, tag: string): Promise<StormRow[]> {
  const contenders: StormContender[] = [noneContender(o)];
  for (const a of STORM_AGENTS) {
    if (!o.stormWith.includes(a)) continue;
    contenders.push(a === 'auditd' ? auditdContender(o, work) : mamoriStormContender(o, a, work));
  }
  const active: StormContender[] = [];
  for (const c of contenders) {
    try {
      const why = await c.prepare();
      if (why) { c.row.status = 'skipped'; c.row.reason = why; console.log(`  ${c.row.label}: skipped, ${why}`); } else active.push(c);
    } catch (err) {
      c.row.status = 'crashed'; c.row.reason = `while preparing: ${(err as Error).message}`;
      console.log(`  ${c.row.label}: CRASHED ${c.row.reason}`);
    }
  }
  // Untimed warm-up: bash, seq and /bin/true in the page cache, the CPU clocked up.
  await runStorm(Math.min(500, o.storm), `mamori-storm-${tag}-warm-`);
  try {
    for (let round = 1; round <= o.runs; round++) {
      for (const c of [...active]) {
        const marker = `mamori-storm-${tag}-r${round}${c.row.id.replace('_', '')}-`;
        try {
          const r = await c.run(round, marker);
          c.row.runs.push(r);
          const problems: string[] = [];
          if (c.row.id === 'ebpf' && r.exact !== o.storm) problems.push(`${r.exact} of ${o.storm} exec events stored with their command line`);
          if (c.row.id === 'ebpf' && r.notes.length) problems.push(...r.notes);
          if (problems.length && c.row.status === 'ok') { c.row.status = 'wrong-result'; c.row.reason = problems.join('; '); }
          console.log(`  run ${round}/${o.runs} ${c.row.label}: ${r.seconds.toFixed(2)} s, ${fmtInt(o.storm / r.seconds)} execs/s`
            + (r.recorded !== null ? `, ${fmtInt(r.exact ?? r.recorded)}/${fmtInt(o.storm)} recorded with command line` : '')
            + (r.execsSeen !== null ? ` (${fmtInt(r.execsSeen)} exec events of the loop's children)` : '')
            + (r.lost !== null ? `, lost ${r.lost}` : '') + (r.drainSeconds !== null ? `, drained ${r.drainSeconds.toFixed(2)} s after the loop` : '')
            + (r.agentCpuSeconds !== null ? `, agent CPU ${r.agentCpuSeconds.toFixed(2)} s` : '')
            + (r.agentCpuSplit ? ` (core ${r.agentCpuSplit.core.toFixed(2)}, helper ${r.agentCpuSplit.helper.toFixed(2)})` : '')
            + (problems.length ? `  WRONG: ${problems.join('; ')}` : r.notes.length ? `  (${r.notes.join('; ')})` : ''));
        } catch (err) {
          c.row.status = 'crashed'; c.row.reason = (err as Error).message;
          console.log(`  run ${round}/${o.runs} ${c.row.label}: CRASHED: ${c.row.reason}`);
          active.splice(active.indexOf(c), 1);
        }
      }
    }
  } finally {
    for (const c of contenders) { try { await c.finish(); } catch { /* nothing held that matters */ } }
  }
  const rows = contenders.map((c) => c.row);
  for (const r of rows) {
    if (!r.runs.length) continue;
    r.medianSeconds = median(r.runs.map((x) => x.seconds));
    const cpu = r.runs.map((x) => x.agentCpuSeconds).filter((x): x is number => x !== null);
    r.medianAgentCpuSeconds = cpu.length ? median(cpu) : null;
  }
  const base = rows[0]!.medianSeconds;
  for (const r of rows) if (base && r.medianSeconds !== null) r.overheadPct = ((r.medianSeconds - base) / base) * 100;
  return rows;
}

function stormTable(rows: StormRow[], o: TelemetryBenchOptions): string {
  const header = ['agent', 'median s', 'execs/s', 'overhead', 'loop CPU s', 'agent CPU s', 'with cmdline', 'exec events', 'lost', 'drain s', 'target', 'runs (s)'];
  const body = rows.map((r) => {
    if (r.medianSeconds === null) return [r.label, '-', '-', '-', '-', '-', '-', '-', '-', '-', '-', `${r.status.toUpperCase()}: ${(r.reason ?? '').slice(0, 120)}`];
    const vals = (f: (x: StormRun) => number | null) => r.runs.map(f).filter((x): x is number => x !== null);
    const worst = (f: (x: StormRun) => number | null) => { const v = vals(f); return v.length ? `${fmtInt(Math.min(...v))}` : '-'; };
    const loop = vals((x) => x.loopCpuSeconds);
    const lost = vals((x) => x.lost);
    const dr = vals((x) => x.drainSeconds);
    const target = r.id === 'ebpf' && r.overheadPct !== null ? `${verdict(r.overheadPct <= TARGETS.stormOverheadPct && r.status === 'ok')} <=${TARGETS.stormOverheadPct}%` : '';
    return [
      r.label, r.medianSeconds.toFixed(2), fmtInt(o.storm / r.medianSeconds), r.id === 'none' ? 'base' : `${r.overheadPct! >= 0 ? '+' : ''}${r.overheadPct!.toFixed(1)}%`,
      loop.length ? median(loop).toFixed(2) : '-', r.medianAgentCpuSeconds === null ? '-' : r.medianAgentCpuSeconds.toFixed(2),
      worst((x) => x.exact), worst((x) => x.execsSeen), lost.length ? fmtInt(Math.max(...lost)) : '-', dr.length ? median(dr).toFixed(2) : '-', target,
      r.runs.map((x) => x.seconds.toFixed(2)).join(' ') + (r.status === 'ok' ? '' : `  ${r.status.toUpperCase()}: ${(r.reason ?? '').slice(0, 120)}`),
    ];
  });
  const notes = rows.filter((r) => r.runs.some((x) => x.agentCpuSplit)).map((r) => {
    const split = r.runs.map((x) => x.agentCpuSplit!).filter(Boolean);
    const n = r.runs.map((x) => x.execsSeen ?? 0);
    const cpu = median(r.runs.map((x) => x.agentCpuSeconds ?? 0));
    return `  ${r.label}: agent CPU = core ${median(split.map((x) => x.core)).toFixed(2)} s + helper ${median(split.map((x) => x.helper)).toFixed(2)} s `
      + `(median), ${((cpu * 1e6) / Math.max(1, median(n))).toFixed(0)} µs per exec (each exec is a fork, an exec and an exit event)`;
  });
  return [formatGrid(header, body, [11]), ...notes].join('\n');
}

// ---- 2. store throughput and search ---------------------------------------------------------------------------

interface StoreRun {
  insertSeconds: number;
  eventsPerSec: number;
  firstTenthPerSec: number;
  lastTenthPerSec: number;
  /** The bare tables (see bareSqlite), batch by batch alongside Mamori's. */
  bare24PerSec: number;
  bareRowPerSec: number;
  /** The full-text index and the lookups are filled after the insert (EventsRepo.indexPending), timed on their own. */
  indexSeconds: number;
  indexRowsPerSec: number;
  /** Insert and indexing on one thread, one after the other: what a long burst costs in the end. */
  withIndexingPerSec: number;
  generateSeconds: number;
  dbBytes: number;
}

/** The medians of the runs' figures (StoreRun's, but for the timings only one run has), plus the searches. */
interface StoreResult extends Omit<StoreRun, 'indexSeconds' | 'generateSeconds'> {
  status: Status;
  reason: string | null;
  events: number;
  batch: number;
  /** One per run (--runs), each on a fresh store; the figures of this result are their medians. */
  runs: StoreRun[];
  avgDocBytes: number;
  searches: { label: string; text: string; matches: number; returned: number; medianMs: number; p90Ms: number; runsMs: number[] }[];
}

type StoreModule = typeof import('../../main/core/store/index.js');

/** The match expression searchEvents builds (main/core/store/events.ts): each word a quoted prefix term. */
function ftsQuery(text: string): string {
  return text.split(/\s+/).filter(Boolean).map((w) => `"${w.replace(/"/g, '')}"*`).join(' ');
}

/**
 * The baselines for the store: this machine's SQLite taking the same events, with none of Mamori's code. Each
 * is a bare better-sqlite3 table in a folder of its own, same page size, WAL and synchronous=NORMAL, one
 * transaction per batch, SQLite's own checkpoints, the values taken from the events before the clock starts:
 *  - '24': the 24 values per event of schema 7-12's row, one INSERT per row, a time index (the baseline
 *    measured since schema 9, kept to compare with the figures before);
 *  - 'row': Mamori's row since schema 13, 11 values (the display-only fields as one JSON array) and no
 *    index, 16 rows per INSERT as insertBatch does: the ratio to it is what Mamori's own code costs.
 */
function bareSqlite(dir: string, layout: '24' | 'row'): { insert(batch: NewEvent[]): number; close(): void } {
  mkdirSync(dir, { recursive: true });
  removeOnExit(dir);
  const db = new Database(join(dir, 'bare.db'));
  db.pragma('page_size = 16384');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const n = layout === '24' ? 24 : 11;
  const perInsert = layout === '24' ? 1 : 16;
  const cols = Array.from({ length: n }, (_, i) => `c${i}`);
  db.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY, ${cols.join(', ')})${layout === '24' ? '; CREATE INDEX events_time ON events(c0)' : ''}`);
  const row = `(${cols.map(() => '?').join(', ')})`;
  const one = db.prepare(`INSERT INTO events (${cols.join(', ')}) VALUES ${row}`);
  const many = db.prepare(`INSERT INTO events (${cols.join(', ')}) VALUES ${Array.from({ length: perInsert }, () => row).join(', ')}`);
  const tx = db.transaction((rows: unknown[][]) => {
    let i = 0;
    for (const params: unknown[] = []; perInsert > 1 && i + perInsert <= rows.length; i += perInsert) {
      params.length = 0;
      for (let j = i; j < i + perInsert; j++) for (const v of rows[j]!) params.push(v);
      many.run(params);
    }
    for (; i < rows.length; i++) one.run(rows[i]!);
  });
  const values = layout === '24'
    ? (e: NewEvent): unknown[] => {
      const p = e.process;
      return [e['@timestamp'], e.event.kind, e.event.action, p.entity_id, p.pid, p.parent?.entity_id ?? null, p.executable, p.command_line,
        e.user.name, e.destination?.ip ?? null, e.destination?.port ?? null, e.event.sequence, p.name, null, p.start ?? null,
        p.working_directory ?? null, p.hash?.sha256 ? Buffer.from(p.hash.sha256, 'hex') : null, p.parent?.pid ?? null,
        p.parent?.executable ?? null, p.parent?.command_line ?? null, e.user.id, e.group?.id ?? null, 0, null];
    }
    : (e: NewEvent): unknown[] => {
      const p = e.process;
      // The detail slots of events.ts for these events (argv and name derived, so not stored).
      const detail = [16 | 32 | 15, e.event.sequence, null, null, p.start ?? null, p.working_directory ?? null, p.hash?.sha256 ?? null,
        p.parent?.executable ?? null, p.parent?.command_line ?? null, e.user.id, e.user.name, e.group?.id ?? null];
      return [e['@timestamp'], e.event.kind, e.event.action, p.entity_id, p.pid, p.parent?.entity_id ?? null, p.executable, p.command_line,
        p.parent?.pid ?? null, JSON.stringify(detail), null];
    };
  return {
    insert(batch) {
      const rows = batch.map(values);
      const t0 = performance.now();
      tx(rows);
      return (performance.now() - t0) / 1000;
    },
    close() { db.close(); removeNow(dir); },
  };
}

async function storeBench(o: TelemetryBenchOptions, work: string): Promise<StoreResult> {
  const mod = (await import(pathToFileURL(build().storeModule).href)) as StoreModule;
  const logs: string[] = [];
  const res: StoreResult = {
    status: 'ok', reason: null, events: o.events, batch: o.batch, runs: [], insertSeconds: 0, eventsPerSec: 0, firstTenthPerSec: 0,
    lastTenthPerSec: 0, bare24PerSec: 0, bareRowPerSec: 0, indexRowsPerSec: 0, withIndexingPerSec: 0, avgDocBytes: 0, dbBytes: 0, searches: [],
  };
  const wrong = (reason: string) => { if (res.status === 'ok') { res.status = 'wrong-result'; res.reason = reason; } };
  for (let run = 1; run <= o.runs; run++) {
    const last = run === o.runs;
    const dir = join(work, `store-${run}`);
    removeOnExit(dir);
    const store = mod.openStore(dir, { language: 'auto', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' }, (m) => logs.push(m));
    const r: StoreRun = {
      insertSeconds: 0, eventsPerSec: 0, firstTenthPerSec: 0, lastTenthPerSec: 0, bare24PerSec: 0, bareRowPerSec: 0, indexSeconds: 0,
      indexRowsPerSec: 0, withIndexingPerSec: 0, generateSeconds: 0, dbBytes: 0,
    };
    try {
      const source = execEventSource(o.events, o.seed);
      const bares = [bareSqlite(join(work, `store-bare24-${run}`), '24'), bareSqlite(join(work, `store-bare-row-${run}`), 'row')];
      const bareSeconds = [0, 0];
      const batchTimes: { n: number; s: number }[] = [];
      let docBytes = 0;
      let sampled = 0;
      for (let done = 0, k = 0; done < o.events; k++) {
        const g0 = performance.now();
        const batch = source.next(o.batch);
        if (sampled < 2000) { for (const e of batch.slice(0, 100)) docBytes += JSON.stringify(e).length; sampled += Math.min(100, batch.length); }
        r.generateSeconds += (performance.now() - g0) / 1000;
        // The same batch into all three, right after one another so they see the same moment of this noisy VM,
        // in turn first, second and third.
        for (let j = 0; j < 3; j++) {
          const who = (k + j) % 3;
          if (who === 2) {
            const t0 = performance.now();
            store.events.insertBatch(batch);
            batchTimes.push({ n: batch.length, s: (performance.now() - t0) / 1000 });
          } else bareSeconds[who]! += bares[who]!.insert(batch);
        }
        done += batch.length;
        if (batchTimes.length % 10 === 0) process.stdout.write(`\r  run ${run}/${o.runs}: inserted ${fmtInt(done)} of ${fmtInt(o.events)} ...`);
      }
      process.stdout.write('\r');
      for (const b of bares) b.close();
      r.insertSeconds = batchTimes.reduce((a, b) => a + b.s, 0);
      r.eventsPerSec = o.events / r.insertSeconds;
      r.bare24PerSec = o.events / bareSeconds[0]!;
      r.bareRowPerSec = o.events / bareSeconds[1]!;
      const tenth = Math.max(1, Math.floor(batchTimes.length / 10));
      const rate = (xs: typeof batchTimes) => xs.reduce((a, b) => a + b.n, 0) / xs.reduce((a, b) => a + b.s, 0);
      r.firstTenthPerSec = rate(batchTimes.slice(0, tenth));
      r.lastTenthPerSec = rate(batchTimes.slice(-tenth));
      res.avgDocBytes = sampled ? docBytes / sampled : 0;
      const stored = store.events.count();
      if (stored !== o.events) wrong(`${stored} events stored, ${o.events} inserted`);
      console.log(`  run ${run}/${o.runs}: Mamori ${fmtInt(r.eventsPerSec)} events/s (first tenth ${fmtInt(r.firstTenthPerSec)}/s, last tenth `
        + `${fmtInt(r.lastTenthPerSec)}/s); bare SQLite, 24 values ${fmtInt(r.bare24PerSec)}/s, Mamori's row ${fmtInt(r.bareRowPerSec)}/s `
        + `(generating the events took ${r.generateSeconds.toFixed(2)} s, untimed)`);

      // The full-text index and the lookups are filled after the insert (the engine calls indexPending on a timer;
      // until then search matches the unindexed rows in JS). Timed separately, in the slices the engine uses.
      if (last) {
        const u0 = performance.now();
        const unindexed = store.events.search({ text: RARE_WORD, limit: 100, offset: 0 }).items.length;
        console.log(`  before indexing, "${RARE_WORD}" found ${unindexed} time(s) in ${fmtNum(performance.now() - u0)} ms (every row matched in JS)`);
        if (unindexed !== 1) wrong(`"${RARE_WORD}" found ${unindexed} times before FTS indexing, expected 1`);
      }
      const pending = store.events.pendingIndex();
      const f0 = performance.now();
      while (store.events.indexPending() > 0) { /* next slice */ }
      r.indexSeconds = (performance.now() - f0) / 1000;
      r.indexRowsPerSec = pending / Math.max(1e-9, r.indexSeconds);
      r.withIndexingPerSec = o.events / (r.insertSeconds + r.indexSeconds);
      console.log(`  run ${run}/${o.runs}: indexing ${fmtInt(r.indexRowsPerSec)} rows/s (${fmtInt(pending)} rows in ${r.indexSeconds.toFixed(2)} s, `
        + `after the insert, not in events/s); insert + index ${fmtInt(r.withIndexingPerSec)} events/s`);

      // Full-text search as searchEvents runs it: newest first, 100 per page, FTS prefix words (last run only).
      if (last) {
        const ftsCount = store.db.prepare('SELECT count(*) FROM events_fts WHERE events_fts MATCH ?').pluck();
        const searches = [
          { label: 'rare word (1 event)', text: RARE_WORD, want: 1 },
          { label: 'common word (git, ~12 %)', text: 'git', want: null },
          { label: 'everywhere (usr, ~100 %)', text: 'usr', want: null },
          { label: 'two words (grep password)', text: 'grep password', want: null },
        ];
        for (const q of searches) {
          const matches = ftsCount.get(ftsQuery(q.text)) as number;
          store.events.search({ text: q.text, limit: 100, offset: 0 }); // warm
          const times: number[] = [];
          let returned = 0;
          for (let i = 0; i < 15; i++) {
            const t0 = performance.now();
            returned = store.events.search({ text: q.text, limit: 100, offset: 0 }).items.length;
            times.push(performance.now() - t0);
          }
          if (q.want !== null && (matches !== q.want || returned !== q.want)) wrong(`"${q.text}" found ${returned} (FTS ${matches}), expected ${q.want}`);
          res.searches.push({ label: q.label, text: q.text, matches, returned, medianMs: median(times), p90Ms: quantile(times, 0.9), runsMs: times });
        }
      }
    } finally {
      store.close();
      for (const f of readdirSync(dir)) { try { r.dbBytes += statSync(join(dir, f)).size; } catch { /* gone */ } }
      removeNow(dir);
    }
    res.runs.push(r);
  }
  const m = (f: (r: StoreRun) => number) => median(res.runs.map(f));
  res.insertSeconds = m((r) => r.insertSeconds);
  res.eventsPerSec = m((r) => r.eventsPerSec);
  res.firstTenthPerSec = m((r) => r.firstTenthPerSec);
  res.lastTenthPerSec = m((r) => r.lastTenthPerSec);
  res.bare24PerSec = m((r) => r.bare24PerSec);
  res.bareRowPerSec = m((r) => r.bareRowPerSec);
  res.indexRowsPerSec = m((r) => r.indexRowsPerSec);
  res.withIndexingPerSec = m((r) => r.withIndexingPerSec);
  res.dbBytes = m((r) => r.dbBytes);
  if (logs.length) console.log(`  store log: ${logs.slice(0, 5).join(' | ')}`);
  return res;
}

function storeTables(r: StoreResult): string {
  const runs = (f: (x: StoreRun) => number) => r.runs.map((x) => fmtInt(f(x))).join(' ');
  const ins = formatGrid(
    ['store (insertBatch)', 'events', 'batch', 'insert s', 'events/s', 'vs Mamori\'s row', 'vs 24 values', 'first 10 %/s', 'last 10 %/s',
      'index rows/s', 'with index/s', 'JSON bytes', 'db MB', 'target', 'runs (events/s)'],
    [['Mamori store, exec events', fmtInt(r.events), fmtInt(r.batch), r.insertSeconds.toFixed(2), fmtInt(r.eventsPerSec),
      `${(r.eventsPerSec / r.bareRowPerSec).toFixed(2)}x`, `${(r.eventsPerSec / r.bare24PerSec).toFixed(2)}x`, fmtInt(r.firstTenthPerSec),
      fmtInt(r.lastTenthPerSec), fmtInt(r.indexRowsPerSec), fmtInt(r.withIndexingPerSec), fmtInt(r.avgDocBytes), fmtNum(r.dbBytes / 1e6),
      `${verdict(r.eventsPerSec >= TARGETS.storeEventsPerSec && r.status === 'ok')} >=${fmtInt(TARGETS.storeEventsPerSec)}/s`, runs((x) => x.eventsPerSec)],
    ['bare SQLite, Mamori\'s row (11 values)', fmtInt(r.events), fmtInt(r.batch), (r.events / r.bareRowPerSec).toFixed(2), fmtInt(r.bareRowPerSec),
      '1.00x', `${(r.bareRowPerSec / r.bare24PerSec).toFixed(2)}x`, '', '', '', '', '', '', '', runs((x) => x.bareRowPerSec)],
    ['bare SQLite, 24 values (schema 12)', fmtInt(r.events), fmtInt(r.batch), (r.events / r.bare24PerSec).toFixed(2), fmtInt(r.bare24PerSec),
      '', '1.00x', '', '', '', '', '', '', '', runs((x) => x.bare24PerSec)]],
  );
  const search = formatGrid(
    ['search (100 newest)', 'text', 'matches', 'returned', 'median ms', 'p90 ms'],
    r.searches.map((s) => [s.label, s.text, fmtInt(s.matches), String(s.returned), s.medianMs.toFixed(2), s.p90Ms.toFixed(2)]),
    [1],
  );
  return `${ins}\n\n${search}`;
}

// ---- 3. exec -> stored latency -------------------------------------------------------------------------

interface LatencyResult {
  status: Status;
  reason: string | null;
  execs: number;
  gapMs: number;
  found: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
  pollMs: number;
  latenciesMs: (number | null)[];
  warmMs: (number | null)[];
  /** Median time the probe's spawn() call took, and one poll query: what the figures include besides Mamori. */
  spawnCallMs: number | null;
  pollQueryMs: number | null;
}

const PROBE = fileURLToPath(new URL('./lib/latency-probe.mjs', import.meta.url));

async function latencyBench(o: TelemetryBenchOptions, work: string, tag: string): Promise<LatencyResult> {
  const dataDir = join(work, 'latency');
  removeOnExit(dataDir);
  const res: LatencyResult = {
    status: 'ok', reason: null, execs: o.latencyExecs, gapMs: o.latencyGapMs, found: 0, p50: null, p90: null, p99: null, min: null, max: null,
    mean: null, pollMs: 5, latenciesMs: [], warmMs: [], spawnCallMs: null, pollQueryMs: null,
  };
  const core = await startCoreChild({ dataDir, processSensor: 'ebpf', fileSensor: 'chokidar' });
  try {
    const p = processSensorOf(core.status0);
    if (p?.tier !== 'ebpf' || p.state !== 'running') throw new Skip(`the eBPF tier does not run here: ${p?.detail ?? p?.state}`);
    await sleep(500);
    // The spawning and polling run in a small process of their own (lib/latency-probe.mjs).
    const args = { dbFile: join(dataDir, DB_FILE), count: o.latencyExecs, warm: 10, gapMs: o.latencyGapMs, pollMs: res.pollMs, timeoutMs: 10_000, tag };
    const r = await runProcess(process.execPath, [PROBE, JSON.stringify(args)]);
    if (r.code !== 0) throw new Error(`the latency probe exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 300)}`);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { warm: (number | null)[]; latencies: (number | null)[]; spawnMs: number[]; pollMs: number[] };
    const lat = out.latencies.filter((x): x is number => x !== null);
    const round = (x: number) => Math.round(x * 10) / 10;
    res.found = lat.length;
    res.latenciesMs = out.latencies.map((x) => (x === null ? null : round(x))) as number[];
    res.warmMs = out.warm.map((x) => (x === null ? null : round(x))) as number[];
    res.spawnCallMs = out.spawnMs.length ? median(out.spawnMs) : null;
    res.pollQueryMs = out.pollMs.length ? median(out.pollMs) : null;
    if (lat.length) {
      res.p50 = quantile(lat, 0.5); res.p90 = quantile(lat, 0.9); res.p99 = quantile(lat, 0.99);
      res.min = Math.min(...lat); res.max = Math.max(...lat); res.mean = lat.reduce((a, b) => a + b, 0) / lat.length;
    }
    if (res.found !== o.latencyExecs) { res.status = 'wrong-result'; res.reason = `${o.latencyExecs - res.found} of ${o.latencyExecs} execs never appeared in the store (10 s)`; }
    console.log(`  ${res.found}/${o.latencyExecs} execs stored; p50 ${res.p50?.toFixed(1)} ms, p99 ${res.p99?.toFixed(1)} ms, max ${res.max?.toFixed(1)} ms `
      + `(spawn() call ${res.spawnCallMs?.toFixed(2)} ms, poll query ${res.pollQueryMs?.toFixed(2)} ms, medians)`);
  } finally {
    await core.stop();
    removeNow(dataDir);
  }
  return res;
}

function latencyTable(r: LatencyResult): string {
  const f = (x: number | null) => (x === null ? '-' : x.toFixed(1));
  return formatGrid(
    ['exec -> stored (eBPF tier)', 'execs', 'stored', 'p50 ms', 'p90 ms', 'p99 ms', 'min ms', 'max ms', 'mean ms', 'target'],
    [[`every ${r.gapMs} ms, poll ${r.pollMs} ms`, String(r.execs), String(r.found), f(r.p50), f(r.p90), f(r.p99), f(r.min), f(r.max), f(r.mean), r.status === 'ok' ? 'none set' : r.status.toUpperCase()]],
  );
}

// ---- 4. idle cost ---------------------------------------------------------------------------------------

interface IdleResult {
  status: Status;
  reason: string | null;
  settleSeconds: number;
  seconds: number;
  samples: number;
  rows: { label: string; pids: number[]; rssMeanMb: number; rssMaxMb: number; cpuSeconds: number; cpuPct: number }[];
  eventsStored: number;
  childMemory: NodeJS.MemoryUsage | null;
  startMs: number;
}

async function idleBench(o: TelemetryBenchOptions, work: string): Promise<IdleResult> {
  const dataDir = join(work, 'idle-data');
  const watched = join(work, 'idle-watched');
  mkdirSync(watched, { recursive: true });
  removeOnExit(dataDir);
  const core = await startCoreChild({ dataDir, processSensor: 'ebpf', watchFolders: [watched], fileSensor: 'chokidar' });
  const db = openReader(dataDir);
  try {
    const p = processSensorOf(core.status0);
    if (p?.tier !== 'ebpf' || p.state !== 'running') throw new Skip(`the eBPF tier does not run here: ${p?.detail ?? p?.state}`);
    console.log(`  core started in ${core.startMs.toFixed(0)} ms (pid ${core.pid}); settling ${o.settleSeconds} s, then measuring ${o.idleSeconds} s ...`);
    await sleep(o.settleSeconds * 1000);
    const all = processTree(core.pid);
    const helpers = all.filter((x) => x !== core.pid);
    const groups = [{ label: 'core (node process)', pids: [core.pid] }, { label: 'helper(s) (mamori-proc-ebpf)', pids: helpers }, { label: 'total (core + helper)', pids: all }];
    const rss = groups.map(() => [] as number[]);
    const countQ = db.prepare('SELECT count(*) FROM events').pluck();
    const events0 = countQ.get() as number;
    const cpu0 = groups.map((g) => cpuTicksOf(g.pids));
    const t0 = performance.now();
    for (let s = 0; s <= o.idleSeconds; s++) {
      groups.forEach((g, i) => rss[i]!.push(g.pids.reduce((a, x) => a + (vmRss(x) ?? 0), 0)));
      if (s < o.idleSeconds) await sleep(Math.max(0, t0 + (s + 1) * 1000 - performance.now()));
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu1 = groups.map((g) => cpuTicksOf(g.pids));
    const eventsStored = (countQ.get() as number) - events0;
    const { memory } = await core.status();
    const rows = groups.map((g, i) => {
      const cpuSeconds = (cpu1[i]! - cpu0[i]!) / CLK_TCK;
      return {
        label: g.label, pids: g.pids, rssMeanMb: rss[i]!.reduce((a, b) => a + b, 0) / rss[i]!.length / MiB, rssMaxMb: Math.max(...rss[i]!) / MiB,
        cpuSeconds, cpuPct: (cpuSeconds / seconds) * 100,
      };
    });
    const res: IdleResult = { status: 'ok', reason: null, settleSeconds: o.settleSeconds, seconds, samples: rss[0]!.length, rows, eventsStored, childMemory: memory, startMs: core.startMs };
    if (!helpers.length) { res.status = 'wrong-result'; res.reason = 'the core runs no helper process'; }
    return res;
  } finally {
    db.close();
    await core.stop();
    removeNow(dataDir);
  }
}

function idleTable(r: IdleResult): string {
  return formatGrid(
    ['idle (eBPF tier, 1 empty watched folder)', 'RSS MB mean', 'RSS MB max', 'CPU s', 'CPU % of 1 core', 'RSS target', 'CPU target'],
    r.rows.map((x, i) => [x.label, fmtNum(x.rssMeanMb), fmtNum(x.rssMaxMb), x.cpuSeconds.toFixed(2), x.cpuPct.toFixed(2),
      i === 1 ? '' : `${verdict(x.rssMaxMb <= TARGETS.idleRssMb)} <=${TARGETS.idleRssMb}`, i === 1 ? '' : `${verdict(x.cpuPct <= TARGETS.idleCpuPct)} <=${TARGETS.idleCpuPct}%`]),
  );
}

// ---- the group ------------------------------------------------------------------------------------------

export async function telemetryBench(o: TelemetryBenchOptions): Promise<number> {
  const startedAt = new Date();
  const machine = machineInfo();
  console.log(`Mamori telemetry benchmark (${machine.nproc} cores, ${machine.cpu}, node ${process.versions.node}): ${o.tests.join(', ')}`);
  if (process.platform !== 'linux') { console.log('  skipped: the process sensor is Linux-only'); return 0; }
  if (process.getuid?.() !== 0) console.log('  note: not root: the eBPF and cn_proc tiers and auditd will most likely be skipped');
  const work = mkdtempSync(join(tmpdir(), 'mamori-bench-tel-'));
  removeOnExit(work);
  const broken = await snapshotBuild(join(work, 'app'));
  if (broken) { console.log(`  CRASHED: ${broken}`); removeNow(work); return 1; }
  const tag = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  const loadBefore = loadavg();
  if (loadBefore[0]! > machine.nproc / 2) {
    console.log(`  note: the machine is busy (load average ${loadBefore[0]!.toFixed(2)} on ${machine.nproc} cores); expect noisy numbers`);
  }
  const record: Record<string, unknown> = {
    benchmark: 'telemetry', schema: 1, startedAt: startedAt.toISOString(), machine, options: o, targets: TARGETS,
    units: { MB: 'MiB (2^20 bytes) for RSS', cpuPct: 'percent of one core', overhead: '(median wall time - no-agent median) / no-agent median' },
  };
  const tables: string[] = [];
  const failures: string[] = [];
  const section = async <T,>(name: TelemetryTest, title: string, run: () => Promise<T>, table: (r: T) => string, check: (r: T) => string | null) => {
    if (!o.tests.includes(name)) return;
    console.log(`\n${title} ...`);
    try {
      const r = await run();
      record[name] = r;
      tables.push(`${title}\n${table(r)}`);
      const bad = check(r);
      if (bad) failures.push(`${name}: ${bad}`);
    } catch (err) {
      if (err instanceof Skip) {
        record[name] = { status: 'skipped', reason: err.message };
        tables.push(`${title}\nSKIPPED: ${err.message}`);
        console.log(`  skipped: ${err.message}`);
        return;
      }
      record[name] = { status: 'crashed', reason: (err as Error).message };
      tables.push(`${title}\nCRASHED: ${(err as Error).message}`);
      failures.push(`${name} crashed: ${(err as Error).message}`);
      console.log(`  CRASHED: ${(err as Error).stack ?? err}`);
    }
  };

  await section('storm', `2.1 Exec storm: ${fmtInt(o.storm)} x /bin/true from one bash loop, median of ${o.runs} interleaved run(s)`,
    () => stormBench(o, work, tag), (rows) => stormTable(rows, o),
    (rows) => rows.filter((r) => r.status === 'crashed' || r.status === 'wrong-result').map((r) => `${r.id} ${r.status}: ${r.reason}`).join('; ') || null);
  await section('store', `2.2 Store: ${fmtInt(o.events)} exec events through store.events.insertBatch, ${fmtInt(o.batch)} per batch, median of ${o.runs} run(s); then indexing and full-text search`,
    () => storeBench(o, work), storeTables, (r) => (r.status === 'ok' ? null : `${r.status}: ${r.reason}`));
  await section('latency', `2.3 Exec -> stored latency: ${o.latencyExecs} x /bin/true, one every ${o.latencyGapMs} ms, eBPF tier, database polled read-only every 5 ms`,
    () => latencyBench(o, work, tag), latencyTable, (r) => (r.status === 'ok' ? null : `${r.status}: ${r.reason}`));
  await section('idle', `2.4 Idle cost: core with the eBPF process sensor and one empty watched folder, ${o.settleSeconds} s to settle, then ${o.idleSeconds} s measured`,
    () => idleBench(o, work), idleTable, (r) => (r.status === 'ok' ? null : `${r.status}: ${r.reason}`));

  const finishedAt = new Date();
  const loadAfter = loadavg();
  console.log(`\nTelemetry: ${machine.nproc} cores, ${startedAt.toISOString().slice(0, 10)}, load average ${loadBefore[0]!.toFixed(2)} at the start, ${loadAfter[0]!.toFixed(2)} at the end`);
  console.log(tables.join('\n\n'));
  const storm = record.storm as StormRow[] | undefined;
  if (Array.isArray(storm)) {
    const e = storm.find((r) => r.id === 'ebpf');
    if (e?.overheadPct != null) console.log(`Target: Mamori eBPF exec-storm overhead <= ${TARGETS.stormOverheadPct}%: ${verdict(e.overheadPct <= TARGETS.stormOverheadPct && e.status === 'ok')} (${e.overheadPct.toFixed(1)}%)`);
    for (const r of storm) if (r.log.length) console.log(`  ${r.label} core log (first 5 of ${r.log.length}): ${r.log.slice(0, 5).join(' | ')}`);
  }
  const store = record.store as StoreResult | undefined;
  if (store && 'eventsPerSec' in store) console.log(`Target: store >= ${fmtInt(TARGETS.storeEventsPerSec)} events/s: ${verdict(store.eventsPerSec >= TARGETS.storeEventsPerSec && store.status === 'ok')} (${fmtInt(store.eventsPerSec)}/s)`);
  const idle = record.idle as IdleResult | undefined;
  if (idle && 'rows' in idle) {
    const [c, , t] = idle.rows;
    console.log(`Target: idle core RSS <= ${TARGETS.idleRssMb} MB: ${verdict(c!.rssMaxMb <= TARGETS.idleRssMb)} (${fmtNum(c!.rssMaxMb)} MB; with its helper ${fmtNum(t!.rssMaxMb)} MB: ${verdict(t!.rssMaxMb <= TARGETS.idleRssMb)})`);
    console.log(`Target: idle CPU <= ${TARGETS.idleCpuPct}% of one core: ${verdict(t!.cpuPct <= TARGETS.idleCpuPct)} (core + helper ${t!.cpuPct.toFixed(2)}%; `
      + `${fmtInt(idle.eventsStored)} events from other processes on this machine were stored meanwhile)`);
    if (idle.childMemory) console.log(`  core process.memoryUsage() after the window: rss ${fmtNum(idle.childMemory.rss / MiB)} MB, heapUsed ${fmtNum(idle.childMemory.heapUsed / MiB)} MB, external ${fmtNum(idle.childMemory.external / MiB)} MB`);
  }
  record.finishedAt = finishedAt.toISOString();
  record.loadAverage = { before: loadBefore, after: loadAfter };
  record.failures = failures;
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(RESULTS_DIR, `telemetry-${stamp}.json`);
  const json = `${JSON.stringify(record, null, 2)}\n`;
  writeFileSync(file, json);
  writeFileSync(join(RESULTS_DIR, 'latest-telemetry.json'), json);
  console.log(`Results: ${file} (and bench-results/latest-telemetry.json); total ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s`);
  removeNow(work);
  if (failures.length) console.log(`Exit 1: ${failures.join('; ')}`);
  return failures.length ? 1 : 0;
}
