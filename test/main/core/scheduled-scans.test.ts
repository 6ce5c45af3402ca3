// Scheduled scans through the whole core: the quick scan starts by itself when its slot passes (the test moves
// the scheduler's clock, not the machine's), covers the watched folders, is recorded as a scheduled quick scan,
// and does not run again for the same slot; the full scan wins when both are due; the user can start either.
// Automatic quarantine is off here: these scans read /tmp, where other tests keep their own files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../main/core/index.js';
import { EICAR } from '../../../main/core/detect/index.js';
import { tempDirs, waitFor } from '../../helpers/temp.js';

const dirs = tempDirs();
const cores: Core[] = [];
afterEach(async () => { for (const c of cores.splice(0)) await c.stop(); dirs.cleanup(); });

const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

async function start(prepare: (watched: string) => void = () => undefined) {
  let now = new Date();
  const watched = dirs.make('mamori-watch-');
  prepare(watched); // before the core starts: the real-time watcher only reacts to changes
  const core = await createCore({
    dataDir: dirs.make('mamori-data-'), watchFolders: [watched], host: 'test', log: () => undefined,
    scheduledScans: { checkEveryMs: 50, catchUpMs: 0 }, now: () => now,
  });
  cores.push(core);
  await core.api.updateSettings({ autoQuarantine: false });
  return { core, watched, advance: (ms: number) => { now = new Date(now.getTime() + ms); }, now: () => now };
}

describe('scheduled scans', () => {
  it('the quick scan starts by itself when its slot passes, finds what is in a watched folder, and runs once per slot', async () => {
    const { core, watched, advance, now } = await start((w) => writeFileSync(join(w, 'eicar.txt'), EICAR));
    const slot = new Date(now().getTime() + 2 * 60_000);
    await core.api.updateSettings({ scanSchedule: { quick: { enabled: true, at: hhmm(slot) }, full: { enabled: false, day: 0, at: '03:00' } } });
    const before = await core.api.getScanSchedule({});
    expect(before.quick).toMatchObject({ enabled: true, at: hhmm(slot), last: null });
    expect(Date.parse(before.quick.next!)).toBeGreaterThan(now().getTime());
    expect(before.full.next).toBeNull();

    await new Promise((r) => setTimeout(r, 300));
    expect((await core.api.listScans({})).items).toHaveLength(0); // not yet due

    advance(3 * 60_000);
    const scan = await waitFor('the scheduled quick scan', async () => (await core.api.listScans({})).items[0], 5_000);
    expect(scan).toMatchObject({ profile: 'quick', trigger: 'schedule' });
    expect(scan.paths).toEqual(expect.arrayContaining([watched, '/tmp']));
    // The watched folder is found in the scan (then the rest of the quick scan is not waited for).
    const alert = await waitFor('the finding', async () => (await core.api.listAlerts({})).items
      .find((a) => a.scanId === scan.id && a.file?.path === join(watched, 'eicar.txt')), 30_000);
    expect(alert.ruleId).toBe('mamori.file.eicar');
    await core.api.cancelScan({ id: scan.id });

    await new Promise((r) => setTimeout(r, 300));
    expect((await core.api.listScans({})).items).toHaveLength(1); // the same slot does not run twice
    expect((await core.api.getScanSchedule({})).quick.last).toBe(scan.startedAt);
  }, 60_000);

  it('when both are due the full scan runs, and counts as the quick one too', async () => {
    const { core, advance, now } = await start();
    const slot = new Date(now().getTime() + 2 * 60_000);
    await core.api.updateSettings({ scanSchedule: { quick: { enabled: true, at: hhmm(slot) }, full: { enabled: true, day: slot.getDay(), at: hhmm(slot) } } });
    advance(3 * 60_000);
    const scan = await waitFor('the scheduled full scan', async () => (await core.api.listScans({})).items[0], 5_000);
    expect(scan).toMatchObject({ profile: 'full', trigger: 'schedule', paths: ['/'] });
    await core.api.cancelScan({ id: scan.id });
    await new Promise((r) => setTimeout(r, 300));
    expect((await core.api.listScans({})).items).toHaveLength(1);
  }, 30_000);

  it('the user starts the quick scan on demand; asking again while it runs returns the same scan', async () => {
    const { core } = await start();
    const { scan } = await core.api.startScan({ profile: 'quick' });
    expect(scan).toMatchObject({ profile: 'quick', trigger: 'user', state: 'running' });
    const again = await core.api.startScan({ profile: 'quick' });
    expect(again.scan.id).toBe(scan.id);
    await core.api.cancelScan({ id: scan.id });
    await expect(core.api.startScan({})).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(core.api.startScan({ profile: 'quick', paths: ['/tmp'] })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('refuses a schedule with a malformed time and keeps the old one', async () => {
    const { core } = await start();
    await expect(core.api.updateSettings({ scanSchedule: { quick: { enabled: true, at: '7pm' }, full: { enabled: true, day: 0, at: '03:00' } } }))
      .rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect((await core.api.getSettings({})).scanSchedule.quick.at).toBe('12:30');
  });
});
