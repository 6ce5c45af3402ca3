// Exceptions match what a user means by them, and refuse what would switch protection off wholesale.
import { describe, expect, it } from 'vitest';
import { exceptionMatches, exceptionProblem, type ExceptionSubject } from '../../../../main/core/triage/index.js';

const subject = (o: Partial<{ path: string; sha256: string; exe: string; cmd: string; rule: string }>): ExceptionSubject => ({
  ruleId: o.rule ?? 'r1',
  file: o.path ? { path: o.path, sha256: o.sha256 ?? null, size: 1 } : null,
  process: o.exe || o.cmd ? { pid: 1, entity_id: '1-1', executable: o.exe ?? null, command_line: o.cmd ?? null } : null,
});
const packages = (pkg: string) => (pkg === 'backup-tool' ? new Set(['/usr/bin/backup-tool', '/usr/lib/backup-tool/helper']) : null);

describe('exceptions', () => {
  it('path: * stays within a folder, ** crosses folders; the program path counts too', () => {
    const ex = { kind: 'path' as const, value: '/opt/tools/*.sh' };
    expect(exceptionMatches(ex, subject({ path: '/opt/tools/x.sh' }))).toBe(true);
    expect(exceptionMatches(ex, subject({ path: '/opt/tools/sub/x.sh' }))).toBe(false);
    expect(exceptionMatches({ kind: 'path', value: '/opt/tools/**' }, subject({ path: '/opt/tools/sub/x.sh' }))).toBe(true);
    expect(exceptionMatches({ kind: 'path', value: '/opt/tools/**' }, subject({ exe: '/opt/tools/bin/run' }))).toBe(true);
    expect(exceptionMatches({ kind: 'path', value: '/opt/tools/**' }, subject({ path: '/opt/toolsX/a' }))).toBe(false);
    expect(exceptionMatches({ kind: 'path', value: '/opt/a.b' }, subject({ path: '/opt/aXb' }))).toBe(false); // dots are dots
  });
  it('hash (any case), rule id, command line glob', () => {
    const sha = 'AB'.repeat(32);
    expect(exceptionMatches({ kind: 'hash', value: sha }, subject({ path: '/x', sha256: sha.toLowerCase() }))).toBe(true);
    expect(exceptionMatches({ kind: 'hash', value: sha }, subject({ path: '/x', sha256: 'c'.repeat(64) }))).toBe(false);
    expect(exceptionMatches({ kind: 'rule', value: 'r1' }, subject({}))).toBe(true);
    expect(exceptionMatches({ kind: 'rule', value: 'r2' }, subject({}))).toBe(false);
    expect(exceptionMatches({ kind: 'commandLine', value: 'rsync -a * backup:/srv/*' }, subject({ cmd: 'rsync -a /home/a backup:/srv/a' }))).toBe(true);
    expect(exceptionMatches({ kind: 'commandLine', value: 'rsync -a * backup:/srv/*' }, subject({ cmd: 'rsync -a /home/a evil:/srv/a' }))).toBe(false);
  });
  it('package: files the Debian package installed (file or program)', () => {
    expect(exceptionMatches({ kind: 'package', value: 'backup-tool' }, subject({ exe: '/usr/bin/backup-tool' }), packages)).toBe(true);
    expect(exceptionMatches({ kind: 'package', value: 'backup-tool' }, subject({ exe: '/tmp/backup-tool' }), packages)).toBe(false);
    expect(exceptionMatches({ kind: 'package', value: 'not-installed' }, subject({ exe: '/usr/bin/backup-tool' }), packages)).toBe(false);
  });
  it('refuses exceptions that would match everything or cannot match anything', () => {
    expect(exceptionProblem({ kind: 'path', value: '/**' })).toMatch(/every file/);
    expect(exceptionProblem({ kind: 'path', value: 'tools/x' })).toMatch(/starts with \//);
    expect(exceptionProblem({ kind: 'commandLine', value: '**' })).toMatch(/every command line/);
    expect(exceptionProblem({ kind: 'hash', value: 'abc' })).toMatch(/64 hexadecimal/);
    expect(exceptionProblem({ kind: 'package', value: 'Bad Name;' })).toMatch(/package name/);
    expect(exceptionProblem({ kind: 'rule', value: 'r1' })).toBeNull();
  });
});
