// Behaviour detection: Mamori's own Sigma pack (rules/sigma) plus the user's Sigma folders, run on every
// stored telemetry event. A match becomes a BehaviourFinding with the alert's plain-language text: the
// rule's own ja/en explanation for Mamori's rules, a generic one around the rule's title for others.
import { existsSync } from 'node:fs';
import type { AlertText, Severity, SigmaRulesStatus, TelemetryEvent } from '../../../preload/contract/index.js';
import { loadRuleFolders, SigmaEngine, type RuleLoadResult, type SigmaFinding } from './sigma/index.js';
import type { RuleMeta } from './sigma/index.js';

export interface BehaviourFinding {
  ruleId: string;
  severity: Severity;
  title: string;
  text: { en: AlertText; ja: AlertText };
  techniques: string[];
  tactics: string[];
  /** The event the rule (or the last step of a sequence) matched. */
  event: TelemetryEvent;
  /** Every event behind it, oldest first (one for a plain rule). */
  events: TelemetryEvent[];
}

const MAX_PROBLEMS = 200;
const TACTICS = new Set([
  'reconnaissance', 'resource-development', 'initial-access', 'execution', 'persistence', 'privilege-escalation', 'defense-evasion',
  'credential-access', 'discovery', 'lateral-movement', 'collection', 'command-and-control', 'exfiltration', 'impact',
]);

export class BehaviourRules {
  private engine = new SigmaEngine([]);
  private results: RuleLoadResult[] = [];
  private folders: string[] = [];

  constructor(private readonly packDir: string, private readonly log: (level: 'info' | 'warn', m: string) => void) {}

  /** (Re)loads the pack and the user's folders; a rule that fails is reported, the others run. */
  load(userFolders: readonly string[]): void {
    this.folders = [this.packDir, ...userFolders];
    const loaded = loadRuleFolders(this.folders.filter((f) => existsSync(f)));
    this.results = loaded.results;
    this.engine = new SigmaEngine(loaded.rules, loaded.correlations);
    const failed = this.results.filter((r) => !r.loaded).length;
    this.log(failed ? 'warn' : 'info', `behaviour rules: ${loaded.rules.length} rules, ${loaded.correlations.length} sequences loaded`
      + (failed ? `; ${failed} did not load (Settings > Behaviour rules lists why)` : ''));
    for (const f of userFolders) if (!existsSync(f)) this.log('warn', `Sigma folder ${f} does not exist`);
  }

  status(): SigmaRulesStatus {
    const problems = this.results.filter((r) => !r.loaded);
    return {
      folders: [...this.folders], rules: this.engine.rules.length, correlations: this.engine.correlations.length,
      failed: problems.length, problems: problems.slice(0, MAX_PROBLEMS), eventsEvaluated: this.engine.eventsEvaluated,
    };
  }

  /** Runs the rules on stored events (with their ids). */
  evaluate(events: readonly TelemetryEvent[]): BehaviourFinding[] {
    const out: BehaviourFinding[] = [];
    for (const e of events) for (const f of this.engine.evaluate(e)) out.push(toFinding(f));
    return out;
  }
}

/** What `mamori rules check` prints: every rule document under the folders, loaded or why not. */
export interface SigmaCheckReport {
  folders: string[];
  total: number;
  loaded: number;
  failed: number;
  correlations: number;
  /** Result code -> how many ("loaded" for the loaded ones). */
  byCode: Record<string, number>;
  results: RuleLoadResult[];
}

export function checkSigmaFolders(folders: string[]): SigmaCheckReport {
  const loaded = loadRuleFolders(folders, folders.length === 1 ? { baseDir: folders[0] } : {});
  const { results } = loaded;
  const byCode: Record<string, number> = {};
  for (const r of results) byCode[r.code ?? 'loaded'] = (byCode[r.code ?? 'loaded'] ?? 0) + 1;
  const ok = results.filter((r) => r.loaded).length;
  return { folders, total: results.length, loaded: ok, failed: results.length - ok, correlations: loaded.correlations.length, byCode, results };
}

function toFinding(f: SigmaFinding): BehaviourFinding {
  const r = f.rule;
  return {
    ruleId: r.name ?? `sigma.${r.id}`,
    severity: r.severity,
    title: r.title,
    text: textFor(r, f.event),
    techniques: r.techniques,
    tactics: r.tags.map((t) => /^attack\.([a-z-]+)$/.exec(t.toLowerCase())?.[1]).filter((t): t is string => !!t && TACTICS.has(t)),
    event: f.event,
    events: f.events,
  };
}

function textFor(r: RuleMeta, e: TelemetryEvent): { en: AlertText; ja: AlertText } {
  const who = e.process.executable ?? e.process.name ?? `pid ${e.process.pid}`;
  const en = r.explain?.en;
  const ja = r.explain?.ja;
  const techniques = r.techniques.length ? ` (ATT&CK ${r.techniques.join(', ')})` : '';
  return {
    en: en
      ? { title: en.title ?? r.title, summary: `${en.what} ${en.why}`, advice: splitAdvice(en.do) }
      : {
        title: r.title,
        summary: `${who} did something the Sigma rule "${r.title}" describes${techniques}. ${r.description}`.trim(),
        advice: [
          'Check whether you or someone you know started this on purpose.',
          r.falsepositives.length ? `The rule's authors know these harmless causes: ${r.falsepositives.join('; ')}.` : 'If nobody did, ask your IT helper to look at the process tree.',
        ],
      },
    ja: ja
      ? { title: ja.title ?? r.title, summary: `${ja.what} ${ja.why}`, advice: splitAdvice(ja.do) }
      : {
        title: r.title,
        summary: `${who} が Sigma ルール「${r.title}」に当てはまる動作をしました${techniques}。`,
        advice: ['ご自身や同僚が意図して実行したものか確認してください。', '心当たりがない場合は、IT 担当者にプロセスの系統図を確認してもらってください。'],
      },
  };
}

/** The rule's "what to do" as up to three pieces of advice (one per line or sentence list item). */
function splitAdvice(text: string): string[] {
  const lines = text.split(/\n+/).map((l) => l.replace(/^[-•]\s*/, '').trim()).filter(Boolean);
  return lines.length > 1 ? lines.slice(0, 3) : [text.trim()];
}
