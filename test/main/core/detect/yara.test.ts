// YaraScanner, the core's client of mamori-yara: compile report, matches, error codes as rejections,
// bounded requests in flight, restart after a helper crash, close.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { YaraScanner, YaraScanError } from '../../../../main/core/detect/yara/index.js';
import { helperSkipReason } from '../../../helpers/native-helper.js';
import { tempDirs, waitFor } from '../../../helpers/temp.js';

const BIN = join(process.cwd(), 'native-helpers', 'bin', 'mamori-yara');
const MARKER = 'MAMORI-CLIENT-MARKER-51c2';
const isRoot = process.getuid?.() === 0;
const skip = helperSkipReason(BIN);
if (skip) console.warn(`[yara client] skipped: ${skip}`);

const dirs = tempDirs();
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof YaraScanError ? e.code : `not a YaraScanError: ${String(e)}`));

describe.skipIf(skip !== null)(`YaraScanner${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let root: string;
  let rules: string;
  let scanner: YaraScanner;

  beforeAll(async () => {
    root = dirs.make('mamori-yara-client-');
    rules = join(root, 'rules');
    mkdirSync(rules);
    writeFileSync(join(rules, 'marker.yar'), `rule client_marker : demo { meta: severity = "high" strings: $m = "${MARKER}" condition: $m }\n`);
    writeFileSync(join(rules, 'broken.yar'), 'rule ok { condition: true }\n\nrule bad { condition: nosuchthing }\n');
    writeFileSync(join(rules, 'slow.yar'), 'rule slow_walk { condition: filesize > 1000 and for all i in (0..filesize - 1) : (uint8(i) < 256) }\n');
    writeFileSync(join(root, 'infected.txt'), `a ${MARKER} b`);
    writeFileSync(join(root, 'clean.txt'), 'clean');
    writeFileSync(join(root, 'zeros.bin'), Buffer.alloc(60 * 1024 * 1024));
    scanner = await YaraScanner.start({ rules: [rules], binary: BIN, threads: 2, maxInFlight: 4, maxDataSize: 4096, log: () => undefined });
  });
  afterAll(async () => { await scanner?.close(); dirs.cleanup(); });

  it('reports the compile: rule count, time, and the bad file with its line (the others still load)', () => {
    const r = scanner.report;
    expect(r).toMatchObject({ rules: 2, filesOk: 2, filesFailed: 1, libyara: expect.stringMatching(/^4\./), threads: 2, maxDataSize: 4096 });
    expect(r.compileMs).toEqual(expect.any(Number));
    expect(r.errors).toEqual([expect.objectContaining({ code: 'COMPILE', file: join(rules, 'broken.yar'), line: 3, message: expect.stringContaining('nosuchthing') })]);
  });

  it('finds the marker in a file and in memory, and nothing in a clean file', async () => {
    expect(await scanner.scanFile(join(root, 'infected.txt'))).toEqual([
      { rule: 'client_marker', namespace: 'marker.yar', tags: ['demo'], meta: { severity: 'high' } },
    ]);
    expect(await scanner.scanFile(join(root, 'clean.txt'))).toEqual([]);
    expect(await scanner.scanData('mail.zip/attachment.doc', Buffer.from(`xx${MARKER}xx`))).toHaveLength(1);
  });

  it('rejects with the error code: ENOENT for a missing file, TOO_BIG for data over the limit', async () => {
    const missing = scanner.scanFile(join(root, 'gone.txt'));
    await expect(missing).rejects.toBeInstanceOf(YaraScanError);
    await expect(missing).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining('gone.txt') });
    expect(await codeOf(scanner.scanData('big', Buffer.alloc(5000)))).toBe('TOO_BIG');
  });

  it('keeps at most maxInFlight requests with the helper and answers all 3,000, each with its own result', async () => {
    const calls = Array.from({ length: 3000 }, (_, i) => scanner.scanFile(join(root, i % 2 ? 'infected.txt' : 'clean.txt')));
    expect(scanner.pending).toBe(3000);
    expect(scanner.sent).toBe(4);
    let maxSent = 0;
    const watch = setInterval(() => { maxSent = Math.max(maxSent, scanner.sent); }, 1);
    const results = await Promise.all(calls);
    clearInterval(watch);
    expect(maxSent).toBeLessThanOrEqual(4);
    results.forEach((m, i) => expect(m).toHaveLength(i % 2));
    expect(scanner.pending).toBe(0);
  });

  it('after a helper crash, fails the scans it had with HELPER_CRASHED, restarts it and goes on', async () => {
    const oldPid = scanner.pid!;
    const slow = scanner.scanFile(join(root, 'zeros.bin'));
    const queued = Array.from({ length: 6 }, () => scanner.scanFile(join(root, 'infected.txt')));
    await new Promise((r) => setTimeout(r, 200));
    process.kill(oldPid, 'SIGKILL'); // libyara catches SIGSEGV itself (it guards scans with a handler)
    expect(await codeOf(slow)).toBe('HELPER_CRASHED');
    // The requests still waiting (or sent with the slow one) either finished or failed with the crash.
    for (const q of queued) expect(['resolved', 'HELPER_CRASHED']).toContain(await codeOf(q));
    expect(await scanner.scanFile(join(root, 'infected.txt'))).toHaveLength(1);
    expect(scanner.restarts).toBe(1);
    expect(scanner.pid).not.toBe(oldPid);
    expect(scanner.report.rules).toBe(2);
  });

  it('close() answers what was sent, refuses new scans with CLOSED and ends the helper', async () => {
    const pid = scanner.pid!;
    const inFlight = scanner.scanFile(join(root, 'infected.txt'));
    await scanner.close();
    expect(await inFlight).toHaveLength(1);
    expect(await codeOf(scanner.scanFile(join(root, 'infected.txt')))).toBe('CLOSED');
    expect(alive(pid)).toBe(false);
  });
});

describe.skipIf(skip !== null)('YaraScanner: failure modes', () => {
  let root: string;
  beforeAll(() => {
    root = dirs.make('mamori-yara-client2-');
    writeFileSync(join(root, 'r.yar'), `rule client_marker { strings: $m = "${MARKER}" condition: $m }\n`);
    writeFileSync(join(root, 'infected.txt'), MARKER);
  });
  afterAll(() => dirs.cleanup());

  it('refuses to start with a clear error when the helper is missing', async () => {
    await expect(YaraScanner.start({ rules: [root], binary: join(root, 'no-such-helper') })).rejects.toThrow(/cannot start .*no-such-helper/);
  });

  it('gives up after too many crashes: later scans fail with HELPER_FAILED', async () => {
    const s = await YaraScanner.start({ rules: [root], binary: BIN, maxRestartsPerMinute: 1 });
    try {
      process.kill(s.pid!, 'SIGKILL');
      await waitFor('the restart', () => s.restarts === 1);
      expect(await s.scanFile(join(root, 'infected.txt'))).toHaveLength(1);
      process.kill(s.pid!, 'SIGKILL');
      await waitFor('giving up', async () => (await codeOf(s.scanFile(join(root, 'infected.txt')))) === 'HELPER_FAILED');
    } finally {
      await s.close();
    }
  });

  it('rejects with EACCES for a file it may not read (run without root\'s permission bypass)', () => {
    const secret = join(root, 'secret.txt');
    writeFileSync(secret, MARKER);
    chmodSync(secret, 0o000);
    const client = join(process.cwd(), 'main', 'core', 'detect', 'yara', 'index.ts');
    const script = `import { YaraScanner } from ${JSON.stringify(client)};
      const s = await YaraScanner.start({ rules: [${JSON.stringify(root)}], binary: ${JSON.stringify(BIN)} });
      const out = await s.scanFile(${JSON.stringify(secret)}).then(() => 'resolved', (e) => e.code);
      await s.close();
      process.stdout.write(out);`;
    const child = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', script];
    const cmd = isRoot ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', ...child] : child;
    const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('EACCES');
  });
});
