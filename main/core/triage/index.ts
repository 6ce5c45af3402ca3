// Triage: a finding becomes an alert, a repeat of the same thing merges into it, and only alerts at or
// above the user's threshold interrupt them.
import { SEVERITY_ORDER, type Alert, type Severity } from '../../../preload/contract/index.js';
import type { Finding } from '../detect/index.js';
import type { AlertsRepo } from '../store/alerts.js';
import { newId, nowIso } from '../util/index.js';

/** Repeats of the same rule on the same content at the same path within this window are one alert. */
export const DEDUPE_WINDOW_MS = 10 * 60 * 1000;

export interface FindingContext {
  path: string;
  sha256: string;
  size: number;
  source: 'realtime' | 'scan';
  scanId: string | null;
  /** The process that wrote the file or tried to run it, when a sensor knows it. */
  process?: Alert['process'];
}

export function raiseAlert(alerts: AlertsRepo, finding: Finding, ctx: FindingContext, now = new Date()): { alert: Alert; isNew: boolean } {
  const dedupeKey = `${finding.rule.id}|${ctx.sha256}|${ctx.path}`;
  const since = new Date(now.getTime() - DEDUPE_WINDOW_MS).toISOString();
  const existing = alerts.findRecent(dedupeKey, since);
  if (existing) return { alert: alerts.bumpRepeat(existing.id, now.toISOString()), isNew: false };
  const alert = alerts.insert({
    id: newId('al'),
    time: nowIso(),
    severity: finding.rule.severity,
    ruleId: finding.rule.id,
    title: finding.rule.text.en.title,
    text: finding.rule.text,
    source: ctx.source,
    scanId: ctx.scanId,
    file: { path: ctx.path, sha256: ctx.sha256, size: ctx.size },
    detection: { engine: finding.rule.engine, signature: finding.signature },
    dedupeKey,
    process: ctx.process ?? null,
  });
  return { alert, isNew: true };
}

export function severityAtLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_ORDER.indexOf(severity) >= SEVERITY_ORDER.indexOf(threshold);
}

/** Whether an alert should interrupt the user (tray notification): new, and severe enough. */
export function shouldNotify(alert: Alert, isNew: boolean, threshold: Severity): boolean {
  return isNew && severityAtLeast(alert.severity, threshold);
}
