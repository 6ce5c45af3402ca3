// The contenders of the scan-throughput benchmark. Each one scans the whole corpus once per run and says
// how many files and bytes it covered and how many findings it reported; the caller checks those.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, readSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { restoreEicar, type Corpus } from './corpus.js';
import { removeNow, removeOnExit, runProcess } from './cleanup.js';
import type { Scan } from '../../../preload/contract/index.js';

export interface RunResult {
  seconds: number;
  files: number;
  /** null when the contender does not report it (then the corpus size is used for MB/s). */
  bytes: number | null;
  findings: number;
  /** CPU seconds (user + system) the run used: this process's for in-process contenders, the child's otherwise. */
  cpuSeconds?: number;
  notes?: string[];
}

export interface Contender {
  id: string;
  label: string;
  /** Why it cannot run here, or null when it can. */
  prepare(): Promise<string | null>;
  version(): string | null;
  run(index: number): Promise<RunResult>;
  finish?(): Promise<void>;
}

export interface Signatures {
  /** sha256 -> name, every signature including EICAR's. */
  bySha: Map<string, string>;
  /** ClamAV .hsb text: sha256:size:Name. */
  hsb: string;
  /** Mamori hash-list text: "sha256 Name" per line. */
  hashList: string;
}

/** A small hash database: fakes that match nothing (real-looking sizes) plus the EICAR hash. */
export function makeSignatures(corpus: Corpus, fakes = 64): Signatures {
  const bySha = new Map<string, string>();
  const hsb: string[] = [];
  const list: string[] = ['# Mamori bench: fake signatures plus EICAR'];
  for (let i = 0; i < fakes; i++) {
    const sha = createHash('sha256').update(`mamori-bench-fake-${i}`).digest('hex');
    const name = `Mamori.Bench.Fake${i}`;
    bySha.set(sha, name);
    hsb.push(`${sha}:${1000 + i * 7919}:${name}`);
    list.push(`${sha} ${name}`);
  }
  bySha.set(corpus.eicarSha256, 'Mamori.Bench.EICAR');
  hsb.push(`${corpus.eicarSha256}:${corpus.eicar.size}:Mamori.Bench.EICAR`);
  list.push(`${corpus.eicarSha256} Mamori.Bench.EICAR`);
  return { bySha, hsb: `${hsb.join('\n')}\n`, hashList: `${list.join('\n')}\n` };
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

/** Read every corpus file once so the page cache is warm for every contender. */
export function warmUp(corpus: Corpus): number {
  const started = performance.now();
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  for (const f of corpus.files) {
    const fd = openSync(f.path, 'r');
    try { while (readSync(fd, buffer, 0, buffer.length, null) > 0) { /* discard */ } } finally { closeSync(fd); }
  }
  return (performance.now() - started) / 1000;
}

// ---- 1. the SHA-256 limit: hashing bytes already in memory -------------------------------------------

export function limitContender(corpus: Corpus, sigs: Signatures): Contender & { fingerprint(): string | null } {
  let fingerprint: string | null = null;
  return {
    id: 'sha256-limit',
    label: 'SHA-256 limit (in memory)',
    prepare: async () => null,
    version: () => `node ${process.versions.node}, OpenSSL ${process.versions.openssl}`,
    async run() {
      // Untimed: the bytes are read into memory first, then only the hashing is timed. They are dropped
      // after the run so the other contenders do not run next to a corpus-sized heap.
      const buffers = corpus.files.map((f) => readFileSync(f.path));
      const digests = new Array<string>(buffers.length);
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < buffers.length; i++) digests[i] = createHash('sha256').update(buffers[i]!).digest('hex');
      const seconds = (performance.now() - started) / 1000;
      const cpuSeconds = cpuSince(cpu);
      const findings = digests.filter((d) => sigs.bySha.has(d)).length;
      const lines = corpus.files.map((f, i) => `${f.rel}\t${digests[i]}\n`).sort();
      fingerprint = createHash('sha256').update(lines.join('')).digest('hex');
      return { seconds, files: buffers.length, bytes: buffers.reduce((a, b) => a + b.length, 0), findings, cpuSeconds };
    },
    fingerprint: () => fingerprint,
  };
}

// ---- 2. Mamori's scan engine through the core's public door -----------------------------------------

type CoreModule = typeof import('../../../main/core/index.js');

export function mamoriContender(corpus: Corpus, sigs: Signatures, workDir: string): Contender & { log: string[]; firstScan(): RunResult | null } {
  let mod: CoreModule | null = null;
  let core: Awaited<ReturnType<CoreModule['createCore']>> | null = null;
  let version: string | null = null;
  let firstScan: RunResult | null = null;
  const log: string[] = [];
  const dataDir = join(workDir, 'mamori-data');

  // Mamori is a long-running agent: one core serves every run, as `mamori agent` would. Its first scan
  // (cold: worker threads starting, code not yet optimised) is untimed warm-up, reported on its own.
  async function scanOnce(): Promise<RunResult> {
    restoreEicar(corpus);
    const notes: string[] = [];
    let resolveFinished!: (s: Scan) => void;
    const finished: Scan[] = [];
    let wanted: string | null = null;
    const done = new Promise<Scan>((r) => { resolveFinished = r; });
    const off = core!.events.on('scanFinished', (s) => {
      if (wanted === null) finished.push(s);
      else if (s.id === wanted) resolveFinished(s);
    });
    const cpu = process.cpuUsage();
    const started = performance.now();
    const { scan: begun } = await core!.api.startScan({ paths: [corpus.root], trigger: 'cli' });
    wanted = begun.id;
    const early = finished.find((s) => s.id === wanted);
    if (early) resolveFinished(early);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the scan did not finish within 15 minutes')), 15 * 60_000);
    });
    await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSince(cpu);
    off();
    // The stored scan is the source of truth (the event payload is the same object, saved).
    const { scan } = await core!.api.getScan({ id: begun.id });
    if (scan.state !== 'completed') throw new Error(`scan ended in state "${scan.state}"`);
    if (scan.errors) notes.push(`${scan.errors} scan error(s): ${scan.errorSamples.map((e) => `${e.code} ${e.path}`).join('; ')}`);
    if (!existsSync(corpus.eicar.path)) notes.push('the EICAR file was moved although autoQuarantine was off');
    restoreEicar(corpus);
    return { seconds, files: scan.filesScanned, bytes: scan.bytesScanned, findings: scan.findings, cpuSeconds, notes };
  }

  return {
    id: 'mamori',
    label: 'Mamori scan (hash only)',
    log,
    async prepare() {
      // Measure what ships: the compiled core in dist/ (built here if missing), not the TypeScript source.
      const built = new URL('../../../dist/main/core/index.js', import.meta.url);
      if (!existsSync(built)) {
        const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: new URL('../../../', import.meta.url), stdio: 'inherit' });
        if (r.status !== 0 || !existsSync(built)) return 'the build (npm run build) failed';
      }
      try {
        mod = (await import(built.href)) as CoreModule;
      } catch (err) {
        return `the core does not load: ${(err as Error).message.split('\n')[0]}`;
      }
      removeOnExit(dataDir);
      mkdirSync(dataDir, { recursive: true });
      core = await mod.createCore({
        dataDir, watchFolders: [], host: 'test',
        log: (level, message) => { if (level !== 'info') log.push(`[${level}] ${message}`); },
      });
      version = `mamori ${(await core.api.getStatus({})).version}`;
      // Hash-only: the issue's target compares hashing with the SHA-256 limit; YARA has its own group (yara).
      await core.api.updateSettings({ autoQuarantine: false, contentScan: false });
      const imported = await core.api.importHashList({ name: 'mamori-bench', text: sigs.hashList });
      if (imported.imported !== sigs.bySha.size) log.push(`hash list: imported ${imported.imported} of ${sigs.bySha.size}`);
      firstScan = await scanOnce();
      return null;
    },
    version: () => version,
    run: () => scanOnce(),
    firstScan: () => firstScan,
    async finish() {
      await core?.stop();
      core = null;
      removeNow(dataDir);
      restoreEicar(corpus);
    },
  };
}

// ---- 3. coreutils sha256sum ---------------------------------------------------------------------------

function firstLine(cmd: string, args: string[]): Promise<string | null> {
  return runProcess(cmd, args).then((r) => (r.code === 0 ? r.stdout.split('\n')[0]!.trim() : null), () => null);
}

export function sha256sumContender(corpus: Corpus, sigs: Signatures, workDir: string): Contender {
  const listFile = join(workDir, 'files.nul');
  let version: string | null = null;
  return {
    id: 'sha256sum',
    label: 'sha256sum (xargs -0)',
    async prepare() {
      version = await firstLine('sha256sum', ['--version']);
      if (!version) return 'sha256sum is not installed';
      writeFileSync(listFile, corpus.files.map((f) => `${f.path}\0`).join(''));
      return null;
    },
    version: () => version,
    async run() {
      // Output is parsed (not sent to /dev/null) so the finding can be checked; ~100 bytes per file.
      const r = await runProcess('xargs', ['-0', '-a', listFile, 'sha256sum'], { cpu: true });
      if (r.code !== 0) throw new Error(`xargs sha256sum exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 300)}`);
      const lines = r.stdout.split('\n').filter(Boolean);
      const findings = lines.filter((l) => sigs.bySha.has(l.slice(0, 64))).length;
      return { seconds: r.seconds, files: lines.length, bytes: null, findings, cpuSeconds: r.cpuSeconds ?? undefined };
    },
  };
}

// ---- 4. clamscan with an equivalent hash database -------------------------------------------------------

export function clamscanContender(corpus: Corpus, sigs: Signatures, workDir: string): Contender {
  const db = join(workDir, 'mamori-bench.hsb');
  let version: string | null = null;
  return {
    id: 'clamscan',
    label: 'clamscan (.hsb hash db)',
    async prepare() {
      version = await firstLine('clamscan', ['--version']);
      if (!version) return 'clamscan is not installed (apt-get install clamav)';
      writeFileSync(db, sigs.hsb);
      // Only our database is loaded: no main/daily/bytecode .cvd, so freshclam is not needed.
      return null;
    },
    version: () => version,
    async run() {
      const r = await runProcess('clamscan', ['--infected', '-r', '-d', db, corpus.root], { cpu: true });
      // 0: clean, 1: something found, anything else: an error.
      if (r.code !== 0 && r.code !== 1) throw new Error(`clamscan exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(0, 300)}`);
      const found = r.stdout.split('\n').filter((l) => l.endsWith(' FOUND'));
      const scanned = /Scanned files: (\d+)/.exec(r.stdout);
      const notes = r.stderr.trim() ? [`stderr: ${r.stderr.trim().slice(0, 300)}`] : [];
      return { seconds: r.seconds, files: scanned ? Number(scanned[1]) : -1, bytes: null, findings: found.length, cpuSeconds: r.cpuSeconds ?? undefined, notes };
    },
  };
}
