import type { Migration } from './types.js';

// Telemetry storage reshaped for ingest speed (issue 3: 100,000 events/s). Schema 4 kept the whole ECS
// document as JSON next to the columns: building it and writing twice the bytes cost more than the insert.
// Now every field a process event has is a column (no key names, no second copy of the command line) and
// only rarer fields (syscall, network, source, destination, libraries, ...) go to `extra`, a JSON object
// the reader merges back; `present` tells "absent" from "null" for the optional fields kept in columns.
// The full-text index is filled after the insert, up to events_fts_state.indexed_upto (see events.ts).
// Indexes: time (filters, retention by age), entity (byEntity, entityForPid), parent only over process
// events (childEntities).
//
// Existing rows are converted here, in SQL, from their v4 `doc`, and indexed. The page size of an existing
// database stays as it is (changing it in WAL mode needs a VACUUM that rewrites the whole file at start-up);
// new databases get 16 KiB pages (open.ts).
export const migration: Migration = {
  version: 7,
  name: 'compact-events',
  up(db) {
    db.exec(`
      DROP TABLE events_fts;
      ALTER TABLE events RENAME TO events_v4;
      DROP INDEX events_time;
      DROP INDEX events_entity;
      DROP INDEX events_parent;
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        kind TEXT NOT NULL,
        action TEXT NOT NULL,
        process_entity TEXT,
        process_pid INTEGER,
        parent_entity TEXT,
        process_executable TEXT,
        process_command_line TEXT,
        user_name TEXT,
        destination_ip TEXT,
        destination_port INTEGER,
        sequence INTEGER,
        process_name TEXT,
        process_args TEXT,
        process_start TEXT,
        process_cwd TEXT,
        process_hash TEXT,
        parent_pid INTEGER,
        parent_executable TEXT,
        parent_command_line TEXT,
        user_id INTEGER,
        group_id INTEGER,
        present INTEGER NOT NULL DEFAULT 0,
        extra TEXT
      );
      INSERT INTO events
      SELECT id, time, kind, action, process_entity, process_pid, parent_entity, process_executable, process_command_line, user_name,
        destination_ip, destination_port, sequence, process_name, process_args, process_start, process_cwd, process_hash, parent_pid,
        parent_executable, parent_command_line, user_id, group_id, present,
        CASE WHEN (SELECT count(*) FROM json_tree(rest) WHERE type != 'object') = 0 THEN NULL ELSE rest END
      FROM (SELECT *,
        json_extract(doc, '$.event.sequence') AS sequence,
        json_extract(doc, '$.process.name') AS process_name,
        json_extract(doc, '$.process.args') AS process_args,
        json_extract(doc, '$.process.start') AS process_start,
        json_extract(doc, '$.process.working_directory') AS process_cwd,
        json_extract(doc, '$.process.hash.sha256') AS process_hash,
        json_extract(doc, '$.process.parent.pid') AS parent_pid,
        json_extract(doc, '$.process.parent.executable') AS parent_executable,
        json_extract(doc, '$.process.parent.command_line') AS parent_command_line,
        json_extract(doc, '$.user.id') AS user_id,
        json_extract(doc, '$.group.id') AS group_id,
        (json_type(doc, '$.process.start') IS NOT NULL)
          | ((json_type(doc, '$.process.working_directory') IS NOT NULL) << 1)
          | ((json_type(doc, '$.process.hash') IS NOT NULL) << 2)
          | ((json_type(doc, '$.group') IS NOT NULL) << 3) AS present,
        json_remove(doc, '$."@timestamp"', '$.event.kind', '$.event.action', '$.event.sequence', '$.process.entity_id', '$.process.pid',
          '$.process.name', '$.process.executable', '$.process.command_line', '$.process.args', '$.process.parent', '$.process.start',
          '$.process.working_directory', '$.process.hash', '$.user.id', '$.user.name', '$.group') AS rest
        FROM events_v4)
      ORDER BY id;
      DROP TABLE events_v4;
      CREATE INDEX events_time ON events(time);
      CREATE INDEX events_entity ON events(process_entity);
      CREATE INDEX events_parent ON events(parent_entity) WHERE kind = 'process';
      CREATE VIRTUAL TABLE events_fts USING fts5(
        process_command_line, process_executable, content='events', content_rowid='id', tokenize='unicode61'
      );
      CREATE TABLE events_fts_state (indexed_upto INTEGER NOT NULL);
      INSERT INTO events_fts (rowid, process_command_line, process_executable)
        SELECT id, process_command_line, process_executable FROM events
        WHERE process_command_line IS NOT NULL OR process_executable IS NOT NULL;
      INSERT INTO events_fts_state (indexed_upto) SELECT coalesce(max(id), 0) FROM events;
    `);
  },
};
