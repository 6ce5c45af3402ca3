// `mamori rules check DIR [--json]` on SigmaHQ's Linux rules (test data in ../shared/corpora) and on broken
// rule files: every process_creation, file_event and network_connection rule loads; every other one either
// loads or says why not, with a code; nothing crashes.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../main/agent/cli.js';
import type { SigmaCheckReport } from '../../../main/core/index.js';
import { tempDirs } from '../../helpers/temp.js';

const CORPORA = resolve(process.cwd(), '..', 'shared', 'corpora');
const LINUX = join(CORPORA, 'sigma-linux', 'rules', 'linux');
const EXTRA = join(CORPORA, 'sigma-linux-extra');
const dirs = tempDirs();
afterAll(() => dirs.cleanup());

async function check(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['rules', 'check', ...args], { out: (s) => { out += s + '\n'; }, err: (s) => { err += s + '\n'; } });
  return { code, out, err };
}

const MUST_LOAD = /^(process_creation|file_event|network_connection)$/;

describe.skipIf(!existsSync(LINUX))('mamori rules check on the SigmaHQ Linux corpus', () => {
  for (const dir of [LINUX, EXTRA]) {
    it(`${dir.slice(CORPORA.length + 1)}: every process, file and network rule loads; the rest load or give a coded reason`, async () => {
      const r = await check(dir, '--json');
      const report = JSON.parse(r.out) as SigmaCheckReport;
      expect(report.total).toBeGreaterThan(30);
      const mustLoad = report.results.filter((x) => x.logsource && MUST_LOAD.test(x.logsource));
      expect(mustLoad.length).toBeGreaterThan(20);
      expect(mustLoad.filter((x) => !x.loaded).map((x) => `${x.file}: ${x.code} ${x.message}`)).toEqual([]);
      for (const x of report.results.filter((y) => !y.loaded)) {
        expect(x.code, x.file).toMatch(/^(UNSUPPORTED_LOGSOURCE|UNMAPPED_FIELD)$/);
        expect(x.message, x.file).toBeTruthy();
      }
      expect(r.code).toBe(report.failed ? 1 : 0);
      console.log(`[rules check] ${dir.slice(CORPORA.length + 1)}: ${report.loaded}/${report.total} loaded; by code ${JSON.stringify(report.byCode)}`);
    });
  }

  it('auditd rules of record types Mamori produces load; log-only ones say which log they need', async () => {
    const report = JSON.parse((await check(LINUX, '--json')).out) as SigmaCheckReport;
    const auditd = report.results.filter((x) => x.logsource === 'service:auditd');
    expect(auditd.filter((x) => x.loaded).length).toBeGreaterThan(10);
    const sshd = report.results.find((x) => x.logsource === 'service:sshd');
    if (sshd) expect(sshd).toMatchObject({ loaded: false, code: 'UNSUPPORTED_LOGSOURCE', message: expect.stringContaining('log') });
  });
});

describe('mamori rules check on broken rules', () => {
  it('names each bad file with its code and keeps going; text output lists them; exit 1', async () => {
    const dir = dirs.make('mamori-sigma-bad-');
    mkdirSync(join(dir, 'sub'));
    const good = 'title: ok\nid: 11111111-1111-4111-8111-111111111111\nlogsource: {product: linux, category: process_creation}\n'
      + 'detection: {s: {Image|endswith: /nc}, condition: s}\nlevel: low\n';
    writeFileSync(join(dir, 'good.yml'), good);
    writeFileSync(join(dir, 'sub', 'syntax.yml'), 'title: [unclosed\n');
    writeFileSync(join(dir, 'modifier.yaml'), good.replace('Image|endswith', 'Image|sortof').replace('1111-4111', '2222-4111'));
    writeFileSync(join(dir, 'z-duplicate.yml'), good);
    writeFileSync(join(dir, 'notarule.yml'), '- just\n- a list\n');
    writeFileSync(join(dir, 'cond.yml'), good.replace('condition: s', 'condition: s and (').replace('1111-4111', '3333-4111'));
    writeFileSync(join(dir, 'README.md'), 'not a rule');
    const r = await check(dir, '--json');
    const report = JSON.parse(r.out) as SigmaCheckReport;
    const codeOf = (f: string) => report.results.find((x) => x.file.endsWith(f))?.code;
    expect(codeOf('good.yml')).toBeNull();
    expect(codeOf('syntax.yml')).toBe('YAML_SYNTAX');
    expect(codeOf('modifier.yaml')).toBe('UNKNOWN_MODIFIER');
    expect(codeOf('z-duplicate.yml')).toBe('DUPLICATE_ID');
    expect(codeOf('notarule.yml')).toBe('NOT_A_RULE');
    expect(codeOf('cond.yml')).toBe('BAD_CONDITION');
    expect(report).toMatchObject({ total: 6, loaded: 1, failed: 5 });
    expect(r.code).toBe(1);
    const text = await check(dir);
    expect(text.out).toContain('1 of 6 rule(s) loaded');
    expect(text.out).toMatch(/modifier\.yaml: UNKNOWN_MODIFIER: .*sortof/);
  });

  it('a missing folder is a usage error (exit 2)', async () => {
    const r = await check(join(dirs.make(), 'nope'));
    expect(r.code).toBe(2);
    expect(r.err).toContain('not a folder');
  });
});
