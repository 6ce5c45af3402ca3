import type { Migration } from './types.js';

// Which kind of scan each was (the scheduler asks "when did the last quick scan start?"). Earlier scans were
// all scans of chosen paths.
export const migration: Migration = {
  version: 6,
  name: 'scan-profiles',
  up(db) {
    db.exec(`
      ALTER TABLE scans ADD COLUMN profile TEXT NOT NULL DEFAULT 'custom';
      CREATE INDEX scans_profile ON scans(profile, started_at);
    `);
  },
};
