// What an office user reads when a YARA rule matches: Mamori's own rules speak through their meta; a user's
// rule without meta still gets a plain explanation and a sensible severity.
import { describe, expect, it } from 'vitest';
import { worstYaraFinding, yaraFinding, type YaraMatch } from '../../../../main/core/detect/index.js';

const own: YaraMatch = {
  rule: 'mamori_reverse_shell_script', namespace: 'mamori-linux.yar', tags: [],
  meta: { severity: 'critical', attack: 'T1059.004', title_en: 'Reverse shell found', title_ja: 'リバースシェルが見つかりました', summary_en: 'S', summary_ja: 'ス' },
};
const user: YaraMatch = { rule: 'Linux_Trojan_Foo', namespace: 'trojan/Linux.Trojan.Foo.yara', tags: ['linux'], meta: { description: 'Foo backdoor' } };

describe('YARA findings', () => {
  it("use the text, severity and ATT&CK technique of Mamori's own rules", () => {
    const f = yaraFinding(own);
    expect(f.signature).toBe('mamori_reverse_shell_script');
    expect(f.rule).toMatchObject({ id: 'mamori.yara.mamori_reverse_shell_script', severity: 'critical', engine: 'yara', attack: 'T1059.004' });
    expect(f.rule.text.ja.title).toBe('リバースシェルが見つかりました');
    expect(f.rule.text.en.advice.length).toBeGreaterThan(1);
  });

  it("explain a user's rule by its name and description, high by default", () => {
    const f = yaraFinding(user);
    expect(f.rule).toMatchObject({ id: 'yara.trojan/Linux.Trojan.Foo.yara.Linux_Trojan_Foo', severity: 'high', engine: 'yara' });
    expect(f.rule.text.en.summary).toContain('Foo backdoor');
    expect(f.rule.text.ja.title).toContain('Linux_Trojan_Foo');
    expect(yaraFinding({ ...user, meta: { severity: 'LOW' } }).rule.severity).toBe('low');
    expect(yaraFinding({ ...user, meta: { severity: 'apocalyptic' } }).rule.severity).toBe('high');
  });

  it('pick the most severe of several matches', () => {
    expect(worstYaraFinding([{ ...user, meta: { severity: 'low' } }, own])?.rule.severity).toBe('critical');
    expect(worstYaraFinding([])).toBeNull();
  });
});
