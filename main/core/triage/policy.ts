// What the response policy says to do about an alert: which actions, each to do now, to ask about, or only to
// record. Pure: the engine carries the plan out through the Responder.
import type { Alert, ResponseAction, ResponseKind, ResponseMode, ResponsePolicy } from '../../../preload/contract/index.js';

export type ResponseCategory = 'file' | 'process' | 'network';

export interface PlannedAction {
  kind: ResponseKind;
  category: ResponseCategory;
  mode: ResponseMode;
  target: ResponseAction['target'];
}

/** Facts about an alert that are not in the alert itself (found in its events by the engine). */
export interface AlertFacts {
  /** A remote address one of its events connected to (not loopback). */
  remoteAddress: string | null;
}

const NETWORK_MIN_FOR_ISOLATION = new Set(['critical', 'high']);

export function planResponse(alert: Alert, policy: ResponsePolicy, facts: AlertFacts): PlannedAction[] {
  const modes = policy.bySeverity[alert.severity];
  const mode = (c: ResponseCategory): ResponseMode => (policy.enabled ? modes[c] : 'record');
  const out: PlannedAction[] = [];
  const p = alert.process;
  // A behaviour alert is about what a process does: stop that process and what it started. (A bad file's
  // writer is often innocent, a browser or an unzip, so file alerts do not kill.)
  if (alert.detection.engine === 'sigma' && p?.entity_id && !/-t\d+$/.test(p.entity_id)) {
    out.push({ kind: 'kill', category: 'process', mode: mode('process'), target: { entityId: p.entity_id, executable: p.executable, commandLine: p.command_line } });
  }
  if (alert.detection.engine !== 'sigma' && alert.file?.sha256) {
    // File alerts quarantine through the engine's own path (autoQuarantine); "ask" becomes a question here.
    if (mode('file') === 'ask') out.push({ kind: 'quarantine', category: 'file', mode: 'ask', target: { path: alert.file.path, sha256: alert.file.sha256 } });
  }
  if (facts.remoteAddress) out.push({ kind: 'block_ip', category: 'network', mode: mode('network'), target: { address: facts.remoteAddress } });
  // Isolation is for an attack under way (behaviour), not for a bad file sitting on disk: that is quarantined.
  if (alert.detection.engine === 'sigma' && NETWORK_MIN_FOR_ISOLATION.has(alert.severity)) {
    out.push({ kind: 'isolate', category: 'network', mode: mode('network'), target: { allow: [...policy.isolationAllow] } });
  }
  return out;
}

/** Whether the policy lets the engine quarantine a bad file on its own. */
export function quarantineOnItsOwn(alert: Pick<Alert, 'severity'>, policy: ResponsePolicy): boolean {
  return policy.enabled && policy.bySeverity[alert.severity].file === 'act';
}
