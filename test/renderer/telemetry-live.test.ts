// The pure decisions behind the live Events page and process tree: does a pushed summary concern what is shown?
import { describe, expect, it } from 'vitest';
import type { ProcessNode, TelemetryEvent, TelemetrySummary } from '../../preload/contract/index.js';
import { countNewer, summaryMayMatch, summaryTouchesTree } from '../../renderer/src/telemetry.js';
import { dictionaries } from '../../renderer/src/i18n.js';

const summary = (over: Partial<TelemetrySummary> = {}): TelemetrySummary => ({
  count: 3, byKind: { process: 3, syscall: 0, network: 0, file: 0 }, newestId: 3, newestTime: null, recent: [],
  entities: ['30-1', '1-1'], entitiesTruncated: false, ...over,
});
const ev = (id: number) => ({ id }) as TelemetryEvent;
const node = (entity_id: string, children: ProcessNode[] = []): ProcessNode => ({
  entity_id, pid: 1, executable: null, command_line: null, user: null, start: null, end: null, exit_code: null, activity: [], children,
});

describe('live events', () => {
  it('refetches only when the kind filter could match', () => {
    expect(summaryMayMatch(summary(), 'all')).toBe(true);
    expect(summaryMayMatch(summary(), 'process')).toBe(true);
    expect(summaryMayMatch(summary(), 'network')).toBe(false);
    expect(summaryMayMatch(summary({ count: 0, byKind: { process: 0, syscall: 0, network: 0, file: 0 } }), 'all')).toBe(false);
  });

  it('counts the rows of a fresh first page newer than the newest shown, and says when there may be more', () => {
    expect(countNewer({ items: [ev(12), ev(11), ev(10), ev(9)], nextOffset: 4 }, 10)).toEqual({ n: 2, more: false });
    expect(countNewer({ items: [ev(12), ev(11)], nextOffset: 2 }, 10)).toEqual({ n: 2, more: true });
    expect(countNewer({ items: [ev(12), ev(11)], nextOffset: null }, 10)).toEqual({ n: 2, more: false });
    expect(countNewer({ items: [ev(9)], nextOffset: null }, 10)).toEqual({ n: 0, more: false });
  });

  it('a tree reloads for its own processes, new children of them, or when the summary could not list them all', () => {
    const root = node('20-1', [node('21-1')]);
    expect(summaryTouchesTree(summary({ entities: ['21-1'] }), root, [])).toBe(true);
    expect(summaryTouchesTree(summary({ entities: ['5-1'] }), root, [node('5-1')])).toBe(true);
    expect(summaryTouchesTree(summary({ entities: ['99-1'] }), root, [])).toBe(false);
    expect(summaryTouchesTree(summary({ entities: ['99-1'], entitiesTruncated: true }), root, [])).toBe(true);
  });

  it('says "N new events" in both languages', () => {
    expect(dictionaries.en.events.newEvents('1', false)).toBe('1 new event: show it');
    expect(dictionaries.en.events.newEvents('100', true)).toBe('100+ new events: show them');
    expect(dictionaries.ja.events.newEvents('3', false)).toContain('3 件');
    expect(dictionaries.ja.events.newEvents('100', true)).toContain('100 件以上');
  });
});
