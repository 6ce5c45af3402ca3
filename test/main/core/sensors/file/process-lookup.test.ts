// Naming the process behind a file event when the process sensor has not caught up with an exec yet.
import { spawn, type ChildProcess } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProcInfo } from '../../../../../main/core/sensors/process/index.js';
import { ProcessLookup } from '../../../../../main/core/sensors/file/process-lookup.js';

const children: ChildProcess[] = [];
afterEach(() => { for (const c of children.splice(0)) c.kill('SIGKILL'); });

function sleeper(): number {
  const c = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  return c.pid!;
}

/** Wait until the child has exec'd (its /proc exe is no longer node). */
async function execd(pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try { if (!realpathSync(`/proc/${pid}/exe`).includes('node')) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the child never exec\'d');
}

const record = (pid: number, executable: string): ProcInfo => ({
  entityId: `${pid}-42`, pid, startNs: 420_000_000, ppid: process.pid, parentEntity: 'parent-1', executable,
  commandLine: executable, args: [executable], uid: 0, exitedAt: null,
});

describe('ProcessLookup', () => {
  it('a table still holding the fork (node) gives way to what /proc runs now, keeping the entity', async () => {
    const pid = sleeper();
    await execd(pid);
    const lookup = new ProcessLookup((p) => (p === pid ? record(pid, process.execPath) : null));
    const actor = lookup.actor(pid, 0);
    expect(actor.process.executable).toMatch(/sleep$/);
    expect(actor.process.command_line).toBe('/bin/sleep 30');
    expect(actor.process.entity_id).toBe(`${pid}-42`);
    expect(actor.process.parent).toMatchObject({ pid: process.pid, entity_id: 'parent-1' });
  });

  it('a current record is used as the table has it (the path exec was given, not the resolved one)', async () => {
    const pid = sleeper();
    await execd(pid);
    const lookup = new ProcessLookup((p) => (p === pid ? record(pid, '/bin/sleep') : null));
    expect(lookup.actor(pid, 0).process).toMatchObject({ executable: '/bin/sleep', command_line: '/bin/sleep', entity_id: `${pid}-42` });
    expect(lookup.actor(pid, 0).process.executable).toBe('/bin/sleep');
  });

  it('what the exec guard saw just before an exec is not reused for the writes after it', async () => {
    const c = spawn('/bin/sh', ['-c', 'sleep 0.3; exec /bin/sleep 30'], { stdio: 'ignore' });
    children.push(c);
    const lookup = new ProcessLookup(() => null);
    await new Promise((r) => setTimeout(r, 50));
    expect(lookup.actor(c.pid!, 0, { beforeExec: true }).process.executable).toMatch(/sh$|dash$/);
    await execd(c.pid!);
    for (let i = 0; i < 100 && !realpathSync(`/proc/${c.pid!}/exe`).endsWith('sleep'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(lookup.actor(c.pid!, 0).process.executable).toMatch(/sleep$/);
  });
});
