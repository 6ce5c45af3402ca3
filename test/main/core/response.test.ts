// Response through the core's API, on real processes this test starts (each tree in its own process group,
// cleaned up by group) and, where root and nftables are here, on a firewall inside network namespaces the
// test creates. What a user would notice: the tree is gone and nothing else; a paused program really stops
// and continues; a restart keeps the records and what is in force; isolation really cuts traffic except the
// allow-list, and switching the policy off reconnects.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MamoriError } from '../../../preload/contract/index.js';
import { createCore, type Core, type CoreConfig } from '../../../main/core/index.js';
import { ResponseLoop } from '../../../main/core/response.js';
import { openStore } from '../../../main/core/store/index.js';
import { HELPERS_DIR } from '../../helpers/native-helper.js';
import { entityOfPid, procStat } from '../../helpers/procs.js';
import { createTestNetwork, netnsSkipReason, type TestNetwork } from '../../helpers/netns.js';
import { tempDirs, waitFor } from '../../helpers/temp.js';

const dirs = tempDirs();
const groups: number[] = [];
const cores: Core[] = [];
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

const stat = procStat;
const entityOf = entityOfPid;
const running = (pid: number) => { const s = stat(pid); return !!s && s.state !== 'Z' && s.state !== 'X'; };
const inGroup = (pgrp: number) => readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number).filter((pid) => stat(pid)?.pgrp === pgrp && running(pid));

/** A process tree in its own group: sh with two children (sleep, and a loop appending to `counter`). */
async function startTree(counter: string): Promise<{ root: number; members: () => number[] }> {
  const child = spawn('sh', ['-c', `sleep 300 & while :; do echo x >> '${counter}'; sleep 0.05; done & wait`], { detached: true, stdio: 'ignore' });
  child.unref();
  groups.push(child.pid!);
  await waitFor('the tree to start', () => inGroup(child.pid!).length >= 3 && existsSync(counter), 5000);
  return { root: child.pid!, members: () => inGroup(child.pid!) };
}

async function newCore(dataDir: string, extra: Partial<CoreConfig> = {}): Promise<Core> {
  const core = await createCore({ dataDir, host: 'test', fileSensor: 'off', watchFolders: [], log: () => {}, ...extra });
  cores.push(core);
  return core;
}

async function stopCore(core: Core) {
  await core.stop();
  cores.splice(cores.indexOf(core), 1);
}

afterEach(async () => {
  for (const g of groups.splice(0)) for (const pid of inGroup(g)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const c of cores.splice(0)) await c.stop();
  dirs.cleanup();
});

const grows = async (file: string) => { const a = statSync(file).size; await new Promise((r) => setTimeout(r, 400)); return statSync(file).size > a; };

describe('response actions on real processes', () => {
  it('kill stops the whole tree it names and nothing else, records it, and says it cannot be undone', async () => {
    const dir = dirs.make();
    const core = await newCore(join(dir, 'data'));
    const tree = await startTree(join(dir, 'counter'));
    const bystander = await startTree(join(dir, 'other'));
    const members = tree.members();
    // Everything that lives in the tree must be in the record (the loop's short sleeps come and go meanwhile).
    const longLived = members.filter((pid) => { try { return !readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('0.05'); } catch { return false; } });
    const rootEntity = entityOf(tree.root);
    const action = await core.api.respond({ kind: 'kill', entityId: rootEntity, reason: 'test: looks malicious' });
    expect(action).toMatchObject({ kind: 'kill', status: 'succeeded', actor: 'user', reason: 'test: looks malicious', changed: true, undo: { possible: false } });
    expect(action.processes.map((p) => p.pid)).toEqual(expect.arrayContaining(longLived));
    expect(action.processes.map((p) => p.pid)).not.toEqual(expect.arrayContaining([bystander.root]));
    // (One of the loop's short sleeps may have exited in between: gone, not killed.)
    expect(action.processes.every((p) => p.outcome === 'killed' || p.outcome === 'gone')).toBe(true);
    expect(action.processes.find((p) => p.pid === tree.root)?.outcome).toBe('killed');
    await waitFor('the tree to be gone', () => members.every((pid) => !running(pid)), 3000);
    expect(bystander.members().length).toBeGreaterThanOrEqual(3);
    expect(await grows(join(dir, 'other'))).toBe(true);
    // Again: already done, not an error. Undo: refused, with the reason.
    expect(await core.api.respond({ kind: 'kill', entityId: rootEntity })).toMatchObject({ status: 'succeeded', changed: false });
    const undo = await core.api.undoAction({ id: action.id }).catch((e: unknown) => e);
    expect(undo).toBeInstanceOf(MamoriError);
    expect((undo as MamoriError).message).toMatch(/cannot be undone: a stopped program cannot be brought back/);
    expect((await core.api.listActions({})).items.map((a) => a.id)).toContain(action.id);
  });

  it('suspend really stops the tree and undo continues exactly it, across a restart of Mamori', async () => {
    const dir = dirs.make();
    const dataDir = join(dir, 'data');
    let core = await newCore(dataDir);
    const counter = join(dir, 'counter');
    const tree = await startTree(counter);
    const suspended = await core.api.respond({ kind: 'suspend', entityId: entityOf(tree.root) });
    expect(suspended).toMatchObject({ status: 'succeeded', undo: { possible: true } });
    await waitFor('every member stopped', () => tree.members().every((pid) => stat(pid)?.state === 'T'), 3000);
    expect(await grows(counter)).toBe(false);
    const twice = await core.api.respond({ kind: 'suspend', entityId: entityOf(tree.root) });
    expect(twice).toMatchObject({ status: 'succeeded', changed: false, undo: { possible: false } });

    await stopCore(core);
    core = await newCore(dataDir);
    const history = (await core.api.listActions({})).items;
    expect(history.map((a) => [a.kind, a.status])).toEqual([['suspend', 'succeeded'], ['suspend', 'succeeded']]);
    expect(await grows(counter)).toBe(false); // a restart does not let it go

    const resumed = await core.api.undoAction({ id: suspended.id });
    expect(resumed).toMatchObject({ kind: 'resume', status: 'succeeded', undoes: suspended.id });
    expect(await grows(counter)).toBe(true);
    expect(tree.members().every((pid) => stat(pid)?.state !== 'T')).toBe(true);
    expect(await core.api.getAction({ id: suspended.id })).toMatchObject({ status: 'undone', undo: { undoneBy: resumed.id } });
    await expect(core.api.undoAction({ id: suspended.id })).rejects.toThrow(/already undone/);
  });

  it('refuses what it must never touch, and explains failures on record', async () => {
    const dir = dirs.make();
    const core = await newCore(join(dir, 'data'));
    const self = await core.api.respond({ kind: 'kill', entityId: entityOf(process.pid) });
    expect(self).toMatchObject({ status: 'failed', error: { code: 'PROTECTED' } });
    expect(running(process.pid)).toBe(true);
    await expect(core.api.respond({ kind: 'kill', entityId: '1;rm -rf /' } as never)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const isolate = await core.api.respond({ kind: 'isolate' });
    expect(isolate).toMatchObject({ status: 'failed', error: { code: 'NETWORK_OFF' } });
    expect(isolate.summary).toMatch(/never changes this machine's firewall/);
    const hash = 'a'.repeat(64);
    const blocked = await core.api.respond({ kind: 'block_hash', sha256: hash });
    expect(blocked).toMatchObject({ status: 'succeeded', changed: true });
    expect(await core.api.respond({ kind: 'block_hash', sha256: hash.toUpperCase() })).toMatchObject({ changed: false });
    const undone = await core.api.undoAction({ id: blocked.id });
    expect(undone).toMatchObject({ kind: 'unblock_hash', status: 'succeeded' });
    expect((await core.api.listActions({ status: 'succeeded' })).items.filter((a) => a.kind === 'block_hash')).toEqual([]);
  });
});

describe('the response policy: act, ask, record', () => {
  function loopIn(dir: string, clock: { now: Date }) {
    const store = openStore(join(dir, 'data'), { language: 'en', watchFolders: [], autoQuarantine: true, notifyMinSeverity: 'high' }, () => {});
    const loop = new ResponseLoop({
      store, helpersDir: HELPERS_DIR, network: 'off', auto: true, now: () => clock.now, log: () => {}, changed: () => {},
      quarantine: async () => ({ ok: false, summary: 'not in this test' }), restore: () => ({ ok: false, summary: 'not in this test' }),
    });
    return { store, loop };
  }
  const alertOn = (pid: number, severity: 'critical' | 'high' | 'medium' | 'low') => ({
    id: `al_${severity}`, time: new Date().toISOString(), lastSeen: new Date().toISOString(), count: 1, severity, status: 'open' as const,
    ruleId: 'test-rule', title: `a ${severity} behaviour`, text: { en: { title: 't', summary: 's', advice: [] }, ja: { title: 't', summary: 's', advice: [] } },
    source: 'realtime' as const, scanId: null, file: null, detection: { engine: 'sigma' as const, signature: 'x' }, actions: [],
    process: { pid, entity_id: entityOf(pid), executable: '/bin/sh', command_line: 'sh -c ...' }, incidentId: null,
  });

  it('critical: kills on its own (and the isolation it also asks for fails with a reason when the firewall is off)', async () => {
    const dir = dirs.make();
    const { store, loop } = loopIn(dir, { now: new Date() });
    const tree = await startTree(join(dir, 'c'));
    const done = await loop.onAlert(alertOn(tree.root, 'critical'), { remoteAddress: null });
    expect(done.map((a) => [a.kind, a.status, a.actor])).toEqual([['kill', 'succeeded', 'policy'], ['isolate', 'failed', 'policy']]);
    expect(done[1]!.error?.code).toBe('NETWORK_OFF');
    await waitFor('the tree to be gone', () => tree.members().length === 0, 3000);
    store.close();
  });

  it('medium: asks; the process runs until someone decides; unanswered, the default (skip) applies at the deadline', async () => {
    const dir = dirs.make();
    const clock = { now: new Date() };
    const { store, loop } = loopIn(dir, clock);
    const tree = await startTree(join(dir, 'c'));
    const [asked] = await loop.onAlert(alertOn(tree.root, 'medium'), { remoteAddress: null });
    expect(asked).toMatchObject({ kind: 'kill', status: 'pending', decideBy: new Date(clock.now.getTime() + 5 * 60_000).toISOString() });
    await loop.decideDue();
    expect(store.actions.get(asked!.id)!.status).toBe('pending'); // not yet
    clock.now = new Date(clock.now.getTime() + 6 * 60_000);
    await loop.decideDue();
    expect(store.actions.get(asked!.id)).toMatchObject({ status: 'declined', summary: 'Not done: nobody answered in time.' });
    expect(tree.members().length).toBeGreaterThanOrEqual(3);
    // With "act" as the default, the next unanswered question is carried out.
    store.settings.update({ responsePolicy: { ...store.settings.get().responsePolicy, askDefault: 'act' } });
    const [again] = await loop.onAlert(alertOn(tree.root, 'medium'), { remoteAddress: null });
    clock.now = new Date(clock.now.getTime() + 6 * 60_000);
    await loop.decideDue();
    expect(store.actions.get(again!.id)).toMatchObject({ status: 'succeeded', actor: 'policy' });
    await waitFor('the tree to be gone', () => tree.members().length === 0, 3000);
    store.close();
  });

  it('low, or the policy switched off: only the alert is recorded', async () => {
    const dir = dirs.make();
    const { store, loop } = loopIn(dir, { now: new Date() });
    const tree = await startTree(join(dir, 'c'));
    expect(await loop.onAlert(alertOn(tree.root, 'low'), { remoteAddress: '203.0.113.9' })).toEqual([]);
    store.settings.update({ responsePolicy: { ...store.settings.get().responsePolicy, enabled: false } });
    expect(await loop.onAlert(alertOn(tree.root, 'critical'), { remoteAddress: '203.0.113.9' })).toEqual([]);
    expect(store.actions.list({ limit: 10 })).toEqual([]);
    expect(tree.members().length).toBeGreaterThanOrEqual(3);
    store.close();
  });
});

describe('exceptions', () => {
  it('suppress exactly the alerts their preview named, and nothing else', async () => {
    const dir = dirs.make();
    const files = join(dir, 'files');
    for (const sub of ['tools', 'downloads']) mkdirSync(join(files, sub, 'deep'), { recursive: true });
    for (const p of ['tools/a.com', 'tools/deep/b.com', 'downloads/c.com', 'downloads/deep/d.com']) writeFileSync(join(files, p), EICAR);
    const scanAll = async (core: Core) => {
      const { scan } = await core.api.startScan({ paths: [files] });
      await waitFor('the scan', async () => (await core.api.getScan({ id: scan.id })).scan.state !== 'running', 20_000);
      return (await core.api.listAlerts({})).items.map((a) => a.file!.path).sort();
    };
    const first = await newCore(join(dir, 'data1'), { autoResponse: false });
    await first.api.updateSettings({ autoQuarantine: false });
    expect(await scanAll(first)).toHaveLength(4);
    const preview = await first.api.previewException({ kind: 'path', value: `${files}/tools/**` });
    expect(preview.total).toBe(2);
    const previewed = preview.alerts.map((a) => a.file!.path).sort();

    const second = await newCore(join(dir, 'data2'), { autoResponse: false });
    await second.api.updateSettings({ autoQuarantine: false });
    const ex = await second.api.addException({ kind: 'path', value: `${files}/tools/**`, note: 'our admin tools' });
    expect((await second.api.getSettings({})).exceptions).toEqual([ex]);
    const raised = await scanAll(second);
    expect(raised).toEqual((await scanAll(first)).filter((p) => !previewed.includes(p)));
    await expect(second.api.addException({ kind: 'path', value: '/**' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(second.api.previewException({ kind: 'hash', value: 'xyz' })).rejects.toThrow(/64 hexadecimal/);
  });
});

describe.skipIf(netnsSkipReason !== '')(`network response in test namespaces${netnsSkipReason ? ` (skipped: ${netnsSkipReason})` : ''}`, () => {
  let net: TestNetwork;
  beforeAll(async () => { net = await createTestNetwork('r', 78); });
  afterAll(() => net?.remove());

  it('isolates except the allow-list, survives a restart, is lifted when the policy is switched off; blocks undo exactly', async () => {
    const dir = dirs.make();
    const dataDir = join(dir, 'data');
    const options = { network: { netns: net.A } };
    let core = await newCore(dataDir, options);
    expect(await net.reach({ stranger: true, console: true })).toEqual({ stranger: true, console: true });

    const block = await core.api.respond({ kind: 'block_ip', address: net.STRANGER });
    expect(block).toMatchObject({ status: 'succeeded', changed: true });
    expect(await net.reach({ stranger: false, console: true })).toEqual({ stranger: false, console: true });

    await core.api.updateSettings({ responsePolicy: { ...(await core.api.getSettings({})).responsePolicy, isolationAllow: [net.CONSOLE] } });
    const isolate = await core.api.respond({ kind: 'isolate' });
    expect(isolate).toMatchObject({ status: 'succeeded', target: { allow: [net.CONSOLE] } });
    expect((await core.api.getStatus({})).isolated).toBe(true);
    expect(await net.fromA.connects(net.STRANGER6, false)).toBe(false);
    expect(await net.reach({ stranger: false, console: true })).toEqual({ stranger: false, console: true });

    // A restart: the table is rebuilt from the record even if someone deleted it meanwhile.
    await stopCore(core);
    net.ip('netns', 'exec', net.A, 'nft', 'delete', 'table', 'inet', 'mamori');
    core = await newCore(dataDir, options);
    expect(await core.api.getNetworkState({})).toMatchObject({ available: true, isolated: true, allow: [net.CONSOLE], blocked: [net.STRANGER], isolatedBy: isolate.id });
    expect(await net.fromA.connects(net.STRANGER6, false)).toBe(false);

    // Policy off: never left isolated. The block stays (it is not isolation), until undone.
    const policy = (await core.api.getSettings({})).responsePolicy;
    await core.api.updateSettings({ responsePolicy: { ...policy, enabled: false } });
    expect(await core.api.getAction({ id: isolate.id })).toMatchObject({ status: 'undone' });
    expect((await core.api.listActions({})).items[0]).toMatchObject({ kind: 'unisolate', actor: 'policy', reason: 'the response policy was switched off' });
    expect(await net.fromA.connects(net.STRANGER6, true)).toBe(true);
    expect(await net.reach({ stranger: false, console: true })).toEqual({ stranger: false, console: true });

    const unblock = await core.api.undoAction({ id: block.id });
    expect(unblock).toMatchObject({ kind: 'unblock_ip', status: 'succeeded', target: { address: net.STRANGER } });
    expect(await net.reach({ stranger: true, console: true })).toEqual({ stranger: true, console: true });
    expect(net.tablesInA()).not.toMatch(/mamori/);
    expect((await core.api.getStatus({})).isolated).toBe(false);
  });
});
