// An exec storm against a whole core: one bash loop (no other child: no $(seq)) runs `/bin/true <marker> <i>` N times as fast as it can,
// then we wait until the store holds what the sensor made of it. Shared by process-storm.test.ts and the CPU
// measurement (storm-cpu.ts), so both measure the same thing.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Core } from '../../../../main/core/index.js';

export interface StormCount {
  /** exec events whose parent is the storm's bash loop. */
  execs: number;
  /** of those, how many carry the marker and the index as arguments (`/bin/true marker i`). */
  withArgs: number;
  /** indexes 1..N that appear in no exec event's arguments. */
  missingIndexes: number;
  /** exec events with the marker whose index is out of range or seen twice. */
  badOrDuplicate: number;
}

/** Runs the loop and resolves with the bash pid once it exited (status 0, or rejects). */
export function runLoop(marker: string, n: number): Promise<{ pid: number; wallMs: number }> {
  const started = Date.now();
  const child = spawn('/bin/bash', ['-c', `for ((i = 1; i <= ${n}; i++)); do /bin/true ${marker} $i; done`], { stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve({ pid: child.pid!, wallMs: Date.now() - started });
      else reject(new Error(`the storm loop exited with ${signal ?? `code ${code}`}`));
    });
  });
}

/** Reads the core's SQLite file directly (a second read-only connection; WAL lets it see committed batches). */
export function countStorm(dataDir: string, bashPid: number, marker: string, n: number): StormCount {
  const db = new Database(join(dataDir, 'mamori.db'), { readonly: true, fileMustExist: true });
  try {
    // The storm's argv has no spaces or quotes, so its command line splits back into it.
    const rows = db.prepare(`SELECT process_command_line AS cmd FROM events
      WHERE action = 'exec' AND parent_pid = ? AND process_pid != ?`)
      .all(bashPid, bashPid) as { cmd: string | null }[];
    const seen = new Uint8Array(n + 1);
    let withArgs = 0;
    let badOrDuplicate = 0;
    for (const r of rows) {
      const args = r.cmd ? r.cmd.split(' ') : null;
      if (!args || args[1] !== marker) continue;
      const i = Number(args[2]);
      if (args.length !== 3 || !Number.isInteger(i) || i < 1 || i > n || seen[i]) { badOrDuplicate++; continue; }
      seen[i] = 1;
      withArgs++;
    }
    let missingIndexes = 0;
    for (let i = 1; i <= n; i++) if (!seen[i]) missingIndexes++;
    return { execs: rows.length, withArgs, missingIndexes, badOrDuplicate };
  } finally {
    db.close();
  }
}

export async function processStatus(core: Core): Promise<{ tier: string | null; eventsLost: number; state: string }> {
  const status = await core.api.getStatus({});
  const s = status.sensors.find((x) => x.id === 'process') as { tier?: string | null; eventsLost?: number; state: string } | undefined;
  if (!s) throw new Error('the core reports no process sensor');
  return { tier: s.tier ?? null, eventsLost: s.eventsLost ?? 0, state: s.state };
}

/** Polls until `count().execs` reaches n, or stops changing for `quietMs` (events lost or still in flight). */
export async function settle(count: () => StormCount, n: number, quietMs = 3000, maxMs = 60_000): Promise<StormCount> {
  const until = Date.now() + maxMs;
  let last = count();
  let changedAt = Date.now();
  while (last.execs < n && Date.now() - changedAt < quietMs && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    const now = count();
    if (now.execs !== last.execs) changedAt = Date.now();
    last = now;
  }
  return last;
}
