import type { Migration } from './types.js';

// The process behind an alert (who wrote the file, who tried to run it), as its JSON: pid, entity id,
// executable, command line. Older alerts have none.
export const migration: Migration = {
  version: 8,
  name: 'alert-process',
  up(db) {
    db.exec('ALTER TABLE alerts ADD COLUMN process_json TEXT');
  },
};
