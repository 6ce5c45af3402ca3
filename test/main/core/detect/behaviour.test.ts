// Behaviour detection through the whole core: real processes -> the process sensor -> the store -> Sigma
// rules -> alerts with ATT&CK ids and plain-language text; repeats merge; the user's folders load with
// coded reasons for the rules that cannot.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { behaviourSkipReason, startBehaviourCore, type BehaviourCore } from '../../../helpers/behaviour.js';
import { tempDirs } from '../../../helpers/temp.js';

const skip = behaviourSkipReason();
if (skip) console.warn(`[behaviour] skipped: ${skip}`);
const dirs = tempDirs();

const RULE = `title: Test tool named probe-mamori run with --exfil
id: 0d4c1d5e-2a59-4d8c-9f8e-7d1b5a0f3c11
name: test.probe-exfil
status: test
description: A test rule.
author: Mamori tests
date: 2026-11-26
tags: [attack.exfiltration, attack.t1048]
logsource: { product: linux, category: process_creation }
detection:
  selection:
    Image|endswith: /probe-mamori
    CommandLine|contains: --exfil
  filter_main_dry:
    CommandLine|contains: --dry-run
  condition: selection and not 1 of filter_main_*
level: high
mamori:
  explain:
    en: { title: A test tool sent data out, what: The probe ran with --exfil., why: Tests need a rule., do: Nothing to do. }
    ja: { title: テストツールがデータを送信しました, what: probe が --exfil で実行されました。, why: テスト用のルールです。, do: 対応は不要です。 }
`;
const SEQUENCE = `title: seq step one
id: 7b0c2c52-9a3e-4b55-8a3f-0c7e0c9d3a01
name: test.seq-one
logsource: { product: linux, category: process_creation }
detection: { s: { CommandLine|contains: 'step-one-mamori' }, condition: s }
level: low
---
title: seq step two
id: 7b0c2c52-9a3e-4b55-8a3f-0c7e0c9d3a02
name: test.seq-two
logsource: { product: linux, category: process_creation }
detection: { s: { CommandLine|contains: 'step-two-mamori' }, condition: s }
level: low
---
title: One then two in one shell
id: 7b0c2c52-9a3e-4b55-8a3f-0c7e0c9d3a03
name: test.seq
tags: [attack.execution, attack.t1059.004]
correlation:
  type: temporal_ordered
  rules: [test.seq-one, test.seq-two]
  group-by: [process.parent.entity_id]
  timespan: 1m
level: critical
`;

describe.skipIf(skip)('behaviour rules on live telemetry', () => {
  let b: BehaviourCore;
  let probe: string;
  beforeAll(async () => {
    const rules = dirs.make('mamori-rules-');
    mkdirSync(join(rules, 'sigma'));
    writeFileSync(join(rules, 'sigma', 'probe.yml'), RULE);
    writeFileSync(join(rules, 'sigma', 'seq.yml'), SEQUENCE);
    writeFileSync(join(rules, 'sigma', 'broken.yml'), 'title: broken\nid: x\nlogsource: {category: process_creation}\ndetection: {a: {Image: x}, condition: a and b}\n');
    b = await startBehaviourCore({ rulesDir: rules });
    probe = join(b.dir, 'probe-mamori');
    copyFileSync('/bin/true', probe);
  });
  afterAll(async () => { await b?.stop(); dirs.cleanup(); });

  it('a matching process raises one alert with its process, ATT&CK id, text and event', async () => {
    const first = await b.run(`'${probe}' --exfil one; true`);
    const alerts = await b.alerts('test.probe-exfil');
    expect(alerts).toHaveLength(1);
    const a = alerts[0]!;
    expect(a).toMatchObject({ severity: 'high', detection: { engine: 'sigma' }, attack: { techniques: ['T1048'], tactics: ['exfiltration'] } });
    expect(a.process?.executable).toBe(probe);
    expect(a.process?.command_line).toContain('--exfil one');
    expect(a.text.ja.title).toBe('テストツールがデータを送信しました');
    expect(a.eventIds).toHaveLength(1);
    const ev = (await b.core.api.searchEvents({ text: 'probe-mamori', kind: 'process', limit: 50 })).items.find((e) => e.id === a.eventIds![0]);
    expect(ev?.process.command_line).toContain('--exfil one');
    expect(first.code).toBe(0);
  });

  it('the filter keeps a similar benign run quiet', async () => {
    await b.run(`'${probe}' --exfil --dry-run; true`);
    await b.run(`'${probe}' --list; true`);
    await new Promise((r) => setTimeout(r, 1500));
    const alerts = await b.alerts('test.probe-exfil', 0);
    expect(alerts).toHaveLength(1); // only the first test's
  });

  it('a sequence fires when both steps run in order under one shell, and not for one step alone or the wrong order', async () => {
    // The words are built inside the shell, so only the echo processes carry them, not the shell's own command line.
    await b.run('O=one-mamori; T=two-mamori; /bin/echo step-$T; /bin/echo step-$O; true');
    await b.run('O=one-mamori; /bin/echo step-$O; true');
    await b.noAlerts('test.seq', 1500);
    await b.run('O=one-mamori; T=two-mamori; /bin/echo step-$O; /bin/echo step-$T; true');
    const alerts = await b.alerts('test.seq');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.severity).toBe('critical');
    expect(alerts[0]!.eventIds).toHaveLength(2);
    // The steps feed the sequence only: no alerts of their own.
    expect(await b.alerts('test.seq-one', 0)).toHaveLength(0);
    // It is an incident with a timeline of both steps, in order (the earlier tests' alert, a minute before, is
    // in the same incident by time).
    const { incident, timeline, alerts: grouped } = await b.core.api.getIncident({ id: alerts[0]!.incidentId! });
    expect(incident).toMatchObject({ severity: 'critical', techniques: expect.arrayContaining(['T1059.004']) });
    expect(grouped.map((a) => a.id)).toContain(alerts[0]!.id);
    const steps = timeline.map((e) => e.process.command_line).filter((c) => c?.startsWith('/bin/echo step-'));
    expect(steps).toEqual(['/bin/echo step-one-mamori', '/bin/echo step-two-mamori']);
    expect(timeline.map((e) => e.id)).toEqual([...timeline.map((e) => e.id)].sort((x, y) => x - y));
  });

  it('status lists the rules and the one that did not load, with its code', async () => {
    const s = await b.core.api.getSigmaRules({});
    expect(s).toMatchObject({ rules: 3, correlations: 1, failed: 1 });
    expect(s.problems[0]).toMatchObject({ file: expect.stringContaining('broken.yml'), loaded: false, code: 'UNKNOWN_IDENTIFIER' });
    expect(s.eventsEvaluated).toBeGreaterThan(0);
  });
});
