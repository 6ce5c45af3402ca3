// mamori-proc-cn (the proc connector fallback tier) against real processes: the protocol (hello, seq,
// boottime clock), fork/exec/exit of a shell, argv, setid, ptrace, an exec storm with loss accounting,
// and SIGTERM. The known limit of this tier (a process that exits at once may have argv null) is
// asserted honestly: the exec event must exist, its argv may be missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/temp.js';
import { helperHarness, helperSkipReason, run, uptimeNs, type Msg } from '../helpers/native-helper.js';

const BIN = join(process.cwd(), 'native-helpers', 'bin', 'mamori-proc-cn');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';



const skip = helperSkipReason(BIN);
if (skip) console.warn(`[proc-cn] skipped: ${skip}`);



describe.skipIf(skip !== null)(`mamori-proc-cn${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const { lines, await1, helper: child, protocolTests } = helperHarness(BIN);

  it('starts with a protocol 1 hello for the cn_proc tier', () => {
    expect(lines[0]).toMatchObject({
      type: 'hello', protocol: 1, helper: 'mamori-proc-cn', tier: 'cn_proc', pid: child().pid, clock: 'boottime',
      version: expect.any(String),
    });
    expect([...(lines[0]!.capabilities as string[])].sort()).toEqual(['exec', 'exit', 'fork', 'ptrace', 'setid']);
  });

  it('reports fork, exec (exact argv, resolved filename, parent) and exit code of a shell', async () => {
    const child = spawn('/bin/sh', ['-c', 'sleep 0.2; exit 7']);
    const pid = child.pid!;
    await new Promise((r) => child.once('exit', r));

    const fork = await await1('fork of the shell', (m) => m.type === 'fork' && m.pid === pid);
    expect(fork.ppid).toBe(process.pid);
    const exec = await await1('exec of the shell', (m) => m.type === 'exec' && m.pid === pid);
    expect(exec).toMatchObject({
      tid: pid, ppid: process.pid, argv: ['/bin/sh', '-c', 'sleep 0.2; exit 7'], argv_truncated: false,
      filename: realpathSync('/bin/sh'), filename_truncated: false, late: true, uid: process.getuid!(), gid: process.getgid!(),
      comm: 'sh',
    });
    expect(exec.start_ns).toEqual(expect.any(Number));
    if (fork.start_ns !== null) expect(fork.start_ns).toBe(exec.start_ns);
    expect(fork.parent_start_ns).toEqual(expect.any(Number));

    const sleep = await await1('exec of sleep by the shell', (m) => m.type === 'exec' && m.ppid === pid);
    expect(sleep.argv).toEqual(['sleep', '0.2']);
    const exit = await await1('exit of the shell', (m) => m.type === 'exit' && m.pid === pid);
    expect(exit).toMatchObject({ exit_code: 7, signal: 0, start_ns: exec.start_ns });
    expect(Number(exit.seq)).toBeGreaterThan(Number(exec.seq));
    expect(Number(exit.ts_ns) - Number(exec.ts_ns)).toBeGreaterThanOrEqual(150e6); // the shell lived ~0.2 s
  });

  it('stamps events with CLOCK_BOOTTIME', async () => {
    const r = spawnSync('/bin/sleep', ['0.05']);
    const before = uptimeNs();
    const exit = await await1('exit of sleep', (m) => m.type === 'exit' && m.pid === r.pid);
    expect(Math.abs(Number(exit.ts_ns) - before)).toBeLessThan(3e9);
    expect(Number(exit.start_ns)).toBeLessThanOrEqual(Number(exit.ts_ns));
  });

  it('gives a process that lives a moment its full argv', async () => {
    const marker = `0.000${process.pid}${Date.now() % 100000}`;
    const r = await run('/bin/sleep', ['0.3', marker]);
    expect(r.code).toBe(0);
    const exec = await await1('exec of sleep', (m) => m.type === 'exec' && m.pid === r.pid);
    expect(exec).toMatchObject({ argv: ['/bin/sleep', '0.3', marker], filename: realpathSync('/bin/sleep'), ppid: process.pid, late: true });
  });

  it('escapes argv: control characters, quotes, valid UTF-8 kept, every invalid byte as \\u00XX', async () => {
    // argv[0] of sleep can be any bytes: invalid UTF-8 (lone byte, surrogate, overlong), controls, quotes.
    const script = String.raw`import os; os.execv('/bin/sleep', [b'zz\xff\x01"\\\n\t\xed\xa0\x80\xc0\xaf\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80', b'0.3'])`;
    const r = await run(PYTHON, ['-c', script]);
    expect(r.code, r.stderr).toBe(0);
    const exec = await await1('exec of sleep with odd bytes', (m) => m.type === 'exec' && m.pid === r.pid && m.filename === realpathSync('/bin/sleep'));
    expect(exec.argv).toEqual(['zz\u00ff\u0001"\\\n\t\u00ed\u00a0\u0080\u00c0\u00af\u00e9\u65e5\u{1f600}', '0.3']);
  });

  it('reports the exec of a process that exits at once; argv only if /proc still had it (known limit)', async () => {
    const marker = `mamori-instant-${Date.now()}`;
    const r = spawnSync('/bin/true', [marker]);
    expect(r.status).toBe(0);
    const exec = await await1('exec of /bin/true', (m) => m.type === 'exec' && m.pid === r.pid);
    expect(exec.late).toBe(true);
    if (exec.argv === null) {
      expect(exec.filename).toBeNull();
      console.log('[proc-cn] /bin/true exiting at once: exec event present, argv null (gone before /proc was read)');
    } else {
      expect(exec.argv).toEqual(['/bin/true', marker]);
      console.log('[proc-cn] /bin/true exiting at once: exec event present with full argv (read in time)');
    }
    const exit = await await1('exit of /bin/true', (m) => m.type === 'exit' && m.pid === r.pid);
    expect(exit).toMatchObject({ exit_code: 0, signal: 0 });
  });

  it('reports uid and gid changes as setid events', async () => {
    const r = await run(PYTHON, ['-c', 'import os; os.setgid(65534); os.setuid(65534)']);
    expect(r.code, r.stderr).toBe(0);
    const gid = await await1('setid (gid)', (m) => m.type === 'setid' && m.pid === r.pid && m.id_type === 'gid');
    expect(gid).toMatchObject({ syscall: 'cn_proc', args: [65534, 65534], ret: 0, tid: r.pid });
    const uid = await await1('setid (uid)', (m) => m.type === 'setid' && m.pid === r.pid && m.id_type === 'uid');
    expect(uid).toMatchObject({ syscall: 'cn_proc', args: [65534, 65534], uid: 65534, ret: 0 });
    expect(Number(uid.seq)).toBeGreaterThan(Number(gid.seq));
  });

  it('reports ptrace attach and detach with tracer and target', async () => {
    const script = [
      'import ctypes, os, signal, sys, time',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]',
      'libc.ptrace.restype = ctypes.c_long',
      'pid = os.fork()',
      'if pid == 0:',
      '    time.sleep(10)',
      '    os._exit(0)',
      'if libc.ptrace(16, pid, None, None) != 0: sys.exit("PTRACE_ATTACH failed: %d" % ctypes.get_errno())',
      'os.waitpid(pid, 0)',
      'if libc.ptrace(17, pid, None, None) != 0: sys.exit("PTRACE_DETACH failed: %d" % ctypes.get_errno())',
      'os.kill(pid, signal.SIGKILL)',
      'os.waitpid(pid, 0)',
      'print(pid)',
    ].join('\n');
    const r = await run(PYTHON, ['-c', script]);
    expect(r.code, r.stderr).toBe(0);
    const target = Number(r.stdout.trim());
    const attach = await await1('ptrace attach', (m) => m.type === 'ptrace' && m.target_pid === target && m.attach === true);
    expect(attach).toMatchObject({ pid: r.pid, tid: r.pid, target_tid: target, request: null, ret: 0, uid: process.getuid!() });
    expect(attach.start_ns).toEqual(expect.any(Number));
    const detach = await await1('ptrace detach', (m) => m.type === 'ptrace' && m.target_pid === target && m.attach === false);
    expect(detach).toMatchObject({ pid: r.pid, request: null });
    expect(Number(detach.seq)).toBeGreaterThan(Number(attach.seq));
  });

  it('an exec storm of 2,000 /bin/true: every exec is reported or counted as dropped', async () => {
    const N = 2000;
    const t0 = Date.now();
    const fromSeq = lines.length;
    const r = await run('/bin/bash', ['-c', `for ((i=0;i<${N};i++)); do /bin/true; done`]);
    const wall = Date.now() - t0;
    expect(r.code).toBe(0);
    await await1('exit of the storm shell', (m) => m.type === 'exit' && m.pid === r.pid, 30_000);
    await new Promise((res) => setTimeout(res, 500)); // drop lines are written at the end of a batch
    const window = lines.slice(fromSeq);
    const execs = window.filter((m) => m.type === 'exec' && m.ppid === r.pid);
    const withArgv = execs.filter((m) => Array.isArray(m.argv)).length;
    const drops = window.filter((m) => m.type === 'drop');
    const unknown = drops.filter((m) => typeof m.count !== 'number').length;
    const dropped = drops.reduce((s, m) => s + (typeof m.count === 'number' ? m.count : 0), 0);
    console.log(`[proc-cn] exec storm: ${N} execs in ${wall} ms -> ${execs.length} exec events (${withArgv} with argv, ` +
      `${execs.length - withArgv} argv null), ${drops.length} drop lines counting ${dropped} lost kernel messages` +
      `${unknown ? `, ${unknown} of unknown size` : ''} (${drops.map((d) => d.reason).join(', ') || 'none'})`);
    for (const e of execs) {
      expect(e.late).toBe(true);
      if (e.argv !== null) expect(e.argv).toEqual(['/bin/true']);
    }
    if (unknown === 0) expect(execs.length + dropped).toBeGreaterThanOrEqual(N);
    else expect(drops.length).toBeGreaterThan(0);
  }, 60_000);

  it('never hides loss: a stopped helper with a small socket buffer reports drops that account for every missed exec', async () => {
    // A second helper of our own, with a tiny netlink buffer, frozen while 500 processes run.
    const small = spawn(BIN, ['--rcvbuf', '65536'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const got: Msg[] = [];
    const exited = new Promise<number | null>((resolve) => small.once('exit', (code) => resolve(code)));
    createInterface({ input: small.stdout!, crlfDelay: Infinity }).on('line', (l) => got.push(JSON.parse(l) as Msg));
    try {
      await waitFor('hello of the second helper', () => got.length > 0, 15_000);
      expect(got.find((m) => m.type === 'log' && m.level === 'warn')?.message).toMatch(/receive buffer/);
      small.kill('SIGSTOP');
      const N = 500;
      const storm = await run('/bin/bash', ['-c', `for ((i=0;i<${N};i++)); do /bin/true; done`]);
      small.kill('SIGCONT');
      // Once a process started after the storm is reported, the backlog is read and every CPU's hole counted.
      const marker = spawnSync('/bin/sleep', ['0.05']);
      await waitFor('exit of the marker', () => got.find((m) => m.type === 'exit' && m.pid === marker.pid), 10_000);
      await new Promise((res) => setTimeout(res, 300));
      const execs = got.filter((m) => m.type === 'exec' && m.ppid === storm.pid).length;
      const drops = got.filter((m) => m.type === 'drop');
      const dropped = drops.reduce((s, m) => s + Number(m.count), 0);
      console.log(`[proc-cn] frozen helper, 64 KiB buffer, ${N} processes: ${execs} exec events, ` +
        `${drops.length} drop line(s) counting ${dropped} lost kernel messages (${drops.map((d) => d.reason).join(', ')})`);
      expect(drops.length).toBeGreaterThan(0);
      for (const d of drops) expect(d).toMatchObject({ reason: 'netlink_enobufs', count: expect.any(Number) });
      expect(execs + dropped).toBeGreaterThanOrEqual(N);
      got.slice(1).forEach((m, i) => expect(m.seq).toBe(i + 1));
    } finally {
      small.kill('SIGCONT');
      small.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  protocolTests();
});
