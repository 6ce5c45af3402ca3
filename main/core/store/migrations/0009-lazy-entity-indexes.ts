import type { Migration } from './types.js';

// Process-entity lookups move from SQLite indexes on `events` to two tables the indexer fills behind the same
// watermark as the full-text index (events_fts_state.indexed_upto). Entity ids are random keys: keeping two
// B-trees in order on every insert cost about 40 % of ingest (issue 3: 100,000 events/s), while filling them
// a slice at a time, sorted, is cheap. Readers take the indexed rows from these tables and scan the few rows
// above the watermark (events.ts). The time index stays: times arrive in order, so it only ever appends.
//
//   events_by_entity  (entity, id)  every event, for byEntity() and entityForPid()
//   events_by_parent  (parent, id)  process events with a parent, for childEntities()
export const migration: Migration = {
  version: 9,
  name: 'lazy-entity-indexes',
  up(db) {
    db.exec(`
      DROP INDEX events_entity;
      DROP INDEX events_parent;
      CREATE TABLE events_by_entity (entity TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (entity, id)) WITHOUT ROWID;
      CREATE TABLE events_by_parent (parent TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (parent, id)) WITHOUT ROWID;
      INSERT INTO events_by_entity (entity, id)
        SELECT process_entity, id FROM events
        WHERE id <= (SELECT indexed_upto FROM events_fts_state) AND process_entity IS NOT NULL ORDER BY 1, 2;
      INSERT INTO events_by_parent (parent, id)
        SELECT parent_entity, id FROM events
        WHERE id <= (SELECT indexed_upto FROM events_fts_state) AND kind = 'process' AND parent_entity IS NOT NULL ORDER BY 1, 2;
    `);
  },
};
