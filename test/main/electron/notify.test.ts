// Notifications as the user meets them: high alerts interrupt once, low ones never, a burst is one
// summary, and clicking opens that alert in the window.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./fake-electron.js'));
vi.mock('../../../main/core/index.js', () => import('./fake-core.js'));

import { FakeNotification, state } from './fake-electron.js';
import { makeAlert } from './fake-core.js';
import type { ResponseAction } from '../../../preload/contract/index.js';
import { start, type Started } from './harness.js';

let running: Started | null = null;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(async () => {
  vi.useRealTimers();
  await running?.shell.shutdown();
  running = null;
});

const shown = () => FakeNotification.instances.filter((n) => n.shown);
/** Lets the gathering delay pass and the settings read settle. */
const settle = (ms = 1_000) => vi.advanceTimersByTimeAsync(ms);

describe('alert notifications', () => {
  it('a high alert shows one notification with its title and summary', async () => {
    running = await start();
    running.core.events.emit('alert', makeAlert({ id: 'a1', severity: 'high' }));
    await settle();
    expect(shown()).toHaveLength(1);
    expect(shown()[0]!.options).toMatchObject({ title: 'Dangerous file quarantined (a1)', body: 'Mamori moved eicar.com to quarantine.' });
  });

  it('clicking it shows the window at that alert', async () => {
    running = await start({ argv: ['--hidden'] });
    running.core.events.emit('alert', makeAlert({ id: 'a-42', severity: 'critical' }));
    await settle();
    expect(shown()[0]!.options.urgency).toBe('critical');
    expect(running.win().isVisible()).toBe(false);
    shown()[0]!.click();
    expect(running.win().isVisible()).toBe(true);
    expect(running.win().focused).toBe(true);
    expect(running.win().loadURL).toHaveBeenLastCalledWith('mamori://app/index.html#/alerts/a-42');
  });

  it('a low (or medium) alert shows nothing with the default threshold', async () => {
    running = await start();
    running.core.events.emit('alert', makeAlert({ id: 'l1', severity: 'low' }));
    running.core.events.emit('alert', makeAlert({ id: 'm1', severity: 'medium' }));
    await settle();
    expect(shown()).toHaveLength(0);
  });

  it('follows notifyMinSeverity from Settings', async () => {
    running = await start({}, (core) => { core.settings = { ...core.settings, notifyMinSeverity: 'medium' }; });
    running.core.events.emit('alert', makeAlert({ id: 'm1', severity: 'medium' }));
    running.core.events.emit('alert', makeAlert({ id: 'l1', severity: 'low' }));
    await settle();
    expect(shown().map((n) => n.options.title)).toEqual(['Dangerous file quarantined (m1)']);
  });

  it('at most one notification per alert id, also when the alert is updated later', async () => {
    running = await start();
    running.core.events.emit('alert', makeAlert({ id: 'a1' }));
    running.core.events.emit('alert', makeAlert({ id: 'a1' }));
    await settle();
    running.core.events.emit('alert', makeAlert({ id: 'a1', count: 2 }));
    await settle(20_000);
    expect(shown()).toHaveLength(1);
  });

  it('a burst of 5 at once becomes one summary, which opens the alert list', async () => {
    running = await start({ argv: ['--hidden'] });
    for (let i = 1; i <= 5; i++) running.core.events.emit('alert', makeAlert({ id: `b${i}` }));
    await settle();
    expect(shown()).toHaveLength(1);
    expect(shown()[0]!.options.title).toBe('5 new alerts');
    shown()[0]!.click();
    expect(running.win().loadURL).toHaveBeenLastCalledWith('mamori://app/index.html#/alerts');
  });

  it('more than 3 within 10 s: three single ones, then one summary ("4 new alerts")', async () => {
    running = await start();
    for (let i = 1; i <= 4; i++) {
      running.core.events.emit('alert', makeAlert({ id: `s${i}` }));
      await settle(2_000);
    }
    expect(shown().map((n) => n.options.title)).toEqual([
      'Dangerous file quarantined (s1)', 'Dangerous file quarantined (s2)', 'Dangerous file quarantined (s3)', '4 new alerts',
    ]);
    running.core.events.emit('alert', makeAlert({ id: 's5' }));
    await settle();
    const summaries = shown().filter((n) => /new alerts/.test(String(n.options.title)));
    expect(summaries.map((n) => n.options.title)).toEqual(['4 new alerts', '5 new alerts']);
    expect(summaries[0]!.closed).toBe(true); // the summary is replaced, not stacked

    // After a quiet spell, a new alert is a single notification again.
    await settle(15_000);
    running.core.events.emit('alert', makeAlert({ id: 'later' }));
    await settle();
    expect(shown().at(-1)!.options.title).toBe('Dangerous file quarantined (later)');
  });

  it('nothing when the OS has no notification support', async () => {
    running = await start({}, () => { state.notificationsSupported = false; });
    running.core.events.emit('alert', makeAlert({ id: 'a1', severity: 'critical' }));
    await settle();
    expect(FakeNotification.instances).toHaveLength(0);
  });

  it('in Japanese when the UI language is Japanese', async () => {
    running = await start({}, () => { state.locale = 'ja-JP'; });
    running.core.events.emit('alert', makeAlert({ id: 'j1' }));
    await settle();
    expect(shown()[0]!.options).toMatchObject({ title: '危険なファイルを隔離しました（j1）', body: 'eicar.com を隔離しました。' });
    for (let i = 2; i <= 5; i++) running.core.events.emit('alert', makeAlert({ id: `j${i}` }));
    await settle();
    expect(shown().at(-1)!.options.title).toBe('新しいアラートが 5 件あります');
  });
});

describe('response notifications', () => {
  const action = (over: Partial<ResponseAction>): ResponseAction => ({
    id: 'ra_1', time: '2025-01-01T00:00:00.000Z', kind: 'isolate', status: 'pending', actor: 'policy', reason: 'Reverse shell',
    alertId: 'a1', incidentId: null, target: {}, summary: 'Waiting for your decision: cut the computer off the network.', processes: [],
    changed: false, error: null, undo: { possible: true, reason: null, undoneAt: null, undoneBy: null }, undoes: null,
    decideBy: '2025-01-01T00:05:00.000Z', ...over,
  });

  it('a question pops up once, with Do it / Don\'t; pressing Do it answers it', async () => {
    running = await start();
    running.core.events.emit('action', action({}));
    running.core.events.emit('action', action({}));
    await settle();
    expect(shown()).toHaveLength(1);
    expect(shown()[0]!.options).toMatchObject({ title: 'Mamori asks: may it act?', urgency: 'critical', actions: [{ text: 'Do it' }, { text: "Don't" }] });
    expect(shown()[0]!.options.body).toMatch(/^Waiting for your decision: cut the computer off the network\. If nobody answers by .+, Mamori will not do it\.$/);
    shown()[0]!.press(0);
    expect(running.core.api.decideAction).toHaveBeenCalledWith({ id: 'ra_1', approve: true });
  });

  it('an isolation done on its own is said at once; other actions stay quiet', async () => {
    running = await start();
    running.core.events.emit('action', action({ id: 'ra_2', status: 'succeeded', changed: true, decideBy: null }));
    running.core.events.emit('action', action({ id: 'ra_3', kind: 'kill', status: 'succeeded', changed: true, decideBy: null }));
    await settle();
    expect(shown().map((n) => n.options.title)).toEqual(['This computer was cut off the network']);
  });
});
