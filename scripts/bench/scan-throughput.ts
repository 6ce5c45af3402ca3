// Benchmark 1: on-demand scan throughput. One generated corpus, page cache warm, every contender run
// N times over it, medians compared against the machine's SHA-256 limit (hashing the same bytes in memory).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeOnExit, removeNow } from './lib/cleanup.js';
import {
  clamscanContender, limitContender, makeSignatures, mamoriContender, sha256sumContender, warmUp,
  type Contender, type RunResult,
} from './lib/contenders.js';
import { generateCorpus, MAX_FILE, MIN_FILE, type Corpus } from './lib/corpus.js';
import { formatTable, machineInfo, MB, median, type ContenderReport } from './lib/report.js';

export interface ScanBenchOptions {
  files: number;
  mb: number;
  runs: number;
  seed: number;
  quick: boolean;
  keep: boolean;
  only: string[] | null;
  target: number;
}

const RESULTS_DIR = fileURLToPath(new URL('../../bench-results/', import.meta.url));

function checkRun(r: RunResult, corpus: Corpus): string | null {
  const problems: string[] = [];
  if (r.files !== corpus.files.length) problems.push(`covered ${r.files} files, the corpus has ${corpus.files.length}`);
  if (r.bytes !== null && r.bytes !== corpus.bytes) problems.push(`covered ${r.bytes} bytes, the corpus has ${corpus.bytes}`);
  if (r.findings !== 1) problems.push(`reported ${r.findings} findings, expected exactly 1 (EICAR)`);
  return problems.length ? problems.join('; ') : null;
}

function summarize(report: ContenderReport, corpus: Corpus): void {
  if (!report.runs.length) return;
  const seconds = median(report.runs.map((r) => r.seconds));
  const cpus = report.runs.map((r) => r.cpuSeconds).filter((x): x is number => x !== undefined);
  report.median = {
    seconds, mbPerSec: corpus.bytes / MB / seconds, filesPerSec: corpus.files.length / seconds,
    cpuSeconds: cpus.length ? median(cpus) : null,
  };
  report.bestSeconds = Math.min(...report.runs.map((r) => r.seconds));
  report.findings = median(report.runs.map((r) => r.findings));
}

/**
 * Runs are interleaved (round 1: every contender, round 2: every contender, ...) so that a burst of load from
 * elsewhere on the machine hits all contenders alike instead of one contender's whole series.
 */
async function measureAll(contenders: Contender[], corpus: Corpus, runs: number): Promise<Map<string, ContenderReport>> {
  const reports = new Map<string, ContenderReport>();
  const active: Contender[] = [];
  for (const c of contenders) {
    const report: ContenderReport = {
      id: c.id, label: c.label, version: null, status: 'ok', reason: null, runs: [], median: null, bestSeconds: null,
      ratio: null, findings: null,
    };
    reports.set(c.id, report);
    try {
      const skip = await c.prepare();
      if (skip) {
        report.status = 'skipped';
        report.reason = skip;
        console.log(`  ${c.label}: skipped, ${skip}`);
      } else {
        active.push(c);
      }
    } catch (err) {
      report.status = 'crashed';
      report.reason = `while preparing: ${(err as Error).message}`;
      console.log(`  ${c.label}: CRASHED ${report.reason}`);
    }
  }
  for (let i = 0; i < runs; i++) {
    for (const c of [...active]) {
      const report = reports.get(c.id)!;
      try {
        const r = await c.run(i);
        report.runs.push(r);
        const wrong = checkRun(r, corpus);
        const mbps = corpus.bytes / MB / r.seconds;
        console.log(`  run ${i + 1}/${runs} ${c.label}: ${r.seconds.toFixed(3)} s, ${mbps.toFixed(1)} MB/s, `
          + `${r.files} files, ${r.findings} finding(s)${r.cpuSeconds !== undefined ? `, ${r.cpuSeconds.toFixed(2)} CPU s` : ''}`
          + `${wrong ? `  WRONG: ${wrong}` : ''}${r.notes?.length ? `  (${r.notes.join('; ')})` : ''}`);
        if (wrong && report.status === 'ok') { report.status = 'wrong-result'; report.reason = wrong; }
      } catch (err) {
        report.status = 'crashed';
        report.reason = (err as Error).message;
        console.log(`  run ${i + 1}/${runs} ${c.label}: CRASHED: ${report.reason}`);
        active.splice(active.indexOf(c), 1);
      }
    }
  }
  for (const c of contenders) {
    const report = reports.get(c.id)!;
    try { report.version = c.version(); } catch { /* informative only */ }
    try { await c.finish?.(); } catch { /* nothing held that matters */ }
    summarize(report, corpus);
  }
  return reports;
}

export async function scanThroughput(o: ScanBenchOptions): Promise<number> {
  const startedAt = new Date();
  const machine = machineInfo();
  const work = mkdtempSync(join(tmpdir(), 'mamori-bench-'));
  if (!o.keep) removeOnExit(work);
  const root = join(work, 'corpus');

  console.log(`Mamori scan-throughput benchmark (${machine.nproc} cores, ${machine.cpu}, node ${process.versions.node})`);
  console.log(`Generating ${o.files} files, ~${o.mb} MB, sizes ${MIN_FILE / 1024} KiB-${MAX_FILE / 2 ** 20} MiB, seed ${o.seed} in ${root} ...`);
  const corpus = generateCorpus({ root, files: o.files, bytes: o.mb * MB, seed: o.seed });
  const sizes = corpus.files.map((f) => f.size);
  console.log(`  ${corpus.files.length} files (incl. 1 EICAR) in ${corpus.dirs} folders, ${(corpus.bytes / MB).toFixed(1)} MB, `
    + `median file ${(median(sizes) / 1024).toFixed(0)} KiB, generated in ${corpus.generateSeconds.toFixed(1)} s`);
  const warmSeconds = warmUp(corpus);
  console.log(`  warm-up read: ${warmSeconds.toFixed(2)} s (${(corpus.bytes / MB / warmSeconds).toFixed(0)} MB/s from the page cache)`);

  const sigs = makeSignatures(corpus);
  const limit = limitContender(corpus, sigs);
  const mamori = mamoriContender(corpus, sigs, work);
  const order: Contender[] = [limit, mamori, sha256sumContender(corpus, sigs, work), clamscanContender(corpus, sigs, work)];
  const selected = order.filter((c) => !o.only || o.only.includes(c.id));
  if (!selected.includes(limit)) selected.unshift(limit); // the reference is always measured
  const rank = (c: Contender) => order.indexOf(c);
  selected.sort((a, b) => rank(a) - rank(b));

  console.log(`Running ${o.runs} round(s), each contender once per round ...`);
  const loadBefore = loadavg();
  if (loadBefore[0]! > machine.nproc / 2) {
    console.log(`  note: the machine is busy (load average ${loadBefore[0]!.toFixed(2)} on ${machine.nproc} cores); expect noisy numbers`);
  }
  const reports = await measureAll(selected, corpus, o.runs);
  const loadAfter = loadavg();
  const limitReport = reports.get(limit.id)!;
  const limitMbps = limitReport.status === 'ok' ? limitReport.median?.mbPerSec ?? null : null;
  for (const r of reports.values()) if (r.median && limitMbps) r.ratio = r.median.mbPerSec / limitMbps;
  const rows = [limit.id, mamori.id, 'sha256sum', 'clamscan'].map((id) => reports.get(id)).filter((r): r is ContenderReport => !!r);

  const m = reports.get(mamori.id);
  let targetLine: string;
  let pass: boolean | null = null;
  if (!m || m.status === 'skipped' || !m.ratio) {
    targetLine = `Target: Mamori >= ${o.target.toFixed(2)}x the SHA-256 limit: NOT CHECKED (${m?.reason ?? 'Mamori not run'})`;
  } else {
    pass = m.status === 'ok' && m.ratio >= o.target;
    targetLine = `Target: Mamori >= ${o.target.toFixed(2)}x the SHA-256 limit: ${pass ? 'PASS' : 'FAIL'} (${m.ratio.toFixed(2)}x`
      + `${m.status === 'ok' ? '' : `, ${m.status}`})`;
  }

  const title = `Scan throughput: ${corpus.files.length} files, ${(corpus.bytes / MB).toFixed(1)} MB, page cache warm, `
    + `median of ${o.runs} run(s); ${machine.nproc} cores, ${startedAt.toISOString().slice(0, 10)}`;
  console.log(`\n${title}\n${formatTable(rows)}\n${targetLine}`);
  const first = mamori.firstScan();
  if (first) {
    const mbps = (first.bytes ?? corpus.bytes) / MB / first.seconds;
    console.log(`  Mamori's first scan after start (untimed warm-up, worker threads starting): ${first.seconds.toFixed(3)} s, `
      + `${mbps.toFixed(1)} MB/s${limitMbps ? `, ${(mbps / limitMbps).toFixed(2)}x` : ''}`);
  }
  for (const r of rows) if (r.version) console.log(`  ${r.id}: ${r.version}`);
  if (mamori.log.length) {
    console.log(`Mamori core log (${mamori.log.length} warning/error lines, first 10):`);
    for (const l of mamori.log.slice(0, 10)) console.log(`  ${l}`);
  }

  const finishedAt = new Date();
  const record = {
    benchmark: 'scan-throughput',
    schema: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    machine,
    loadAverage: { before: loadBefore, after: loadAfter },
    options: o,
    units: { MB: '1,000,000 bytes', ratio: 'MB/s divided by the SHA-256 limit MB/s' },
    corpus: {
      files: corpus.files.length, bytes: corpus.bytes, folders: corpus.dirs, seed: corpus.seed,
      smallest: Math.min(...sizes), largest: Math.max(...sizes), medianSize: median(sizes),
      kinds: Object.fromEntries(['random', 'text', 'mixed', 'eicar'].map((k) => [k, corpus.files.filter((f) => f.kind === k).length])),
      eicar: corpus.eicar.rel, fingerprint: limit.fingerprint(), generateSeconds: corpus.generateSeconds, warmUpSeconds: warmSeconds,
    },
    target: { contender: 'mamori', minRatio: o.target, ratio: m?.ratio ?? null, pass },
    contenders: rows,
    mamoriFirstScan: mamori.firstScan(),
    mamoriLog: mamori.log.slice(0, 50),
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(RESULTS_DIR, `scan-throughput-${stamp}.json`);
  const json = `${JSON.stringify(record, null, 2)}\n`;
  writeFileSync(file, json);
  writeFileSync(join(RESULTS_DIR, 'latest.json'), json);
  console.log(`Results: ${file} (and bench-results/latest.json); total ${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s`);

  if (o.keep) console.log(`Corpus kept (--keep): ${work}`);
  else removeNow(work);
  const broken = rows.filter((r) => r.status === 'crashed' || r.status === 'wrong-result');
  if (broken.length) console.log(`Exit 1: ${broken.map((r) => `${r.id} ${r.status}`).join(', ')}`);
  return broken.length ? 1 : 0;
}
