// Signature databases as people have them: ClamAV hash files and IOC hash lists. Every bad line is named
// with its line number and a code; nothing throws on content.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat, parseSignatures, UnsupportedSignatureFormat } from '../../../../main/core/detect/index.js';

const MD5 = '44d88612fea8a8f36de82e1278abb02f';
const SHA1 = '3395856ce81f2b7382dee72602f798b642f14140';
const SHA256 = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f';
const CORPUS = join(process.cwd(), '..', 'shared', 'corpora', 'signature-base-iocs', 'hash-iocs.txt');

describe('format detection', () => {
  it.each([
    ['main.hdb', 'clamav-hdb'], ['daily.HDU', 'clamav-hdb'], ['main.hsb', 'clamav-hsb'], ['x.hsu', 'clamav-hsb'],
    ['hash-iocs.txt', 'hash-list'], ['list', 'hash-list'],
  ])('%s -> %s', (name, format) => {
    expect(detectFormat(name, '')).toBe(format);
  });

  it('recognises ClamAV lines in a file without the extension', () => {
    expect(detectFormat('export.txt', `# c\n${MD5}:68:Eicar-Test\n`)).toBe('clamav-hdb');
    expect(detectFormat('export.txt', `${SHA256}:*:Eicar-Test:73\n`)).toBe('clamav-hsb');
  });

  it.each(['main.mdb', 'daily.ldb', 'main.ndb', 'main.cvd', 'daily.cld'])('refuses %s with a reason the user can act on', (name) => {
    expect(() => detectFormat(name, '')).toThrow(UnsupportedSignatureFormat);
    expect(() => detectFormat(name, '')).toThrow(/ClamAV/);
  });
});

describe('ClamAV .hdb (MD5:size:name)', () => {
  it('reads signatures with their size, and names each bad line', () => {
    const text = [
      `${MD5}:68:Eicar-Test-Signature`,
      `${MD5.toUpperCase()}:544:Clam.Test:73`,
      `${MD5}:*:Wild.Size`,          // wildcard sizes are .hsb only
      `${MD5}:12ab:Bad.Size`,
      `${SHA1}:10:Wrong.Hash.Kind`,   // an .hdb holds MD5 only
      `${MD5}:10:`,
      'garbage',
      `${MD5}:68:Eicar-Test-Signature`, // duplicate
    ].join('\n');
    const r = parseSignatures(text, 'main.hdb', 'main');
    expect(r.format).toBe('clamav-hdb');
    expect(r.entries).toEqual([
      { algo: 'md5', hash: MD5, size: 68, name: 'Eicar-Test-Signature' },
      { algo: 'md5', hash: MD5, size: 544, name: 'Clam.Test' },
    ]);
    expect(r.duplicates).toBe(1);
    expect(r.invalid.map((b) => [b.line, b.code])).toEqual([
      [3, 'BAD_SIZE'], [4, 'BAD_SIZE'], [5, 'BAD_HASH'], [6, 'MISSING_NAME'], [7, 'BAD_FIELDS'],
    ]);
    expect(r.invalidCount).toBe(5);
  });
});

describe('ClamAV .hsb (SHA-1 or SHA-256:size:name)', () => {
  it('reads both hash kinds and the wildcard size', () => {
    const r = parseSignatures(`${SHA1}:68:A\n${SHA256}:*:B:73\n${MD5}:68:C\n`, 'main.hsb', 'main');
    expect(r.entries).toEqual([
      { algo: 'sha1', hash: SHA1, size: 68, name: 'A' },
      { algo: 'sha256', hash: SHA256, size: null, name: 'B' },
    ]);
    expect(r.invalid).toEqual([{ line: 3, code: 'BAD_HASH', reason: expect.stringMatching(/40, 64 hex characters, got 32/) }]);
  });
});

describe('hash lists', () => {
  it('accept MD5, SHA-1 and SHA-256 with names after ";", "," or spaces, and keep names with spaces', () => {
    const text = `# iocs\n\n${MD5};Dark Caracal - PE32 executable\n${SHA1} Other thing\r\n${SHA256},Third\nnot-a-hash\n${'z'.repeat(64)}\n\u0000\u0001`;
    const r = parseSignatures(text, 'iocs.txt', 'iocs');
    expect(r.entries).toEqual([
      { algo: 'md5', hash: MD5, size: null, name: 'Dark Caracal - PE32 executable' },
      { algo: 'sha1', hash: SHA1, size: null, name: 'Other thing' },
      { algo: 'sha256', hash: SHA256, size: null, name: 'Third' },
    ]);
    expect(r.invalid.map((b) => b.line)).toEqual([6, 7, 8]);
    expect(r.invalid.every((b) => b.code === 'BAD_HASH')).toBe(true);
  });

  it('name a nameless hash after the list', () => {
    expect(parseSignatures(SHA256, 'x.txt', 'office').entries[0]!.name).toBe(`office:${SHA256.slice(0, 12)}`);
  });

  it('keep only the first 50 bad lines but count them all', () => {
    const r = parseSignatures(Array.from({ length: 500 }, () => 'junk').join('\n'), 'x.txt', 'x');
    expect(r.invalid).toHaveLength(50);
    expect(r.invalidCount).toBe(500);
  });

  it.skipIf(!existsSync(CORPUS))('read signature-base hash-iocs.txt completely (skips when ../shared/corpora is absent)', () => {
    const text = readFileSync(CORPUS, 'utf8');
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const r = parseSignatures(text, 'hash-iocs.txt', 'signature-base');
    const byAlgo = { md5: 0, sha1: 0, sha256: 0 };
    for (const e of r.entries) byAlgo[e.algo]++;
    console.log(`signature-base hash-iocs.txt: ${lines.length} lines -> ${r.entries.length} signatures`
      + ` (md5 ${byAlgo.md5}, sha1 ${byAlgo.sha1}, sha256 ${byAlgo.sha256}), ${r.duplicates} duplicates, ${r.invalidCount} bad`);
    expect(r.entries.length + r.duplicates + r.invalidCount).toBe(lines.length);
    expect(r.entries.length).toBeGreaterThan(3000);
    expect(byAlgo.md5 && byAlgo.sha1 && byAlgo.sha256).toBeGreaterThan(0);
    expect(r.invalidCount).toBe(0);
  });
});
