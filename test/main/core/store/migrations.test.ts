import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE, LATEST_VERSION, migrate, migrations, openStore, SchemaTooNewError, type NewEvent } from '../../../../main/core/store/index.js';
import type { SettingsInput } from '../../../../preload/contract/index.js';
import { tempDirs } from '../../../helpers/temp.js';
import { asStored, richEvents } from './rich-events.js';
import { insertV12 } from './v12-rows.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
const columns = (db: Database.Database, table: string) =>
  (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((r) => r.name);

/** One alert as every schema since 1 stores it (the columns 0001 made). */
function insertFileAlert(db: Database.Database) {
  db.prepare(`INSERT INTO alerts (id, time, last_seen, severity, severity_rank, rule_id, title, text_json, source, engine, signature, dedupe_key)
    VALUES ('al_1', 't', 't', 'high', 3, 'r', 'x', '{}', 'scan', 'hash', 's', 'k')`).run();
}

function freshDb() {
  return new Database(join(dirs.make(), 'm.db'));
}

describe('migrations', () => {
  it('are numbered 1..N without gaps, one per file', () => {
    expect(migrations.map((m) => m.version)).toEqual(Array.from({ length: LATEST_VERSION }, (_, i) => i + 1));
  });

  it('0001 creates settings, alerts and actions and sets user_version 1', () => {
    const db = freshDb();
    expect(migrate(db, 1)).toBe(1);
    expect(tables(db)).toEqual(['actions', 'alerts', 'settings']);
    expect(columns(db, 'alerts')).toEqual(expect.arrayContaining(['id', 'severity', 'rule_id', 'file_sha256', 'dedupe_key']));
    db.close();
  });

  it('0002 adds the quarantine index with its crash journal column, keeping alerts', () => {
    const db = freshDb();
    migrate(db, 1);
    db.prepare("INSERT INTO settings (key, value) VALUES ('language', '\"ja\"')").run();
    expect(migrate(db, 2)).toBe(2);
    expect(tables(db)).toContain('quarantine');
    expect(columns(db, 'quarantine')).toEqual(expect.arrayContaining(['original_path', 'sha256', 'mode', 'mtime_ms', 'pending']));
    expect(db.prepare('SELECT value FROM settings').get()).toEqual({ value: '"ja"' });
    db.close();
  });

  it('0003 adds scan history and hash lists', () => {
    const db = freshDb();
    migrate(db, 2);
    expect(migrate(db, 3)).toBe(3);
    expect(tables(db)).toEqual(expect.arrayContaining(['scans', 'hash_lists', 'hash_signatures']));
    expect(columns(db, 'scans')).toEqual(expect.arrayContaining(['files', 'bytes', 'findings', 'errors', 'error_samples_json']));
    db.close();
  });

  it('0005 turns the SHA-256 lists into signature lists of any hash, keeping every imported list', () => {
    const db = freshDb();
    migrate(db, 4);
    db.prepare("INSERT INTO hash_lists (name, imported_at, count) VALUES ('office', '2026-01-01T00:00:00.000Z', 1)").run();
    db.prepare(`INSERT INTO hash_signatures (sha256, name, list) VALUES ('${'a'.repeat(64)}', 'Evil', 'office')`).run();
    expect(migrate(db, 5)).toBe(5);
    expect(tables(db)).not.toContain('hash_signatures');
    expect(db.prepare('SELECT name, format, count FROM signature_lists').all()).toEqual([{ name: 'office', format: 'hash-list', count: 1 }]);
    expect(db.prepare('SELECT algo, hash, size, name, list FROM signatures').all())
      .toEqual([{ algo: 'sha256', hash: 'a'.repeat(64), size: null, name: 'Evil', list: 'office' }]);
    db.close();
  });

  it('0004 adds the event history with a full-text index on command lines', () => {
    const db = freshDb();
    migrate(db, 3);
    db.prepare("INSERT INTO scans (id, paths_json, trigger, state, started_at) VALUES ('s1', '[]', 'user', 'completed', 'x')").run();
    expect(migrate(db, 4)).toBe(4);
    expect(tables(db)).toEqual(expect.arrayContaining(['events', 'events_fts']));
    expect(columns(db, 'events')).toEqual(expect.arrayContaining(['time', 'kind', 'process_entity', 'parent_entity', 'process_command_line', 'doc']));
    db.prepare("INSERT INTO events (time, kind, action, process_command_line, doc) VALUES ('t', 'process', 'exec', 'curl http://x', '{}')").run();
    db.prepare("INSERT INTO events_fts (rowid, process_command_line, process_executable) VALUES (1, 'curl http://x', '/usr/bin/curl')").run();
    expect(db.prepare("SELECT rowid FROM events_fts WHERE events_fts MATCH '\"curl\"*'").all()).toEqual([{ rowid: 1 }]);
    expect(db.prepare('SELECT count(*) AS n FROM scans').get()).toEqual({ n: 1 });
    db.close();
  });

  it('0007 keeps every v4 event: same fields back, found by text (indexed) and by entity, full-text index exact', () => {
    const dir = dirs.make();
    const db = new Database(join(dir, DB_FILE));
    migrate(db, 4);
    // What schema 4's insertBatch wrote: columns, the whole document, and an FTS row when there was text.
    const insert = db.prepare(`INSERT INTO events (time, kind, action, process_entity, process_pid, parent_entity, process_executable,
      process_command_line, user_name, destination_ip, destination_port, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const fts = db.prepare('INSERT INTO events_fts (rowid, process_command_line, process_executable) VALUES (?, ?, ?)');
    const v4 = (e: NewEvent) => {
      const p = e.process;
      const { lastInsertRowid } = insert.run(e['@timestamp'], e.event.kind, e.event.action, p.entity_id, p.pid, p.parent?.entity_id ?? null,
        p.executable, p.command_line, e.user.name, e.destination?.ip ?? null, e.destination?.port ?? null, JSON.stringify(e));
      if (p.command_line || p.executable) fts.run(lastInsertRowid, p.command_line, p.executable);
    };
    db.transaction(() => richEvents.forEach(v4))();
    db.close();

    const store = openStore(dir, { language: 'auto', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' }, () => undefined);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      expect(columns(store.db, 'events')).not.toContain('doc');
      const want = richEvents.map((e, i) => asStored(e, i + 1));
      expect(store.events.search({ limit: 100, offset: 0 }).items.reverse()).toStrictEqual(want);
      expect(store.events.indexedUpTo()).toBe(richEvents.length); // indexed during the migration, not left to search in JS
      expect(store.events.search({ text: 'naive', limit: 10, offset: 0 }).items).toStrictEqual([want[0]]);
      expect(store.events.search({ text: 'python3', kind: 'syscall', limit: 10, offset: 0 }).items.map((e) => e.id)).toEqual([4]);
      expect(store.events.byEntity('4242-777')).toHaveLength(6);
      expect(() => store.db.prepare("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')").run()).not.toThrow();
      // New events go on after the migrated ones.
      store.events.insertBatch([richEvents[1]!]);
      expect(store.events.search({ kind: 'network', limit: 10, offset: 0 }).items.map((e) => e.id)).toEqual([richEvents.length + 1, 3, 2]);
    } finally {
      store.close();
    }
  });

  it('0007 on an empty v4 event table', () => {
    const db = freshDb();
    migrate(db, 4);
    expect(migrate(db, 7)).toBe(7);
    expect(tables(db)).toEqual(expect.arrayContaining(['events', 'events_fts', 'events_fts_state']));
    expect(db.prepare('SELECT indexed_upto FROM events_fts_state').all()).toEqual([{ indexed_upto: 0 }]);
    db.close();
  });

  it('0008 lets an alert name the process that wrote the file, keeping the alerts there are', () => {
    const db = freshDb();
    migrate(db, 7);
    expect(columns(db, 'alerts')).not.toContain('process_json');
    expect(migrate(db, 8)).toBe(8);
    expect(columns(db, 'alerts')).toContain('process_json');
    db.close();
  });

  it('0009 moves entity lookups to tables behind the index watermark: the same answers, indexed rows only', () => {
    const dir = dirs.make();
    const db = new Database(join(dir, DB_FILE));
    migrate(db, 8);
    db.prepare(`INSERT INTO events (time, kind, action, process_entity, process_pid, parent_entity, present) VALUES
      ('2026-01-01T00:00:00Z', 'process', 'exec', '10-1', 10, '1-1', 0), ('2026-01-01T00:00:01Z', 'process', 'exec', '11-1', 11, '10-1', 0),
      ('2026-01-01T00:00:02Z', 'network', 'connect', '11-1', 11, '10-1', 0), ('2026-01-01T00:00:03Z', 'process', 'exec', '12-1', 12, '10-1', 0)`).run();
    db.prepare('UPDATE events_fts_state SET indexed_upto = 2').run();
    db.close();
    const config: SettingsInput = { language: 'auto', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' };
    const store = openStore(dir, config, () => undefined);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").pluck().all();
      expect(indexes).toEqual([]); // the time index went behind the watermark too (0013)
      expect(store.db.prepare('SELECT entity, id FROM events_by_entity ORDER BY id').all()).toEqual([{ entity: '10-1', id: 1 }, { entity: '11-1', id: 2 }]);
      expect(store.events.childEntities('10-1').sort()).toEqual(['11-1', '12-1']);
      expect(store.events.byEntity('11-1').map((e) => e.id)).toEqual([2, 3]);
      expect(store.events.entityForPid(12)).toBe('12-1');
    } finally {
      store.close();
    }
  });

  it('0010 lets an alert carry its ATT&CK techniques and matched events, keeping the alerts there are', () => {
    const db = freshDb();
    migrate(db, 9);
    insertFileAlert(db);
    expect(migrate(db, 10)).toBe(10);
    expect(columns(db, 'alerts')).toContain('behaviour_json');
    expect(db.prepare('SELECT id, behaviour_json FROM alerts').all()).toEqual([{ id: 'al_1', behaviour_json: null }]);
    db.close();
  });

  it('0011 adds incidents and the incident of each alert, keeping the alerts there are', () => {
    const db = freshDb();
    migrate(db, 10);
    insertFileAlert(db);
    expect(migrate(db, 11)).toBe(11);
    expect(tables(db)).toContain('incidents');
    expect(columns(db, 'alerts')).toContain('incident_id');
    expect(db.prepare('SELECT id, incident_id FROM alerts').all()).toEqual([{ id: 'al_1', incident_id: null }]);
    db.close();
  });

  it('0012 adds the response-action history, keeping the alerts there are', () => {
    const db = freshDb();
    migrate(db, 11);
    insertFileAlert(db);
    expect(migrate(db, 12)).toBe(12);
    expect(tables(db)).toContain('response_actions');
    expect(columns(db, 'response_actions')).toEqual(expect.arrayContaining(['id', 'kind', 'status', 'alert_id', 'incident_id', 'body_json']));
    expect(db.prepare('SELECT id FROM alerts').all()).toEqual([{ id: 'al_1' }]);
    db.close();
  });

  it('0013 narrows the event rows: every event of the 24-column layout reads back the same, indexed or not', () => {
    const dir = dirs.make();
    const db = new Database(join(dir, DB_FILE));
    migrate(db, 12);
    // As schema 12 stored them, the first five indexed (full-text, entity and parent lookups), the rest not yet.
    insertV12(db, richEvents);
    db.exec(`INSERT INTO events_fts (rowid, process_command_line, process_executable)
        SELECT id, process_command_line, process_executable FROM events
        WHERE id <= 5 AND (process_command_line IS NOT NULL OR process_executable IS NOT NULL);
      INSERT INTO events_by_entity (entity, id) SELECT process_entity, id FROM events WHERE id <= 5 AND process_entity IS NOT NULL;
      INSERT INTO events_by_parent (parent, id) SELECT parent_entity, id FROM events WHERE id <= 5 AND kind = 'process' AND parent_entity IS NOT NULL;
      UPDATE events_fts_state SET indexed_upto = 5;`);
    expect(db.prepare('SELECT typeof(process_hash) AS h, present & 16 AS argsInLine FROM events WHERE id IN (1, 7) ORDER BY id').all())
      .toEqual([{ h: 'blob', argsInLine: 0 }, { h: 'text', argsInLine: 16 }]); // the old compact paths are in the data
    db.close();

    const store = openStore(dir, { language: 'auto', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' }, () => undefined);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      expect(columns(store.db, 'events')).toEqual(['id', 'time', 'kind', 'action', 'process_entity', 'process_pid', 'parent_entity',
        'process_executable', 'process_command_line', 'parent_pid', 'detail', 'extra']);
      expect(tables(store.db)).toContain('events_by_time');
      const want = richEvents.map((e, i) => asStored(e, i + 1));
      const all = () => store.events.search({ limit: 100, offset: 0 }).items.reverse();
      expect(all()).toStrictEqual(want);
      expect(store.events.byIds([7, 1, 3])).toStrictEqual([want[0], want[2], want[6]]);
      expect(store.events.byEntity('4242-777')).toStrictEqual(want.slice(0, 6));
      expect(store.events.childEntities('4242-777').sort()).toEqual(['4243-778', '4244-779']);
      // The watermark stays: the time lookup covers the indexed rows, the rest is searched above it.
      expect(store.events.indexedUpTo()).toBe(5);
      expect(store.db.prepare('SELECT id FROM events_by_time ORDER BY time, id').pluck().all()).toEqual([1, 2, 3, 4, 5]);
      const window = { since: richEvents[2]!['@timestamp'], until: richEvents[6]!['@timestamp'], limit: 100, offset: 0 };
      expect(store.events.search(window).items.map((e) => e.id)).toEqual([7, 6, 5, 4, 3]);
      expect(store.events.search({ text: 'naive', limit: 10, offset: 0 }).items).toStrictEqual([want[0]]);
      while (store.events.indexPending(3) > 0) { /* the rest */ }
      expect(all()).toStrictEqual(want);
      expect(store.events.search(window).items.map((e) => e.id)).toEqual([7, 6, 5, 4, 3]);
      expect(() => store.db.prepare("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')").run()).not.toThrow();
      // New events go on after the migrated ones.
      expect(store.events.insertBatch([richEvents[1]!])).toBe(richEvents.length + 1);
      expect(store.events.search({ kind: 'network', limit: 10, offset: 0 }).items.map((e) => e.id)).toEqual([richEvents.length + 1, 3, 2]);
    } finally {
      store.close();
    }
  });

  it('0013 on an empty event table', () => {
    const db = freshDb();
    migrate(db, 12);
    expect(migrate(db, 13)).toBe(13);
    expect(db.prepare('SELECT count(*) FROM events_by_time').pluck().get()).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").pluck().all()).toEqual([]);
    db.close();
  });

  it('running twice changes nothing', () => {
    const db = freshDb();
    migrate(db);
    expect(migrate(db)).toBe(LATEST_VERSION);
    db.close();
  });

  it('refuses a database from a newer Mamori without touching it', () => {
    const db = freshDb();
    db.pragma(`user_version = ${LATEST_VERSION + 5}`);
    expect(() => migrate(db)).toThrow(SchemaTooNewError);
    expect(tables(db)).toEqual([]);
    db.close();
  });
});
