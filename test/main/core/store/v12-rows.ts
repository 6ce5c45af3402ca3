// What insertBatch wrote from schema 7 to schema 12 (main/core/store/events.ts before migration 0013), kept
// verbatim as a fixture: migration tests store events in that layout, migrate, and read them back.
import type { Database } from 'better-sqlite3';
import type { NewEvent } from '../../../../main/core/store/index.js';

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

const SHA256_HEX = /^[0-9a-f]{64}$/;

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

/** Inserts the events as schema 7-12 did: one row of 24 values each, full-text index and lookups left to indexPending. */
export function insertV12(db: Database, events: NewEvent[]): void {
  const insert = db.prepare(`INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (const e of events) {
      const params: unknown[] = [];
      encode(e, params);
      insert.run(params);
    }
  })();
}
