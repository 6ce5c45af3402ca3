// The live `telemetry` event: stored batches become a few small summaries per second, never one
// message per event. First with a real store and a clock under test control, then with a real core
// whose process sensor records a real burst of processes.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { events as contractEvents, type TelemetryEvent, type TelemetrySummary } from '../../../preload/contract/index.js';
import { createCore, type Core } from '../../../main/core/index.js';
import { openStore, type NewEvent, type Store } from '../../../main/core/store/index.js';
import { TELEMETRY_SUMMARY_INTERVAL_MS, TelemetrySummarizer } from '../../../main/core/telemetry-summary.js';
import { tempDirs, waitFor } from '../../helpers/temp.js';
import { HELPERS_DIR, helperSkipReason } from '../../helpers/native-helper.js';

const dirs = tempDirs();
const stores: Store[] = [];
const cores: Core[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cores.splice(0)) await c.stop();
  for (const s of stores.splice(0)) s.close();
  dirs.cleanup();
});

let pid = 700_000;
function execEvent(kind: NewEvent['event']['kind'] = 'process'): NewEvent {
  pid++;
  return {
    '@timestamp': new Date().toISOString(),
    event: { kind, action: kind === 'process' ? 'exec' : 'connect', sequence: pid },
    process: {
      entity_id: `${pid}-1`, pid, name: 'true', executable: '/bin/true', command_line: `/bin/true storm-${pid}`, args: ['/bin/true'],
      parent: { entity_id: '699999-1', pid: 699_999, executable: '/bin/sh', command_line: 'sh storm' },
    },
    user: { id: 0, name: 'root' },
  };
}

function setup() {
  const store = openStore(dirs.make('mamori-live-'), { language: 'auto', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' }, () => undefined);
  stores.push(store);
  const sent: TelemetrySummary[] = [];
  const logs: string[] = [];
  const summarizer = new TelemetrySummarizer({
    newest: (limit) => store.events.search({ limit, offset: 0 }).items,
    emit: (s) => sent.push(contractEvents.telemetry.parse(s)), // every summary must satisfy the contract
    log: (m) => logs.push(m),
  });
  const store_ = (batch: NewEvent[]) => { store.events.insertBatch(batch); summarizer.add(batch); };
  return { store, sent, logs, summarizer, insert: store_ };
}

describe('telemetry summaries (real store, controlled clock)', () => {
  it('a storm of 20,000 events in one second becomes at most 5 summaries that add up, each with at most 50 events', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { sent, insert, store } = setup();
    // 200 batches of 100 (the process sensor flushes about every 20 ms), spread over one second.
    for (let b = 0; b < 200; b++) {
      insert(Array.from({ length: 100 }, (_, i) => execEvent(i % 10 === 0 ? 'network' : 'process')));
      vi.advanceTimersByTime(5);
    }
    vi.advanceTimersByTime(TELEMETRY_SUMMARY_INTERVAL_MS);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.length).toBeLessThanOrEqual(1000 / TELEMETRY_SUMMARY_INTERVAL_MS + 1);
    expect(sent.reduce((n, s) => n + s.count, 0)).toBe(20_000);
    expect(sent.reduce((n, s) => n + s.byKind.network, 0)).toBe(2_000);
    expect(sent.reduce((n, s) => n + s.byKind.process, 0)).toBe(18_000);
    const newest = store.events.search({ limit: 1, offset: 0 }).items[0]!;
    expect(sent.at(-1)!.newestId).toBe(newest.id);
    for (const s of sent) {
      expect(s.recent.length).toBeLessThanOrEqual(50);
      expect(s.recent[0]!.id).toBe(s.newestId);
      expect(s.recent.map((e) => e.id)).toEqual([...s.recent.map((e) => e.id)].sort((a, b) => b - a));
      // Capped entity list, flagged as truncated, so a tree view refreshes anyway.
      expect(s.entities.length).toBeLessThanOrEqual(500);
      expect(s.entitiesTruncated).toBe(s.count + 1 > 500); // each event's own entity, plus the one shared parent
    }
    // Ids only grow from one summary to the next; no event is sent twice.
    const ids = sent.flatMap((s) => s.recent.map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(sent.map((s) => s.newestId)).toEqual([...sent.map((s) => s.newestId)].sort((a, b) => a - b));
  });

  it('after a quiet spell the first batch goes out at once; one more in the same interval waits for its end', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { sent, insert } = setup();
    const first = execEvent();
    insert([first]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ count: 1, byKind: { process: 1, syscall: 0, network: 0, file: 0 }, entitiesTruncated: false });
    expect(sent[0]!.recent.map((e) => e.process.command_line)).toEqual([first.process.command_line]);
    expect(sent[0]!.entities.sort()).toEqual([first.process.entity_id, '699999-1'].sort());
    insert([execEvent(), execEvent()]);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(TELEMETRY_SUMMARY_INTERVAL_MS);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ count: 2 });
    expect(sent[1]!.recent).toHaveLength(2);
    vi.advanceTimersByTime(5 * TELEMETRY_SUMMARY_INTERVAL_MS);
    expect(sent).toHaveLength(2); // nothing new, nothing sent
  });

  it('sends nothing after stop, and a failing read still sends the counts without throwing from the timer', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const { sent, insert, summarizer, store, logs } = setup();
    insert([execEvent()]);
    insert([execEvent()]); // waits for the interval
    store.close();
    stores.splice(0);
    vi.advanceTimersByTime(TELEMETRY_SUMMARY_INTERVAL_MS);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ count: 1, recent: [] });
    expect(sent[1]!.newestId).toBe(sent[0]!.newestId);
    expect(logs.join('\n')).toMatch(/newest events .* failed/);
    summarizer.stop();
    summarizer.add([execEvent()]);
    vi.advanceTimersByTime(10 * TELEMETRY_SUMMARY_INTERVAL_MS);
    expect(sent).toHaveLength(2);
  });
});

const tier = helperSkipReason(join(HELPERS_DIR, 'mamori-proc-cn')) === null ? 'cn_proc' as const
  : helperSkipReason(join(HELPERS_DIR, 'mamori-proc-ebpf')) === null ? 'ebpf' as const : null;

describe.skipIf(tier === null)(`a real core pushes telemetry summaries${tier ? '' : ' (skipped: no process helper runs here)'}`, () => {
  it('a burst of 300 processes arrives as a handful of throttled summaries naming the newest events', async () => {
    const core = await createCore({ dataDir: dirs.make('mamori-live-core-'), watchFolders: [], host: 'test', processSensor: tier!, helpersDir: HELPERS_DIR, log: () => undefined });
    cores.push(core);
    const got: { at: number; s: TelemetrySummary }[] = [];
    core.events.on('telemetry', (s) => got.push({ at: Date.now(), s }));
    const marker = `mamori-live-${Date.now()}`;
    // Until the helper is attached, nothing is recorded: warm up first.
    await waitFor('the first summary', () => {
      spawn('/bin/true', [marker]);
      return got.length > 0;
    }, 15_000);
    got.splice(0);
    const storm = spawn('/bin/sh', ['-c', 'i=0; while [ $i -lt 300 ]; do /bin/true "$0"; i=$((i+1)); done', `${marker}-storm`]);
    await new Promise((r) => storm.once('exit', r));
    // Other tests run processes too, so the storm's events need not be among the 50 newest of a summary:
    // wait until the store has them all, then for a summary that reaches past them.
    // By parent pid, not command line: on cn_proc a process that exits at once may have none.
    const stormMax = await waitFor('the storm in the store', async () => {
      const execs: number[] = [];
      for (let offset = 0; ; offset += 1000) {
        const page = await core.api.searchEvents({ kind: 'process', limit: 1000, offset });
        for (const e of page.items) if (e.event.action === 'exec' && e.process.parent?.pid === storm.pid) execs.push(e.id);
        if (page.nextOffset === null) break;
      }
      return execs.length >= 300 ? Math.max(...execs) : null;
    }, 30_000);
    await waitFor('a summary past the storm', () => got.some(({ s }) => s.newestId >= stormMax), 15_000);
    await new Promise((r) => setTimeout(r, 3 * TELEMETRY_SUMMARY_INTERVAL_MS));

    const all: TelemetryEvent[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await core.api.searchEvents({ limit: 1000, offset });
      all.push(...page.items);
      if (page.nextOffset === null) break;
    }
    const last = got.at(-1)!.s;
    expect(last.newestId).toBeGreaterThanOrEqual(stormMax);
    expect(last.newestId).toBeLessThanOrEqual(Math.max(...all.map((e) => e.id)));
    // Every stored event up to the last summary was counted exactly once.
    const first = got[0]!.s;
    const counted = got.reduce((n, { s }) => n + s.count, 0);
    expect(counted).toBe(all.filter((e) => e.id > first.newestId - first.count && e.id <= last.newestId).length);
    expect(counted).toBeGreaterThanOrEqual(600); // 300 exec + 300 exit at least
    for (const { s } of got) expect(s.recent.length).toBeLessThanOrEqual(50);
    // Throttled: consecutive summaries are at least an interval apart (timers may fire a little early).
    for (let i = 1; i < got.length; i++) expect(got[i]!.at - got[i - 1]!.at).toBeGreaterThanOrEqual(TELEMETRY_SUMMARY_INTERVAL_MS - 20);
    expect(got.length).toBeLessThan(counted / 10);
  });
});
