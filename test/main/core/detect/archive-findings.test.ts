// detectMembers: members of a deep scan become findings that name the path inside the archive.
import { describe, expect, it } from 'vitest';
import { detectMembers, HashSignatures } from '../../../../main/core/detect/index.js';
import type { DeepMember } from '../../../../main/core/detect/yara/index.js';

const CLAM = '71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495';
const member = (over: Partial<DeepMember>): DeepMember => ({
  path: 'a.zip/x', size: 10, sha256: 'ab'.repeat(32), md5: 'cd'.repeat(16), sha1: 'ef'.repeat(20),
  suspiciousName: false, container: false, matches: [], ...over,
});

describe('detectMembers', () => {
  it('finds the built-in clam.exe hash inside an archive and names the inner path', () => {
    const f = detectMembers([member({ path: 'a.zip/readme.txt' }), member({ path: 'a.zip/b.tar/clam.exe', size: 544, sha256: CLAM })], new HashSignatures());
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ path: 'a.zip/b.tar/clam.exe', kind: 'hash', signature: 'ClamAV test program clam.exe' });
    expect(f[0]!.rule!.id).toBe('mamori.file.test-program');
  });

  it('applies the size rule of MD5 signatures as for files', () => {
    const hashes = new HashSignatures([{ algo: 'md5', hash: 'cd'.repeat(16), size: 10, name: 'Bad.Md5', list: 'user.hdb' }]);
    expect(detectMembers([member({})], hashes).map((f) => f.signature)).toEqual(['Bad.Md5']);
    expect(detectMembers([member({ size: 11 })], hashes)).toEqual([]);
  });

  it('reports YARA matches of members, keeping the suspicious-name flag', () => {
    const m = member({ path: 'a.tar/../../etc/x', suspiciousName: true, matches: [{ rule: 'r1', namespace: 'pack.yar', tags: [], meta: {} }] });
    expect(detectMembers([m], new HashSignatures())).toEqual([
      expect.objectContaining({ path: 'a.tar/../../etc/x', kind: 'yara', signature: 'pack.yar:r1', suspiciousName: true }),
    ]);
  });
});
