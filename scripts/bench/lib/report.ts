// Numbers, the printed table, the JSON record, and facts about the machine they were measured on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { RunResult } from './contenders.js';

export type ContenderStatus = 'ok' | 'skipped' | 'wrong-result' | 'crashed';

export interface ContenderReport {
  id: string;
  label: string;
  version: string | null;
  status: ContenderStatus;
  reason: string | null;
  runs: RunResult[];
  median: { seconds: number; mbPerSec: number; filesPerSec: number; cpuSeconds: number | null } | null;
  /** The fastest run, for reference (least disturbed by other load). */
  bestSeconds: number | null;
  /** MB/s divided by the SHA-256 limit's MB/s. */
  ratio: number | null;
  findings: number | null;
}

export const MB = 1_000_000;

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function machineInfo() {
  let shaNi = false;
  try { shaNi = /\bsha_ni\b/.test(readFileSync('/proc/cpuinfo', 'utf8')); } catch { /* not Linux */ }
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch { /* no commit yet */ }
  return {
    hostname: os.hostname(),
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    shaNi,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    commit,
  };
}

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function formatTable(rows: ContenderReport[]): string {
  const header = ['contender', 'MB/s', 'files/s', 'vs limit', 'findings', 'median s', 'CPU s', 'runs (s)'];
  const body = rows.map((r) => {
    if (!r.median) return [r.label, '-', '-', '-', '-', '-', '-', `${r.status.toUpperCase()}: ${r.reason ?? ''}`];
    return [
      r.label, fmt(r.median.mbPerSec), fmt(r.median.filesPerSec, 0), r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
      String(r.findings ?? '-'), r.median.seconds.toFixed(3), r.median.cpuSeconds === null ? '-' : r.median.cpuSeconds.toFixed(2),
      r.runs.map((x) => x.seconds.toFixed(x.seconds < 1 ? 3 : 2)).join(' ') + (r.status === 'ok' ? '' : `  ${r.status.toUpperCase()}: ${r.reason}`),
    ];
  });
  const last = header.length - 1;
  const widths = header.map((h, i) => (i === last ? 0 : Math.max(h.length, ...body.map((b) => b[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : i === last ? c : c.padStart(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w, i) => '-'.repeat(i === last ? 8 : w))), ...body.map(line)].join('\n');
}

/** A plain text table: the first column left-aligned, the others right-aligned, except `leftCols`. */
export function formatGrid(header: string[], rows: string[][], leftCols: number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const left = new Set([0, ...leftCols]);
  const line = (cells: string[]) => cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The value at quantile q (0-1) of a list, nearest-rank. */
export function quantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
export const fmtNum = (n: number, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
