import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { detectFile, EICAR, HashSignatures, isEicar, type StoredSignature } from '../../../../main/core/detect/index.js';

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
    const sigs = new HashSignatures([{ algo: 'sha256', hash: f.sha256, size: null, name: 'Pretend.Trojan', list: 'office' }]);
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

describe('MD5 and SHA-1 signatures with a file size (ClamAV .hdb/.hsb)', () => {
  const content = Buffer.from('pretend malware, matched by md5');
  const md5 = createHash('md5').update(content).digest('hex');
  const sha1 = createHash('sha1').update(content).digest('hex');
  const sig = (over: Partial<StoredSignature>): StoredSignature => ({ algo: 'md5', hash: md5, size: content.length, name: 'Pretend.Md5', list: 'main', ...over });

  it('matches a file whose MD5 and size both match', () => {
    const sigs = new HashSignatures([sig({})]);
    expect(detectFile({ ...facts(content), md5 }, sigs)?.signature).toBe('Pretend.Md5');
  });

  it('does not match when the size differs, even with the same MD5 (ClamAV semantics)', () => {
    const sigs = new HashSignatures([sig({ size: content.length + 1 })]);
    expect(detectFile({ ...facts(content), md5 }, sigs)).toBeNull();
  });

  it('matches a SHA-1 with a wildcard size', () => {
    const sigs = new HashSignatures([sig({ algo: 'sha1', hash: sha1, size: null, name: 'Pretend.Sha1' })]);
    expect(detectFile({ ...facts(content), sha1 }, sigs)?.signature).toBe('Pretend.Sha1');
  });

  it('asks the hash workers for MD5/SHA-1 only for the sizes its signatures need', () => {
    const sigs = new HashSignatures([sig({}), sig({ algo: 'sha1', hash: sha1, size: null })]);
    expect(sigs.policy).toEqual({ md5: { any: false, sizes: [content.length] }, sha1: { any: true, sizes: [] } });
    expect(new HashSignatures([]).policy).toEqual({ md5: { any: false, sizes: [] }, sha1: { any: false, sizes: [] } });
  });
});
