import type { Migration } from './types.js';

// Narrower telemetry rows for ingest speed (issue 3: 100,000 events/s). Schema 7 bound 24 values per event and
// SQLite kept a time index in order on every insert. Now:
// - The columns are what SQL filters, joins, indexes or counts on: time, kind, action, the entities, pid and
//   parent pid, executable and command line (full-text search reads them), and `extra` as before. Every field
//   that is only ever shown is one JSON array, `detail` (its slots and flags: events.ts). 11 values instead of
//   24; each bound value cost more than JSON.stringify spends on it (bare SQLite here: ~1.25x rows/s).
//   destination_ip/port go: they were copies, `extra` always held the whole destination.
// - The time index becomes a lookup table filled behind the watermark, like the entity ones (0009): keeping it
//   in order cost ~12 % of ingest, and SQLite only ever used it for windows with both ends (events.ts search).
//
// Existing rows are converted here, in SQL, keeping their ids, so the full-text index and the entity lookups
// stay as they are: schema 7's `present` bits are the first flags, unchanged; a 32-byte hash becomes hex again;
// args stay a JSON array.
export const migration: Migration = {
  version: 13,
  name: 'narrow-events',
  up(db) {
    db.exec(`
      CREATE TABLE events_v13 (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        kind TEXT NOT NULL,
        action TEXT NOT NULL,
        process_entity TEXT,
        process_pid INTEGER,
        parent_entity TEXT,
        process_executable TEXT,
        process_command_line TEXT,
        parent_pid INTEGER,
        detail TEXT NOT NULL,
        extra TEXT
      );
      INSERT INTO events_v13
      SELECT id, time, kind, action, process_entity, process_pid, parent_entity, process_executable, process_command_line, parent_pid,
        json_array(present, sequence, process_name,
          CASE WHEN json_valid(process_args) THEN json(process_args) ELSE process_args END,
          process_start, process_cwd,
          CASE typeof(process_hash) WHEN 'blob' THEN lower(hex(process_hash)) ELSE process_hash END,
          parent_executable, parent_command_line, user_id, user_name, group_id),
        extra
      FROM events ORDER BY id;
      DROP TABLE events;
      ALTER TABLE events_v13 RENAME TO events;
      CREATE TABLE events_by_time (time TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (time, id)) WITHOUT ROWID;
      INSERT INTO events_by_time (time, id)
        SELECT time, id FROM events WHERE id <= (SELECT indexed_upto FROM events_fts_state) ORDER BY 1, 2;
    `);
  },
};
