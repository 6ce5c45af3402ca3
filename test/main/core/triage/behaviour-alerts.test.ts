// Behaviour findings -> alerts in a real store: one alert per rule and process entity in the window, with a
// count; another process, or the same one after the window, is a new alert.
import { afterEach, describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../../../preload/contract/index.js';
import type { BehaviourFinding } from '../../../../main/core/detect/index.js';
import { openStore, type Store } from '../../../../main/core/store/index.js';
import { DEDUPE_WINDOW_MS, raiseBehaviourAlert } from '../../../../main/core/triage/index.js';
import { tempDirs } from '../../../helpers/temp.js';

const dirs = tempDirs();
const stores: Store[] = [];
afterEach(() => { for (const s of stores.splice(0)) s.close(); dirs.cleanup(); });

function finding(entity: string, id: number): BehaviourFinding {
  const event = {
    id, '@timestamp': '2026-11-26T00:00:00.000Z', event: { kind: 'process', action: 'exec', sequence: 1 },
    process: { entity_id: entity, pid: Number(entity.split('-')[0]), name: 'id', executable: '/usr/bin/id', command_line: 'id', args: ['id'], parent: null },
    user: { id: 0, name: 'root' },
  } as TelemetryEvent;
  const text = { title: 'Discovery', summary: 'x', advice: ['y'] };
  return { ruleId: 'mamori.test', severity: 'low', title: 'Discovery', text: { en: text, ja: text }, techniques: ['T1033'], tactics: ['discovery'], event, events: [event] };
}

describe('behaviour alerts', () => {
  it('merge repeats of one rule on one process entity, and keep other processes and later repeats apart', () => {
    const store = openStore(dirs.make(), { language: 'auto', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' }, () => undefined);
    stores.push(store);
    const t0 = new Date('2026-11-26T00:00:00Z');
    const a = raiseBehaviourAlert(store.alerts, finding('10-1', 1), t0);
    const again = raiseBehaviourAlert(store.alerts, finding('10-1', 2), new Date(t0.getTime() + 1000));
    expect(a.isNew).toBe(true);
    expect(again).toMatchObject({ isNew: false, alert: { id: a.alert.id, count: 2 } });
    expect(raiseBehaviourAlert(store.alerts, finding('11-1', 3), t0).isNew).toBe(true);
    expect(raiseBehaviourAlert(store.alerts, finding('10-1', 4), new Date(t0.getTime() + DEDUPE_WINDOW_MS + 2000)).isNew).toBe(true);
    const stored = store.alerts.get(a.alert.id)!;
    expect(stored).toMatchObject({ attack: { techniques: ['T1033'], tactics: ['discovery'] }, eventIds: [1], process: { entity_id: '10-1' } });
  });

  it('merge the same rule on a child or grandchild into the ancestor\'s alert (sh -c then the bash it starts)', () => {
    const store = openStore(dirs.make(), { language: 'auto', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' }, () => undefined);
    stores.push(store);
    const t0 = new Date('2026-11-26T00:00:00Z');
    const shell = raiseBehaviourAlert(store.alerts, finding('20-1', 1), t0);
    const child = raiseBehaviourAlert(store.alerts, finding('21-1', 2), t0, ['20-1', '1-1']);
    const grandchild = raiseBehaviourAlert(store.alerts, finding('22-1', 3), t0, ['21-1', '20-1']);
    expect(child).toMatchObject({ isNew: false, alert: { id: shell.alert.id } });
    expect(grandchild).toMatchObject({ isNew: false, alert: { id: shell.alert.id, count: 3 } });
    // A sibling is not a descendant: its own alert.
    expect(raiseBehaviourAlert(store.alerts, finding('23-1', 4), t0, ['19-1']).isNew).toBe(true);
  });
});
