// The process sensor end to end with real processes: helper -> normaliser -> store -> search and tree.
// Runs once per tier that can run here (eBPF, cn_proc); each tier's known limits are asserted honestly.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../../../preload/contract/index.js';
import { createCore, type Core } from '../../../../main/core/index.js';
import { tempDirs, waitFor } from '../../../helpers/temp.js';
import { HELPERS_DIR as helpersDir, helperSkipReason } from '../../../helpers/native-helper.js';

const dirs = tempDirs();
const cores: Core[] = [];
afterEach(async () => { for (const c of cores.splice(0)) await c.stop(); dirs.cleanup(); });


const tiers = [
  { tier: 'ebpf' as const, binary: 'mamori-proc-ebpf' },
  { tier: 'cn_proc' as const, binary: 'mamori-proc-cn' },
];

for (const { tier, binary } of tiers) {
  const skip = helperSkipReason(join(helpersDir, binary));
  describe.skipIf(skip !== null)(`process sensor, ${tier} tier${skip ? ` (skipped: ${skip})` : ''}`, () => {
    async function start() {
      const core = await createCore({ dataDir: dirs.make('mamori-proc-'), watchFolders: [], host: 'test', processSensor: tier, helpersDir, log: () => undefined });
      cores.push(core);
      const status = await core.api.getStatus({});
      expect(status.sensors.find((s) => s.id === 'process')).toMatchObject({ state: 'running', tier });
      // Wait until events flow end to end (helper attached, first batch stored) before measuring anything.
      const warm = `mamori-warmup-${Date.now()}`;
      await waitFor('the first events', async () => {
        spawnSync('/bin/sleep', ['0.05', warm]);
        return (await core.api.searchEvents({ text: warm, limit: 1 })).items.length > 0;
      }, 15_000);
      return core;
    }
    const search = async (core: Core, text: string, pred: (e: TelemetryEvent) => boolean, what: string) =>
      waitFor(what, async () => (await core.api.searchEvents({ text, limit: 200 })).items.filter(pred).at(0) ?? null, 15_000);

    it('records a child process: exec with full command line, parent, user, hash, cwd, and its exit code', async () => {
      const core = await start();
      const cwd = dirs.make('mamori-cwd-');
      const marker = `mamori-marker-${Date.now()}`;
      const child = spawn('/bin/sh', ['-c', 'sleep 0.3; exit 7', marker], { cwd });
      await new Promise((r) => child.once('exit', r));
      const exec = await search(core, marker, (e) => e.event.action === 'exec' && e.process.pid === child.pid, 'the exec event');
      expect(exec.process.args).toEqual(['/bin/sh', '-c', 'sleep 0.3; exit 7', marker]);
      expect(exec.process.parent?.pid).toBe(process.pid);
      expect(exec.user).toMatchObject({ id: process.getuid!(), name: expect.any(String) });
      expect(exec.process.working_directory).toBe(cwd);
      expect(exec.process.hash?.sha256).toMatch(/^[0-9a-f]{64}$/);
      // The exit carries the process's command line, so the marker finds it however busy the machine is.
      const exit = await search(core, marker, (e) => e.event.action === 'exit' && e.process.entity_id === exec.process.entity_id, 'the exit event');
      expect(exit.process.exit_code).toBe(7);
      const tree = await core.api.processTree({ ref: exec.process.entity_id });
      expect(tree.process).toMatchObject({ pid: child.pid, exit_code: 7 });
      expect(tree.process.children.map((c) => c.command_line)).toEqual(expect.arrayContaining([expect.stringContaining('sleep 0.3')]));
    });

    it('sees LD_PRELOAD in the environment and the preloaded library in the process', async () => {
      const core = await start();
      const marker = `mamori-preload-${Date.now()}`;
      const lib = ['/usr/lib/x86_64-linux-gnu/libm.so.6', '/lib/x86_64-linux-gnu/libm.so.6'].find((p) => existsSync(p))!;
      const child = spawn('/bin/sh', ['-c', 'sleep 3', marker], { env: { ...process.env, LD_PRELOAD: lib } });
      const libs = await search(core, marker, (e) => e.event.action === 'libraries' && e.process.pid === child.pid, 'the libraries event');
      expect(libs.process.libraries).toEqual(expect.arrayContaining([expect.stringMatching(/libm\.so\.6$/)]));
      const exec = await search(core, marker, (e) => e.event.action === 'exec' && e.process.pid === child.pid, 'the exec event');
      expect(exec.process.env_vars).toEqual([`LD_PRELOAD=${lib}`]);
      child.kill();
    });

    it('flags a program run from memory (memfd) by what the kernel says it runs', async () => {
      const core = await start();
      const marker = `mamori-memfd-${Date.now()}`;
      // Python copies the shell into a memfd and executes that: no file on disk is the program.
      const py = `import os,sys\nfd=os.memfd_create('payload')\nos.write(fd,open('/bin/sh','rb').read())\nos.execve(fd,['sh','-c','sleep 3',sys.argv[1]],{})`;
      const child = spawn('python3', ['-c', py, marker]);
      const exec = await search(core, marker, (e) => e.event.action === 'exec' && e.process.pid === child.pid && !!e.process.executable_link,
        'the exec of the memfd program');
      expect(exec.process.executable_link).toMatch(/^\/memfd:payload \(deleted\)$/);
      expect(exec.process.args).toEqual(['sh', '-c', 'sleep 3', marker]);
      child.kill();
    });

    it(tier === 'ebpf'
      ? 'keeps the full command line of a process that exits at once'
      : 'records a process that exits at once, its command line only if /proc still had it (known limit)', async () => {
      const core = await start();
      const marker = `mamori-instant-${Date.now()}`;
      const r = spawnSync('/bin/true', [marker]);
      expect(r.status).toBe(0);
      if (tier === 'ebpf') {
        const exec = await search(core, marker, (e) => e.event.action === 'exec', 'the exec of /bin/true');
        expect(exec.process.args).toEqual(['/bin/true', marker]);
      } else {
        // Without a command line the marker cannot find it: look the pid up through its process tree.
        const tree = await waitFor('the process of that pid', () => core.api.processTree({ ref: String(r.pid) }).catch(() => null), 15_000);
        const exec = await waitFor('its exec event', async () => (await core.api.searchEvents({ kind: 'process', limit: 1000 })).items
          .find((e) => e.event.action === 'exec' && e.process.entity_id === tree.process.entity_id) ?? null, 15_000);
        expect(exec.event.late).toBe(true);
        if (exec.process.args) expect(exec.process.args).toEqual(['/bin/true', marker]);
      }
    });
  });
}
