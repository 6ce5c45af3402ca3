import type { Migration } from './types.js';

// Response actions (issue 6): every kill, suspend, isolation, address or hash block, with who, why, what it
// did and its undo. The action is read whole (body_json); the columns are what lists and the start-up
// reconciliation filter on. What is blocked or isolated now is derived from these rows, so it survives
// restarts with nothing else to keep in step.
export const migration: Migration = {
  version: 12,
  name: 'response-actions',
  up(db) {
    db.exec(`
      CREATE TABLE response_actions (
        id TEXT PRIMARY KEY,
        time TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        actor TEXT NOT NULL,
        alert_id TEXT,
        incident_id TEXT,
        decide_by TEXT,
        body_json TEXT NOT NULL
      );
      CREATE INDEX response_actions_time ON response_actions(time DESC);
      CREATE INDEX response_actions_alert ON response_actions(alert_id);
      CREATE INDEX response_actions_incident ON response_actions(incident_id);
      CREATE INDEX response_actions_status ON response_actions(status, kind);
    `);
  },
};
