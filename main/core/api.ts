// Implements every method of the contract on top of the engine. Inputs arrive validated and defaulted.
import { MamoriError, type MamoriImpl } from '../../preload/contract/index.js';
import type { Engine } from './engine.js';
import { processTree } from './store/index.js';
import { exceptionMatches, exceptionProblem } from './triage/index.js';
import { newId, nowIso } from './util/index.js';

/** How many recent alerts an exception preview looks through. */
const PREVIEW_ALERTS = 1000;

export function createApi(engine: Engine): MamoriImpl {
  const { store } = engine;
  return {
    getStatus: () => engine.status(),
    listAlerts: (input) => store.alerts.list(input),
    getAlert: ({ id }) => {
      const alert = store.alerts.get(id);
      if (!alert) throw new MamoriError('NOT_FOUND', `no alert with id ${id}`);
      return alert;
    },
    listIncidents: ({ limit, status }) => ({ items: store.incidents.list({ limit, status }) }),
    getIncident: ({ id }) => {
      const incident = store.incidents.get(id);
      if (!incident) throw new MamoriError('NOT_FOUND', `no incident with id ${id}`);
      const alerts = incident.alertIds.map((a) => store.alerts.get(a)).filter((a): a is NonNullable<typeof a> => a !== null);
      // The timeline: the events behind the alerts, and what their processes did around them.
      const ids = [...new Set(alerts.flatMap((a) => a.eventIds ?? []))].slice(0, 500);
      return { incident, alerts, timeline: store.events.byIds(ids) };
    },
    setIncidentStatus: ({ id, status }) => {
      const incident = store.incidents.setStatus(id, status);
      if (!incident) throw new MamoriError('NOT_FOUND', `no incident with id ${id}`);
      store.alerts.setStatusOfIncident(id, status);
      engine.emitStatus();
      return incident;
    },
    setAlertStatus: ({ id, status }) => {
      const alert = store.alerts.setStatus(id, status);
      if (!alert) throw new MamoriError('NOT_FOUND', `no alert with id ${id}`);
      engine.emitStatus();
      return alert;
    },
    listQuarantine: ({ includeInactive }) => ({ items: store.quarantine.list(includeInactive) }),
    restoreQuarantine: ({ id, onConflict }) => engine.restore(id, onConflict),
    deleteQuarantine: ({ id }) => engine.deleteQuarantined(id),
    startScan: ({ paths, profile, trigger }) => ({ scan: profile ? engine.startProfileScan(profile, trigger) : engine.startScan(paths!, trigger) }),
    getScanSchedule: () => engine.scanSchedule(),
    getYaraRules: () => engine.content.status(),
    getSigmaRules: () => engine.behaviour.status(),
    cancelScan: ({ id }) => ({ scan: engine.cancelScan(id) }),
    getScan: ({ id }) => engine.getScan(id),
    listScans: ({ limit }) => ({ items: store.scans.list(limit) }),
    pauseProtection: async ({ minutes }) => { await engine.pause(minutes); return engine.status(); },
    resumeProtection: async () => { await engine.resume(); return engine.status(); },
    getSettings: () => store.settings.get(),
    updateSettings: (patch) => engine.applySettings(patch),
    importHashList: ({ name, text }) => engine.importHashList(name, text),
    importSignatures: ({ fileName, text, name }) => engine.importSignatures(fileName, text, name),
    listSignatures: () => engine.listSignatures(),
    removeSignatureList: ({ name }) => engine.removeSignatureList(name),
    searchEvents: (query) => store.events.search(query),
    respond: async ({ kind, entityId, address, allow, sha256, alertId, reason }) => {
      const alert = alertId ? store.alerts.get(alertId) : null;
      if (alertId && !alert) throw new MamoriError('NOT_FOUND', `no alert with id ${alertId}`);
      const target = kind === 'isolate' ? { allow: allow ?? store.settings.get().responsePolicy.isolationAllow }
        : entityId ? { entityId } : address ? { address } : sha256 ? { sha256 } : {};
      return engine.response.request({ kind, target, reason: reason ?? (alert ? alert.title : 'asked by the user'), alertId: alert?.id ?? null, incidentId: alert?.incidentId ?? null });
    },
    listActions: ({ limit, alertId, incidentId, status }) => ({ items: store.actions.list({ limit, alertId, incidentId, status }) }),
    getAction: ({ id }) => {
      const action = store.actions.get(id);
      if (!action) throw new MamoriError('NOT_FOUND', `no action with id ${id}`);
      return action;
    },
    undoAction: ({ id }) => engine.response.undo(id),
    decideAction: ({ id, approve }) => engine.response.decide(id, approve),
    getNetworkState: () => engine.response.responder.networkState(),
    previewException: ({ kind, value }) => {
      const problem = exceptionProblem({ kind, value });
      if (problem) throw new MamoriError('BAD_INPUT', problem);
      const recent = store.alerts.list({ limit: PREVIEW_ALERTS, offset: 0, status: 'all' }).items;
      const hits = recent.filter((a) => exceptionMatches({ kind, value }, a));
      return { alerts: hits.slice(0, 200), total: hits.length, checked: recent.length };
    },
    addException: async ({ kind, value, note, fromAlertId }) => {
      const problem = exceptionProblem({ kind, value });
      if (problem) throw new MamoriError('BAD_INPUT', problem);
      const ex = { id: newId('ex'), kind, value: value.trim(), note: note ?? '', createdAt: nowIso(), fromAlertId: fromAlertId ?? null };
      await engine.applySettings({ exceptions: [...store.settings.get().exceptions, ex] });
      return ex;
    },
    removeException: async ({ id }) => {
      const list = store.settings.get().exceptions;
      if (!list.some((e) => e.id === id)) throw new MamoriError('NOT_FOUND', `no exception with id ${id}`);
      await engine.applySettings({ exceptions: list.filter((e) => e.id !== id) });
      return { removed: id };
    },
    processTree: ({ ref }) => {
      const tree = processTree(store.events, ref);
      if (!tree) throw new MamoriError('NOT_FOUND', `no process ${ref} in the history`);
      return tree;
    },
  };
}
