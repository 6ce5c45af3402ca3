// Alerts -> incidents in a real store: one process tree is one incident (however far apart in time, within
// half an hour), unrelated alerts close in time are one incident, others start their own; the incident
// reads like its most severe alert and gathers every ATT&CK technique.
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert, Severity } from '../../../../preload/contract/index.js';
import { openStore, type Store } from '../../../../main/core/store/index.js';
import { groupIntoIncident, INCIDENT_TIME_WINDOW_MS } from '../../../../main/core/triage/index.js';
import { tempDirs } from '../../../helpers/temp.js';

const dirs = tempDirs();
const stores: Store[] = [];
afterEach(() => { for (const s of stores.splice(0)) s.close(); dirs.cleanup(); });

let n = 0;
function alertAt(store: Store, at: Date, severity: Severity, technique: string): Alert {
  const text = { title: `${severity} ${technique}`, summary: 's', advice: [] };
  return store.alerts.insert({
    id: `al_${++n}`, time: at.toISOString(), severity, ruleId: `r${n}`, title: text.title, text: { en: text, ja: text }, source: 'realtime',
    scanId: null, file: null, detection: { engine: 'sigma', signature: 'x' }, dedupeKey: `k${n}`, process: null,
    attack: { techniques: [technique], tactics: ['execution'] },
  });
}

describe('incidents', () => {
  it('group one process tree, and alerts close in time; keep the rest apart', () => {
    const store = openStore(dirs.make(), { language: 'auto', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' }, () => undefined);
    stores.push(store);
    const t0 = new Date('2026-11-26T10:00:00Z');
    const at = (min: number) => new Date(t0.getTime() + min * 60_000);
    // A shell (200-1) runs curl (300-1); 20 minutes later the shell's other child (301-1) raises a critical alert.
    const a = groupIntoIncident(store, alertAt(store, at(0), 'medium', 'T1105'), ['300-1', '200-1'], at(0));
    const b = groupIntoIncident(store, alertAt(store, at(20), 'critical', 'T1059.004'), ['301-1', '200-1', '100-1'], at(20));
    expect(b.id).toBe(a.id);
    expect(b).toMatchObject({ severity: 'critical', title: 'critical T1059.004', techniques: ['T1105', 'T1059.004'], rootEntity: '200-1' });
    expect(b.alertIds).toHaveLength(2);
    expect(store.alerts.get(b.alertIds[1]!)?.incidentId).toBe(a.id);
    // Another tree, 5 minutes later: a new incident. One more, 1 minute after that, unrelated: joins it by time.
    const c = groupIntoIncident(store, alertAt(store, at(25), 'low', 'T1082'), ['900-1'], at(25));
    expect(c.id).not.toBe(a.id);
    const d = groupIntoIncident(store, alertAt(store, at(25 + (INCIDENT_TIME_WINDOW_MS / 60_000) / 2), 'low', 'T1033'), ['950-1'], at(26));
    expect(d.id).toBe(c.id);
    // A resolved incident takes nothing more; the same tree starts a new one.
    store.incidents.setStatus(a.id, 'resolved');
    const e = groupIntoIncident(store, alertAt(store, at(40), 'high', 'T1070.003'), ['302-1', '200-1'], at(40));
    expect(e.id).not.toBe(a.id);
    expect(store.incidents.list({ limit: 10, status: 'all' }).map((i) => i.id)).toEqual([e.id, c.id, a.id]);
  });
});
