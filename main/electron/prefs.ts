// The settings the shell acts on: the UI language, how severe an alert must be to pop up, and what the
// response policy does with an unanswered question (said in the question's notification).
import { SEVERITY_ORDER, type Severity } from '../../preload/contract/index.js';
import type { Call } from './call.js';
import { resolveLanguage, type Lang } from './i18n.js';

export class Prefs {
  language: Lang;
  notifyMinSeverity: Severity = 'high';
  askDefaultActs = false;

  constructor(private readonly call: Call, private readonly osLocale: string) {
    this.language = resolveLanguage('auto', osLocale);
  }

  /** Re-reads the settings; on failure keeps the last known values (defaults: OS language, high). */
  async refresh(): Promise<void> {
    const res = await this.call('getSettings', {});
    if (!res.ok) return;
    this.language = resolveLanguage(res.value.language, this.osLocale);
    this.notifyMinSeverity = res.value.notifyMinSeverity;
    this.askDefaultActs = res.value.responsePolicy?.askDefault === 'act'; // (settings from an older core may lack it)
  }
}

export function atLeast(severity: Severity, min: Severity): boolean {
  return SEVERITY_ORDER.indexOf(severity) >= SEVERITY_ORDER.indexOf(min);
}
