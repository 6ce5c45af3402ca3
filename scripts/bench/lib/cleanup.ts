// Whatever the bench creates is removed at the end, on an error, and on Ctrl-C; children it started die with it.
import { rmSync } from 'node:fs';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const paths = new Set<string>();
const children = new Set<ChildProcess>();
const hooks = new Set<() => void>();
let installed = false;

export function removeOnExit(path: string): void {
  paths.add(path);
  install();
}

export function removeNow(path: string): void {
  rmSync(path, { recursive: true, force: true });
  paths.delete(path);
}

/** Ends this child's process group at exit / Ctrl-C unless it is gone by then; `untrack` when it ended normally. */
export function trackChild(child: ChildProcess): void {
  children.add(child);
  install();
}

export function untrackChild(child: ChildProcess): void {
  children.delete(child);
}

/**
 * A synchronous undo step run at exit, on an error and on Ctrl-C (e.g. take an audit rule out again).
 * Returns a function that runs it now (once) and forgets it.
 */
export function onCleanup(fn: () => void): () => void {
  let done = false;
  const once = () => { if (done) return; done = true; hooks.delete(once); try { fn(); } catch { /* best effort */ } };
  hooks.add(once);
  install();
  return once;
}

export function cleanupAll(): void {
  for (const hook of [...hooks].reverse()) hook();
  // Each child leads its own process group (it may be sh + the tool + what it starts): end that group.
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { child.kill('SIGTERM'); }
  }
  for (const p of paths) {
    try { rmSync(p, { recursive: true, force: true }); } catch { /* best effort at exit */ }
  }
  paths.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupAll);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: removing temporary files and stopping\n`);
      cleanupAll();
      process.exit(code);
    });
  }
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
  /** User + system CPU seconds of the program and everything it waited for (10 ms resolution). */
  cpuSeconds: number | null;
}

// `times` in sh prints the CPU time of the shell, then of its waited-for children (grandchildren included).
const TIMES_SCRIPT = '"$@"; rc=$?; times >&2; exit $rc';
const TIMES_RE = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n?$/;

function splitTimes(stderr: string): { stderr: string; cpuSeconds: number | null } {
  const m = TIMES_RE.exec(stderr);
  if (!m) return { stderr, cpuSeconds: null };
  const n = (i: number) => Number(m[i]);
  return { stderr: stderr.slice(0, m.index), cpuSeconds: n(5) * 60 + n(6) + n(7) * 60 + n(8) };
}

/**
 * Run a program, capture its output, time it from spawn to exit. With `cpu`, it runs under a tiny sh that
 * reports its CPU time (the arguments are passed as "$@", never interpreted by the shell).
 */
export function runProcess(cmd: string, args: string[], options: SpawnOptions & { cpu?: boolean } = {}): Promise<ProcessResult> {
  install();
  const { cpu, ...spawnOptions } = options;
  const [file, argv] = cpu ? ['sh', ['-c', TIMES_SCRIPT, 'sh', cmd, ...args]] as const : [cmd, args] as const;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, [...argv], { ...spawnOptions, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => { children.delete(child); reject(e); });
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      children.delete(child);
      const rawErr = Buffer.concat(err).toString('utf8');
      const { stderr, cpuSeconds } = cpu ? splitTimes(rawErr) : { stderr: rawErr, cpuSeconds: null };
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr, seconds, cpuSeconds });
    });
  });
}
