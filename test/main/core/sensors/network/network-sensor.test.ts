// The /proc/net network sensor with real sockets: a child process of the test listens and connects on
// loopback BEFORE the sensor starts (the start-up snapshot must attribute them to it), then makes new
// connections while the sensor polls (seen within a few poll intervals) or while syscalls are covered (not polled).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../../../main/core/index.js';
import { findSocketOwners, NetworkSensor } from '../../../../../main/core/sensors/network/index.js';
import type { NewEvent } from '../../../../../main/core/store/index.js';
import { tempDirs, waitFor } from '../../../../helpers/temp.js';
import { HELPERS_DIR as helpersDir, helperSkipReason } from '../../../../helpers/native-helper.js';

const POLL_MS = 200;

// Listens on TCP and UDP, connects to itself, and prints the ports once the server has accepted;
// each line on stdin makes one more connection.
const CHILD = `
const net = require('node:net'), dgram = require('node:dgram');
const keep = [];
const accepted = [];
const srv = net.createServer((s) => { keep.push(s); accepted.shift()?.(); });
function connect(port) {
  return new Promise((done) => {
    let n = 0; const both = () => { if (++n === 2) done(c.localPort); };
    accepted.push(both);
    const c = net.connect(port, '127.0.0.1', both); keep.push(c);
  });
}
srv.listen(0, '127.0.0.1', async () => {
  const tcp = srv.address().port;
  const client = await connect(tcp);
  const u = dgram.createSocket('udp4');
  u.bind(0, '127.0.0.1', () => {
    console.log(JSON.stringify({ tcp, client, udp: u.address().port }));
    process.stdin.on('data', async () => console.log(JSON.stringify({ client: await connect(tcp) })));
  });
});
`;

interface Child { proc: ChildProcessWithoutNullStreams; entity: string; next(): Promise<Record<string, number>> }
const children: ChildProcessWithoutNullStreams[] = [];
const sensors: NetworkSensor[] = [];
const cores: Core[] = [];
const dirs = tempDirs();
afterEach(async () => {
  for (const s of sensors.splice(0)) await s.stop();
  for (const c of cores.splice(0)) await c.stop();
  for (const c of children.splice(0)) c.kill();
  dirs.cleanup();
});

/** Entity id as the process sensor makes it, computed here from /proc/PID/stat (starttime is field 22, in 10 ms ticks). */
function entityOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  return `${pid}-${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
}

async function startChild(): Promise<Child & { ports: Record<string, number> }> {
  const proc = spawn(process.execPath, ['-e', CHILD, 'mamori-net-test']);
  children.push(proc);
  const lines: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  createInterface({ input: proc.stdout }).on('line', (l) => { const w = waiting.shift(); if (w) w(l); else lines.push(l); });
  const next = () => new Promise<Record<string, number>>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the test child did not answer within 5 s')), 5000);
    const take = (l: string) => { clearTimeout(t); resolve(JSON.parse(l)); };
    const l = lines.shift();
    if (l) take(l); else waiting.push(take);
  });
  const ports = await next();
  return { proc, entity: entityOf(proc.pid!), ports, next: () => { proc.stdin.write('\n'); return next(); } };
}

function sensor(covered: boolean, events: NewEvent[]): NetworkSensor {
  const s = new NetworkSensor({ choice: 'auto', pollMs: POLL_MS, syscallsCovered: () => covered, onEvents: (e) => events.push(...e), log: () => undefined });
  sensors.push(s);
  return s;
}

const childEvents = (events: NewEvent[], pid: number) => events.filter((e) => e.process.pid === pid);

describe('network sensor (/proc/net)', () => {
  it('finds the listener, both ends of the connection and the UDP socket that existed before it started, with their process', async () => {
    const child = await startChild();
    const events: NewEvent[] = [];
    await sensor(false, events).start();
    const mine = childEvents(events, child.proc.pid!);
    const { tcp, client, udp } = child.ports;
    const base = { process: expect.objectContaining({ entity_id: child.entity, pid: child.proc.pid, executable: realpathSync(process.execPath),
      command_line: expect.stringContaining('mamori-net-test'), parent: expect.objectContaining({ pid: process.pid, entity_id: entityOf(process.pid) }) }),
    user: { id: process.getuid!(), name: expect.any(String) } };
    const snap = { kind: 'network', provider: 'proc_net', snapshot: true };
    expect(mine).toEqual(expect.arrayContaining([
      expect.objectContaining({ ...base, event: expect.objectContaining({ ...snap, action: 'listening' }),
        source: { ip: '127.0.0.1', port: tcp }, network: { type: 'ipv4', transport: 'tcp' } }),
      expect.objectContaining({ ...base, event: expect.objectContaining({ ...snap, action: 'connection' }),
        source: { ip: '127.0.0.1', port: client }, destination: { ip: '127.0.0.1', port: tcp, path: null } }),
      expect.objectContaining({ ...base, event: expect.objectContaining({ ...snap, action: 'connection' }),
        source: { ip: '127.0.0.1', port: tcp }, destination: { ip: '127.0.0.1', port: client, path: null } }),
      expect.objectContaining({ ...base, event: expect.objectContaining({ ...snap, action: 'listening' }),
        source: { ip: '127.0.0.1', port: udp }, network: { type: 'ipv4', transport: 'udp' } }),
    ]));
    expect(mine).toHaveLength(4); // each socket once
    expect(mine.find((e) => e.event.action === 'listening')).not.toHaveProperty('destination');
  });

  it('polls when the process sensor cannot see network system calls: a new connection shows within a few intervals, once', async () => {
    const child = await startChild();
    const events: NewEvent[] = [];
    const s = sensor(false, events);
    await s.start();
    expect(s.status()).toMatchObject({ state: 'running', tier: 'proc_net', limits: expect.stringContaining('within 0.2 s are missed') });
    const before = events.length;
    const { client } = await child.next();
    const t0 = Date.now();
    const seen = await waitFor('the new connection', () => events.find((e) => e.source?.port === client), 5 * POLL_MS);
    const latency = Date.now() - t0;
    expect(seen).toMatchObject({ event: { action: 'connection', provider: 'proc_net', late: true }, process: { entity_id: child.entity } });
    expect(seen.event.snapshot).toBeUndefined();
    await new Promise((r) => setTimeout(r, 3 * POLL_MS));
    // Only new sockets: the new connection's two ends, nothing already reported comes again.
    expect(childEvents(events.slice(before), child.proc.pid!)).toHaveLength(2);
    expect(latency).toBeLessThan(5 * POLL_MS);
  });

  it('does not poll while the process sensor reports network system calls, and says so', async () => {
    const child = await startChild();
    const events: NewEvent[] = [];
    const s = sensor(true, events);
    await s.start();
    expect(childEvents(events, child.proc.pid!)).toHaveLength(4); // the snapshot is taken regardless
    const { client } = await child.next();
    await new Promise((r) => setTimeout(r, 4 * POLL_MS));
    expect(events.find((e) => e.source?.port === client)).toBeUndefined();
    expect(s.status().detail).toMatch(/eBPF process sensor/);
  });

  it('attributes sockets by scanning /proc/*/fd and skips processes it cannot read', async () => {
    const child = await startChild();
    const inode = Number(readFileSync('/proc/net/tcp', 'latin1').split('\n')
      .find((l) => l.includes(`:${child.ports.tcp!.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A`))!.trim().split(/\s+/)[9]);
    expect(findSocketOwners(new Set([inode])).owners.get(inode)).toBe(child.proc.pid);
    const fakeProc = dirs.make('mamori-fakeproc-');
    mkdirSync(`${fakeProc}/123`); // a "process" without an fd folder, like one that exited mid-scan
    expect(findSocketOwners(new Set([inode]), fakeProc)).toMatchObject({ unreadable: 1, owners: new Map() });
  });

  it('through the whole core: searchEvents with kind network finds them, and the process tree lists them', async () => {
    const child = await startChild();
    const core = await createCore({ dataDir: dirs.make('mamori-net-'), watchFolders: [], host: 'test', networkSensor: 'auto', networkPollMs: POLL_MS, log: () => undefined });
    cores.push(core);
    const status = await core.api.getStatus({});
    expect(status.sensors.find((s) => s.id === 'network')).toMatchObject({ state: 'running', tier: 'proc_net', detail: expect.stringContaining('every 0.2 s') });
    const found = async (pred: (e: { source?: { port: number | null }; event: { action: string } }) => boolean) =>
      (await core.api.searchEvents({ kind: 'network', text: 'mamori-net-test', limit: 100 })).items.filter(pred);
    expect(await found((e) => e.source?.port === child.ports.tcp && e.event.action === 'listening')).toHaveLength(1);
    expect(await found((e) => e.source?.port === child.ports.udp)).toHaveLength(1);
    const { client } = await child.next();
    await waitFor('the polled connection in the store', async () => (await found((e) => e.source?.port === client)).length === 1, 5 * POLL_MS);
    const tree = await core.api.processTree({ ref: child.entity });
    expect(tree.process.activity.filter((e) => e.event.kind === 'network').length).toBeGreaterThanOrEqual(6);
    const off = await createCore({ dataDir: dirs.make('mamori-net-off-'), watchFolders: [], host: 'test', log: () => undefined });
    cores.push(off);
    expect((await off.api.getStatus({})).sensors.map((s) => s.id)).not.toContain('network'); // tests default to off
  });

  it('refuses a poll interval too short to be sane', () => {
    expect(() => new NetworkSensor({ choice: 'auto', pollMs: 5, syscallsCovered: () => false, onEvents: () => undefined, log: () => undefined }))
      .toThrow(/at least 100 ms/);
  });

  for (const { tier, binary } of [{ tier: 'ebpf' as const, binary: 'mamori-proc-ebpf' }, { tier: 'cn_proc' as const, binary: 'mamori-proc-cn' }]) {
    const skip = helperSkipReason(`${helpersDir}/${binary}`);
    it.skipIf(skip !== null)(`with the ${tier} process tier: ${tier === 'ebpf' ? 'eBPF reports new connections, the tables are not polled' : 'the tables are polled'}${skip ? ` (skipped: ${skip})` : ''}`, async () => {
      const child = await startChild();
      const core = await createCore({ dataDir: dirs.make('mamori-net-tier-'), watchFolders: [], host: 'test', processSensor: tier, helpersDir, networkSensor: 'auto', networkPollMs: POLL_MS, log: () => undefined });
      cores.push(core);
      const net = (await core.api.getStatus({})).sensors.find((x) => x.id === 'network');
      expect(net?.detail).toMatch(tier === 'ebpf' ? /eBPF process sensor/ : /every 0\.2 s/);
      const { client } = await child.next();
      const byPort = async () => (await core.api.searchEvents({ kind: 'network', limit: 500 })).items
        .filter((e) => e.process.pid === child.proc.pid && (e.source?.port === client || (e.event.action === 'connect' && e.destination?.port === child.ports.tcp)));
      if (tier === 'ebpf') {
        // The eBPF connect event and the snapshot's events name the same process entity.
        const connect = await waitFor('the eBPF connect event', async () => (await byPort()).find((e) => e.event.action === 'connect'), 10_000);
        expect(connect.process.entity_id).toBe(child.entity);
        await new Promise((r) => setTimeout(r, 3 * POLL_MS));
        expect((await byPort()).filter((e) => e.event.provider === 'proc_net')).toEqual([]);
      } else {
        await waitFor('the polled connection', async () => (await byPort()).find((e) => e.event.provider === 'proc_net'), 5_000);
      }
    }, 30_000);
  }
});
