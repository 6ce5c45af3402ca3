import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { detectFile, EICAR, HashSignatures, isEicar, parseHashList } from '../../../../main/core/detect/index.js';

const facts = (content: Buffer, path = '/x/file') => ({
  path, size: content.length, sha256: createHash('sha256').update(content).digest('hex'),
  smallContent: content.length <= 128 ? content : null,
});

describe('EICAR test file, as the EICAR standard defines it', () => {
  it('is the 68-byte string', () => {
    expect(EICAR).toHaveLength(68);
    expect(isEicar(Buffer.from(EICAR, 'latin1'))).toBe(true);
  });

  it.each([
    ['a trailing newline', '\n'], ['CRLF', '\r\n'], ['spaces and tabs', '  \t '], ['Ctrl-Z', '\x1a'],
    ['whitespace up to 128 bytes in total', ' '.repeat(60)],
  ])('is found with %s', (_name, tail) => {
    const content = Buffer.from(EICAR + tail, 'latin1');
    expect(detectFile(facts(content), new HashSignatures())?.rule.id).toBe('mamori.file.eicar');
  });

  it.each([
    ['more than 128 bytes', ' '.repeat(61), ''],
    ['anything but whitespace after it', ' x', ''],
    ['something before it', '', ' '],
    ['only part of it', '', ''],
  ])('is not found with %s', (name, tail, head) => {
    const body = name === 'only part of it' ? EICAR.slice(0, 60) : EICAR;
    expect(isEicar(Buffer.from(head + body + tail, 'latin1'))).toBe(false);
  });

  it('is not looked for in big files (content is not kept for them)', () => {
    const big = Buffer.alloc(4096, 0x20);
    Buffer.from(EICAR, 'latin1').copy(big);
    expect(detectFile(facts(big), new HashSignatures())).toBeNull();
  });
});

describe('hash signatures', () => {
  it('finds a file whose SHA-256 is on a user list as known malware (critical)', () => {
    const content = Buffer.from('pretend malware');
    const f = facts(content);
    const sigs = new HashSignatures(new Map([[f.sha256, 'Pretend.Trojan']]));
    const finding = detectFile(f, sigs);
    expect(finding).toMatchObject({ signature: 'Pretend.Trojan', rule: { id: 'mamori.file.known-malware', severity: 'critical' } });
  });

  it('knows the ClamAV test program clam.exe built in', () => {
    const f = { ...facts(Buffer.from('x')), sha256: '71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495' };
    expect(detectFile(f, new HashSignatures())?.rule.id).toBe('mamori.file.test-program');
  });

  it('leaves clean files alone', () => {
    expect(detectFile(facts(Buffer.from('hello world\n')), new HashSignatures())).toBeNull();
  });
});

describe('parsing a user hash list', () => {
  it('imports good lines, names and counts bad ones, and tolerates comments, case and separators', () => {
    const good1 = 'a'.repeat(64);
    const good2 = 'B'.repeat(64);
    const text = [
      '# my list', '', good1, `${good2};Evil.Thing`, `${'c'.repeat(64)} Other Name`, 'not-a-hash',
      'z'.repeat(64), 'abc123', good1, '\u0000\u0001binary junk',
    ].join('\r\n');
    const r = parseHashList(text, 'office');
    expect([...r.entries.keys()]).toEqual([good1, good2.toLowerCase(), 'c'.repeat(64)]);
    expect(r.entries.get(good2.toLowerCase())).toBe('Evil.Thing');
    expect(r.entries.get('c'.repeat(64))).toBe('Other Name');
    expect(r.duplicates).toBe(1);
    expect(r.invalidCount).toBe(4);
    expect(r.invalid.map((i) => i.line)).toEqual([6, 7, 8, 10]);
    expect(r.invalid[1]!.reason).toBe('not hexadecimal');
  });
});
