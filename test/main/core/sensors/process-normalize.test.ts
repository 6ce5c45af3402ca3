// The exec enrichment with synthetic helper messages about REAL processes whose /proc says something else
// than the message: so each test sees whether the kernel-captured field or /proc was used.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, openSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HelperStream, type HelperMessage } from '../../../../main/core/sensors/process/helper-stream.js';
import { BootClock, ExecutableHasher, Normalizer } from '../../../../main/core/sensors/process/normalize.js';
import { ProcessTable } from '../../../../main/core/sensors/process/process-table.js';
import type { NewEvent } from '../../../../main/core/store/index.js';
import { tempDirs, waitFor } from '../../../helpers/temp.js';

const dirs = tempDirs();
const children: ChildProcess[] = [];
afterEach(() => { for (const c of children.splice(0)) c.kill('SIGKILL'); dirs.cleanup(); });

/** A live process with its own cwd, LD_LIBRARY_PATH and (optionally) a deleted executable. */
async function liveProcess(opts: { deletedExe?: boolean } = {}) {
  const cwd = dirs.make('mamori-proc-cwd-');
  let exe = '/bin/sleep';
  if (opts.deletedExe) { exe = join(dirs.make('mamori-proc-exe-'), 'sleeper'); copyFileSync('/bin/sleep', exe); }
  const child = spawn(exe, ['30'], { cwd, env: { PATH: '/usr/bin:/bin', LD_LIBRARY_PATH: '/opt/mamori-test-lib' }, stdio: 'ignore' });
  children.push(child);
  await waitFor('the child to exec', () => { try { return readFileSync(`/proc/${child.pid}/cmdline`, 'latin1').includes('30'); } catch { return false; } });
  if (opts.deletedExe) unlinkSync(exe);
  return { pid: child.pid!, cwd, exe };
}

const normalizer = () => new Normalizer(new ProcessTable(), new BootClock(), { sha256: () => null });
const exec = (pid: number, extra: Record<string, unknown> = {}): HelperMessage => ({
  type: 'exec', seq: 1, ts_ns: 1e9, pid, tid: pid, ppid: process.pid, start_ns: 1e9, uid: 0, gid: 0, comm: 'sleep',
  filename: '/bin/sleep', argv: ['sleep', '30'], ...extra,
});
const run = async (n: Normalizer, m: HelperMessage, exited = false) => (await n.normalize(m, exited)) as NewEvent;

describe('exec enrichment: kernel-captured fields first, /proc only for what is missing', () => {
  it('without kernel fields (cn_proc, older helper) reads cwd and loader variables from /proc', async () => {
    const p = await liveProcess();
    const e = await run(normalizer(), exec(p.pid));
    expect(e.process.working_directory).toBe(p.cwd);
    expect(e.process.env_vars).toEqual(['LD_LIBRARY_PATH=/opt/mamori-test-lib']);
    expect(e.process.executable_link).toBeUndefined(); // an ordinary file
  });

  it('uses the kernel cwd and env and does not read /proc for them', async () => {
    const p = await liveProcess();
    const e = await run(normalizer(), exec(p.pid, { cwd: '/kernel/saw/this', env: ['LD_PRELOAD=/kernel/evil.so', 'HOME=/root'] }));
    expect(e.process.working_directory).toBe('/kernel/saw/this');
    // Only the loader variables are kept, and /proc's LD_LIBRARY_PATH is not mixed in.
    expect(e.process.env_vars).toEqual(['LD_PRELOAD=/kernel/evil.so']);
  });

  it('an empty kernel env means "scanned, none": /proc is not consulted', async () => {
    const p = await liveProcess();
    const e = await run(normalizer(), exec(p.pid, { cwd: '/k', env: [] }));
    expect(e.process.env_vars).toBeUndefined();
  });

  it('a kernel cwd alone still leaves the environment to /proc', async () => {
    const p = await liveProcess();
    const e = await run(normalizer(), exec(p.pid, { cwd: '/k', cwd_truncated: true }));
    expect(e.process.working_directory).toBe('/k');
    expect(e.process.env_vars).toEqual(['LD_LIBRARY_PATH=/opt/mamori-test-lib']);
  });

  it('exe_link: the kernel one is used; from a kernel-capturing helper its absence means an ordinary file', async () => {
    const p = await liveProcess({ deletedExe: true });
    // Control: /proc says the image is deleted, and without kernel fields that is what we report.
    expect((await run(normalizer(), exec(p.pid))).process.executable_link).toBe(`${p.exe} (deleted)`);
    const told = await run(normalizer(), exec(p.pid, { cwd: '/k', env: [], exe_link: '/memfd:kernel (deleted)' }));
    expect(told.process.executable_link).toBe('/memfd:kernel (deleted)');
    const silent = await run(normalizer(), exec(p.pid, { cwd: '/k', env: [] }));
    expect(silent.process.executable_link).toBeUndefined();
  });

  it('a process whose exit is already queued gets no /proc reads (and no kernel field is lost)', async () => {
    const p = await liveProcess();
    const gone = await run(normalizer(), exec(p.pid), true);
    expect(gone.process.working_directory).toBeNull();
    expect(gone.process.env_vars).toBeUndefined();
    const kernel = await run(normalizer(), exec(p.pid, { cwd: '/k', env: ['LD_AUDIT=/a.so'] }), true);
    expect(kernel.process).toMatchObject({ working_directory: '/k', env_vars: ['LD_AUDIT=/a.so'] });
  });

  it('ignores kernel env entries that are not strings instead of crashing', async () => {
    const p = await liveProcess();
    const e = await run(normalizer(), exec(p.pid, { cwd: 5, env: [null, 7, 'LD_PRELOAD=/x.so'] }));
    expect(e.process.env_vars).toEqual(['LD_PRELOAD=/x.so']);
    expect(e.process.working_directory).toBe(p.cwd); // a cwd that is not a string is absent: /proc answers
  });
});

describe('executable hash cache', () => {
  const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

  it('hashes a file once, and again when it is rewritten in place even with the same size and mtime', async () => {
    const file = join(dirs.make('mamori-hash-'), 'tool');
    writeFileSync(file, 'A'.repeat(4096));
    utimesSync(file, 1_700_000_000, 1_700_000_000); // a whole second: the same mtime can be set again exactly
    const hashed: string[] = [];
    const hasher = new ExecutableHasher(async (p) => { hashed.push(p); return sha(p); });
    const first = await hasher.sha256(file);
    expect(await hasher.sha256(file)).toBe(first);
    expect(hashed).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 20)); // ctime moves on
    writeFileSync(file, 'B'.repeat(4096));
    utimesSync(file, 1_700_000_000, 1_700_000_000); // an attacker resetting the mtime does not keep the old hash
    expect(statSync(file).mtimeMs).toBe(1_700_000_000_000);
    const second = await hasher.sha256(file);
    expect(second).toBe(sha(file));
    expect(second).not.toBe(first);
  });

  it('hashes what a symlink points to now, and nothing for a missing file', async () => {
    const dir = dirs.make('mamori-hash-');
    writeFileSync(join(dir, 'a'), 'one');
    writeFileSync(join(dir, 'b'), 'two');
    symlinkSync(join(dir, 'a'), join(dir, 'link'));
    const hasher = new ExecutableHasher(async (p) => sha(p));
    expect(await hasher.sha256(join(dir, 'link'))).toBe(sha(join(dir, 'a')));
    rmSync(join(dir, 'link'));
    symlinkSync(join(dir, 'b'), join(dir, 'link'));
    expect(await hasher.sha256(join(dir, 'link'))).toBe(sha(join(dir, 'b')));
    expect(await hasher.sha256(join(dir, 'missing'))).toBeNull();
  });

  it('never hashes one of its own descriptors for a program run by fd (/dev/fd/N, /proc/self/fd/N)', async () => {
    const file = join(dirs.make('mamori-hash-'), 'ours');
    writeFileSync(file, 'a file the core itself has open');
    const fd = openSync(file, 'r');
    try {
      const hasher = new ExecutableHasher(async (p) => sha(p));
      expect(statSync(`/dev/fd/${fd}`).isFile()).toBe(true); // without the guard this would be hashed
      expect(await hasher.sha256(`/dev/fd/${fd}`)).toBeNull();
      expect(await hasher.sha256(`/proc/self/fd/${fd}`)).toBeNull();
    } finally {
      closeSync(fd);
    }
  });
});

describe('helper stream', () => {
  it('reassembles lines split across reads, delivers them in batches and counts seq gaps', async () => {
    const batches: HelperMessage[][] = [];
    const logs: string[] = [];
    const script = `printf '{"type":"hello","protocol":1}\\n{"type":"exec","seq":1,"pid":5'; sleep 0.2; `
      + `printf ',"argv":["a"]}\\nnot json\\n{"type":"exit","seq":3,"pid":5}\\n'; sleep 5`;
    const stream = new HelperStream({ binary: '/bin/sh', args: ['-c', script], onMessages: (b) => batches.push(b), onExit: () => undefined, log: (l) => logs.push(l) });
    await stream.start();
    await waitFor('both messages', () => batches.flat().length >= 2);
    await stream.stop();
    expect(batches.flat()).toEqual([{ type: 'exec', seq: 1, pid: 5, argv: ['a'] }, { type: 'exit', seq: 3, pid: 5 }]);
    expect(batches).toHaveLength(1); // the exec waited for its line's end, then came with the exit
    expect(stream.gaps).toBe(1);
    expect(logs.join('\n')).toContain('not a protocol message');
  });
});
