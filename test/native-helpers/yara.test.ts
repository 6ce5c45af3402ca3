// mamori-yara driven directly over its stdin/stdout: compiling (a bad file is reported with file and line
// and the good files still work; the ReversingLabs set compiles completely), scanning files and
// in-memory data, error codes (ENOENT, EACCES without root's bypass, NOT_REGULAR, TOO_BIG, TIMEOUT, EIO
// for a file truncated mid-scan),
// garbage requests, EOF and SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { helperSkipReason, type Msg } from '../helpers/native-helper.js';
import { tempDirs, waitFor } from '../helpers/temp.js';

const BIN = join(process.cwd(), 'native-helpers', 'bin', 'mamori-yara');
const RL_RULES = join(process.cwd(), '..', 'shared', 'corpora', 'yara-reversinglabs', 'yara');
const MARKER = 'MAMORI-TEST-MARKER-7f3a';
const isRoot = process.getuid?.() === 0;

const skip = helperSkipReason(BIN);
if (skip) console.warn(`[yara] skipped: ${skip}`);

interface Run {
  child: ChildProcess;
  lines: Msg[];
  badLines: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  send(obj: unknown): void;
  sendRaw(text: string): void;
  reply(id: number, timeoutMs?: number): Promise<Msg>;
  ready(timeoutMs?: number): Promise<Msg>;
}

const running: ChildProcess[] = [];
afterAll(() => { for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });

function startHelper(args: string[], prefix: string[] = []): Run {
  const cmd = [...prefix, BIN, ...args];
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  running.push(child);
  const lines: Msg[] = [];
  const badLines: string[] = [];
  const stderr: string[] = [];
  child.stdin!.on('error', () => undefined);
  createInterface({ input: child.stderr!, crlfDelay: Infinity }).on('line', (l) => stderr.push(l));
  createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', (l) => {
    try { lines.push(JSON.parse(l) as Msg); } catch { badLines.push(l); }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal, at: Date.now() })));
  return {
    child, lines, badLines, stderr, exited,
    send: (obj) => child.stdin!.write(JSON.stringify(obj) + '\n'),
    sendRaw: (text) => child.stdin!.write(text),
    reply: (id, timeoutMs = 15_000) => waitFor(`the reply to request ${id}`, () => lines.find((m) => m.id === id && m.type !== 'ready'), timeoutMs),
    ready: (timeoutMs = 30_000) => waitFor('the ready line', () => lines.find((m) => m.type === 'ready'), timeoutMs),
  };
}

const dirs = tempDirs();

describe.skipIf(skip !== null)(`mamori-yara${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let root: string;
  let rules: string;
  let h: Run;

  beforeAll(async () => {
    root = dirs.make('mamori-yara-');
    rules = join(root, 'rules');
    mkdirSync(join(rules, 'sub'), { recursive: true });
    writeFileSync(join(rules, 'marker.yar'), [
      'rule test_marker : testing demo {',
      '  meta: author = "mamori tests" score = 70 confirmed = true',
      `  strings: $m = "${MARKER}"`,
      '  condition: $m',
      '}',
    ].join('\n'));
    // Line 4 has the syntax error; the rule before it must not survive either (the whole file is left out).
    writeFileSync(join(rules, 'sub', 'broken.yara'), 'rule in_broken_file { condition: true }\nrule broken {\n  strings: $a = "x"\n  condition: $a and and\n}\n');
    writeFileSync(join(rules, 'sub', 'elf.yar'), 'rule starts_with_elf { condition: uint32(0) == 0x464c457f }\n');
    writeFileSync(join(rules, 'README.txt'), 'not a rule file: ignored');
    writeFileSync(join(root, 'infected.txt'), `some text ${MARKER} more text`);
    writeFileSync(join(root, 'clean.txt'), 'nothing to see here');
    writeFileSync(join(root, 'big.bin'), Buffer.alloc(5000, 0x41));
    h = startHelper(['--rules', rules, '--threads', '2', '--max-file-size', '4096', '--max-data-size', '1024']);
    await h.ready();
  });
  afterAll(() => { h.child.kill('SIGKILL'); dirs.cleanup(); });

  it('starts with a protocol 1 hello, then reports the bad file with its line, then ready with the counts', () => {
    expect(h.lines[0]).toMatchObject({ type: 'hello', protocol: 1, helper: 'mamori-yara', pid: h.child.pid, libyara: expect.stringMatching(/^4\./) });
    const errors = h.lines.filter((m) => m.type === 'compile_error');
    expect(errors).toEqual([expect.objectContaining({ code: 'COMPILE', file: join(rules, 'sub', 'broken.yara'), line: 4, message: expect.stringContaining('syntax error') })]);
    expect(h.lines.find((m) => m.type === 'ready')).toMatchObject({ rules: 2, files_ok: 2, files_failed: 1, compile_ms: expect.any(Number), threads: 2 });
  });

  it('finds the rule in a file with the marker (with namespace, tags and meta) and nothing in a clean file', async () => {
    h.send({ type: 'scan', id: 1, path: join(root, 'infected.txt') });
    h.send({ type: 'scan', id: 2, path: join(root, 'clean.txt') });
    expect(await h.reply(1)).toMatchObject({
      type: 'result', size: MARKER.length + 20,
      matches: [{ rule: 'test_marker', namespace: 'marker.yar', tags: ['testing', 'demo'], meta: { author: 'mamori tests', score: 70, confirmed: true } }],
    });
    const clean = await h.reply(2);
    expect(clean).toMatchObject({ type: 'result', matches: [] });
    expect(clean.error).toBeUndefined();
  });

  it('the good files of a folder with a bad file still match (a rule from another file, in its own namespace)', async () => {
    h.send({ type: 'scan', id: 3, path: '/bin/sh' });
    expect(await h.reply(3)).toMatchObject({ error: { code: 'TOO_BIG' } }); // max-file-size 4096 here
    h.send({ type: 'scan_data', id: 4, name: 'archive.zip/a.out', data_b64: Buffer.from('\x7fELF\x02\x01\x01', 'latin1').toString('base64') });
    expect((await h.reply(4)).matches).toEqual([expect.objectContaining({ rule: 'starts_with_elf', namespace: 'sub/elf.yar' })]);
  });

  it('answers ENOENT, NOT_REGULAR and TOO_BIG with codes and goes on', async () => {
    h.send({ type: 'scan', id: 10, path: join(root, 'does-not-exist') });
    h.send({ type: 'scan', id: 11, path: root });
    h.send({ type: 'scan', id: 12, path: join(root, 'big.bin') });
    expect(await h.reply(10)).toMatchObject({ type: 'result', matches: [], error: { code: 'ENOENT', message: expect.any(String) } });
    expect(await h.reply(11)).toMatchObject({ error: { code: 'NOT_REGULAR' } });
    expect(await h.reply(12)).toMatchObject({ error: { code: 'TOO_BIG', message: expect.stringContaining('5000') } });
  });

  it('scans in-memory data, and refuses bad base64 and data over the limit by id', async () => {
    h.send({ type: 'scan_data', id: 20, name: 'x.zip/member.txt', data_b64: Buffer.from(`..${MARKER}..`).toString('base64') });
    h.send({ type: 'scan_data', id: 21, name: 'x', data_b64: 'not base64!' });
    h.send({ type: 'scan_data', id: 22, name: 'x', data_b64: Buffer.alloc(2000).toString('base64') });
    expect((await h.reply(20)).matches).toEqual([expect.objectContaining({ rule: 'test_marker' })]);
    expect(await h.reply(21)).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    expect(await h.reply(22)).toMatchObject({ type: 'error', code: 'TOO_BIG' });
  });

  it('answers garbage lines with error lines and keeps serving', async () => {
    const before = h.lines.filter((m) => m.type === 'error').length;
    h.sendRaw('garbage\n[1,2]\n{}\n{"type":"scan"}\n{"type":"scan","id":30}\n{"type":"scan","id":31,"path":7}\n{"type":"launch","id":32}\n{"type":"scan","id":33,\n\n');
    // Longer than any request the helper accepts with --max-data-size 1024: dropped, answered by id.
    h.sendRaw(`{"type":"scan_data","id":34,"name":"x","data_b64":"${'A'.repeat(300_000)}"}\n`);
    h.send({ type: 'scan', id: 35, path: join(root, 'infected.txt') });
    expect((await h.reply(35)).matches).toHaveLength(1);
    await waitFor('all error lines', () => h.lines.filter((m) => m.type === 'error').length >= before + 8);
    expect(await h.reply(30)).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    expect(await h.reply(31)).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    expect(await h.reply(32)).toMatchObject({ type: 'error', code: 'UNKNOWN_TYPE' });
    expect(await h.reply(34)).toMatchObject({ type: 'error', code: 'LINE_TOO_LONG' });
    const anonymous = h.lines.slice().filter((m) => m.type === 'error' && m.id === undefined).map((m) => m.code);
    expect(anonymous).toEqual(['BAD_JSON', 'BAD_JSON', 'BAD_REQUEST', 'BAD_REQUEST', 'BAD_JSON']);
    expect(h.child.exitCode).toBeNull();
  });

  it('answers every one of many concurrent requests exactly once, each with the right result', async () => {
    const first = 1000;
    for (let i = 0; i < 300; i++) h.send({ type: 'scan', id: first + i, path: join(root, i % 3 === 0 ? 'infected.txt' : 'clean.txt') });
    await waitFor('300 results', () => h.lines.filter((m) => typeof m.id === 'number' && (m.id as number) >= first).length >= 300, 30_000);
    const results = h.lines.filter((m) => typeof m.id === 'number' && (m.id as number) >= first);
    expect(results).toHaveLength(300);
    for (const r of results) expect((r.matches as unknown[]).length).toBe(((r.id as number) - first) % 3 === 0 ? 1 : 0);
  });

  it('numbers every line after the hello 1, 2, 3, ... and writes only JSON; exits 0 at stdin EOF', async () => {
    h.send({ type: 'scan', id: 50, path: join(root, 'infected.txt') });
    h.child.stdin!.end();
    const exit = await h.exited;
    expect(exit.code).toBe(0);
    expect(h.lines.find((m) => m.id === 50)).toBeDefined();
    expect(h.badLines).toEqual([]);
    expect(h.stderr).toEqual([]);
    h.lines.slice(1).forEach((m, i) => {
      expect(m.seq).toBe(i + 1);
      expect(m.ts_ns).toEqual(expect.any(Number));
    });
  });
});

describe.skipIf(skip !== null)('mamori-yara: permissions, EOF with scans queued, timeouts, SIGTERM', () => {
  let root: string;
  beforeAll(() => {
    root = dirs.make('mamori-yara-more-');
    writeFileSync(join(root, 'marker.yar'), `rule test_marker { strings: $m = "${MARKER}" condition: $m }\n`);
    // A condition that walks every byte: slow on purpose, to have a scan still running.
    writeFileSync(join(root, 'slow.yar'), 'rule slow_walk { condition: filesize > 1000 and for all i in (0..filesize - 1) : (uint8(i) < 256) }\n');
    writeFileSync(join(root, 'infected.txt'), `x ${MARKER} x`);
    writeFileSync(join(root, 'zeros.bin'), Buffer.alloc(100 * 1024 * 1024));
  });
  afterEach(() => undefined);
  afterAll(() => dirs.cleanup());

  it('reports EACCES for a file it may not read (root runs it without the capabilities that bypass permissions)', async () => {
    const secret = join(root, 'secret.txt');
    writeFileSync(secret, MARKER);
    chmodSync(secret, 0o000);
    const prefix = isRoot ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search'] : [];
    const h = startHelper(['--rules', join(root, 'marker.yar')], prefix);
    await h.ready();
    h.send({ type: 'scan', id: 1, path: secret });
    h.send({ type: 'scan', id: 2, path: join(root, 'infected.txt') });
    expect(await h.reply(1)).toMatchObject({ matches: [], error: { code: 'EACCES' } });
    expect((await h.reply(2)).matches).toHaveLength(1);
    h.child.stdin!.end();
    expect((await h.exited).code).toBe(0);
  });

  it('at stdin EOF answers every request already written before exiting 0', async () => {
    const h = startHelper(['--rules', join(root, 'marker.yar'), '--threads', '1']);
    for (let i = 1; i <= 100; i++) h.send({ type: 'scan', id: i, path: join(root, 'infected.txt') });
    h.child.stdin!.end();
    expect((await h.exited).code).toBe(0);
    expect(h.lines.filter((m) => m.type === 'result').map((m) => m.id).sort((a, b) => Number(a) - Number(b)))
      .toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('stops a scan that runs past --timeout-s with TIMEOUT, and exits within 1 s of SIGTERM mid-scan', async () => {
    const h = startHelper(['--rules', root, '--timeout-s', '1', '--max-file-size', String(200 * 1024 * 1024)]);
    await h.ready();
    const t0 = Date.now();
    h.send({ type: 'scan', id: 1, path: join(root, 'zeros.bin') });
    expect(await h.reply(1, 20_000)).toMatchObject({ error: { code: 'TIMEOUT' } });
    expect(Date.now() - t0).toBeLessThan(10_000);

    h.send({ type: 'scan', id: 2, path: join(root, 'zeros.bin') });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.lines.find((m) => m.id === 2)).toBeUndefined(); // still scanning
    const sent = Date.now();
    h.child.kill('SIGTERM');
    const exit = await h.exited;
    expect(exit.at - sent).toBeLessThan(1000);
    expect(exit.code).toBe(0);
    expect(h.badLines).toEqual([]);
  });

  it('answers EIO (and lives on) when a file is truncated while it is being scanned', async () => {
    const victim = join(root, 'shrinks.bin');
    writeFileSync(victim, Buffer.alloc(100 * 1024 * 1024));
    const h = startHelper(['--rules', root, '--max-file-size', String(200 * 1024 * 1024)]);
    await h.ready();
    h.send({ type: 'scan', id: 1, path: victim });
    await new Promise((r) => setTimeout(r, 300));
    truncateSync(victim, 1000); // the mapped pages past 1000 bytes now raise SIGBUS in the scanning thread
    expect(await h.reply(1, 20_000)).toMatchObject({ matches: [], error: { code: 'EIO' } });
    h.send({ type: 'scan', id: 2, path: join(root, 'infected.txt') });
    expect((await h.reply(2)).matches).toHaveLength(1);
    h.child.stdin!.end();
    expect((await h.exited).code).toBe(0);
  });

  it('--self-test prints one ok line and exits 0', async () => {
    const h = startHelper(['--self-test']);
    const exit = await h.exited;
    expect(exit.code).toBe(0);
    expect(h.lines).toEqual([expect.objectContaining({ type: 'self_test', ok: true })]);
  });
});

const rlMissing = existsSync(RL_RULES) ? null : `ReversingLabs rules not found at ${RL_RULES}`;
if (rlMissing) console.warn(`[yara] ReversingLabs test skipped: ${rlMissing}`);

describe.skipIf(skip !== null || rlMissing !== null)('mamori-yara with the ReversingLabs rule set', () => {
  it('compiles every file with 0 errors', async () => {
    const h = startHelper(['--rules', RL_RULES]);
    const ready = await h.ready(120_000);
    h.child.stdin!.end();
    await h.exited;
    console.log(`[yara] ReversingLabs: ${String(ready.rules)} rules from ${String(ready.files_ok)} files compiled in ${String(ready.compile_ms)} ms`);
    expect(h.lines.filter((m) => m.type === 'compile_error')).toEqual([]);
    expect(ready.files_failed).toBe(0);
    expect(ready.files_ok).toBeGreaterThan(250);
    expect(ready.rules).toBeGreaterThan(1000);
  });
});
