// The last process tier: /proc polling, for machines where no helper can run. A process that lives longer than
// the interval is recorded with its command line, parent, user and executable, and its end; the status names
// the tier and says what it misses (anything that lives shorter than the interval).
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../../main/core/index.js';
import { tempDirs, waitFor } from '../../../helpers/temp.js';

const dirs = tempDirs();
const cores: Core[] = [];
afterEach(async () => { for (const c of cores.splice(0)) await c.stop(); dirs.cleanup(); });

describe.skipIf(process.platform !== 'linux')('process sensor, /proc polling tier', () => {
  it('records a process that lives a few seconds, with parent and user, and its end; says what it misses', async () => {
    const core = await createCore({ dataDir: dirs.make('mamori-poll-'), watchFolders: [], host: 'test', processSensor: 'proc_poll', log: () => undefined });
    cores.push(core);
    const sensor = (await core.api.getStatus({})).sensors.find((s) => s.id === 'process')!;
    expect(sensor).toMatchObject({ state: 'running', tier: 'proc_poll', limits: expect.stringMatching(/shorter is not seen at all/) });

    const marker = `mamori-poll-${process.pid}-${Date.now()}`;
    const long = spawn('/bin/sh', ['-c', 'sleep 2.5', marker]);
    const ended = new Promise((r) => long.once('exit', r));
    const exec = await waitFor('the exec', async () => (await core.api.searchEvents({ text: marker, kind: 'process' })).items
      .find((e) => e.event.action === 'exec' && e.process.pid === long.pid), 10_000);
    expect(exec.process).toMatchObject({
      executable: '/usr/bin/dash', command_line: `/bin/sh -c 'sleep 2.5' ${marker}`, parent: { pid: process.pid },
    });
    expect(exec.user.id).toBe(process.getuid!());
    expect(exec.event.late).toBe(true);
    await ended;
    await waitFor('the exit', async () => (await core.api.searchEvents({ kind: 'process', limit: 1000 })).items
      .some((e) => e.event.action === 'exit' && e.process.entity_id === exec.process.entity_id), 10_000);
  }, 30_000);
});
