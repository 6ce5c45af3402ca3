// Telemetry history: batched inserts (one transaction per batch, FTS rows in the same transaction),
// search newest-first with optional full-text, and lookups by process entity for process trees.
import type { Database, Statement } from 'better-sqlite3';
import type { EventKind, TelemetryEvent } from '../../../preload/contract/index.js';

export type NewEvent = Omit<TelemetryEvent, 'id'>;

export interface EventQuery {
  text?: string;
  since?: string;
  until?: string;
  kind?: EventKind;
  limit: number;
  offset: number;
}

/** Words of the user's text become FTS5 prefix terms, each quoted: no FTS syntax gets through. */
export function ftsQuery(text: string): string | null {
  const words = text.split(/\s+/).map((w) => w.replace(/"/g, '')).filter(Boolean).slice(0, 20);
  return words.length ? words.map((w) => `"${w}"*`).join(' ') : null;
}

export class EventsRepo {
  private readonly insertEvent: Statement;
  private readonly insertFts: Statement;

  constructor(private readonly db: Database) {
    this.insertEvent = db.prepare(`INSERT INTO events (time, kind, action, process_entity, process_pid, parent_entity,
      process_executable, process_command_line, user_name, destination_ip, destination_port, doc)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertFts = db.prepare('INSERT INTO events_fts (rowid, process_command_line, process_executable) VALUES (?, ?, ?)');
  }

  insertBatch(events: NewEvent[]): void {
    if (!events.length) return;
    this.db.transaction(() => {
      for (const e of events) {
        const p = e.process;
        const { lastInsertRowid } = this.insertEvent.run(
          e['@timestamp'], e.event.kind, e.event.action, p.entity_id, p.pid, p.parent?.entity_id ?? null, p.executable,
          p.command_line, e.user.name, e.destination?.ip ?? null, e.destination?.port ?? null, JSON.stringify(e),
        );
        if (p.command_line || p.executable) this.insertFts.run(lastInsertRowid, p.command_line, p.executable);
      }
    })();
  }

  search(q: EventQuery): { items: TelemetryEvent[]; nextOffset: number | null } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: q.limit + 1, offset: q.offset };
    const match = q.text ? ftsQuery(q.text) : null;
    if (match) { where.push('e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH @match)'); params.match = match; }
    if (q.since) { where.push('e.time >= @since'); params.since = new Date(q.since).toISOString(); }
    if (q.until) { where.push('e.time <= @until'); params.until = new Date(q.until).toISOString(); }
    if (q.kind) { where.push('e.kind = @kind'); params.kind = q.kind; }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db.prepare(`SELECT e.id, e.doc FROM events e ${clause} ORDER BY e.id DESC LIMIT @limit OFFSET @offset`)
      .all(params) as { id: number; doc: string }[];
    const more = rows.length > q.limit;
    return { items: rows.slice(0, q.limit).map(hydrate), nextOffset: more ? q.offset + q.limit : null };
  }

  /** Every event of one process entity, oldest first. */
  byEntity(entity: string, limit = 500): TelemetryEvent[] {
    return (this.db.prepare('SELECT id, doc FROM events WHERE process_entity = ? ORDER BY id LIMIT ?').all(entity, limit) as { id: number; doc: string }[]).map(hydrate);
  }

  /** Entities whose parent is this entity. */
  childEntities(entity: string, limit = 200): string[] {
    return (this.db.prepare("SELECT DISTINCT process_entity AS e FROM events WHERE parent_entity = ? AND kind = 'process' AND process_entity != ? LIMIT ?")
      .all(entity, entity, limit) as { e: string }[]).map((r) => r.e);
  }

  /** The newest entity seen with this pid. Entity ids start with "PID-", so the entity index serves this range. */
  entityForPid(pid: number): string | null {
    const row = this.db.prepare(`SELECT process_entity AS e FROM events
      WHERE process_entity >= ? AND process_entity < ? ORDER BY id DESC LIMIT 1`).get(`${pid}-`, `${pid}.`) as { e: string } | undefined;
    return row?.e ?? null;
  }

  /**
   * Retention: remove events older than `before` and, while the database file is larger than `maxBytes`,
   * the oldest events in chunks. FTS rows go with them (external content needs the old values to delete).
   * Returns how many events were removed.
   */
  prune(before: string, maxBytes: number, dbBytes: () => number): number {
    let removed = 0;
    const oldestId = () => (this.db.prepare('SELECT min(id) AS id FROM events').get() as { id: number | null }).id;
    const removeUpTo = (lastId: number) => {
      const rows = this.db.prepare('SELECT id, process_command_line, process_executable FROM events WHERE id <= ?')
        .all(lastId) as { id: number; process_command_line: string | null; process_executable: string | null }[];
      const unindex = this.db.prepare("INSERT INTO events_fts (events_fts, rowid, process_command_line, process_executable) VALUES ('delete', ?, ?, ?)");
      this.db.transaction(() => {
        for (const r of rows) if (r.process_command_line || r.process_executable) unindex.run(r.id, r.process_command_line, r.process_executable);
        removed += this.db.prepare('DELETE FROM events WHERE id <= ?').run(lastId).changes;
      })();
    };
    // By age, oldest first, 10,000 at a time so a big backlog never holds one huge transaction.
    for (;;) {
      const row = this.db.prepare('SELECT max(id) AS id FROM (SELECT id FROM events WHERE time < ? ORDER BY id LIMIT 10000)').get(before) as { id: number | null };
      if (row.id === null) break;
      removeUpTo(row.id);
    }
    // By size: free pages are reused by new rows, so dropping the oldest tenth at a time is enough.
    while (dbBytes() > maxBytes) {
      const first = oldestId();
      if (first === null) break;
      const total = this.count();
      const cut = this.db.prepare('SELECT id FROM events ORDER BY id LIMIT 1 OFFSET ?').get(Math.max(0, Math.ceil(total / 10) - 1)) as { id: number } | undefined;
      removeUpTo(cut?.id ?? first);
      if (total <= 1) break;
    }
    return removed;
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  }
}

function hydrate(row: { id: number; doc: string }): TelemetryEvent {
  return { id: row.id, ...(JSON.parse(row.doc) as NewEvent) };
}
