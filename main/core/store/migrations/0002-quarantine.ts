import type { Migration } from './types.js';

// The vault's index. The vault files carry their own metadata too, so this table can be rebuilt.
// `pending` is the journal of an operation in flight (e.g. a restore's temp path) for crash recovery.
export const migration: Migration = {
  version: 2,
  name: 'quarantine',
  up(db) {
    db.exec(`
      CREATE TABLE quarantine (
        id TEXT PRIMARY KEY,
        time TEXT NOT NULL,
        state TEXT NOT NULL,
        original_path TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        mode INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        gid INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        rule_id TEXT NOT NULL,
        signature TEXT NOT NULL,
        alert_id TEXT,
        restored_path TEXT,
        changed_at TEXT,
        pending TEXT
      );
      CREATE INDEX quarantine_state ON quarantine(state, time DESC);
      CREATE INDEX quarantine_sha256 ON quarantine(sha256);
    `);
  },
};
