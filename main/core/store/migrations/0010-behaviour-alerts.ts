import type { Migration } from './types.js';

// Behaviour alerts (Sigma rules, issue 5): the ATT&CK techniques and tactics of the rule and the ids of the
// telemetry events that matched, as JSON ({ attack, eventIds }). File alerts have none.
export const migration: Migration = {
  version: 10,
  name: 'behaviour-alerts',
  up(db) {
    db.exec('ALTER TABLE alerts ADD COLUMN behaviour_json TEXT');
  },
};
