// Kill / suspend / resume of a process tree, on real processes this test starts itself. Each tree runs
// under a small subreaper (python3) in its own process group, so killed orphans are reaped (not left as
// zombies under pid 1) and the clean-up can find every process the test started, by group, and kill
// them by pid. Nothing else on the machine is ever signalled: protected targets go to a fake helper.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProcessControl, ProcessControlError, type TreeResult } from '../../../../main/core/respond/process/index.js';
import { HELPERS_DIR, run } from '../../../helpers/native-helper.js';
import { entityOfPid, procStat, type ProcStat } from '../../../helpers/procs.js';
import { tempDirs, waitFor } from '../../../helpers/temp.js';

const HELPER = join(HELPERS_DIR, 'mamori-proc-signal');
const dirs = tempDirs();

type Proc = ProcStat;
const stat = procStat;

/** The entity id exactly as the process sensor makes it. */
const entityOf = entityOfPid;
const ticksOf = (pid: number) => Number(entityOf(pid).split('-')[1]);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Exited: reaped, or a zombie (nothing of it runs any more). */
const dead = (p: Proc) => { const s = stat(p.pid); return !s || s.ticks !== p.ticks || s.state === 'Z'; };

function group(pgrp: number, since: number): Proc[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map((n) => stat(Number(n)))
    .filter((p): p is Proc => !!p && p.pgrp === pgrp && p.ticks >= since);
}

function descendantsOf(root: number): Proc[] {
  const all = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map((n) => stat(Number(n))).filter((p): p is Proc => !!p);
  const out: Proc[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const p of all) if (p.ppid === parent) { out.push(p); queue.push(p.pid); }
  }
  return out;
}

interface Started { reaper: ChildProcess; group: number; since: number; rootPid: number; root: string }
const started: Started[] = [];

/** Starts `sh -c script` under a subreaper in a new process group; resolves with the shell's entity id. */
async function startTree(script: string): Promise<Started> {
  const reaperCode = [
    'import ctypes, os, sys',
    'ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)', // PR_SET_CHILD_SUBREAPER: orphans of the tree come here
    'pid = os.fork()',
    'if pid == 0:',
    '    os.dup2(os.open("/dev/null", os.O_WRONLY), 1)', // the tree must not hold the test's pipe open
    '    os.execvp("sh", ["sh", "-c", sys.argv[1]])',
    'print(pid, flush=True)',
    'while True:',
    '    try: os.wait()',
    '    except ChildProcessError: break',
  ].join('\n');
  const reaper = spawn('python3', ['-c', reaperCode, script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: reaper.stdout! }).once('line', resolve);
    reaper.once('error', reject);
  });
  const rootPid = Number(first);
  const s: Started = { reaper, group: reaper.pid!, since: stat(reaper.pid!)!.ticks, rootPid, root: entityOf(rootPid) };
  started.push(s);
  return s;
}

/** One plain `sleep 300`, once it really is sleep (not the shell or python before the exec). */
async function startSleeper(): Promise<Started> {
  const s = await startTree('exec sleep 300');
  await waitFor('sleep to run', () => { try { return readlinkSync(`/proc/${s.rootPid}/exe`).endsWith('/sleep'); } catch { return false; } });
  return s;
}

beforeAll(() => {
  if (!existsSync(HELPER)) execFileSync('make', ['-C', join(process.cwd(), 'native-helpers', 'proc-signal')], { stdio: 'ignore' });
});

afterEach(async () => {
  // Only what this test started: the members of its own process groups, started after their leader. The
  // tree first, so the subreaper reaps it (then exits by itself); the subreaper last.
  for (const s of started.splice(0)) {
    const exited = new Promise((resolve) => { if (s.reaper.exitCode !== null || s.reaper.signalCode) resolve(null); else s.reaper.once('exit', resolve); });
    for (const p of group(s.group, s.since)) {
      if (p.pid === s.group) continue;
      try { process.kill(p.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    await Promise.race([exited, pause(3000)]);
    if (s.reaper.exitCode === null && !s.reaper.signalCode) s.reaper.kill('SIGKILL');
  }
  dirs.cleanup();
});

const TREE = `sleep 300 & sleep 300 & sh -c 'sleep 300 & sleep 300 & wait' & wait`; // root, 3 children, 2 grandchildren
const COUNTER = (file: string) => `sh -c 'i=0; while :; do i=$((i+1)); echo $i > ${file}; sleep 0.05; done' & sleep 300 & wait`;

const counter = (file: string) => Number(readFileSync(file, 'utf8').trim() || 0);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fakeHelper(): { path: string; calls: () => string } {
  const dir = dirs.make('mamori-fake-helper-');
  const log = join(dir, 'calls.log');
  const path = join(dir, 'fake-proc-signal');
  writeFileSync(path, `#!/bin/sh\nif [ "$1" = --self-test ]; then echo '{"type":"self_test","ok":true}'; exit 0; fi\necho "$@" >> ${log}\nexit 1\n`);
  chmodSync(path, 0o755);
  return { path, calls: () => (existsSync(log) ? readFileSync(log, 'utf8') : '') };
}

async function rejection(p: Promise<unknown>): Promise<ProcessControlError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProcessControlError) return err;
    throw err;
  }
  throw new Error('expected a ProcessControlError');
}

describe.each([['pidfd'], ['check-then-kill']] as const)('process control (%s)', (method) => {
  const control = () => new ProcessControl({ helperPath: HELPER, method });

  it('kills the whole tree and nothing else', async () => {
    const bystander = await startSleeper();
    const tree = await startTree(TREE);
    const members = await waitFor('the tree to start', () => { const d = descendantsOf(tree.rootPid); return d.length === 5 && d; });
    const all = [stat(tree.rootPid)!, ...members];

    const result = await control().killTree(tree.root);

    expect(result).toMatchObject({ action: 'kill', root: tree.root, method, ok: true, alreadyDone: false, complete: true, undo: { possible: false } });
    expect(result.fallback).toBeUndefined();
    expect(result.processes.map((p) => p.entityId).sort()).toEqual(all.map((p) => `${p.pid}-${p.ticks}`).sort());
    expect(result.processes.every((p) => p.outcome === 'killed' && p.changed)).toBe(true);
    const root = result.processes.find((p) => p.entityId === tree.root)!;
    expect(root).toMatchObject({ pid: tree.rootPid, ppid: tree.group, executable: expect.stringMatching(/sh$/) });
    expect(root.commandLine).toContain('sleep 300 &');
    expect(result.summary).toMatch(/^Killed 6 processes/);
    // The subreaper reaps them: really gone, not even zombies.
    await waitFor('every process of the tree to be reaped', () => all.every((p) => !alive(p.pid) || dead(p)));
    expect(all.every(dead)).toBe(true);
    expect(alive(bystander.rootPid)).toBe(true);
    expect(stat(bystander.rootPid)).toMatchObject({ state: 'S', ticks: ticksOf(bystander.rootPid) });
  });

  it('catches children forked while the kill is under way', async () => {
    const tree = await startTree('i=0; while [ $i -lt 200 ]; do sleep 300 & i=$((i+1)); sleep 0.01; done; wait');
    await waitFor('the tree to be forking', () => descendantsOf(tree.rootPid).length >= 5);
    const result = await control().killTree(tree.root);
    expect(result.ok).toBe(true);
    expect(result.processes.length).toBeGreaterThan(5);
    // Nothing of the tree is left: every process of its group but the subreaper is gone.
    await waitFor('the tree to be gone', () => group(tree.group, tree.since).every((p) => p.pid === tree.group || p.state === 'Z'));
    await pause(200);
    expect(group(tree.group, tree.since).filter((p) => p.pid !== tree.group && p.state !== 'Z')).toEqual([]);
  });

  it('suspends the tree for real, twice is a no-op, and undo resumes exactly what was stopped', async () => {
    const file = join(dirs.make('mamori-counter-'), 'count');
    const bystander = await startSleeper();
    const tree = await startTree(COUNTER(file));
    await waitFor('the counter to run', () => existsSync(file) && counter(file) >= 3);
    const c = control();

    const first = await c.suspendTree(tree.root);
    expect(first).toMatchObject({ action: 'suspend', ok: true, alreadyDone: false, method });
    const stopped = first.processes.filter((p) => p.outcome === 'stopped');
    expect(stopped.length).toBeGreaterThanOrEqual(3); // root, the counter loop, sleep 300, and maybe its sleep 0.05
    expect(first.processes.every((p) => p.outcome === 'stopped' || p.outcome === 'gone')).toBe(true);
    for (const p of stopped) expect(stat(p.pid)?.state).toBe('T');
    const frozenAt = counter(file);
    await pause(400);
    expect(counter(file)).toBe(frozenAt);
    expect(stat(bystander.rootPid)?.state).toBe('S');
    expect(first.undo).toEqual({ possible: true, action: 'resume', entityIds: stopped.map((p) => p.entityId) });

    const second = await c.suspendTree(tree.root);
    expect(second).toMatchObject({ ok: true, alreadyDone: true, undo: { possible: true, entityIds: [] } });
    // (A short sleep that exited just before the stop stays a zombie of the stopped loop: gone, not stopped.)
    expect(second.processes.every((p) => (p.outcome === 'stopped' && !p.changed) || p.outcome === 'gone')).toBe(true);
    expect(second.summary).toMatch(/already stopped/);

    if (first.undo.possible !== true) throw new Error('suspend must be undoable');
    const resumed = await c.resumeTree(first.undo.entityIds);
    expect(resumed).toMatchObject({ action: 'resume', root: null, ok: true, undo: { possible: false } });
    expect(resumed.processes.map((p) => [p.entityId, p.outcome, p.changed])).toEqual(stopped.map((p) => [p.entityId, 'resumed', true]));
    await waitFor('the counter to advance again', () => counter(file) >= frozenAt + 3);
    for (const p of stopped) expect(stat(p.pid)?.state).not.toBe('T');
  });

  it('resumes a suspended tree by its root entity', async () => {
    const file = join(dirs.make('mamori-counter-'), 'count');
    const tree = await startTree(COUNTER(file));
    await waitFor('the counter to run', () => existsSync(file) && counter(file) >= 3);
    const c = control();
    await c.suspendTree(tree.root);
    const frozenAt = counter(file);
    const resumed = await c.resumeTree(tree.root);
    expect(resumed.ok).toBe(true);
    expect(resumed.processes.filter((p) => p.changed).length).toBeGreaterThanOrEqual(3);
    expect(resumed.processes.at(-1)!.entityId).toBe(tree.root); // children first, the root last
    await waitFor('the counter to advance again', () => counter(file) >= frozenAt + 3);
  });

  it('refuses a stale entity whose pid now belongs to another process, and leaves that process alone', async () => {
    const other = await startSleeper();
    const stale = `${other.rootPid}-${ticksOf(other.rootPid) - 1}`;
    const c = control();
    for (const act of [() => c.killTree(stale), () => c.suspendTree(stale), () => c.resumeTree(stale)]) {
      const err = await rejection(act());
      expect(err.code).toBe('REUSED');
      expect(err.message).toMatch(/now belongs to .*sleep/);
    }
    const listed = await c.resumeTree([stale]);
    expect(listed.processes[0]).toMatchObject({ entityId: stale, outcome: 'gone', code: 'REUSED', changed: false });
    await pause(100);
    expect(stat(other.rootPid)).toMatchObject({ state: 'S', ticks: ticksOf(other.rootPid) });
  });

  it('treats killing or suspending a process that already exited as done', async () => {
    const gone = await startSleeper();
    const ref = stat(gone.rootPid)!;
    process.kill(gone.rootPid, 'SIGKILL'); // our own process
    await waitFor('the process to exit', () => dead(ref));
    const c = control();
    const killed = await c.killTree(gone.root);
    expect(killed).toMatchObject({ ok: true, alreadyDone: true, processes: [{ entityId: gone.root, outcome: 'gone', code: 'GONE', changed: false }] });
    expect(killed.processes[0]!.message).toMatch(/already exited/);
    expect((await c.suspendTree(gone.root)).processes[0]).toMatchObject({ outcome: 'gone', code: 'GONE' });
  });
});

describe('process control refusals', () => {
  it('refuses ids without a start time and ids it cannot read, before doing anything', async () => {
    const fake = fakeHelper();
    const c = new ProcessControl({ helperPath: fake.path, method: 'pidfd' });
    expect((await rejection(c.killTree(`${process.pid}-t12345`))).code).toBe('ENTITY_UNVERIFIABLE');
    expect((await rejection(c.suspendTree('not-an-id'))).code).toBe('INVALID_ENTITY_ID');
    const list = await c.resumeTree([`${process.pid}-t1`, 'x']);
    expect(list.processes.map((p) => p.code)).toEqual(['ENTITY_UNVERIFIABLE', 'INVALID_ENTITY_ID']);
    expect(list.ok).toBe(false);
    expect(fake.calls()).toBe('');
  });

  it('never signals pid 1, Mamori itself, its parent or a kernel thread', async () => {
    const fake = fakeHelper(); // whatever slipped through would land here, not on a real process
    const c = new ProcessControl({ helperPath: fake.path, method: 'pidfd' });
    const targets = [entityOf(1), entityOf(process.pid), entityOf(process.ppid)];
    if (stat(2) && /kthreadd/.test(readFileSync('/proc/2/stat', 'latin1'))) targets.push(entityOf(2));
    for (const id of targets) {
      for (const act of [() => c.killTree(id), () => c.suspendTree(id), () => c.resumeTree(id)]) {
        const err = await rejection(act());
        expect(err.code).toBe('PROTECTED');
        expect(err.message).toMatch(/protected|kernel/);
      }
    }
    const list = await c.resumeTree(targets);
    expect(list.processes.every((p) => p.outcome === 'failed' && p.code === 'PROTECTED')).toBe(true);
    expect(fake.calls()).toBe('');
  });

  it('the helper itself refuses pid 1 and reused pids (C level)', async () => {
    const other = await startSleeper();
    const t = ticksOf(other.rootPid);
    // CONT is harmless even if a refusal failed.
    const r = await run(HELPER, ['CONT', `1:${ticksOf(1)}`, `${other.rootPid}:${t + 1}`, `${other.rootPid}:${t}`]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'hello', protocol: 1, helper: 'mamori-proc-signal', tier: 'pidfd' });
    expect(lines.slice(1)).toMatchObject([
      { type: 'result', pid: 1, ok: false, code: 'PROTECTED', seq: 1 },
      { pid: other.rootPid, ticks: t + 1, ok: false, code: 'REUSED', actual_ticks: t, seq: 2 },
      { pid: other.rootPid, ticks: t, ok: true, state: 'S', seq: 3 },
    ]);
    const bad = await run(HELPER, ['HUP', `${other.rootPid}:${t}`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not allowed/);
  });

  it('reports PERMISSION_DENIED and leaves the process running', async () => {
    if (process.getuid?.() !== 0 || !existsSync('/usr/bin/setpriv')) return; // needs root to drop to nobody
    const dir = dirs.make('mamori-nobody-');
    const wrapper = join(dir, 'as-nobody');
    writeFileSync(wrapper, `#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups ${HELPER} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const target = await startSleeper();
    const result = await new ProcessControl({ helperPath: wrapper, method: 'pidfd' }).suspendTree(target.root);
    expect(result).toMatchObject({ ok: false, processes: [{ entityId: target.root, outcome: 'failed', code: 'PERMISSION_DENIED' }] });
    expect(result.processes[0]!.message).toMatch(/not allowed/);
    expect(stat(target.rootPid)?.state).toBe('S');
  });

  it('falls back to check-then-kill when the helper is not built, and says so', async () => {
    const tree = await startTree(TREE);
    await waitFor('the tree to start', () => descendantsOf(tree.rootPid).length === 5);
    const missing = join(dirs.make('mamori-nohelper-'), 'mamori-proc-signal');
    expect((await rejection(new ProcessControl({ helperPath: missing, method: 'pidfd' }).killTree(tree.root))).code).toBe('HELPER_MISSING');
    const result: TreeResult = await new ProcessControl({ helperPath: missing }).killTree(tree.root);
    expect(result).toMatchObject({ ok: true, method: 'check-then-kill', fallback: { code: 'HELPER_MISSING' } });
    expect(result.processes).toHaveLength(6);
    expect(result.summary).toMatch(/pidfd helper was not used/);
  });
});
