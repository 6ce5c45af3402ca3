// Implements every method of the contract on top of the engine. Inputs arrive validated and defaulted.
import { MamoriError, type MamoriImpl } from '../../preload/contract/index.js';
import type { Engine } from './engine.js';
import { processTree } from './store/index.js';

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
    processTree: ({ ref }) => {
      const tree = processTree(store.events, ref);
      if (!tree) throw new MamoriError('NOT_FOUND', `no process ${ref} in the history`);
      return tree;
    },
  };
}
