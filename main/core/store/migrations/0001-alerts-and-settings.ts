import type { Migration } from './types.js';

export const migration: Migration = {
  version: 1,
  name: 'alerts-and-settings',
  up(db) {
    db.exec(`
      CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        time TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        count INTEGER NOT NULL DEFAULT 1,
        severity TEXT NOT NULL,
        severity_rank INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        rule_id TEXT NOT NULL,
        title TEXT NOT NULL,
        text_json TEXT NOT NULL,
        source TEXT NOT NULL,
        scan_id TEXT,
        file_path TEXT,
        file_sha256 TEXT,
        file_size INTEGER,
        engine TEXT NOT NULL,
        signature TEXT NOT NULL,
        dedupe_key TEXT NOT NULL
      );
      CREATE INDEX alerts_time ON alerts(time DESC);
      CREATE INDEX alerts_dedupe ON alerts(dedupe_key, last_seen);
      CREATE TABLE actions (
        id TEXT PRIMARY KEY,
        alert_id TEXT REFERENCES alerts(id),
        time TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        actor TEXT NOT NULL,
        quarantine_id TEXT,
        error TEXT
      );
      CREATE INDEX actions_alert ON actions(alert_id);
      CREATE INDEX actions_quarantine ON actions(quarantine_id);
    `);
  },
};
