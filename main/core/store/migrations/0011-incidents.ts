import type { Migration } from './types.js';

// Incidents (issue 5 triage): alerts of one process tree, or close in time, grouped. Lists are JSON: an
// incident holds a handful of alerts, techniques and entities, and is read whole.
export const migration: Migration = {
  version: 11,
  name: 'incidents',
  up(db) {
    db.exec(`
      CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        time TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        severity TEXT NOT NULL,
        severity_rank INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        title TEXT NOT NULL,
        text_json TEXT NOT NULL,
        alert_ids_json TEXT NOT NULL,
        techniques_json TEXT NOT NULL,
        tactics_json TEXT NOT NULL,
        entities_json TEXT NOT NULL,
        root_entity TEXT
      );
      CREATE INDEX incidents_last_seen ON incidents(last_seen DESC);
      ALTER TABLE alerts ADD COLUMN incident_id TEXT;
    `);
  },
};
