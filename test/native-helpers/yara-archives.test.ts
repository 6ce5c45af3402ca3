// Deep scans through YaraScanner.scanDeep: real archives made here with zip/tar/gzip/bzip2/xz/bsdtar
// (nested three deep), hostile input (zip bombs, nesting past the limit, truncated and encrypted zips,
// traversal names, too many entries, a mutated corpus), and ClamAV's 44 test files with only the
// built-in clam.exe hash, side by side with clamscan on the same hash.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectMembers, HashSignatures } from '../../main/core/detect/index.js';
import { YaraScanner, type DeepScanResult } from '../../main/core/detect/yara/index.js';
import { helperSkipReason } from '../helpers/native-helper.js';
import { tempDirs } from '../helpers/temp.js';

const BIN = join(process.cwd(), 'native-helpers', 'bin', 'mamori-yara');
const TESTFILES = '/usr/share/clamav-testfiles';
const CLAM_SHA256 = '71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495';
const MARKER = 'MAMORI-ARCHIVE-MARKER-51c9';

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const missingTools = ['zip', 'bsdtar', 'gzip', 'bzip2', 'xz'].filter((t) => !has(t));
const skip = helperSkipReason(BIN) ?? (missingTools.length ? `needs ${missingTools.join(', ')}` : null);
if (skip) console.warn(`[yara-archives] skipped: ${skip}`);

const dirs = tempDirs();
let dir = '';
let scanner: YaraScanner;
const extraScanners: YaraScanner[] = [];
const hashes = new HashSignatures();

const sh = (cmd: string, cwd = dir) => execFileSync('sh', ['-c', cmd], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
const codes = (r: DeepScanResult) => r.problems.map((p) => p.code);

/** The helper's peak resident memory so far, in MiB (VmHWM). */
function peakMiB(pid: number | undefined): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function extraScanner(o: Partial<Parameters<typeof YaraScanner.start>[0]>): Promise<YaraScanner> {
  const s = await YaraScanner.start({ rules: [join(dir, 'rules.yar')], binary: BIN, threads: 1, ...o });
  extraScanners.push(s);
  return s;
}

describe.skipIf(skip)('mamori-yara deep scans', () => {
  beforeAll(async () => {
    dir = dirs.make('mamori-archives-');
    writeFileSync(join(dir, 'rules.yar'), `rule archive_marker { strings: $a = "${MARKER}" condition: $a }\n`);
    // A stand-in for clam.exe when the test files are absent: the built-in hash is what matters, so use the real one if present.
    const clam = join(TESTFILES, 'clam.exe');
    if (existsSync(clam)) copyFileSync(clam, join(dir, 'clam.exe'));
    else writeFileSync(join(dir, 'clam.exe'), 'not clam.exe');
    writeFileSync(join(dir, 'marker.txt'), `hello ${MARKER} hello\n`);
    // Three levels: outer.7z > middle.zip > inner.tar.gz > clam.exe, with a bzip2 and an xz stream beside them.
    sh('bsdtar -czf inner.tar.gz clam.exe marker.txt && bzip2 -k clam.exe && xz -k marker.txt');
    sh('zip -q middle.zip inner.tar.gz clam.exe.bz2 marker.txt.xz && bsdtar --format 7zip -cf outer.7z middle.zip');
    scanner = await YaraScanner.start({ rules: [join(dir, 'rules.yar')], binary: BIN, threads: 2 });
  }, 60_000);

  afterAll(async () => {
    await scanner?.close();
    for (const s of extraScanners) await s.close();
    dirs.cleanup();
  });

  it('finds clam.exe three archives deep and names the path inside', async () => {
    const r = await scanner.scanDeep(join(dir, 'outer.7z'));
    const paths = r.members.map((m) => m.path);
    expect(paths).toContain('outer.7z/middle.zip/inner.tar.gz/clam.exe');
    expect(paths).toContain('outer.7z/middle.zip/clam.exe.bz2/clam.exe');
    expect(paths).toContain('outer.7z/middle.zip/marker.txt.xz/marker.txt');
    expect(r.problems).toEqual([]);
    const inner = r.members.find((m) => m.path === 'outer.7z/middle.zip/inner.tar.gz/marker.txt')!;
    expect(inner.sha256).toBe(createHash('sha256').update(readFileSync(join(dir, 'marker.txt'))).digest('hex'));
    expect(inner.md5).toBe(createHash('md5').update(readFileSync(join(dir, 'marker.txt'))).digest('hex'));
    expect(inner.sha1).toBe(createHash('sha1').update(readFileSync(join(dir, 'marker.txt'))).digest('hex'));
    expect(inner.matches.map((m) => m.rule)).toEqual(['archive_marker']);
    expect(r.members.find((m) => m.path === 'outer.7z/middle.zip')!.container).toBe(true);

    const findings = detectMembers(r.members, hashes);
    const yaraHits = findings.filter((f) => f.kind === 'yara').map((f) => f.path).sort();
    const leaves = ['outer.7z/middle.zip/inner.tar.gz/marker.txt', 'outer.7z/middle.zip/marker.txt.xz/marker.txt'];
    expect(yaraHits).toEqual(expect.arrayContaining(leaves));
    // xz stores a tiny text uncompressed, so its container can match too; nothing unrelated does.
    for (const hit of yaraHits) expect(leaves.some((l) => l.startsWith(hit))).toBe(true);
    if (existsSync(join(TESTFILES, 'clam.exe'))) {
      const hashHits = findings.filter((f) => f.kind === 'hash');
      expect(hashHits.map((f) => f.path).sort()).toEqual(['outer.7z/middle.zip/clam.exe.bz2/clam.exe', 'outer.7z/middle.zip/inner.tar.gz/clam.exe']);
      expect(hashHits[0]!.rule!.id).toBe('mamori.file.test-program');
    }
    // A plain scan of the same file stays shallow.
    expect(await scanner.scanFile(join(dir, 'outer.7z'))).toEqual([]);
  });

  it('a plain file deep-scanned has no members and still gets its own matches', async () => {
    const r = await scanner.scanDeep(join(dir, 'marker.txt'));
    expect(r.members).toEqual([]);
    expect(r.matches.map((m) => m.rule)).toEqual(['archive_marker']);
    await expect(scanner.scanDeep(join(dir, 'missing.zip'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stops a 1 GiB zip bomb at the size limit quickly and with bounded memory', async () => {
    sh('head -c 1073741824 /dev/zero | zip -q bomb.zip - && head -c 1073741824 /dev/zero | gzip -1 > zeros.gz');
    const t0 = Date.now();
    const zip = await scanner.scanDeep(join(dir, 'bomb.zip'));
    const gz = await scanner.scanDeep(join(dir, 'zeros.gz'));
    const ms = Date.now() - t0;
    const peak = peakMiB(scanner.pid);
    console.log(`[yara-archives] 1 GiB bombs: zip ${JSON.stringify(codes(zip))}, gz ${JSON.stringify(codes(gz))}, ${ms} ms, helper peak RSS ${peak.toFixed(0)} MiB`);
    expect(codes(zip)).toEqual(['TOO_BIG']); // the zip's header declares 1 GiB: refused before reading
    expect(codes(gz)).toEqual(['TOO_BIG']); // a raw stream declares nothing: stopped at the 64 MiB member limit
    expect(ms).toBeLessThan(15_000);
    expect(peak).toBeLessThan(400);
    // With room for big members, the ratio limit is what stops it.
    const loose = await extraScanner({ deepMaxMember: 2 ** 31, deepMaxTotal: 2 ** 33, deepMaxRatio: 20 });
    const r = await loose.scanDeep(join(dir, 'bomb.zip'));
    expect(codes(r)).toEqual(['BOMB_RATIO']);
    expect(r.problems[0]!.path).toBe('bomb.zip/-');
    expect(peakMiB(loose.pid)).toBeLessThan(200);
  }, 120_000);

  it('nesting past the depth limit gives TOO_DEEP, members above it are still reported', async () => {
    sh('cp clam.exe n.exe && zip -q n0.zip n.exe && for i in $(seq 1 12); do zip -q n$i.zip n$((i-1)).zip; done');
    const r = await scanner.scanDeep(join(dir, 'n12.zip'));
    expect(codes(r)).toEqual(['TOO_DEEP']);
    expect(r.problems[0]!.path.split('/')).toHaveLength(11); // n12.zip + 10 levels opened
    expect(r.members).toHaveLength(10);
    const shallow = await extraScanner({ deepMaxDepth: 13 });
    const all = await shallow.scanDeep(join(dir, 'n12.zip'));
    expect(all.problems).toEqual([]);
    expect(all.members.at(-1)!.path).toMatch(/n1\.zip\/n0\.zip\/n\.exe$/);
  });

  it('truncated zips give TRUNCATED or CORRUPT and never crash the helper', async () => {
    sh('zip -q good.zip clam.exe marker.txt');
    const good = readFileSync(join(dir, 'good.zip'));
    const results: string[] = [];
    for (const cut of [10, 30, 100, 300, good.length - 30, good.length - 1]) {
      writeFileSync(join(dir, `cut${cut}.zip`), good.subarray(0, cut));
      const r = await scanner.scanDeep(join(dir, `cut${cut}.zip`));
      results.push(`${cut}:${codes(r).join('+') || 'ok'}:${r.members.length}`);
      for (const c of codes(r)) expect(['TRUNCATED', 'CORRUPT']).toContain(c);
    }
    console.log(`[yara-archives] truncated zips (cut:codes:members): ${results.join(' ')}`);
    expect(results.some((x) => /TRUNCATED|CORRUPT/.test(x))).toBe(true);
    expect(scanner.restarts).toBe(0);
  });

  it('flags traversal names without writing anything', async () => {
    sh("bsdtar -cf trav.tar -s ',^,../../../tmp/mamori-evil-,' marker.txt && bsdtar -cf abs.tar -P -s ',^,/etc/mamori-evil-,' marker.txt");
    const r = await scanner.scanDeep(join(dir, 'trav.tar'));
    expect(r.members).toHaveLength(1);
    expect(r.members[0]).toMatchObject({ path: 'trav.tar/../../../tmp/mamori-evil-marker.txt', suspiciousName: true });
    expect(existsSync('/tmp/mamori-evil-marker.txt')).toBe(false);
    const abs = await scanner.scanDeep(join(dir, 'abs.tar'));
    expect(abs.members[0]!.suspiciousName).toBe(true);
    const outer = await scanner.scanDeep(join(dir, 'outer.7z'));
    expect(outer.members.every((m) => !m.suspiciousName)).toBe(true);
  });

  it('an encrypted zip gives ENCRYPTED', async () => {
    sh('zip -q -P secret enc.zip clam.exe');
    const r = await scanner.scanDeep(join(dir, 'enc.zip'));
    expect(r.problems).toEqual([expect.objectContaining({ path: 'enc.zip/clam.exe', code: 'ENCRYPTED' })]);
    expect(r.members).toEqual([]);
  });

  it('too many members gives TOO_MANY_ENTRIES', async () => {
    sh('mkdir -p many && for i in $(seq 1 20); do echo $i > many/f$i; done && zip -qr many.zip many');
    const few = await extraScanner({ deepMaxEntries: 5 });
    const r = await few.scanDeep(join(dir, 'many.zip'));
    expect(codes(r)).toEqual(['TOO_MANY_ENTRIES']);
    expect(r.members).toHaveLength(5);
  });

  it('hostile containers: lying SZDD, unterminated BinHex and uuencode, quadratic-bait text, 300 mutated test files', async () => {
    writeFileSync(join(dir, 'lie.szdd'), Buffer.concat([Buffer.from('SZDD\x88\xf0\x27\x33A\x00', 'latin1'), Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(64, 0xff)]));
    expect(codes(await scanner.scanDeep(join(dir, 'lie.szdd')))).toEqual(['TOO_BIG']);
    writeFileSync(join(dir, 'open.hqx'), '(This file must be converted with BinHex 4.0)\n:!!!!');
    expect(codes(await scanner.scanDeep(join(dir, 'open.hqx')))).toEqual(['TRUNCATED']);
    writeFileSync(join(dir, 'open.uu'), 'begin 644 x.bin\nM' + '4'.repeat(60) + '\n');
    expect(codes(await scanner.scanDeep(join(dir, 'open.uu')))).toEqual(['TRUNCATED']);

    // Text built to make naive decoders quadratic: 4 MB each, all five within seconds.
    const slow: [string, string][] = [
      ['many-headers.eml', 'Content-Transfer-Encoding: base64\n'.repeat(120_000) + '\n' + 'TVqQ'.repeat(1000) + '\n'],
      ['many-begins.txt', 'begin 644 x\n'.repeat(350_000)],
      ['short-streams.pdf', '%PDF-1.4\n' + '1 0 obj<</Length 1>>stream\nX'.repeat(150_000) + 'endstream\n'],
      ['open-streams.pdf', '%PDF-1.4\n' + 'stream\n'.repeat(600_000)],
      ['uris.html', ';base64,'.repeat(500_000)],
    ];
    const t0 = Date.now();
    for (const [name, text] of slow) {
      writeFileSync(join(dir, name), text);
      await scanner.scanDeep(join(dir, name));
    }
    const slowMs = Date.now() - t0;
    console.log(`[yara-archives] 5 pathological 4 MB containers: ${slowMs} ms`);
    expect(slowMs).toBeLessThan(20_000);

    if (!existsSync(TESTFILES)) return;
    let seed = 12345;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const files = readdirSync(TESTFILES).sort();
    const jobs: Promise<DeepScanResult>[] = [];
    for (let i = 0; i < 300; i++) {
      const f = files[i % files.length]!;
      const d = Buffer.from(readFileSync(join(TESTFILES, f)));
      const kind = rand(3);
      let out: Buffer = d;
      if (kind === 0) out = d.subarray(0, rand(d.length));
      else if (kind === 1) for (let k = 0; k < 1 + rand(16); k++) d[rand(d.length)] = rand(256);
      else out = Buffer.concat([d.subarray(0, rand(d.length)), Buffer.from(Array.from({ length: 1 + rand(40) }, () => rand(256))), d.subarray(rand(d.length))]);
      const p = join(dir, `mut${i}-${f}`);
      writeFileSync(p, out);
      jobs.push(scanner.scanDeep(p));
    }
    const results = await Promise.all(jobs);
    expect(results).toHaveLength(300);
    expect(scanner.restarts).toBe(0);
  }, 120_000);

  it.skipIf(!existsSync(TESTFILES))(`ClamAV test files: >= 20 of 44 found with only the clam.exe hash (vs clamscan)`, async () => {
    const files = readdirSync(TESTFILES).sort();
    const found: string[] = [];
    const notFound: string[] = [];
    for (const f of files) {
      const p = join(TESTFILES, f);
      const data = readFileSync(p);
      // The engine hashes the file itself; the deep scan adds what is inside.
      const self = hashes.lookup({ size: data.length, sha256: createHash('sha256').update(data).digest('hex') });
      const r = await scanner.scanDeep(p);
      const inner = detectMembers(r.members, hashes).filter((x) => x.kind === 'hash');
      if (self || inner.length) found.push(self ? f : inner[0]!.path);
      else notFound.push(`${f}${r.problems.length ? ` (${r.problems.map((x) => x.code).join(',')})` : ''}`);
    }
    let clam = 'clamscan not installed';
    if (has('clamscan')) {
      const db = join(dir, 'clam.hsb');
      writeFileSync(db, `${CLAM_SHA256}:544:ClamAV-Test-File\n`);
      const out = spawnSync('clamscan', ['--no-summary', '-d', db, TESTFILES], { encoding: 'utf8', timeout: 120_000 });
      const hits = out.stdout.split('\n').filter((l) => l.endsWith(' FOUND')).length;
      clam = `${hits}/${files.length}`;
    }
    console.log(`[yara-archives] clamav-testfiles with only clam.exe's SHA-256: Mamori ${found.length}/${files.length}, clamscan ${clam}`);
    console.log(`[yara-archives] found: ${found.join(', ')}`);
    console.log(`[yara-archives] not found: ${notFound.join(', ')}`);
    expect(files).toHaveLength(44);
    expect(found.length).toBeGreaterThanOrEqual(20);
  }, 120_000);
});
