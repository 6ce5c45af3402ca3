// Sigma 2 correlations on the engine: event_count, value_count, temporal and temporal_ordered, grouped, in a
// time window; a firing resets its group; base rules stay quiet unless the correlation says generate: true.
import { describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../../../../preload/contract/index.js';
import { loadRules, SigmaEngine } from '../../../../../main/core/detect/sigma/index.js';

const base = (name: string, word: string) => `title: ${name}
id: ${name}-0000-4000-8000-000000000000
name: ${name}
logsource: { product: linux, category: process_creation }
detection: { s: { CommandLine|contains: '${word}' }, condition: s }
level: low
`;
const corr = (type: string, extra: string) => `title: corr
id: corr-0000-4000-8000-000000000000
name: corr
level: high
correlation:
  type: ${type}
  group-by: [User]
  timespan: 1m
${extra}`;

function engineOf(...docs: string[]) {
  const r = loadRules([{ file: 'x.yml', text: docs.join('---\n') }]);
  expect(r.results.filter((x) => !x.loaded)).toEqual([]);
  return new SigmaEngine(r.rules, r.correlations);
}

let id = 0;
const ev = (sec: number, cmd: string, user = 'alice'): TelemetryEvent => ({
  id: ++id, '@timestamp': new Date(Date.UTC(2026, 10, 26, 10, 0, 0) + sec * 1000).toISOString(),
  event: { kind: 'process', action: 'exec', sequence: id },
  process: { entity_id: `${id}-1`, pid: id, name: 'x', executable: '/usr/bin/x', command_line: cmd, args: cmd.split(' '), parent: null },
  user: { id: 1000, name: user },
} as TelemetryEvent);
const fired = (e: SigmaEngine, events: TelemetryEvent[]) => events.map((x) => e.evaluate(x).filter((f) => f.rule.name === 'corr').length);

describe('Sigma correlations', () => {
  it('event_count: the third within a minute per user fires once, then counting starts again; base rules stay quiet', () => {
    const e = engineOf(base('a', 'ping'), corr('event_count', '  rules: [a]\n  condition: { gte: 3 }\n'));
    expect(fired(e, [ev(0, 'ping x'), ev(10, 'ping y'), ev(20, 'ping z', 'bob'), ev(30, 'ping w')])).toEqual([0, 0, 0, 1]);
    expect(fired(e, [ev(31, 'ping 1'), ev(32, 'ping 2'), ev(200, 'ping 3')])).toEqual([0, 0, 0]); // the third is out of the window
    expect(e.evaluate(ev(300, 'ping alone')).map((f) => f.rule.name)).toEqual([]);
  });

  it('value_count: five different commands in a minute fire, the same one ten thousand times does not', () => {
    const e = engineOf(base('a', 'disc'), corr('value_count', '  rules: [a]\n  condition: { gte: 5, field: CommandLine }\n'));
    const same = Array.from({ length: 10_000 }, (_, i) => ev(i / 1000, 'disc same'));
    expect(fired(e, same).some(Boolean)).toBe(false);
    const five = ['disc 1', 'disc 2', 'disc 3', 'disc 4'].map((c, i) => ev(11 + i, c));
    expect(fired(e, five)).toEqual([0, 0, 0, 1]); // with 'disc same' still in the window: 5 values
    expect(fired(e, [ev(100, 'disc 5'), ev(200, 'disc 6')])).toEqual([0, 0]);
  });

  it('temporal: both rules within the window, in any order; temporal_ordered: only in the written order', () => {
    const t = engineOf(base('a', 'alpha'), base('b', 'beta'), corr('temporal', '  rules: [a, b]\n'));
    expect(fired(t, [ev(0, 'beta'), ev(30, 'alpha')])).toEqual([0, 1]);
    expect(fired(t, [ev(100, 'beta'), ev(200, 'alpha')])).toEqual([0, 0]);
    const o = engineOf(base('a', 'alpha'), base('b', 'beta'), base('c', 'gamma'), corr('temporal_ordered', '  rules: [a, b, c]\n'));
    expect(fired(o, [ev(0, 'gamma'), ev(1, 'beta'), ev(2, 'alpha')])).toEqual([0, 0, 0]);
    expect(fired(o, [ev(3, 'beta'), ev(4, 'gamma')])).toEqual([0, 1]); // alpha (2 s) -> beta -> gamma
    expect(fired(o, [ev(10, 'alpha'), ev(20, 'beta'), ev(100, 'gamma')])).toEqual([0, 0, 0]); // too slow
    // One event matching two steps counts for one of them only.
    expect(fired(o, [ev(200, 'alpha'), ev(201, 'beta gamma')])).toEqual([0, 0]);
  });

  it('a finding names the events behind it, oldest first', () => {
    const e = engineOf(base('a', 'alpha'), base('b', 'beta'), corr('temporal_ordered', '  rules: [a, b]\n'));
    e.evaluate(ev(0, 'alpha one'));
    const [f] = e.evaluate(ev(5, 'beta two')).filter((x) => x.rule.name === 'corr');
    expect(f!.events.map((x) => x.process.command_line)).toEqual(['alpha one', 'beta two']);
  });
});
