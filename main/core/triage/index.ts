// Triage: a finding becomes an alert, a repeat of the same thing merges into it, and only alerts at or
// above the user's threshold interrupt them.
import { SEVERITY_ORDER, type Alert, type Severity } from '../../../preload/contract/index.js';
import type { BehaviourFinding, Finding } from '../detect/index.js';
import type { AlertsRepo } from '../store/alerts.js';
import { newId, nowIso } from '../util/index.js';
import type { ExceptionSubject } from './exceptions.js';

export type { ExceptionSubject };

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

/** The first open alert with one of these dedupe keys seen within the window, counted once more; else null. */
function mergeRepeat(alerts: AlertsRepo, keys: readonly string[], now: Date): Alert | null {
  const since = new Date(now.getTime() - DEDUPE_WINDOW_MS).toISOString();
  for (const key of keys) {
    const existing = alerts.findRecent(key, since);
    if (existing) return alerts.bumpRepeat(existing.id, now.toISOString());
  }
  return null;
}

/** What exceptions look at for a file finding: the same fields raiseAlert stores. */
export function fileSubject(finding: Finding, ctx: FindingContext): ExceptionSubject {
  return { ruleId: finding.rule.id, file: { path: ctx.path, sha256: ctx.sha256, size: ctx.size }, process: ctx.process ?? null };
}

/** What exceptions look at for a behaviour finding: the same fields raiseBehaviourAlert stores. */
export function behaviourSubject(f: BehaviourFinding): ExceptionSubject {
  const p = f.event.process;
  const file = f.event.file ? { path: f.event.file.path, sha256: f.event.file.hash?.sha256 ?? null, size: f.event.file.size ?? null } : null;
  return { ruleId: f.ruleId, file, process: { pid: p.pid, entity_id: p.entity_id, executable: p.executable, command_line: p.command_line } };
}

export function raiseAlert(alerts: AlertsRepo, finding: Finding, ctx: FindingContext, now = new Date()): { alert: Alert; isNew: boolean } {
  const dedupeKey = `${finding.rule.id}|${ctx.sha256}|${ctx.path}`;
  const repeat = mergeRepeat(alerts, [dedupeKey], now);
  if (repeat) return { alert: repeat, isNew: false };
  const alert = alerts.insert({
    id: newId('al'),
    time: nowIso(),
    severity: finding.rule.severity,
    title: finding.rule.text.en.title,
    text: finding.rule.text,
    source: ctx.source,
    scanId: ctx.scanId,
    ...fileSubject(finding, ctx),
    detection: { engine: finding.rule.engine, signature: finding.signature },
    dedupeKey,
  });
  return { alert, isNew: true };
}

const MAX_EVENT_IDS = 50;

/**
 * A behaviour finding becomes an alert; the same rule on the same process entity (or on its parent or
 * grandparent, `ancestors`) within the window is one alert with a count.
 */
export function raiseBehaviourAlert(alerts: AlertsRepo, f: BehaviourFinding, now = new Date(), ancestors: readonly string[] = []): { alert: Alert; isNew: boolean } {
  const p = f.event.process;
  const dedupeKey = `${f.ruleId}|${p.entity_id ?? `pid:${p.pid}`}`;
  // The same rule on this process, or on its parent or grandparent: `sh -c 'bash -i >& /dev/tcp/...'` matches
  // in the shell and in the bash it starts, and that is one thing that happened, not two.
  const repeat = mergeRepeat(alerts, [dedupeKey, ...ancestors.map((e) => `${f.ruleId}|${e}`)], now);
  if (repeat) return { alert: repeat, isNew: false };
  const alert = alerts.insert({
    id: newId('al'),
    time: nowIso(),
    severity: f.severity,
    title: f.text.en.title,
    text: f.text,
    source: 'realtime',
    scanId: null,
    ...behaviourSubject(f),
    detection: { engine: 'sigma', signature: f.title },
    dedupeKey,
    attack: { techniques: f.techniques, tactics: f.tactics },
    eventIds: f.events.map((e) => e.id).filter((id) => id > 0).slice(0, MAX_EVENT_IDS),
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

export { groupIntoIncident, INCIDENT_TIME_WINDOW_MS, INCIDENT_TREE_WINDOW_MS } from './incidents.js';
export { planResponse, quarantineOnItsOwn, type AlertFacts, type PlannedAction, type ResponseCategory } from './policy.js';
export { dpkgFiles, exceptionMatches, exceptionProblem, type PackageFiles } from './exceptions.js';
