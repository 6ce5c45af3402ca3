// A YARA match -> a finding an office user can read. Mamori's own rules (rules/yara, names starting with
// "mamori_") carry their severity, ATT&CK technique and ja/en text in meta; a user's rules may carry none,
// so they get a plain explanation built from the rule's name and its own description, and severity high
// unless their meta says otherwise.
import { Severity, SEVERITY_ORDER, type AlertText } from '../../../preload/contract/index.js';
import type { Finding } from './index.js';
import type { FileRule } from './rules.js';
import type { YaraMatch } from './yara/index.js';

const ADVICE: Record<'en' | 'ja', Record<Severity, string[]>> = {
  en: {
    critical: ['Mamori has quarantined the file if automatic quarantine is on. Do not restore it unless you are sure it is safe.', 'Tell your IT contact: this can mean someone has already broken in.', 'Run a full scan (Scans > Full scan now).'],
    high: ['Mamori has quarantined the file if automatic quarantine is on. Do not restore it unless you are sure it is safe.', 'Think about where it came from (download, email, USB stick) and run a quick scan.'],
    medium: ['Check where the file came from. If you or your IT contact put it there on purpose, you can restore it from Quarantine.'],
    low: ['Usually nothing to do. If you do not recognise the file, ask your IT contact.'],
    informational: ['Nothing to do.'],
  },
  ja: {
    critical: ['自動隔離が有効な場合、ファイルは隔離済みです。安全だと確信できない限り元に戻さないでください。', 'IT の担当者に連絡してください。すでに侵入されている可能性があります。', 'フルスキャンを実行してください（スキャン > 今すぐフルスキャン）。'],
    high: ['自動隔離が有効な場合、ファイルは隔離済みです。安全だと確信できない限り元に戻さないでください。', 'ダウンロード、メール、USB メモリなど、どこから来たかを確認し、クイックスキャンを実行してください。'],
    medium: ['ファイルの入手元を確認してください。ご自身や IT 担当者が意図して置いたものなら、「隔離」から元に戻せます。'],
    low: ['通常は対応不要です。心当たりのないファイルなら IT の担当者に相談してください。'],
    informational: ['対応は不要です。'],
  },
};

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim().slice(0, 500) : null);

export function isOwnYaraRule(match: YaraMatch): boolean {
  return match.rule.startsWith('mamori_');
}

export function yaraFinding(match: YaraMatch): Finding {
  const m = match.meta;
  const parsed = Severity.safeParse(typeof m.severity === 'string' ? m.severity.toLowerCase() : m.severity);
  const severity: Severity = parsed.success ? parsed.data : 'high';
  const own = isOwnYaraRule(match);
  const attack = text(m.attack);
  const description = text(m.description);
  const en: AlertText = {
    title: text(m.title_en) ?? `File matches the YARA rule "${match.rule}"`,
    summary: text(m.summary_en) ?? (description
      ? `The YARA rule "${match.rule}" (${match.namespace}) matched this file: ${description}`
      : `The YARA rule "${match.rule}" from ${match.namespace} matched this file. Rules like this describe known malware or attack tools.`),
    advice: ADVICE.en[severity],
  };
  const ja: AlertText = {
    title: text(m.title_ja) ?? `YARA ルール「${match.rule}」に一致するファイル`,
    summary: text(m.summary_ja) ?? (description
      ? `YARA ルール「${match.rule}」（${match.namespace}）がこのファイルに一致しました: ${description}`
      : `${match.namespace} の YARA ルール「${match.rule}」がこのファイルに一致しました。このようなルールは既知の不正なプログラムや攻撃ツールを表します。`),
    advice: ADVICE.ja[severity],
  };
  const rule: FileRule = {
    id: own ? `mamori.yara.${match.rule}` : `yara.${match.namespace}.${match.rule}`,
    severity,
    engine: 'yara',
    text: { en, ja },
    ...(attack ? { attack } : {}),
  };
  return { rule, signature: match.rule };
}

/** The most severe of several matches (a file can match more than one rule). */
export function worstYaraFinding(matches: YaraMatch[]): Finding | null {
  let worst: Finding | null = null;
  for (const match of matches) {
    const f = yaraFinding(match);
    if (!worst || SEVERITY_ORDER.indexOf(f.rule.severity) > SEVERITY_ORDER.indexOf(worst.rule.severity)) worst = f;
  }
  return worst;
}
