// Telemetry history. insertBatch only appends rows (one transaction per batch, 16 rows per INSERT statement,
// no secondary index on the table); the full-text index and the entity, parent and time lookup tables are
// filled afterwards by indexPending(), up to a watermark kept in the database. Every reader joins the indexed
// part with the few rows above the watermark (search with the same word rules in JS), so a just-stored event
// is always found. Lookups by process entity serve process trees.
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

/**
 * The row columns after id, in insert order (schema 13, see migrations/0013-narrow-events.ts): what SQL filters,
 * joins, indexes or counts on stays a column (benches and tests read action, parent_pid and the command line
 * too); the fields that are only ever shown share one JSON column, `detail`. 11 values per row instead of 24:
 * each bound value costs SQLite and better-sqlite3 more than JSON.stringify spends on it.
 */
const COLUMNS = [
  'time', 'kind', 'action', 'process_entity', 'process_pid', 'parent_entity', 'process_executable', 'process_command_line',
  'parent_pid', 'detail', 'extra',
] as const;

/**
 * Slots of `detail`, a JSON array: [flags, event.sequence, process.name, process.args, process.start,
 * process.working_directory, process.hash.sha256, parent executable, parent command line, user.id, user.name,
 * group.id, process.tid (only with HAS_TID)]. Readable in SQL too: json_extract(detail, '$[9]') is the uid.
 */
const D = { flags: 0, sequence: 1, name: 2, args: 3, start: 4, cwd: 5, hash: 6, parentExe: 7, parentCmd: 8, uid: 9, user: 10, gid: 11, tid: 12 } as const;

// Bits of the flags slot: optional fields, so "absent" and "null" stay different, and values derived on reading.
// The first five are schema 7's `present` bits, unchanged.
const HAS_START = 1;
const HAS_CWD = 2;
const HAS_HASH = 4;
const HAS_GROUP = 8;
/** process.args is not stored: it is exactly what splitting process.command_line gives back. */
const ARGS_IN_COMMAND_LINE = 16;
/** process.name is not stored: it is the last segment of process.executable (what the process sensor sets). */
const NAME_IS_BASENAME = 32;
const HAS_TID = 64;

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

const NOT_PLAIN = /[^\S ]|['"\\$`]/;
/**
 * joinArgs(args) === line, without building the line in the common case: args that need no quoting (none
 * empty, no whitespace, quote or shell character) one space apart. Nothing allocated, so less garbage collection
 * inside insertBatch (which copies the live batch).
 */
function argsMakeLine(args: string[], line: string): boolean {
  let pos = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (i && line.charCodeAt(pos++) !== 32) return joinArgs(args) === line;
    if (!a.length || !line.startsWith(a, pos) || a.includes(' ')) return joinArgs(args) === line;
    pos += a.length;
  }
  return (pos === line.length && !NOT_PLAIN.test(line)) || joinArgs(args) === line;
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

/** { sha256: string } and nothing else: the shape the detail slot keeps (anything else goes to `extra` as it is). */
function isSha256Only(h: object): h is { sha256: string } {
  let n = 0;
  for (const k in h) if (++n > 1 || k !== 'sha256') return false;
  return n === 1 && typeof (h as { sha256: unknown }).sha256 === 'string';
}

interface Row {
  id: number; time: string; kind: string; action: string; process_entity: string; process_pid: number; parent_entity: string | null;
  process_executable: string | null; process_command_line: string | null; parent_pid: number | null; detail: string; extra: string | null;
}

type Loose = Record<string, unknown>;

/** The object under `key` in `into`, made when missing. */
function sub(into: Loose, key: string): Loose {
  return (into[key] ??= {}) as Loose;
}

/**
 * Appends the event's columns to `out`. Fields every event has are columns or slots of `detail`; rarer ones
 * (syscall, network, source, destination, libraries, env_vars, ...) go to `extra`, a JSON object merged back on
 * reading. No JSON object for a plain process event: building the whole document cost more than the insert.
 */
function encode(e: NewEvent, out: unknown[]): void {
  let extra: Loose | null = null;
  for (const k in e) {
    if (k !== '@timestamp' && k !== 'event' && k !== 'process' && k !== 'user' && k !== 'group') (extra ??= {})[k] = (e as Loose)[k];
  }
  for (const k in e.event) if (k !== 'kind' && k !== 'action' && k !== 'sequence') sub(extra ??= {}, 'event')[k] = (e.event as Loose)[k];
  for (const k in e.user) if (k !== 'id' && k !== 'name') sub(extra ??= {}, 'user')[k] = (e.user as Loose)[k];
  const p = e.process;
  let flags = e.group ? HAS_GROUP : 0;
  if (e.group) for (const k in e.group) if (k !== 'id') sub(extra ??= {}, 'group')[k] = (e.group as Loose)[k];
  let args: string[] | null = null;
  let start: unknown = null;
  let cwd: unknown = null;
  let hash: string | null = null;
  let tid: unknown = null;
  if (p.args !== null) {
    if (p.command_line !== null && argsMakeLine(p.args, p.command_line)) flags |= ARGS_IN_COMMAND_LINE;
    else args = p.args;
  }
  let name = p.name;
  const exe = p.executable;
  if (name !== null && exe !== null && exe.endsWith(name) && exe.lastIndexOf('/') === exe.length - name.length - 1) {
    flags |= NAME_IS_BASENAME;
    name = null;
  }
  for (const k in p) {
    const v = (p as Loose)[k];
    if (v === undefined) continue; // as JSON would: an undefined field is an absent one
    switch (k) {
      case 'entity_id': case 'pid': case 'name': case 'executable': case 'command_line': case 'args': case 'parent': break;
      case 'tid': flags |= HAS_TID; tid = v; break;
      case 'start': flags |= HAS_START; start = v; break;
      case 'working_directory': flags |= HAS_CWD; cwd = v; break;
      case 'hash':
        if (v === null || (typeof v === 'object' && isSha256Only(v))) {
          flags |= HAS_HASH;
          hash = v?.sha256 ?? null;
        } else sub(extra ??= {}, 'process').hash = v;
        break;
      default: sub(extra ??= {}, 'process')[k] = v;
    }
  }
  const parent = p.parent;
  // A new array each time: one array reused for every event measured ~20 % slower (storing new strings into an
  // old object costs V8 more than allocating).
  const d = [flags, e.event.sequence, name, args, start, cwd, hash, parent?.executable ?? null, parent?.command_line ?? null,
    e.user.id, e.user.name, e.group?.id ?? null];
  if (flags & HAS_TID) d.push(tid);
  out.push(
    e['@timestamp'], e.event.kind, e.event.action, p.entity_id, p.pid, parent?.entity_id ?? null, exe, p.command_line,
    parent ? parent.pid : null, JSON.stringify(d), extra === null ? null : JSON.stringify(extra),
  );
}

function decode(r: Row): TelemetryEvent {
  const d = JSON.parse(r.detail) as unknown[];
  const flags = d[D.flags] as number;
  const exe = r.process_executable;
  const process: Loose = { entity_id: r.process_entity, pid: r.process_pid };
  if (flags & HAS_TID) process.tid = d[D.tid];
  process.name = flags & NAME_IS_BASENAME ? exe!.slice(exe!.lastIndexOf('/') + 1) : d[D.name];
  process.executable = exe;
  process.command_line = r.process_command_line;
  process.args = flags & ARGS_IN_COMMAND_LINE ? splitArgs(r.process_command_line!) : d[D.args];
  if (flags & HAS_START) process.start = d[D.start];
  if (flags & HAS_CWD) process.working_directory = d[D.cwd];
  if (flags & HAS_HASH) process.hash = d[D.hash] === null ? null : { sha256: d[D.hash] };
  process.parent = r.parent_pid === null ? null
    : { entity_id: r.parent_entity, pid: r.parent_pid, executable: d[D.parentExe], command_line: d[D.parentCmd] };
  const e: Loose = {
    id: r.id, '@timestamp': r.time, event: { kind: r.kind, action: r.action, sequence: d[D.sequence] }, process,
    user: { id: d[D.uid], name: d[D.user] },
  };
  if (flags & HAS_GROUP) e.group = { id: d[D.gid] };
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

/**
 * Rows per INSERT statement (a multi-row VALUES list): one statement run per row cost more than SQLite's work
 * on the row (measured on 11-value rows: 8 to 32 rows per statement ~+15-20 % events/s, 64 less).
 */
const ROWS_PER_INSERT = 16;

export class EventsRepo {
  /** INSERT statements by rows per statement: ROWS_PER_INSERT and the powers of two below it (a batch's tail). */
  private readonly inserts = new Map<number, Statement>();
  private readonly watermark: Statement;

  /** afterWrite: told after each batch (the WAL checkpoint thread starts on it, see checkpointer.ts). */
  constructor(private readonly db: Database, private readonly afterWrite: () => void = () => undefined) {
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
    let last = 0;
    this.db.transaction(() => {
      const params: unknown[] = [];
      for (let i = 0; i < events.length;) {
        const left = events.length - i;
        const n = left >= ROWS_PER_INSERT ? ROWS_PER_INSERT : 1 << (31 - Math.clz32(left)); // then 8, 4, 2, 1
        params.length = 0;
        for (const end = i + n; i < end; i++) encode(events[i]!, params);
        last = Number(this.insertRows(n).run(params).lastInsertRowid);
      }
    })();
    this.afterWrite();
    return last - events.length + 1;
  }

  private insertRows(n: number): Statement {
    let s = this.inserts.get(n);
    if (!s) {
      const row = `(${COLUMNS.map(() => '?').join(', ')})`;
      s = this.db.prepare(`INSERT INTO events (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: n }, () => row).join(', ')}`);
      this.inserts.set(n, s);
    }
    return s;
  }

  /** The highest event id the full-text index and the entity, parent and time lookups cover. */
  indexedUpTo(): number {
    return this.watermark.get() as number;
  }

  /** Events stored but not yet in the full-text index and the lookups. */
  pendingIndex(): number {
    return (this.db.prepare('SELECT count(*) FROM events WHERE id > ?').pluck().get(this.indexedUpTo()) as number);
  }

  /**
   * Adds up to maxRows not-yet-indexed events to the full-text index and the entity, parent and time lookups,
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
      this.db.prepare('INSERT INTO events_by_time (time, id) SELECT time, id FROM events WHERE id > ? AND id <= ? ORDER BY 1, 2').run(from, range.hi);
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
    if (q.since && q.until && !match) {
      // A window (the only time filter SQLite used the old time index for): ids from the time lookup for the
      // indexed rows, a scan above the watermark. With text, the words choose the rows, as before.
      where.push(`e.id IN (SELECT id FROM events_by_time WHERE time >= @since AND time <= @until
        UNION ALL SELECT id FROM events WHERE id > @indexed AND time >= @since AND time <= @until)`);
    }
    if (q.kind) { where.push('e.kind = @kind'); params.kind = q.kind; }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db.transaction(() => {
      if (match || (q.since && q.until)) params.indexed = this.indexedUpTo();
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
   * values to delete) and the entity, parent and time lookups with them; events above the watermark were never
   * in those.
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
        this.db.prepare(`DELETE FROM events_by_time WHERE (time, id) IN (SELECT time, id FROM events WHERE id <= ?)`).run(lastId);
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
