// mamori-proc-ebpf (the eBPF tier) against real processes: the protocol (hello, seq without gaps,
// boottime clock), fork/exec/exit with argv, cwd, loader variables and memfd/deleted executables
// captured in the kernel (also for a process that exits at once), memfd_create, ptrace, setid,
// loopback TCP bind/listen/connect/accept, an exec storm with loss accounting, idle memory, and
// SIGTERM. Needs root (the helper's --self-test decides); skipped otherwise.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { helperHarness, helperSkipReason, run, uptimeNs } from '../helpers/native-helper.js';
import { tempDirs } from '../helpers/temp.js';

const BIN = join(process.cwd(), 'native-helpers', 'bin', 'mamori-proc-ebpf');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';



const skip = helperSkipReason(BIN);
if (skip) console.warn(`[proc-ebpf] skipped: ${skip}`);



describe.skipIf(skip !== null)(`mamori-proc-ebpf${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const { lines, await1, helper: child, protocolTests } = helperHarness(BIN);

  it('starts with a protocol 1 hello for the ebpf tier', () => {
    expect(lines[0]).toMatchObject({
      type: 'hello', protocol: 1, helper: 'mamori-proc-ebpf', tier: 'ebpf', pid: child().pid, clock: 'boottime',
      version: expect.any(String),
    });
    expect([...(lines[0]!.capabilities as string[])].sort()).toEqual([
      'accept', 'bind', 'connect', 'exec', 'exit', 'fork', 'listen', 'memfd_create', 'module_load', 'ptrace', 'setid',
    ]);
  });

  it('reports fork, exec (exact argv, filename, parent), a child of the shell and the exit code', async () => {
    const marker = `mamori-sh-${process.pid}-${Date.now()}`;
    const script = `/bin/echo ${marker}; exit 7`;
    const child = spawn('/bin/sh', ['-c', script], { stdio: 'ignore' });
    const pid = child.pid!;
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(7);

    const fork = await await1('fork of the shell', (m) => m.type === 'fork' && m.pid === pid);
    expect(fork).toMatchObject({ ppid: process.pid, uid: process.getuid!() });
    const exec = await await1('exec of the shell', (m) => m.type === 'exec' && m.pid === pid);
    expect(exec).toMatchObject({
      tid: pid, ppid: process.pid, filename: '/bin/sh', argv: ['/bin/sh', '-c', script], argv_truncated: false,
      filename_truncated: false, uid: process.getuid!(), gid: process.getgid!(), comm: 'sh',
    });
    expect(exec.start_ns).toBe(fork.start_ns);
    expect(fork.parent_start_ns).toEqual(expect.any(Number));
    expect(Number(fork.parent_start_ns)).toBeLessThan(Number(fork.start_ns));

    const echo = await await1('exec of echo by the shell', (m) => m.type === 'exec' && m.ppid === pid);
    expect(echo).toMatchObject({ filename: '/bin/echo', argv: ['/bin/echo', marker], comm: 'echo' });
    const echoFork = await await1('fork of echo', (m) => m.type === 'fork' && m.pid === echo.pid);
    expect(echoFork).toMatchObject({ ppid: pid, parent_start_ns: exec.start_ns });

    const exit = await await1('exit of the shell', (m) => m.type === 'exit' && m.pid === pid);
    expect(exit).toMatchObject({ exit_code: 7, signal: 0, start_ns: exec.start_ns });
    expect(Number(exit.seq)).toBeGreaterThan(Number(exec.seq));
    expect(Number(exec.seq)).toBeGreaterThan(Number(fork.seq));
  });

  it('keeps argv with odd bytes exact (JSON escaping, UTF-8, invalid bytes as \\u00XX)', async () => {
    const args = [`mamori-echo-${Date.now()}`, 'two words', 'quote"back\\slash', 'tab\there', 'wörld 守り', ''];
    const r = await run('/bin/echo', args);
    expect(r.code).toBe(0);
    const exec = await await1('exec of echo', (m) => m.type === 'exec' && m.pid === r.pid);
    expect(exec).toMatchObject({ filename: '/bin/echo', argv: ['/bin/echo', ...args], ppid: process.pid, argv_truncated: false });

    // Node passes only UTF-8 arguments; bash execs /bin/echo (a lone command: no fork) with raw bytes.
    const bad = spawnSync('/bin/bash', ['-c', "/bin/echo m-$'\\xff\\xc3'"]);
    expect(bad.status).toBe(0);
    const execBad = await await1('exec of echo with invalid UTF-8', (m) => m.type === 'exec' && m.pid === bad.pid && m.filename === '/bin/echo');
    expect(execBad.argv).toEqual(['/bin/echo', 'm-\u00ff\u00c3']);
  });

  it('gives a process that exits at once its full argv, and its exit', async () => {
    const marker = `mamori-instant-${process.pid}-${Date.now()}`;
    const r = spawnSync('/bin/true', [marker, '--flag=1']);
    expect(r.status).toBe(0);
    const exec = await await1('exec of /bin/true', (m) => m.type === 'exec' && m.pid === r.pid);
    expect(exec).toMatchObject({ filename: '/bin/true', argv: ['/bin/true', marker, '--flag=1'], ppid: process.pid });
    const exit = await await1('exit of /bin/true', (m) => m.type === 'exit' && m.pid === r.pid);
    expect(exit).toMatchObject({ exit_code: 0, signal: 0, start_ns: exec.start_ns });
  });

  it('reports the terminating signal', async () => {
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await await1('exec of sleep', (m) => m.type === 'exec' && m.pid === child.pid);
    child.kill('SIGKILL');
    const exit = await await1('exit of sleep', (m) => m.type === 'exit' && m.pid === child.pid);
    expect(exit).toMatchObject({ exit_code: 0, signal: 9 });
  });

  it('marks argv cut at 32 arguments', async () => {
    const args = Array.from({ length: 40 }, (_, i) => `a${i}`);
    const r = spawnSync('/bin/true', args);
    const exec = await await1('exec with 41 args', (m) => m.type === 'exec' && m.pid === r.pid);
    expect(exec.argv).toEqual(['/bin/true', ...args.slice(0, 31)]);
    expect(exec.argv_truncated).toBe(true);
  });

  it('stamps events with CLOCK_BOOTTIME', async () => {
    const r = spawnSync('/bin/sleep', ['0.05']);
    const before = uptimeNs();
    const exit = await await1('exit of sleep', (m) => m.type === 'exit' && m.pid === r.pid);
    expect(Math.abs(Number(exit.ts_ns) - before)).toBeLessThan(3e9);
    expect(Number(exit.start_ns)).toBeLessThanOrEqual(Number(exit.ts_ns));
  });

  it('reports memfd_create with name, flags and the fd', async () => {
    const r = await run(PYTHON, ['-c', "import os; print(os.memfd_create('mamori-test', os.MFD_CLOEXEC))"]);
    expect(r.code, r.stderr).toBe(0);
    const ev = await await1('memfd_create', (m) => m.type === 'memfd_create' && m.pid === r.pid);
    expect(ev).toMatchObject({ name: 'mamori-test', flags: 1, ret: Number(r.stdout.trim()), tid: r.pid, uid: process.getuid!() });
    expect(ev.start_ns).toEqual(expect.any(Number));
    expect(ev.comm).toMatch(/^python/);
  });

  it('reports ptrace with request and target, and setid calls with their arguments', async () => {
    const script = [
      'import ctypes, os',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]',
      'libc.ptrace.restype = ctypes.c_long',
      'print(libc.ptrace(0, 0, None, None))', // PTRACE_TRACEME
      'print(libc.ptrace(16, 1, None, None), ctypes.get_errno())', // PTRACE_ATTACH to init: refused or not, it is reported
      'os.setresuid(-1, -1, -1)',
      'os.setgid(os.getgid())',
    ].join('\n');
    const r = await run(PYTHON, ['-c', script]);
    expect(r.code, r.stderr).toBe(0);
    const traceme = await await1('ptrace TRACEME', (m) => m.type === 'ptrace' && m.pid === r.pid && m.request === 0);
    expect(traceme).toMatchObject({ ret: 0, target_pid: 0, tid: r.pid });
    const [attachRet, attachErrno] = r.stdout.split('\n')[1]!.split(' ').map(Number);
    const attach = await await1('ptrace ATTACH', (m) => m.type === 'ptrace' && m.pid === r.pid && m.request === 16);
    expect(attach).toMatchObject({ target_pid: 1, ret: attachRet === 0 ? 0 : -attachErrno! });
    const setres = await await1('setresuid', (m) => m.type === 'setid' && m.pid === r.pid && m.syscall === 'setresuid');
    expect(setres).toMatchObject({ args: [-1, -1, -1], ret: 0 });
    const setgid = await await1('setgid', (m) => m.type === 'setid' && m.pid === r.pid && m.syscall === 'setgid');
    expect(setgid).toMatchObject({ args: [process.getgid!()], ret: 0 });
  });

  it('reports a loopback TCP connection: bind, listen, connect, accept with addresses and ports', async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const script = [
        'import socket, sys',
        `c = socket.create_connection(("127.0.0.1", ${port}))`,
        'print(c.getsockname()[1])',
        'c.recv(1)',
        'u = socket.socket(socket.AF_UNIX)',
        'try: u.connect("/nonexistent/mamori.sock")',
        'except OSError: pass',
      ].join('\n');
      const r = await run(PYTHON, ['-c', script]);
      expect(r.code, r.stderr).toBe(0);
      const clientPort = Number(r.stdout.trim());

      const bind = await await1('bind by the server', (m) => m.type === 'bind' && m.pid === process.pid && m.addr === '127.0.0.1');
      expect(bind).toMatchObject({ family: 'inet', port: 0, ret: 0 });
      const listen = await await1('listen by the server', (m) => m.type === 'listen' && m.pid === process.pid && m.fd === bind.fd);
      expect(listen).toMatchObject({ ret: 0, backlog: expect.any(Number) });
      const connect = await await1('connect by the client', (m) => m.type === 'connect' && m.pid === r.pid && m.family === 'inet');
      expect(connect).toMatchObject({ daddr: '127.0.0.1', dport: port, ret: 0, tid: r.pid });
      expect(connect.fd).toEqual(expect.any(Number));
      const accept = await await1('accept by the server', (m) => m.type === 'accept' && m.pid === process.pid && m.sport === clientPort);
      expect(accept).toMatchObject({ family: 'inet', saddr: '127.0.0.1' });
      expect(Number(accept.ret)).toBeGreaterThanOrEqual(0);
      expect(accept.fd).toBe(accept.ret);
      const unix = await await1('unix connect', (m) => m.type === 'connect' && m.pid === r.pid && m.family === 'unix');
      expect(unix).toMatchObject({ path: '/nonexistent/mamori.sock', ret: -2 }); // -ENOENT
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('an exec storm of 2,000 /bin/true: every exec is reported with argv, or counted as dropped', async () => {
    const N = 2000;
    const marker = `storm${process.pid}`;
    const fromIdx = lines.length;
    const t0 = Date.now();
    const r = await run('/bin/bash', ['-c', `for ((i=0;i<${N};i++)); do /bin/true ${marker} $i; done`]);
    const wall = Date.now() - t0;
    expect(r.code).toBe(0);
    await await1('exit of the storm shell', (m) => m.type === 'exit' && m.pid === r.pid, 30_000);
    await new Promise((res) => setTimeout(res, 300)); // drop lines come on the next 100 ms check
    const window = lines.slice(fromIdx);
    const execs = window.filter((m) => m.type === 'exec' && m.ppid === r.pid);
    const seen = new Set<number>();
    for (const e of execs) {
      const argv = e.argv as string[];
      expect(argv.slice(0, 2)).toEqual(['/bin/true', marker]);
      expect(argv).toHaveLength(3);
      seen.add(Number(argv[2]));
    }
    const drops = window.filter((m) => m.type === 'drop');
    const dropped = drops.reduce((s, m) => s + Number(m.count), 0);
    console.log(`[proc-ebpf] exec storm: ${N} execs in ${wall} ms (${Math.round((N * 1000) / wall)}/s) -> ` +
      `${execs.length} exec events with argv (${seen.size} distinct), ${drops.length} drop lines counting ${dropped} lost events`);
    expect(seen.size).toBe(execs.length);
    expect(execs.length + dropped).toBeGreaterThanOrEqual(N);
  }, 60_000);

  describe('exec context captured in the kernel', () => {
    const dirs = tempDirs();
    // A tree deeper than PATH_MAX cannot be removed by path: rm -rf walks it relative.
    afterAll(() => { for (const d of made) spawnSync('/bin/rm', ['-rf', d]); dirs.cleanup(); });
    const made: string[] = [];
    const tmp = (prefix: string) => { const d = realpathSync(dirs.make(prefix)); made.push(d); return d; };

    it('reports the cwd of a process that exits at once, and the same cwd readlink gives a live one', async () => {
      const dir = tmp('mamori-cwd-');
      const sub = join(dir, 'with space', 'wörld');
      spawnSync('/bin/mkdir', ['-p', sub]);
      const marker = `mamori-cwd-${Date.now()}`;
      const r = spawnSync('/bin/true', [marker], { cwd: sub });
      expect(r.status).toBe(0);
      const exec = await await1('exec of /bin/true in the temp dir', (m) => m.type === 'exec' && m.pid === r.pid);
      expect(exec.cwd).toBe(sub);
      expect(exec.cwd_truncated).toBeUndefined();

      const live = spawn('/bin/sleep', ['5'], { cwd: dir, stdio: 'ignore' });
      try {
        const e2 = await await1('exec of sleep', (m) => m.type === 'exec' && m.pid === live.pid);
        expect(e2.cwd).toBe(readlinkSync(`/proc/${live.pid}/cwd`));
      } finally {
        live.kill('SIGKILL');
      }
      const root = spawnSync('/bin/true', [marker], { cwd: '/' });
      const e3 = await await1('exec in /', (m) => m.type === 'exec' && m.pid === root.pid);
      expect(e3.cwd).toBe('/');
    });

    it('crosses mount points on the way up (/proc/sys/kernel, /sys/fs/cgroup, /dev/shm)', async () => {
      for (const dir of ['/proc/sys/kernel', '/sys/fs/cgroup', '/dev/shm'].filter((d) => existsSync(d))) {
        const r = spawnSync('/bin/true', [], { cwd: dir });
        const exec = await await1(`exec in ${dir}`, (m) => m.type === 'exec' && m.pid === r.pid);
        expect(exec.cwd).toBe(dir);
      }
    });

    it('marks a removed working directory " (deleted)", as readlink does', async () => {
      const dir = join(tmp('mamori-rmcwd-'), 'gone');
      const child = spawn('/bin/bash', ['-c', 'mkdir "$0" && cd "$0" && rmdir "$0" && exec /bin/sleep 5', dir], { stdio: 'ignore' });
      try {
        const exec = await await1('exec of sleep in a removed dir', (m) => m.type === 'exec' && m.pid === child.pid && m.filename === '/bin/sleep');
        expect(exec.cwd).toBe(`${dir} (deleted)`);
        expect(exec.cwd).toBe(readlinkSync(`/proc/${child.pid}/cwd`));
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('marks a cwd deeper than 4 KiB as truncated and keeps its end', async () => {
      const dir = tmp('mamori-deep-');
      const name = 'd'.repeat(200);
      const marker = `mamori-deep-${Date.now()}`;
      // 30 levels of 200 bytes: a 6 KB path, built relative (mkdir by full path would fail).
      const r = spawnSync('/bin/bash', ['-c', `cd "$1" && for i in $(seq 30); do mkdir ${name} && cd ${name} || exit 9; done; exec /bin/true ${marker}`, 'x', dir]);
      expect(r.status).toBe(0);
      const exec = await await1('exec in the deep dir', (m) => m.type === 'exec' && m.pid === r.pid && (m.argv as string[])[1] === marker);
      expect(exec.cwd_truncated).toBe(true);
      const cwd = exec.cwd as string;
      expect(cwd.startsWith('/')).toBe(false); // the leading part is missing
      expect(cwd.length).toBeGreaterThan(3000);
      expect(cwd.length).toBeLessThanOrEqual(4096);
      expect(cwd.endsWith(`/${name}/${name}`)).toBe(true);
    });

    it('reports LD_PRELOAD, LD_LIBRARY_PATH and LD_AUDIT, and no other variable', async () => {
      const dir = tmp('mamori-env-');
      writeFileSync(join(dir, 'p.c'), 'int mamori_preload_marker = 1;\n');
      const so = join(dir, 'libmamoripre.so');
      const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', so, join(dir, 'p.c')], { encoding: 'utf8' });
      expect(cc.status, cc.stderr).toBe(0);
      const marker = `mamori-env-${Date.now()}`;
      const env = {
        SECRET: 'hunter2-do-not-ship', LD_BIND_NOW: '1', LD_PRELOADX: 'nope', LD_PRELOAD: so, LD_LIBRARY_PATH: `${dir}:/opt/x`,
        LD_AUDIT: so, PATH: '/usr/bin:/bin',
      };
      const r = spawnSync('/bin/true', [marker], { env });
      expect(r.status).toBe(0);
      const exec = await await1('exec with LD_PRELOAD', (m) => m.type === 'exec' && m.pid === r.pid);
      expect(exec.env).toEqual([`LD_PRELOAD=${so}`, `LD_LIBRARY_PATH=${dir}:/opt/x`, `LD_AUDIT=${so}`]);
      expect(exec.env_truncated).toBeUndefined();
      expect(JSON.stringify(exec)).not.toContain('hunter2');

      const plain = spawnSync('/bin/true', [marker], { env: { SECRET: 'x', PATH: '/usr/bin:/bin' } });
      const e2 = await await1('exec without loader variables', (m) => m.type === 'exec' && m.pid === plain.pid);
      expect(e2.env).toEqual([]);
      expect(e2.exe_link).toBeUndefined();
    });

    it('finds a loader variable after a variable longer than 4 KiB, and marks a scan cut at its bound', async () => {
      const big = 'B'.repeat(10_000);
      const r = spawnSync('/bin/true', [], { env: { A: '1', BIG: big, LD_PRELOAD: '/nonexistent/after-big.so', Z: '2' } });
      const exec = await await1('exec with a long variable', (m) => m.type === 'exec' && m.pid === r.pid);
      expect(exec.env).toEqual(['LD_PRELOAD=/nonexistent/after-big.so']);
      expect(exec.env_truncated).toBeUndefined();

      const many: Record<string, string> = {};
      for (let i = 0; i < 1100; i++) many[`V${i}`] = 'x';
      many.LD_LIBRARY_PATH = '/nonexistent/past-the-bound';
      const r2 = spawnSync('/bin/true', [], { env: many });
      const e2 = await await1('exec with 1,101 variables', (m) => m.type === 'exec' && m.pid === r2.pid);
      expect(e2.env_truncated).toBe(true);
      expect(e2.env).toEqual([]);
    });

    it('gives an exec from a memfd exe_link "/memfd:NAME (deleted)", as readlink of /proc/PID/exe does', async () => {
      const script = [
        'import os',
        "fd = os.memfd_create('mamori-memexec')",
        "os.write(fd, open('/bin/sleep', 'rb').read())",
        "os.execve(fd, ['mamori-memfd-sleep', '5'], {})",
      ].join('\n');
      const child = spawn(PYTHON, ['-c', script], { stdio: 'ignore' });
      try {
        const exec = await await1('exec from the memfd', (m) => m.type === 'exec' && m.pid === child.pid && (m.argv as string[])[0] === 'mamori-memfd-sleep');
        expect(exec.exe_link).toBe('/memfd:mamori-memexec (deleted)');
        expect(exec.exe_link).toBe(readlinkSync(`/proc/${child.pid}/exe`));
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('gives an exec of a file deleted before it ran exe_link "PATH (deleted)", as readlink does', async () => {
      const dir = tmp('mamori-del-');
      const copy = join(dir, 'mamori-sleep');
      copyFileSync('/bin/sleep', copy);
      spawnSync('/bin/chmod', ['755', copy]);
      // The shell keeps the file open, removes it, then runs it through its descriptor.
      const child = spawn('/bin/bash', ['-c', 'exec 3<"$0"; rm "$0"; exec /dev/fd/3 5', copy], { stdio: 'ignore' });
      try {
        const exec = await await1('exec of the deleted copy', (m) => m.type === 'exec' && m.pid === child.pid && m.filename === '/dev/fd/3');
        expect(existsSync(copy)).toBe(false);
        expect(exec.exe_link).toBe(`${copy} (deleted)`);
        expect(exec.exe_link).toBe(readlinkSync(`/proc/${child.pid}/exe`));
      } finally {
        child.kill('SIGKILL');
      }
    });
  });

  it('stays small while idle (2 MiB ring mapped twice, no 16 MiB ring)', () => {
    const status = readFileSync(`/proc/${child().pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
    console.log(`[proc-ebpf] helper VmRSS ${rssKb} kB`);
    expect(rssKb).toBeLessThan(16 * 1024);
  });

  protocolTests();
});
