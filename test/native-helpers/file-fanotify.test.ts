// mamori-file-fanotify against real files: create, modify, rename, delete and chmod +x in a temp dir, each
// with the pid of the shell that did it; an excluded prefix stays silent; a storm of 20,000 files is counted
// (events seen vs expected, drops). The exec guard runs on a tmpfs this test mounts (never on /: a
// permission mark holds every exec on its filesystem), and the test plays the core: it answers exec_check
// lines on the helper's stdin, denies one binary, allows another, checks the decision cache, and leaves one
// request unanswered to see the helper fail open.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/temp.js';
import { HELPERS_DIR, helperHarness, helperSkipReason, run, uptimeNs, type Msg } from '../helpers/native-helper.js';

const BIN = join(HELPERS_DIR, 'mamori-file-fanotify');
const skip = helperSkipReason(BIN);
if (skip) console.warn(`[file-fanotify] skipped: ${skip}`);

const sh = (script: string) => run('/bin/sh', ['-c', script]);

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe.skipIf(skip !== null)(`mamori-file-fanotify: file events${skip ? ` (skipped: ${skip})` : ''}`, () => {
  // A filesystem mark sees the whole filesystem of the temp dir: every assertion filters by this prefix.
  const dir = skip ? '/nonexistent' : realpathSync(mkdtempSync(join(tmpdir(), 'mamori-fanotify-')));
  const quiet = join(dir, 'excluded');
  const { lines, events, await1, helper, protocolTests } = helperHarness(BIN, ['--mount', dir, '--exclude', quiet]);
  const fileEvent = (action: string, path: string) =>
    await1(`${action} of ${path}`, (m) => m.type === 'file' && m.action === action && m.path === path);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts with a protocol 1 hello for the fanotify tier, naming the filesystem it watches', () => {
    expect(lines[0]).toMatchObject({
      type: 'hello', protocol: 1, helper: 'mamori-file-fanotify', tier: 'fanotify', pid: helper().pid,
      clock: 'boottime', capabilities: ['file'], mounts: [dir], rename: 'fan_rename', queue: 'unlimited',
    });
  });

  it('--self-test as an unprivileged user exits 3 and says it needs CAP_SYS_ADMIN', () => {
    if (!existsSync('/usr/bin/setpriv')) return; // util-linux's setpriv drops root for one command
    const copy = join(dir, 'unprivileged-copy');
    copyFileSync(BIN, copy);
    chmodSync(dir, 0o755);
    chmodSync(copy, 0o755);
    const r = spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', copy, '--self-test'],
      { encoding: 'utf8', timeout: 10_000 });
    rmSync(copy);
    expect(r.status).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ type: 'self_test', ok: false, reason: expect.stringMatching(/CAP_SYS_ADMIN/) });
  });

  it('reports create and modify (close after write) with the pid of the writing process and a boottime stamp', async () => {
    const f = join(dir, 'report.txt');
    const before = uptimeNs();
    const r = await sh(`printf 'hello' > '${f}'`);
    expect(r.code).toBe(0);
    const create = await fileEvent('create', f);
    const modify = await fileEvent('modify', f);
    expect(create).toMatchObject({ pid: r.pid, ino: statSync(f).ino });
    expect(modify).toMatchObject({ pid: r.pid, size: 5, mode: 0o666 & ~process.umask() });
    expect(create.is_dir).toBeUndefined();
    expect(Number(modify.seq)).toBeGreaterThan(Number(create.seq));
    expect(Number(create.ts_ns)).toBeGreaterThanOrEqual(before - 20e6);
    expect(Number(create.ts_ns)).toBeLessThanOrEqual(uptimeNs() + 20e6);
  });

  it('reports a rename with the old and the new path', async () => {
    const from = join(dir, 'before.txt');
    const to = join(dir, 'after.txt');
    expect((await sh(`echo x > '${from}'`)).code).toBe(0);
    const r = await sh(`exec mv '${from}' '${to}'`); // exec: the shell's pid is the one that acts
    const ren = await fileEvent('rename', to);
    expect(ren).toMatchObject({ old_path: from, pid: r.pid, ino: statSync(to).ino });
  });

  it('reports chmod +x as attrib with the new mode', async () => {
    const f = join(dir, 'tool.sh');
    expect((await sh(`echo 'echo hi' > '${f}'`)).code).toBe(0);
    const r = await sh(`exec chmod +x '${f}'`);
    const attrib = await fileEvent('attrib', f);
    expect(attrib.pid).toBe(r.pid);
    expect(Number(attrib.mode) & 0o111).toBe(0o111);
  });

  it('reports delete of a file, and mkdir/rmdir as directory events', async () => {
    const f = join(dir, 'gone.txt');
    const d = join(dir, 'sub');
    expect((await sh(`echo x > '${f}'`)).code).toBe(0);
    const rm = await sh(`exec rm '${f}'`);
    expect(await fileEvent('delete', f)).toMatchObject({ pid: rm.pid });
    const mk = await sh(`exec mkdir '${d}'`);
    expect(await fileEvent('create', d)).toMatchObject({ pid: mk.pid, is_dir: true });
    const rd = await sh(`exec rmdir '${d}'`);
    expect(await fileEvent('delete', d)).toMatchObject({ pid: rd.pid, is_dir: true });
  });

  it('reports nothing under an excluded prefix', async () => {
    mkdirSync(quiet);
    const r = await sh(`echo a > '${quiet}/one'; mv '${quiet}/one' '${quiet}/two'; chmod +x '${quiet}/two'; rm '${quiet}/two'`);
    expect(r.code).toBe(0);
    // A marker written after the excluded work: once it is seen, everything before it has been read.
    const marker = join(dir, 'marker-after-excluded');
    await sh(`: > '${marker}'`);
    await fileEvent('create', marker);
    const leaked = events().filter((m) => m.type === 'file' &&
      (String(m.path).startsWith(quiet) || String(m.old_path).startsWith(quiet)));
    expect(leaked).toEqual([]);
  });

  it('a storm of 20,000 small files: every create and modify is reported or counted as dropped', async () => {
    const N = 20_000;
    const storm = join(dir, 'storm');
    mkdirSync(storm);
    const from = lines.length;
    const cpu0 = cpuSeconds(helper().pid!);
    const t0 = Date.now();
    const r = await sh(`cd '${storm}' && i=0; while [ $i -lt ${N} ]; do echo x > f$i; i=$((i+1)); done`);
    const wall = Date.now() - t0;
    expect(r.code).toBe(0);
    const last = join(storm, `f${N - 1}`);
    await fileEvent('modify', last).catch(() => undefined);
    await new Promise((res) => setTimeout(res, 300));
    const seen = lines.slice(from);
    const inStorm = (action: string) =>
      seen.filter((m) => m.type === 'file' && m.action === action && String(m.path).startsWith(`${storm}/`)).length;
    const creates = inStorm('create');
    const modifies = inStorm('modify');
    const drops = seen.filter((m) => m.type === 'drop');
    const dropped = drops.reduce((s, m) => s + (typeof m.count === 'number' ? m.count : 0), 0);
    const cpu = cpuSeconds(helper().pid!) - cpu0;
    console.log(`[file-fanotify] storm: ${N} files created+written+closed in ${wall} ms by one shell -> ` +
      `${creates}/${N} create and ${modifies}/${N} modify events, ${drops.length} drop line(s) counting ` +
      `${dropped} (${drops.map((d) => d.reason).join(', ') || 'none'}); helper CPU ${cpu.toFixed(2)} s`);
    if (drops.some((d) => d.count === null)) {
      expect(drops.length).toBeGreaterThan(0);
    } else {
      expect(creates + dropped).toBeGreaterThanOrEqual(N);
      expect(modifies + dropped).toBeGreaterThanOrEqual(N);
    }
    rmSync(storm, { recursive: true, force: true });
  }, 120_000);

  it('a core that stops reading loses nothing: events wait in the kernel queue, not dropped lines', async () => {
    const slow = join(dir, 'slow-reader');
    mkdirSync(slow);
    const child = spawn(BIN, ['--mount', dir, '--exclude', quiet], { stdio: ['ignore', 'pipe', 'pipe'] });
    const seen: Msg[] = [];
    let partial = '';
    const onData = (d: Buffer) => {
      const text = partial + d.toString();
      const cut = text.lastIndexOf('\n');
      partial = text.slice(cut + 1);
      for (const line of text.slice(0, cut).split('\n')) if (line) seen.push(JSON.parse(line) as Msg);
    };
    child.stdout.on('data', onData);
    try {
      await waitFor('hello', () => seen.length > 0, 15_000);
      child.stdout.pause(); // the core is busy: nothing is read for a while
      // 30,000 long names: far more output than the helper's 8 MiB buffer and the pipe hold together.
      const long = 'x'.repeat(200);
      const made = await sh(`cd ${slow} && i=0; while [ $i -lt 30000 ]; do : > "${long}-$i"; i=$((i+1)); done`);
      expect(made.code).toBe(0);
      child.stdout.resume();
      const creates = () => seen.filter((m) => m.type === 'file' && m.action === 'create' && String(m.path).startsWith(`${slow}/`)).length;
      await waitFor('every create after the core reads again', () => creates() >= 30_000, 60_000);
      expect(seen.filter((m) => m.type === 'drop')).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      rmSync(slow, { recursive: true, force: true });
    }
  }, 120_000);

  it('never hides loss: a frozen helper with a bounded kernel queue reports the overflow as a drop', async () => {
    // On a tmpfs of its own, so neither helper also sees the rest of the machine (or the other's storm).
    const over = join(dir, 'overflow');
    const why = mountTmpfs(over);
    if (why) {
      console.warn(`[file-fanotify] overflow test not run: ${why}`);
      return;
    }
    const small = spawn(BIN, ['--mount', over, '--bounded-queue'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const got: Msg[] = [];
    const exited = new Promise((resolve) => small.once('exit', resolve));
    let exitCode: unknown;
    createInterface({ input: small.stdout!, crlfDelay: Infinity }).on('line', (l) => got.push(JSON.parse(l) as Msg));
    try {
      await waitFor('hello of the second helper', () => got.length > 0, 15_000);
      expect(got[0]).toMatchObject({ queue: 'bounded' });
      small.kill('SIGSTOP');
      const N = 20_000; // the kernel merges create+close_write of a file: 20,000 queue entries > 16,384
      expect((await sh(`cd '${over}' && i=0; while [ $i -lt ${N} ]; do echo x > f$i; i=$((i+1)); done`)).code).toBe(0);
      small.kill('SIGCONT');
      // A marker made while the queue is still full is lost too: make one every 200 ms until one is seen.
      let n = 0;
      await waitFor('a marker after the backlog', async () => {
        if (got.find((m) => m.type === 'file' && String(m.path).startsWith(`${over}/marker-`))) return true;
        await sh(`: > '${over}/marker-${n++}'`);
        await new Promise((res) => setTimeout(res, 200));
        return false;
      }, 30_000);
      const drops = got.filter((m) => m.type === 'drop');
      const creates = got.filter((m) => m.type === 'file' && m.action === 'create' && String(m.path).startsWith(`${over}/`));
      console.log(`[file-fanotify] frozen helper, bounded queue, ${N} files: ${creates.length} create events, ` +
        `${drops.length} drop line(s) (${drops.map((d) => `${d.reason}:${String(d.count)}`).join(', ')})`);
      expect(drops.length).toBeGreaterThan(0);
      expect(drops[0]).toMatchObject({ reason: 'fanotify_overflow', count: null });
      expect(creates.length).toBeLessThan(N);
      got.slice(1).forEach((m, i) => expect(m.seq).toBe(i + 1));
    } finally {
      small.kill('SIGCONT');
      small.kill('SIGTERM');
      exitCode = await exited;
      spawnSync('umount', [over]);
      rmSync(over, { recursive: true, force: true });
    }
    expect(exitCode).toBe(0);
  }, 120_000);

  protocolTests();
});

/** The helper with the exec guard, and the test playing the core on its stdin. */
class GuardedHelper {
  readonly lines: Msg[] = [];
  readonly stderr: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; at: number }>;
  /** How to answer an exec_check for a path: a verdict, a delay before it, or silence. */
  policy = new Map<string, { allow: boolean; cache: boolean; delayMs?: number } | 'silent'>();

  constructor(args: string[]) {
    this.child = spawn(BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve({ code, at: Date.now() })));
    createInterface({ input: this.child.stderr!, crlfDelay: Infinity }).on('line', (l) => this.stderr.push(l));
    createInterface({ input: this.child.stdout!, crlfDelay: Infinity }).on('line', (l) => {
      const m = JSON.parse(l) as Msg;
      this.lines.push(m);
      if (m.type === 'exec_check') this.answer(m);
    });
  }

  private answer(m: Msg) {
    const p = this.policy.get(String(m.path)) ?? { allow: true, cache: false };
    if (p === 'silent') return;
    const send = () => this.send({ type: 'verdict', id: m.id, allow: p.allow, cache: p.cache });
    if (p.delayMs) setTimeout(send, p.delayMs);
    else send();
  }

  send(obj: object) {
    this.child.stdin!.write(`${JSON.stringify(obj)}\n`);
  }

  find(pred: (m: Msg) => boolean) {
    return this.lines.find(pred);
  }

  await1(what: string, pred: (m: Msg) => boolean, timeoutMs = 10_000) {
    return waitFor(what, () => this.find(pred), timeoutMs);
  }

  checks(path: string) {
    return this.lines.filter((m) => m.type === 'exec_check' && m.path === path);
  }
}

/**
 * Runs path as a grandchild: a shell started by this test forks it in the background and prints its pid.
 * (The core's direct children are never held up by the guard; see the test that checks it.)
 */
async function grandchild(path: string): Promise<{ pid: number; code: number; stderr: string; ms: number }> {
  const t0 = Date.now();
  const r = await sh(`'${path}' & p=$!; wait $p; c=$?; echo $p $c`);
  const [pid, code] = r.stdout.trim().split(' ').map(Number);
  return { pid: pid!, code: code!, stderr: r.stderr, ms: Date.now() - t0 };
}

function mountTmpfs(at: string): string | null {
  mkdirSync(at, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32m,mode=0755', 'mamori-test', at], { encoding: 'utf8' });
  return r.status === 0 ? null : `cannot mount a tmpfs for the exec guard test: ${(r.stderr || r.error?.message || '').trim()}`;
}

/** null when the helper may hold exec permission marks here; otherwise why not. */
function guardSkipReason(): string | null {
  const r = spawnSync(BIN, ['--self-test', '--exec-guard'], { encoding: 'utf8', timeout: 15_000 });
  return r.status === 0 ? null : `--self-test --exec-guard failed (exit ${String(r.status)}): ${r.stdout.trim()}`;
}

const guardSkip = skip ?? guardSkipReason();

describe.skipIf(guardSkip !== null)(`mamori-file-fanotify --exec-guard${guardSkip ? ` (skipped: ${guardSkip})` : ''}`, () => {
  let base = '';
  let fs = '';
  let h: GuardedHelper;
  const bin = (name: string) => {
    const p = join(fs, name);
    copyFileSync('/bin/true', p);
    chmodSync(p, 0o755);
    return p;
  };

  beforeAll(async () => {
    base = realpathSync(mkdtempSync(join(tmpdir(), 'mamori-execguard-')));
    fs = join(base, 'fs');
    const why = mountTmpfs(fs);
    if (why) throw new Error(why);
    h = new GuardedHelper(['--mount', fs, '--exec-guard', '--verdict-timeout-ms', '300']);
    await waitFor('the hello line', () => h.lines.length > 0, 15_000);
  });

  afterAll(async () => {
    if (h && h.child.exitCode === null && h.child.signalCode === null) {
      h.child.kill('SIGKILL');
      await h.exited;
    }
    if (fs) spawnSync('umount', [fs]);
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it('says in its hello that it guards execs on the tmpfs', () => {
    expect(h.lines[0]).toMatchObject({ type: 'hello', capabilities: ['file', 'exec_guard'], mounts: [fs] });
  });

  it('never holds up the core\'s own children (a Node spawn waits for the exec): they run unasked', async () => {
    const own = bin('own-child');
    h.policy.set(own, 'silent');
    const t0 = Date.now();
    const r = await run(own, []);
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(250);
    expect(h.checks(own)).toHaveLength(0);
    expect(h.find((m) => m.type === 'exec_unchecked' && m.path === own)).toMatchObject({ reason: 'core_child', pid: r.pid });
  });

  it('asks the core about an unknown binary and runs it when allowed; the cached decision answers the next exec', async () => {
    const good = bin('good');
    h.policy.set(good, { allow: true, cache: true });
    const first = await grandchild(good);
    expect(first.code).toBe(0);
    const st = statSync(good);
    expect(h.checks(good)).toHaveLength(1);
    expect(h.checks(good)[0]).toMatchObject({
      pid: first.pid, dev: st.dev, ino: st.ino, size: st.size, mtime_ns: expect.any(Number), id: expect.any(Number),
    });
    const second = await grandchild(good);
    expect(second.code).toBe(0);
    expect(h.checks(good)).toHaveLength(1);
    expect(first.ms).toBeLessThan(250); // answered, not timed out
  });

  it('denies a binary the core says is bad: exec fails with "Operation not permitted"', async () => {
    const bad = bin('bad');
    h.policy.set(bad, { allow: false, cache: false });
    const r = await grandchild(bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Operation not permitted/);
    const check = h.checks(bad)[0]!;
    expect(check.pid).toBe(r.pid);
    expect(await h.await1('exec_denied', (m) => m.type === 'exec_denied' && m.id === check.id))
      .toMatchObject({ path: bad, pid: r.pid, reason: 'verdict' });
  });

  it('a deny line on stdin (a quarantined file) blocks the exec without asking', async () => {
    const q = bin('quarantined');
    const st = statSync(q);
    h.send({ type: 'deny', dev: st.dev, ino: st.ino });
    await h.await1('the cache update', (m) => m.type === 'cache_updated' && m.op === 'deny' && m.ino === st.ino);
    const r = await grandchild(q);
    expect(r.stderr).toMatch(/Operation not permitted/);
    expect(h.checks(q)).toHaveLength(0);
    expect(await h.await1('exec_denied', (m) => m.type === 'exec_denied' && m.path === q))
      .toMatchObject({ reason: 'cache', pid: r.pid });
  });

  it('a cached decision is not reused once the file changes, and flush_cache forgets all decisions', async () => {
    const f = bin('changing');
    h.policy.set(f, { allow: true, cache: true });
    expect((await grandchild(f)).code).toBe(0);
    expect((await grandchild(f)).code).toBe(0);
    expect(h.checks(f)).toHaveLength(1);
    copyFileSync('/bin/false', f); // same inode, new content
    expect((await grandchild(f)).code).toBe(1);
    expect(h.checks(f)).toHaveLength(2);
    h.send({ type: 'flush_cache' });
    await h.await1('the flush', (m) => m.type === 'cache_updated' && m.op === 'flush_cache');
    expect((await grandchild(f)).code).toBe(1);
    expect(h.checks(f)).toHaveLength(3);
  });

  it('answers requests independently: a slow verdict does not hold up another exec', async () => {
    const slow = bin('slow');
    const fast = bin('fast');
    h.policy.set(slow, { allow: true, cache: false, delayMs: 200 });
    h.policy.set(fast, { allow: true, cache: false });
    const done: string[] = [];
    const a = grandchild(slow).then((r) => { done.push('slow'); return r; });
    await h.await1('the slow request', (m) => m.type === 'exec_check' && m.path === slow);
    const b = grandchild(fast).then((r) => { done.push('fast'); return r; });
    const [ra, rb] = await Promise.all([a, b]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    expect(done).toEqual(['fast', 'slow']);
    expect(h.lines.filter((m) => m.type === 'exec_timeout')).toEqual([]);
  });

  it('fails open: an exec the core never answers runs after the verdict timeout, with an exec_timeout line', async () => {
    const f = bin('unanswered');
    h.policy.set(f, 'silent');
    const r = await grandchild(f);
    expect(r.code).toBe(0);
    expect(r.ms).toBeGreaterThanOrEqual(250);
    expect(r.ms).toBeLessThan(1000);
    const check = h.checks(f)[0]!;
    const timeout = await h.await1('exec_timeout', (m) => m.type === 'exec_timeout' && m.id === check.id);
    expect(timeout).toMatchObject({ path: f, pid: r.pid, reason: 'timeout' });
    expect(Number(timeout.waited_ms)).toBeGreaterThanOrEqual(290);
    console.log(`[file-fanotify] unanswered exec ran after ${r.ms} ms (helper waited ${String(timeout.waited_ms)} ms)`);
  });

  it('measures what the guard costs an exec: cached, asked every time, and not guarded', async () => {
    const N = 300;
    const loop = async (path: string) => {
      const r = await sh(`(i=0; while [ $i -lt ${N} ]; do '${path}' || exit 1; i=$((i+1)); done)`);
      expect(r.code).toBe(0);
    };
    const time = async (path: string) => { const t0 = process.hrtime.bigint(); await loop(path); return Number(process.hrtime.bigint() - t0) / 1e6 / N; };
    const plain = join(base, 'unguarded');
    copyFileSync('/bin/true', plain);
    chmodSync(plain, 0o755);
    const cached = bin('cached');
    h.policy.set(cached, { allow: true, cache: true });
    const asked = bin('asked');
    h.policy.set(asked, { allow: true, cache: false });
    await loop(plain); // warm the page cache
    const before = h.checks(asked).length;
    const msPlain = await time(plain);
    const msCached = await time(cached);
    const msAsked = await time(asked);
    expect(h.checks(cached)).toHaveLength(1);
    expect(h.checks(asked).length - before).toBe(N);
    console.log(`[file-fanotify] exec of /bin/true (fork+exec+wait in sh, ${N} each): unguarded ${msPlain.toFixed(2)} ms, ` +
      `guarded+cached ${msCached.toFixed(2)} ms, guarded+asking the core each time ${msAsked.toFixed(2)} ms`);
  }, 60_000);

  it('warns about bad lines on stdin and keeps guarding', async () => {
    h.send({ type: 'verdict', allow: true });
    h.child.stdin!.write('not json at all\n');
    h.send({ type: 'deny', dev: 'x', ino: 1 });
    h.send({ type: 'launch_missiles' });
    await h.await1('four warnings', () => h.lines.filter((m) => m.type === 'log' && m.level === 'warn' &&
      String(m.message).startsWith('stdin:')).length >= 4);
    const warnings = h.lines.filter((m) => m.type === 'log' && String(m.message).startsWith('stdin:')).map((m) => m.message);
    expect(warnings).toEqual([
      expect.stringMatching(/verdict.*"id"/), expect.stringMatching(/not a JSON object/),
      expect.stringMatching(/deny.*"dev"/), expect.stringMatching(/launch_missiles: unknown type/),
    ]);
    const f = bin('after-bad-input');
    h.policy.set(f, { allow: false, cache: false });
    expect((await grandchild(f)).stderr).toMatch(/Operation not permitted/);
  });

  it('when the core closes stdin, it allows what it would have asked about and says so; cached denials stay', async () => {
    const q = bin('denied-before-eof');
    const st = statSync(q);
    h.send({ type: 'deny', dev: st.dev, ino: st.ino });
    await h.await1('the cache update', (m) => m.type === 'cache_updated' && m.op === 'deny' && m.ino === st.ino);
    h.child.stdin!.end();
    await h.await1('the stdin-closed warning', (m) => m.type === 'log' && /stdin closed/.test(String(m.message)));
    const f = bin('after-core');
    h.policy.set(f, 'silent');
    const r = await grandchild(f);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(250);
    expect(h.checks(f)).toHaveLength(0);
    expect(await h.await1('exec_unchecked', (m) => m.type === 'exec_unchecked' && m.path === f))
      .toMatchObject({ reason: 'no_core', pid: r.pid });
    expect((await grandchild(q)).stderr).toMatch(/Operation not permitted/);
  });

  it('numbers its lines without gaps and exits within 1 s of SIGTERM', async () => {
    h.lines.slice(1).forEach((m, i) => expect(m.seq).toBe(i + 1));
    const sent = Date.now();
    h.child.kill('SIGTERM');
    const exit = await h.exited;
    expect(exit.at - sent).toBeLessThan(1000);
    expect(exit.code).toBe(0);
    expect(h.stderr).toEqual([]);
  });
});
