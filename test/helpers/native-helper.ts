// Running a native helper in a test: why it cannot run here (to skip with a reason), and a harness that
// starts it once per describe block, collects its NDJSON lines and kills it afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from './temp.js';

export const HELPERS_DIR = join(process.cwd(), 'native-helpers', 'bin');

export interface Msg {
  type: string;
  seq?: number;
  ts_ns?: number;
  [field: string]: unknown;
}

/** null when the helper is built and its --self-test passes here; otherwise why not. */
export function helperSkipReason(binary: string): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (!existsSync(binary)) return `${binary} is not built (make -C native-helpers)`;
  const r = spawnSync(binary, ['--self-test'], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) return `--self-test failed (exit ${String(r.status)}): ${(r.stdout + r.stderr).trim().split('\n')[0]}`;
  return null;
}

export const uptimeNs = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1e9;

/** Runs a command to its end and collects its output. */
export function run(cmd: string, args: string[]): Promise<{ pid: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ pid: child.pid!, code, stdout, stderr }));
  });
}

/** Call inside a describe block: the helper runs for the whole block and its output is collected. */
export function helperHarness(binary: string, args: string[] = []) {
  let helper: ChildProcess;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  const lines: Msg[] = [];
  const badLines: string[] = [];
  const stderrLines: string[] = [];
  const events = () => lines.slice(1);
  const find = (pred: (m: Msg) => boolean) => events().find(pred);

  beforeAll(async () => {
    helper = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    exited = new Promise((resolve) => helper.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
    createInterface({ input: helper.stderr!, crlfDelay: Infinity }).on('line', (l) => stderrLines.push(l));
    createInterface({ input: helper.stdout!, crlfDelay: Infinity }).on('line', (l) => {
      try {
        lines.push(JSON.parse(l) as Msg);
      } catch {
        badLines.push(l);
      }
    });
    await waitFor('the hello line', () => lines.length > 0, 15_000);
  });

  afterAll(() => {
    if (helper.exitCode === null && helper.signalCode === null) helper.kill('SIGKILL');
  });

  /** The protocol checks every helper must pass; declare them last (the second one stops the helper). */
  const protocolTests = () => {
    it('numbers every line after the hello 1, 2, 3, ... with no gaps and writes only valid JSON', () => {
      expect(badLines).toEqual([]);
      const seqs = events().map((m) => m.seq);
      expect(seqs.length).toBeGreaterThan(0);
      seqs.forEach((s, i) => expect(s).toBe(i + 1));
      for (const m of events()) {
        expect(typeof m.type).toBe('string');
        expect(m.ts_ns).toEqual(expect.any(Number));
      }
    });

    it('exits within 1 s of SIGTERM', async () => {
      const sent = Date.now();
      helper.kill('SIGTERM');
      const exit = await exited;
      expect(exit.at - sent).toBeLessThan(1000);
      expect(exit.code).toBe(0);
      expect(stderrLines).toEqual([]);
    });
  };

  return {
    lines, badLines, stderrLines, events, find, protocolTests,
    helper: () => helper,
    exited: () => exited,
    await1: (what: string, pred: (m: Msg) => boolean, timeoutMs = 10_000) => waitFor(what, () => find(pred), timeoutMs),
  };
}
