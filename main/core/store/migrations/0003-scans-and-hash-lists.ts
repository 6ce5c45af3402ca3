import type { Migration } from './types.js';

export const migration: Migration = {
  version: 3,
  name: 'scans-and-hash-lists',
  up(db) {
    db.exec(`
      CREATE TABLE scans (
        id TEXT PRIMARY KEY,
        paths_json TEXT NOT NULL,
        trigger TEXT NOT NULL,
        state TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        files INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        findings INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        error_samples_json TEXT NOT NULL DEFAULT '[]',
        alert_ids_json TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX scans_started ON scans(started_at DESC);
      CREATE TABLE hash_lists (name TEXT PRIMARY KEY, imported_at TEXT NOT NULL, count INTEGER NOT NULL);
      CREATE TABLE hash_signatures (
        sha256 TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        list TEXT NOT NULL REFERENCES hash_lists(name)
      );
    `);
  },
};
