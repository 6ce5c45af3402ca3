// Telemetry history. insertBatch only appends rows (one transaction per batch, the time index appends too);
// the full-text index and the entity and parent lookup tables are filled afterwards by indexPending(), up to
// a watermark kept in the database. Every reader joins the indexed part with the few rows above the
// watermark (search with the same word rules in JS), so a just-stored event is always found.
// Lookups by process entity serve process trees.
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

/** The words of the user's text (quotes removed), at most 20: each becomes one quoted prefix phrase. */
function queryWords(text: string): string[] {
  return text.split(/\s+/).map((w) => w.replace(/"/g, '')).filter(Boolean).slice(0, 20);
}

/** Words of the user's text become FTS5 prefix terms, each quoted: no FTS syntax gets through. */
export function ftsQuery(text: string): string | null {
  const words = queryWords(text);
  return words.length ? words.map((w) => `"${w}"*`).join(' ') : null;
}

// ---- the same matching in JS, for rows the full-text index has not reached yet ----------------------------

/** FTS5 unicode61 tokens: runs of letters, digits and private-use characters, case and Latin diacritics folded. */
function tokens(text: string): string[] {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().split(/[^\p{L}\p{N}\p{Co}]+/u).filter(Boolean);
}

/** A phrase matches a column when its tokens appear there in a row, the last one as a prefix (FTS5 `"a b"*`). */
function phraseIn(phrase: string[], col: string[]): boolean {
  const last = phrase.length - 1;
  for (let i = 0; i + last < col.length; i++) {
    let j = 0;
    while (j < last && col[i + j] === phrase[j]) j++;
    if (j === last && col[i + last]!.startsWith(phrase[last]!)) return true;
  }
  return false;
}

/**
 * Every word (a phrase) must match in the command line or the executable; words without tokens are
 * ignored unless all are, then nothing matches. This is what FTS5 does with ftsQuery()'s expression.
 */
export function matchesWords(phrases: string[][], commandLine: string | null, executable: string | null): boolean {
  const real = phrases.filter((p) => p.length);
  if (!real.length || (commandLine === null && executable === null)) return false;
  const cols = [commandLine, executable].filter((c): c is string => c !== null).map(tokens);
  return real.every((p) => cols.some((c) => phraseIn(p, c)));
}

// ---- one event <-> one row ------------------------------------------------------------------------------

/** The row columns after id, in insert order (schema 7, see migrations/0007-compact-events.ts). */
const COLUMNS = [
  'time', 'kind', 'action', 'process_entity', 'process_pid', 'parent_entity', 'process_executable', 'process_command_line',
  'user_name', 'destination_ip', 'destination_port', 'sequence', 'process_name', 'process_args', 'process_start',
  'process_cwd', 'process_hash', 'parent_pid', 'parent_executable', 'parent_command_line', 'user_id', 'group_id', 'present', 'extra',
] as const;

// Bits of `present`: optional fields kept in columns, so "absent" and "null" stay different.
const HAS_START = 1;
const HAS_CWD = 2;
const HAS_HASH = 4;
const HAS_GROUP = 8;
/** process.args is not stored: it is exactly what splitting process.command_line gives back. */
const ARGS_IN_COMMAND_LINE = 16;

const needsQuotes = /[\s'"\\$`]/;
/** The process sensor's command line from argv (sensors/process/process-table.ts commandLine()). */
function joinArgs(args: string[]): string {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    out += (i ? ' ' : '') + (a === '' ? "''" : needsQuotes.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a);
  }
  return out;
}

/** The inverse of joinArgs() (only ever given what joinArgs() made, checked when the row was written). */
function splitArgs(line: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < line.length; i++) {
    if (line[i] === "'") {
      let arg = '';
      for (i++; ;) {
        const end = line.indexOf("'", i);
        arg += line.slice(i, end);
        i = end + 1;
        if (!line.startsWith("\\''", i)) break;
        arg += "'";
        i += 3;
      }
      out.push(arg);
    } else {
      const end = line.indexOf(' ', i);
      out.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length : end;
    }
  }
  return out;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

interface Row {
  id: number; time: string; kind: string; action: string; process_entity: string; process_pid: number; parent_entity: string | null;
  process_executable: string | null; process_command_line: string | null; user_name: string | null; sequence: number | null;
  process_name: string | null; process_args: string | null; process_start: string | null; process_cwd: string | null;
  process_hash: string | Buffer | null; parent_pid: number | null; parent_executable: string | null; parent_command_line: string | null;
  user_id: number | null; group_id: number | null; present: number; extra: string | null;
}

type Loose = Record<string, unknown>;

/**
 * Appends the event's columns to `out`. Fields every event has are columns; rarer ones (syscall, network,
 * source, destination, libraries, env_vars, ...) go to `extra`, a JSON object merged back on reading.
 * No JSON for a plain process event except its argv: building the whole document cost more than the insert.
 */
function encode(e: NewEvent, out: unknown[]): void {
  let extra: Loose | null = null;
  const more = (key: string): Loose => {
    extra ??= {};
    return (extra[key] ??= {}) as Loose;
  };
  for (const k in e) {
    if (k !== '@timestamp' && k !== 'event' && k !== 'process' && k !== 'user' && k !== 'group') (extra ??= {})[k] = (e as Loose)[k];
  }
  for (const k in e.event) if (k !== 'kind' && k !== 'action' && k !== 'sequence') more('event')[k] = (e.event as Loose)[k];
  for (const k in e.user) if (k !== 'id' && k !== 'name') more('user')[k] = (e.user as Loose)[k];
  const p = e.process;
  let present = e.group ? HAS_GROUP : 0;
  if (e.group) for (const k in e.group) if (k !== 'id') more('group')[k] = (e.group as Loose)[k];
  let hash: string | Buffer | null = null;
  let args: string | null = null;
  if (p.args !== null) {
    if (p.command_line !== null && joinArgs(p.args) === p.command_line) present |= ARGS_IN_COMMAND_LINE;
    else args = JSON.stringify(p.args);
  }
  for (const k in p) {
    if ((p as Loose)[k] === undefined) continue; // as JSON would: an undefined field is an absent one
    switch (k) {
      case 'entity_id': case 'pid': case 'name': case 'executable': case 'command_line': case 'args': case 'parent': break;
      case 'start': present |= HAS_START; break;
      case 'working_directory': present |= HAS_CWD; break;
      case 'hash':
        // Only the {sha256} shape (or null) fits the column; anything else is kept as it is.
        if (p.hash === null || (p.hash && Object.keys(p.hash).length === 1 && typeof p.hash.sha256 === 'string')) {
          present |= HAS_HASH;
          hash = p.hash?.sha256 ?? null;
          if (hash !== null && SHA256_HEX.test(hash)) hash = Buffer.from(hash, 'hex'); // 32 bytes instead of 64
        } else more('process').hash = p.hash;
        break;
      default: more('process')[k] = (p as Loose)[k];
    }
  }
  const parent = p.parent;
  out.push(
    e['@timestamp'], e.event.kind, e.event.action, p.entity_id, p.pid, parent?.entity_id ?? null, p.executable, p.command_line,
    e.user.name, e.destination?.ip ?? null, e.destination?.port ?? null, e.event.sequence, p.name,
    args, p.start ?? null, p.working_directory ?? null, hash,
    parent ? parent.pid : null, parent?.executable ?? null, parent?.command_line ?? null, e.user.id, e.group?.id ?? null,
    present, extra === null ? null : JSON.stringify(extra),
  );
}

function decode(r: Row): TelemetryEvent {
  const process: Loose = {
    entity_id: r.process_entity, pid: r.process_pid, name: r.process_name, executable: r.process_executable,
    command_line: r.process_command_line,
    args: r.present & ARGS_IN_COMMAND_LINE ? splitArgs(r.process_command_line!) : r.process_args === null ? null : JSON.parse(r.process_args) as string[],
  };
  if (r.present & HAS_START) process.start = r.process_start;
  if (r.present & HAS_CWD) process.working_directory = r.process_cwd;
  if (r.present & HAS_HASH) {
    const h = r.process_hash;
    process.hash = h === null ? null : { sha256: typeof h === 'string' ? h : h.toString('hex') };
  }
  process.parent = r.parent_pid === null ? null
    : { entity_id: r.parent_entity, pid: r.parent_pid, executable: r.parent_executable, command_line: r.parent_command_line };
  const e: Loose = {
    id: r.id, '@timestamp': r.time, event: { kind: r.kind, action: r.action, sequence: r.sequence }, process,
    user: { id: r.user_id, name: r.user_name },
  };
  if (r.present & HAS_GROUP) e.group = { id: r.group_id };
  if (r.extra !== null) {
    for (const [k, v] of Object.entries(JSON.parse(r.extra) as Loose)) {
      const into = e[k];
      if (into && typeof into === 'object' && v && typeof v === 'object' && !Array.isArray(v)) Object.assign(into, v);
      else e[k] = v;
    }
  }
  return e as TelemetryEvent;
}

// ---- the repository -------------------------------------------------------------------------------------

/** Rows per indexPending() call: ~15-40 ms of work here, so the event loop stays responsive. */
export const FTS_SLICE_ROWS = 5000;

export class EventsRepo {
  private readonly insert: Statement;
  private readonly watermark: Statement;

  /** afterWrite: told after each batch (the WAL checkpoint thread starts on it, see checkpointer.ts). */
  constructor(private readonly db: Database, private readonly afterWrite: () => void = () => undefined) {
    // One row per statement: a multi-row VALUES list measured slower (SQLite runs it as a compound SELECT).
    this.insert = db.prepare(`INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
    this.watermark = db.prepare('SELECT indexed_upto FROM events_fts_state').pluck();
    // The words arrive as JSON of their tokens; one search calls this per unindexed row, so parse once.
    let cached: { json: string; phrases: string[][] } = { json: '[]', phrases: [] };
    db.function('mamori_words_match', { deterministic: true }, (words: unknown, cl: unknown, exe: unknown) => {
      if (cached.json !== words) cached = { json: String(words), phrases: JSON.parse(String(words)) as string[][] };
      return matchesWords(cached.phrases, cl as string | null, exe as string | null) ? 1 : 0;
    });
  }

  /**
   * Appends the events in one transaction: durable and found by search (text too) when this returns.
   * Returns the id of the first one; the others follow it in order.
   */
  insertBatch(events: NewEvent[]): number {
    if (!events.length) return 0;
    let first = 0;
    this.db.transaction(() => {
      const params: unknown[] = [];
      for (let i = 0; i < events.length; i++) {
        params.length = 0;
        encode(events[i]!, params);
        const info = this.insert.run(params);
        if (i === 0) first = Number(info.lastInsertRowid);
      }
    })();
    this.afterWrite();
    return first;
  }

  /** The highest event id the full-text index and the entity lookups cover. */
  indexedUpTo(): number {
    return this.watermark.get() as number;
  }

  /** Events stored but not yet in the full-text index and the entity lookups. */
  pendingIndex(): number {
    return (this.db.prepare('SELECT count(*) FROM events WHERE id > ?').pluck().get(this.indexedUpTo()) as number);
  }

  /**
   * Adds up to maxRows not-yet-indexed events to the full-text index and the entity and parent lookups,
   * oldest first, in one transaction that also moves the watermark. Returns how many events it covered
   * (0: everything is indexed).
   */
  indexPending(maxRows = FTS_SLICE_ROWS): number {
    return this.db.transaction(() => {
      const from = this.indexedUpTo();
      const range = this.db.prepare('SELECT max(id) AS hi, count(*) AS n FROM (SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?)')
        .get(from, Math.max(1, Math.floor(maxRows))) as { hi: number | null; n: number };
      if (range.hi === null) return 0;
      this.db.prepare(`INSERT INTO events_fts (rowid, process_command_line, process_executable)
        SELECT id, process_command_line, process_executable FROM events
        WHERE id > ? AND id <= ? AND (process_command_line IS NOT NULL OR process_executable IS NOT NULL)`).run(from, range.hi);
      // Sorted, so each slice walks the lookup B-trees once instead of seeking per row.
      this.db.prepare(`INSERT INTO events_by_entity (entity, id)
        SELECT process_entity, id FROM events WHERE id > ? AND id <= ? AND process_entity IS NOT NULL ORDER BY 1, 2`).run(from, range.hi);
      this.db.prepare(`INSERT INTO events_by_parent (parent, id)
        SELECT parent_entity, id FROM events WHERE id > ? AND id <= ? AND kind = 'process' AND parent_entity IS NOT NULL ORDER BY 1, 2`)
        .run(from, range.hi);
      this.db.prepare('UPDATE events_fts_state SET indexed_upto = ?').run(range.hi);
      return range.n;
    })();
  }

  search(q: EventQuery): { items: TelemetryEvent[]; nextOffset: number | null } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: q.limit + 1, offset: q.offset };
    const match = q.text ? ftsQuery(q.text) : null;
    if (match) {
      // Indexed rows through FTS5, newer ones through the same rules in JS (few: indexPending keeps up).
      // A union of ids, so a rare word is still a handful of rowid lookups, not a scan.
      where.push(`e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH @match
        UNION ALL SELECT id FROM events WHERE id > @indexed AND mamori_words_match(@words, process_command_line, process_executable))`);
      params.words = JSON.stringify(queryWords(q.text!).map(tokens));
      params.match = match;
    }
    if (q.since) { where.push('e.time >= @since'); params.since = new Date(q.since).toISOString(); }
    if (q.until) { where.push('e.time <= @until'); params.until = new Date(q.until).toISOString(); }
    if (q.kind) { where.push('e.kind = @kind'); params.kind = q.kind; }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db.transaction(() => {
      if (match) params.indexed = this.indexedUpTo();
      return this.db.prepare(`SELECT e.* FROM events e ${clause} ORDER BY e.id DESC LIMIT @limit OFFSET @offset`).all(params) as Row[];
    })();
    const more = rows.length > q.limit;
    return { items: rows.slice(0, q.limit).map(decode), nextOffset: more ? q.offset + q.limit : null };
  }

  /** These events (those still stored), oldest first. */
  byIds(ids: readonly number[]): TelemetryEvent[] {
    if (!ids.length) return [];
    const rows = this.db.prepare('SELECT * FROM events WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id').all(JSON.stringify(ids)) as Row[];
    return rows.map(decode);
  }

  /** Every event of one process entity, oldest first: the lookup table below the watermark, a scan above. */
  byEntity(entity: string, limit = 500): TelemetryEvent[] {
    const rows = this.db.transaction(() => this.db.prepare(`SELECT * FROM events WHERE id IN (
        SELECT id FROM events_by_entity WHERE entity = @entity
        UNION ALL SELECT id FROM events WHERE id > @indexed AND process_entity = @entity)
      ORDER BY id LIMIT @limit`).all({ entity, limit, indexed: this.indexedUpTo() }) as Row[])();
    return rows.map(decode);
  }

  /** Entities whose parent is this entity. */
  childEntities(entity: string, limit = 200): string[] {
    const rows = this.db.transaction(() => this.db.prepare(`SELECT DISTINCT process_entity AS e FROM events WHERE id IN (
        SELECT id FROM events_by_parent WHERE parent = @entity
        UNION ALL SELECT id FROM events WHERE id > @indexed AND parent_entity = @entity AND kind = 'process')
      AND process_entity != @entity LIMIT @limit`).all({ entity, limit, indexed: this.indexedUpTo() }) as { e: string }[])();
    return rows.map((r) => r.e);
  }

  /** The newest entity seen with this pid. Entity ids start with "PID-", so the lookup's key order serves this range. */
  entityForPid(pid: number): string | null {
    const row = this.db.transaction(() => {
      const indexed = this.indexedUpTo();
      const recent = this.db.prepare('SELECT process_entity AS e FROM events WHERE id > ? AND process_pid = ? ORDER BY id DESC LIMIT 1')
        .get(indexed, pid) as { e: string } | undefined;
      return recent ?? this.db.prepare(`SELECT entity AS e FROM events_by_entity WHERE entity >= ? AND entity < ?
        ORDER BY id DESC LIMIT 1`).get(`${pid}-`, `${pid}.`) as { e: string } | undefined;
    })();
    return row?.e ?? null;
  }

  /**
   * Retention: remove events older than `before` and, while the database file is larger than `maxBytes`,
   * the oldest events in chunks. Indexed events leave the full-text index (external content needs the old
   * values to delete) and the entity lookups with them; events above the watermark were never in those.
   * Returns how many events were removed.
   */
  prune(before: string, maxBytes: number, dbBytes: () => number): number {
    let removed = 0;
    const oldestId = () => (this.db.prepare('SELECT min(id) AS id FROM events').get() as { id: number | null }).id;
    const removeUpTo = (lastId: number) => {
      const unindex = this.db.prepare("INSERT INTO events_fts (events_fts, rowid, process_command_line, process_executable) VALUES ('delete', ?, ?, ?)");
      this.db.transaction(() => {
        const rows = this.db.prepare(`SELECT id, process_command_line, process_executable FROM events WHERE id <= ? AND id <= ?
          AND (process_command_line IS NOT NULL OR process_executable IS NOT NULL)`)
          .all(lastId, this.indexedUpTo()) as { id: number; process_command_line: string | null; process_executable: string | null }[];
        for (const r of rows) unindex.run(r.id, r.process_command_line, r.process_executable);
        this.db.prepare(`DELETE FROM events_by_entity WHERE (entity, id) IN
          (SELECT process_entity, id FROM events WHERE id <= ? AND process_entity IS NOT NULL)`).run(lastId);
        this.db.prepare(`DELETE FROM events_by_parent WHERE (parent, id) IN
          (SELECT parent_entity, id FROM events WHERE id <= ? AND kind = 'process' AND parent_entity IS NOT NULL)`).run(lastId);
        removed += this.db.prepare('DELETE FROM events WHERE id <= ?').run(lastId).changes;
        // With every event gone SQLite hands out ids from 1 again: those must count as not indexed.
        this.db.prepare('UPDATE events_fts_state SET indexed_upto = min(indexed_upto, coalesce((SELECT max(id) FROM events), 0))').run();
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
