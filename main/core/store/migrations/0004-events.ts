import type { Migration } from './types.js';

// Telemetry history. One row per event with the ECS fields people search and join on as columns; the
// whole ECS document in `doc`. Rows are appended in arrival order, so `id` doubles as the time order
// (newest first = id DESC, no index needed); every extra index costs ingest speed (measured: 5 indexes
// 52k events/s, these 3 about 70k). Command lines are full-text indexed (FTS5, external content: the
// index holds no second copy of the text; its column names match the table's so 'rebuild' works).
export const migration: Migration = {
  version: 4,
  name: 'events',
  up(db) {
    db.exec(`
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
        doc TEXT NOT NULL
      );
      CREATE INDEX events_time ON events(time);
      CREATE INDEX events_entity ON events(process_entity);
      CREATE INDEX events_parent ON events(parent_entity);
      CREATE VIRTUAL TABLE events_fts USING fts5(
        process_command_line, process_executable, content='events', content_rowid='id', tokenize='unicode61'
      );
    `);
  },
};
