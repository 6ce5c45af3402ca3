// Grouping alerts into incidents, as a managed service would: an alert joins an open incident that involves
// the same process tree (its process, parent or grandparent is already part of it) within half an hour, or,
// failing that, one with activity in the last two minutes (separate steps of one attack often run from
// different shells). Otherwise it starts a new incident. The incident reads like its most severe alert.
import { SEVERITY_ORDER, type Alert, type Incident } from '../../../preload/contract/index.js';
import type { Store } from '../store/index.js';
import { newId } from '../util/index.js';

export const INCIDENT_TREE_WINDOW_MS = 30 * 60 * 1000;
export const INCIDENT_TIME_WINDOW_MS = 2 * 60 * 1000;
const MAX_ENTITIES = 200;

/**
 * Puts a new alert into an incident. `lineage`: the alert's process entity first, then its parent and
 * grandparent (what the sensors know), without the machine's own roots (pid 1) that every process shares.
 */
export function groupIntoIncident(store: Pick<Store, 'alerts' | 'incidents'>, alert: Alert, lineage: string[], now = new Date()): Incident {
  const open = store.incidents.openSince(new Date(now.getTime() - INCIDENT_TREE_WINDOW_MS).toISOString());
  const sameTree = lineage.length ? open.find((i) => lineage.some((e) => i.entities.includes(e))) : undefined;
  const recent = open.find((i) => Date.parse(i.lastSeen) >= now.getTime() - INCIDENT_TIME_WINDOW_MS);
  const target = sameTree ?? recent;
  const incident: Incident = target ?? {
    id: newId('inc'), time: alert.time, lastSeen: alert.time, severity: alert.severity, status: 'open', title: alert.title, text: alert.text,
    alertIds: [], techniques: [], tactics: [], entities: [], rootEntity: null,
  };
  if (!incident.alertIds.includes(alert.id)) incident.alertIds.push(alert.id);
  if (alert.lastSeen > incident.lastSeen) incident.lastSeen = alert.lastSeen;
  if (SEVERITY_ORDER.indexOf(alert.severity) > SEVERITY_ORDER.indexOf(incident.severity)) {
    incident.severity = alert.severity;
    incident.title = alert.title;
    incident.text = alert.text;
  }
  for (const t of alert.attack?.techniques ?? []) if (!incident.techniques.includes(t)) incident.techniques.push(t);
  for (const t of alert.attack?.tactics ?? []) if (!incident.tactics.includes(t)) incident.tactics.push(t);
  for (const e of lineage) if (!incident.entities.includes(e) && incident.entities.length < MAX_ENTITIES) incident.entities.push(e);
  // The oldest known ancestor of the first alert's process: where the tree view starts.
  incident.rootEntity ??= lineage[lineage.length - 1] ?? null;
  store.incidents.save(incident);
  store.alerts.setIncident(alert.id, incident.id);
  return incident;
}
