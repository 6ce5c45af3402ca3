// The `mamori` command as a user runs it: real processes (the CLI from source through tsx), a real agent on a
// loopback port, temp data dirs. Exit codes: 0 ok, 1 scan found something, 2 error/usage, 3 no agent running.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../main/agent/cli.js';
import { EICAR } from '../../../main/core/detect/index.js';
import { Alert, Incident, QuarantineItem, Scan, Status } from '../../../preload/contract/index.js';
import { waitFor } from '../../helpers/temp.js';

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const FIXTURE = join(REPO, 'test', 'fixtures', 'run-cli.ts');
const EICAR_SHA256 = createHash('sha256').update(Buffer.from(EICAR, 'latin1')).digest('hex');

let root: string;
let dataDir: string;
let watchDir: string;
let agent: ChildProcess | null = null;
let agentOut = '';
let agentErr = '';
let agentExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MAMORI_DATA_DIR: join(root, 'default-data-never-used') };
  delete env.DISPLAY; // no desktop notifications from the test agent
  delete env.WAYLAND_DISPLAY;
  return env;
}

interface Run { code: number | null; stdout: string; stderr: string }

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: REPO, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolveRun({ code, stdout, stderr }); });
  });
}

/** The same main() in this process, for the many small cases (a spawn costs a second or two). */
async function inproc(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (t) => { stdout += t + '\n'; }, err: (t) => { stderr += t + '\n'; } });
  return { code, stdout, stderr };
}

const d = () => ['--data-dir', dataDir];

function json<T>(r: Run): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not one JSON document (exit ${r.code}):\n${r.stdout}\n--- stderr:\n${r.stderr}`);
  }
}


function findFile(dir: string, name: string): string | null {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return full;
    if (entry.isDirectory()) {
      const found = findFile(full, name);
      if (found) return found;
    }
  }
  return null;
}

/** A pid that certainly belongs to no process now. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'mamori-cli-test-')));
  dataDir = join(root, 'data'); // the agent creates it
  watchDir = join(root, 'watched');
  mkdirSync(watchDir);
});

afterAll(async () => {
  if (agent && agent.exitCode === null && agent.signalCode === null) {
    agent.kill('SIGKILL');
    await agentExit;
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('without an agent', () => {
  it('status says no agent is running and exits 3', async () => {
    const empty = join(root, 'no-agent-here');
    const r = await cli('status', '--data-dir', empty);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no Mamori agent is running/);
    expect(r.stderr).toContain(empty);
    expect(r.stdout).toBe('');
  });

  it('a handle left by a dead agent, or one whose port answers nothing, is not an agent (exit 3)', async () => {
    const [pid, port] = await Promise.all([deadPid(), closedPort()]);
    const stale = join(root, 'stale');
    const unreachable = join(root, 'unreachable');
    const handle = (p: number) => JSON.stringify({ pid: p, port, token: 'x'.repeat(32), url: `http://127.0.0.1:${port}/`, startedAt: new Date().toISOString(), version: '0.1.0' });
    mkdirSync(stale);
    mkdirSync(unreachable);
    writeFileSync(join(stale, 'agent.json'), handle(pid), { mode: 0o600 });
    writeFileSync(join(unreachable, 'agent.json'), handle(process.pid), { mode: 0o600 }); // alive, but not listening
    const a = await inproc('status', '--data-dir', stale);
    const b = await inproc('status', '--json', '--data-dir', unreachable);
    expect(a.code).toBe(3);
    expect(a.stderr).toMatch(/no Mamori agent is running/);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/cannot reach Mamori/);
  });

  it('unknown commands and flags exit 2 with the usage (as a process)', async () => {
    const runs = await Promise.all([cli('frobnicate'), cli('status', '--bogus')]);
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain('Usage:');
      expect(r.stdout).toBe('');
    }
    expect(runs[0]!.stderr).toMatch(/^mamori: unknown command "frobnicate"/);
    expect(runs[1]!.stderr).toMatch(/^mamori: unknown option --bogus/);
  });

  it('every usage mistake exits 2 with the usage and touches nothing', async () => {
    const never = join(root, 'never');
    const cases: Array<[string[], string]> = [
      [['status', '--json=yes', '--data-dir', never], '--json takes no value'],
      [['quarantine', '--data-dir', never], 'quarantine needs list, restore ID or delete ID'],
      [['quarantine', 'frobnicate', '--data-dir', never], 'quarantine needs list, restore ID or delete ID'],
      [['agent', 'extra-argument', '--data-dir', never], 'agent takes no arguments'],
      [['agent', '--port', '70000', '--data-dir', never], '--port must be 0-65535'],
      [['agent', '--port', 'abc', '--data-dir', never], '--port must be a whole number'],
      [['agent', '--port', '-1', '--data-dir', never], '--port'],
      [['agent', '--data-dir'], '--data-dir needs a value'],
      [['agent', '--watch=', '--data-dir', never], '--watch needs a value'],
      [['alerts', '--limt', '5', '--data-dir', never], 'unknown option --limt'],
      [['scan', '--recursive', '/tmp', '--data-dir', never], 'unknown option --recursive'],
      [['-x'], 'unknown command "-x"'],
    ];
    for (const [args, message] of cases) {
      const r = await inproc(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stderr).toContain('Usage:');
      expect(r.stdout).toBe('');
    }
    expect(existsSync(never)).toBe(false); // a refused agent leaves nothing behind
  });

  it('`agent` on a port in use exits 2, says so, and leaves no agent.json', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const { port } = busy.address() as { port: number };
    const dir = join(root, 'busy-port');
    try {
      const r = await cli('agent', '--data-dir', dir, '--port', String(port), '--watch', watchDir);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`port ${port} is in use`);
      expect(r.stderr).toContain('--port');
      expect(existsSync(join(dir, 'agent.json'))).toBe(false);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });

  it('help and --version exit 0', async () => {
    const help = await inproc('help');
    const version = await cli('--version');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage:');
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 scan found something, 2 error, 3 no agent running.');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('with an agent', () => {
  let handle: { pid: number; port: number; token: string; url: string; startedAt: string; version: string };
  const scanDir = () => join(root, 'scan-me');
  const eicarPath = () => join(scanDir(), 'invoice.pdf.exe');
  const eicarMtime = new Date('2024-05-06T07:08:09.000Z');
  let scanAlert: Alert;
  let quarantineId: string;
  let conflictIds: { a: string; b: string; c: string };

  it('`agent` starts, writes agent.json (mode 0600) and prints the URL with the token', async () => {
    agent = spawn(process.execPath, ['--import', 'tsx', FIXTURE, 'agent', ...d(), '--watch', watchDir, '--port', '0'], {
      cwd: REPO, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    agentExit = new Promise((r) => agent!.on('exit', (code, signal) => r({ code, signal })));
    agent.stdout!.on('data', (c) => { agentOut += c; });
    agent.stderr!.on('data', (c) => { agentErr += c; });

    const file = join(dataDir, 'agent.json');
    await waitFor('agent.json', () => existsSync(file), 20_000);
    await waitFor('the URL line', () => agentOut.includes('http://'), 20_000);
    handle = JSON.parse(readFileSync(file, 'utf8'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o077).toBe(0); // the data dir is the user's alone
    expect(handle).toMatchObject({ pid: agent.pid, port: expect.any(Number), token: expect.any(String), startedAt: expect.any(String) });
    expect(handle.port).toBeGreaterThan(0);
    expect(handle.token.length).toBeGreaterThanOrEqual(32);
    expect(handle.url).toBe(`http://127.0.0.1:${handle.port}/#token=${handle.token}`);
    expect(agentOut).toContain(handle.url);
    expect(agentOut).toContain(`data: ${dataDir}`);

    // The API is on the printed port and wants the token.
    const denied = await fetch(`http://127.0.0.1:${handle.port}/api/call/getStatus`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(denied.status).toBe(401);
  });

  it('a second agent for the same data dir refuses (exit 2) and leaves the first one alone', async () => {
    const r = await cli('agent', ...d(), '--port', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`an agent already runs for ${dataDir}`);
    expect(r.stderr).toContain(`pid ${handle.pid}`);
    expect(JSON.parse(readFileSync(join(dataDir, 'agent.json'), 'utf8'))).toEqual(handle);
  });

  it('`status --json` is one JSON document with the state and the counts; plain `status` is readable', async () => {
    const j = await cli('status', '--json', ...d());
    const text = await inproc('status', ...d());
    expect(j.code).toBe(0);
    const s = Status.parse(json(j));
    expect(s.state).toBe('protected');
    expect(s.openAlerts).toBe(0);
    expect(s.quarantined).toBe(0);
    expect(s.watchedFolders).toEqual([watchDir]);
    expect(s.dataDir).toBe(dataDir);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("You're protected.");
    expect(text.stdout).toContain(`Watching: ${watchDir}`);
  });

  it('`scan DIR --json` finds EICAR among clean files, quarantines it and exits 1', async () => {
    mkdirSync(join(scanDir(), 'sub'), { recursive: true });
    writeFileSync(eicarPath(), EICAR);
    chmodSync(eicarPath(), 0o640);
    utimesSync(eicarPath(), eicarMtime, eicarMtime);
    writeFileSync(join(scanDir(), 'notes.txt'), 'meeting at 10\n');
    writeFileSync(join(scanDir(), 'sub', 'empty.bin'), '');
    writeFileSync(join(scanDir(), 'sub', 'almost.txt'), EICAR.slice(0, 40)); // not the test file
    const r = await cli('scan', scanDir(), '--json', ...d());
    expect(r.code, r.stderr).toBe(1);
    const out = json<{ scan: unknown; alerts: unknown[] }>(r);
    const scan = Scan.parse(out.scan);
    expect(scan).toMatchObject({ state: 'completed', findings: 1, errors: 0, filesScanned: 4, trigger: 'cli', paths: [scanDir()] });
    expect(out.alerts).toHaveLength(1);
    const alert = Alert.parse(out.alerts[0]);
    expect(alert).toMatchObject({
      id: expect.any(String), time: expect.any(String), severity: expect.any(String), title: expect.any(String),
      ruleId: expect.any(String), source: 'scan', scanId: scan.id,
      file: { path: eicarPath(), sha256: EICAR_SHA256, size: EICAR.length },
    });
    expect(scan.alertIds).toEqual([alert.id]);
    expect(alert.actions[0]).toMatchObject({ kind: 'quarantine', status: 'succeeded', quarantineId: expect.any(String) });
    scanAlert = alert;
    quarantineId = alert.actions[0]!.quarantineId!;
    expect(existsSync(eicarPath())).toBe(false);
    expect(readFileSync(join(scanDir(), 'notes.txt'), 'utf8')).toBe('meeting at 10\n');
  });

  it('a clean folder exits 0; a missing path exits 2', async () => {
    const clean = join(root, 'clean');
    mkdirSync(clean);
    writeFileSync(join(clean, 'a.txt'), 'a');
    writeFileSync(join(clean, 'b.txt'), 'b');
    const ok = await cli('scan', clean, '--json', ...d());
    const missing = await inproc('scan', join(root, 'does-not-exist'), ...d());
    const none = await inproc('scan', ...d());
    const plain = await inproc('scan', clean, ...d());
    expect(plain.code).toBe(0);
    const oneFile = await inproc('scan', join(clean, 'a.txt'), '--json', ...d());
    expect(oneFile.code).toBe(0);
    expect(json<{ scan: Scan }>(oneFile).scan).toMatchObject({ state: 'completed', filesScanned: 1, paths: [join(clean, 'a.txt')] });
    expect(plain.stdout).toMatch(/completed\. 2 files, .*; 0 found, 0 error\(s\)\./);
    expect(ok.code, ok.stderr).toBe(0);
    expect(json<{ scan: Scan }>(ok).scan).toMatchObject({ state: 'completed', findings: 0, filesScanned: 2 });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or folder');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('scan needs at least one PATH');
    // The quick and full scans read the whole machine (and this agent quarantines): only their usage is checked here;
    // test/main/core/scheduled-scans.test.ts runs them.
    const both = await inproc('scan', '--quick', '--full', ...d());
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--quick or --full, not both');
    const withPath = await inproc('scan', '--quick', clean, ...d());
    expect(withPath.code).toBe(2);
    expect(withPath.stderr).toContain('scan --quick takes no PATH');
  });

  it('`quarantine list --json` lists the quarantined file', async () => {
    const r = await cli('quarantine', 'list', '--json', ...d());
    const text = await inproc('quarantine', 'list', ...d());
    expect(r.code).toBe(0);
    const items = json<{ items: unknown[] }>(r).items.map((i) => QuarantineItem.parse(i));
    const item = items.find((i) => i.id === quarantineId);
    expect(item).toMatchObject({
      state: 'quarantined', originalPath: eicarPath(), sha256: EICAR_SHA256, size: EICAR.length, alertId: scanAlert.id, mode: expect.any(Number),
    });
    expect(item!.mode & 0o777).toBe(0o640);
    expect(text.stdout).toContain(quarantineId);
    expect(text.stdout).toContain(eicarPath());
  });

  it('`quarantine restore ID` puts the file back byte-identical, with its mode and mtime', async () => {
    const r = await cli('quarantine', 'restore', quarantineId, ...d());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`Restored ${eicarPath()}`);
    expect(readFileSync(eicarPath())).toEqual(Buffer.from(EICAR, 'latin1'));
    const st = statSync(eicarPath());
    expect(st.mode & 0o777).toBe(0o640);
    expect(Math.abs(st.mtimeMs - eicarMtime.getTime())).toBeLessThan(1);
    expect(existsSync(join(scanDir(), `.invoice.pdf.exe.mamori-restore-${quarantineId}`))).toBe(false);
  });

  it('restoring the same ID again fails (exit 2) with a clear message', async () => {
    const r = await inproc('quarantine', 'restore', quarantineId, ...d());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mamori: /);
    expect(r.stderr).toContain(quarantineId);
    expect(r.stderr).toContain('already restored');
    expect(r.stdout).toBe('');
    // and the restored file was not touched
    expect(readFileSync(eicarPath())).toEqual(Buffer.from(EICAR, 'latin1'));
  });

  it('bad IDs: unknown (exit 2, not found), hostile (exit 2, bad input), missing or two (usage)', async () => {
    const runs = [
      await inproc('quarantine', 'restore', 'q_nope', ...d()),
      await inproc('quarantine', 'delete', '../../etc/passwd', ...d()),
      await inproc('quarantine', 'restore', ...d()),
      await inproc('quarantine', 'delete', 'a', 'b', ...d()),
    ];
    for (const r of runs) expect(r.code, r.stderr).toBe(2);
    expect(runs[0]!.stderr).toMatch(/no quarantined file with id q_nope/);
    expect(runs[1]!.stderr).toMatch(/deleteQuarantine: id: /);
    expect(runs[2]!.stderr).toContain('needs exactly one ID');
    expect(runs[3]!.stderr).toContain('needs exactly one ID');
  });

  it('restoring onto an occupied path refuses and says so; --rename restores to a "(restored)" name', async () => {
    const dir = join(root, 'conflict');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.com'), EICAR);
    writeFileSync(join(dir, 'b.com'), EICAR);
    writeFileSync(join(dir, 'c.com'), EICAR);
    const scan = await cli('scan', dir, '--json', ...d());
    expect(scan.code, scan.stderr).toBe(1);
    const out = json<{ scan: Scan; alerts: Alert[] }>(scan);
    expect(out.scan.findings).toBe(3);
    const idFor = (name: string) => out.alerts.find((a) => a.file?.path === join(dir, name))!.actions[0]!.quarantineId!;
    conflictIds = { a: idFor('a.com'), b: idFor('b.com'), c: idFor('c.com') };

    writeFileSync(join(dir, 'a.com'), 'the user saved a new, clean file here');
    const refused = await inproc('quarantine', 'restore', conflictIds.a, ...d());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`something else is now at ${join(dir, 'a.com')}`);
    expect(readFileSync(join(dir, 'a.com'), 'utf8')).toBe('the user saved a new, clean file here');

    const renamed = await cli('quarantine', 'restore', conflictIds.a, '--rename', '--json', ...d());
    expect(renamed.code, renamed.stderr).toBe(0);
    const r = json<{ item: QuarantineItem; restoredPath: string }>(renamed);
    expect(r.restoredPath).toBe(join(dir, 'a (restored).com'));
    expect(QuarantineItem.parse(r.item)).toMatchObject({ state: 'restored', restoredPath: r.restoredPath });
    expect(readFileSync(r.restoredPath)).toEqual(Buffer.from(EICAR, 'latin1'));
    expect(readFileSync(join(dir, 'a.com'), 'utf8')).toBe('the user saved a new, clean file here');
  });

  it('`quarantine delete ID` removes it for good', async () => {
    const r = await cli('quarantine', 'delete', conflictIds.b, ...d());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Deleted the quarantined copy of ${join(root, 'conflict', 'b.com')} for good.`);
    const active = await inproc('quarantine', 'list', '--json', ...d());
    const all = await inproc('quarantine', 'list', '--json', '--all', ...d());
    const restoreDeleted = await inproc('quarantine', 'restore', conflictIds.b, ...d());
    expect(json<{ items: QuarantineItem[] }>(active).items.map((i) => i.id)).not.toContain(conflictIds.b);
    const b = json<{ items: QuarantineItem[] }>(all).items.find((i) => i.id === conflictIds.b);
    expect(b?.state).toBe('deleted');
    expect(restoreDeleted.code).toBe(2);
    expect(restoreDeleted.stderr).toContain('already deleted');
    expect(existsSync(join(root, 'conflict', 'b.com'))).toBe(false);
  });

  it('a damaged vault item is not restored: exit 2 (the agent is running, so not 3) with a clear message', async () => {
    const vaultFile = findFile(dataDir, `${conflictIds.c}.mq`);
    expect(vaultFile, 'the vault file of c.com').toBeTruthy();
    chmodSync(vaultFile!, 0o600);
    const bytes = readFileSync(vaultFile!);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1); // flipped bits in the encrypted body
    writeFileSync(vaultFile!, bytes);
    const r = await inproc('quarantine', 'restore', conflictIds.c, ...d());
    expect(r.stderr).toContain('does not match its recorded SHA-256');
    expect(existsSync(join(root, 'conflict', 'c.com'))).toBe(false);
    expect(r.code).toBe(2);
  });

  it('real-time: EICAR dropped into the watched folder is quarantined, and `alerts --json` shows every alert with its actions', async () => {
    const dropped = join(watchDir, 'dropped.com');
    writeFileSync(dropped, EICAR);
    await waitFor('the watched file to be quarantined', () => !existsSync(dropped), 15_000);

    const r = await cli('alerts', '--json', ...d());
    const text = await inproc('alerts', ...d());
    const limited = await inproc('alerts', '--json', '--limit', '1', ...d());
    const badLimit = await inproc('alerts', '--limit', 'lots', ...d());
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit must be a whole number');
    expect(r.code, r.stderr).toBe(0);
    const { items, total } = json<{ items: unknown[]; total: number }>(r);
    const alerts = items.map((a) => Alert.parse(a));
    expect(total).toBe(5);
    const restoredOne = alerts.find((a) => a.id === scanAlert.id)!;
    expect(restoredOne.actions.map((a) => [a.kind, a.status, a.actor])).toEqual([
      ['quarantine', 'undone', 'policy'], ['restore', 'succeeded', 'user'],
    ]);
    const realtime = await waitFor('the realtime alert', () => alerts.find((a) => a.file?.path === dropped), 20_000);
    expect(realtime).toMatchObject({ source: 'realtime', file: { sha256: EICAR_SHA256 } });
    expect(realtime.actions[0]).toMatchObject({ kind: 'quarantine', status: 'succeeded' });
    expect(alerts[0]!.id).toBe(realtime.id); // newest first

    expect(text.stdout).toContain(scanAlert.id);
    expect(text.stdout).toContain(`file: ${dropped}`);
    expect(json<{ items: unknown[] }>(limited).items).toHaveLength(1);

    // Every new alert lands in an incident; `incidents` lists them, newest activity first.
    const inc = await cli('incidents', '--json', ...d());
    expect(inc.code, inc.stderr).toBe(0);
    const incidents = json<{ items: unknown[] }>(inc).items.map((i) => Incident.parse(i));
    const mine = incidents.find((i) => i.alertIds.includes(realtime.id));
    expect(mine).toBeDefined();
    expect(realtime.incidentId).toBe(mine!.id);
    expect((await inproc('incidents', ...d())).stdout).toContain(mine!.id);
  });

  it('`signatures import FILE` reads a ClamAV .hdb, reports bad lines, and the next scan finds the file by MD5 and size', async () => {
    const folder = join(root, 'sigs');
    mkdirSync(folder);
    const payload = Buffer.from('#!/bin/sh\necho pretend md5-listed dropper\n');
    const md5 = createHash('md5').update(payload).digest('hex');
    writeFileSync(join(folder, 'office.hdb'), `# office list\n${md5}:${payload.length}:Pretend.Md5.Dropper\nnot:a:signature\n`);
    writeFileSync(join(folder, 'main.ldb'), 'Sig;Engine:51-255;0;41424344\n');
    const victim = join(folder, 'scan-me');
    mkdirSync(victim);
    writeFileSync(join(victim, 'dropper.sh'), payload);

    const r = await cli('signatures', 'import', join(folder, 'office.hdb'), '--json', ...d());
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ name: 'office', format: 'clamav-hdb', imported: 1, byAlgo: { md5: 1 }, invalidCount: 1, invalid: [{ line: 3, code: 'BAD_HASH' }] });
    const plain = await inproc('signatures', 'import', join(folder, 'office.hdb'), '--name', 'office', ...d());
    expect(plain.stdout).toContain('Imported 1 signature(s) into "office" (ClamAV MD5 (.hdb)): 1 MD5.');
    expect(plain.stdout).toMatch(/line 3: .* \[BAD_HASH\]/);
    const unsupported = await inproc('signatures', 'import', join(folder, 'main.ldb'), ...d());
    expect(unsupported.code).toBe(2);
    expect(unsupported.stderr).toContain('use YARA rules');
    const missing = await inproc('signatures', 'import', join(folder, 'nope.hdb'), ...d());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');

    const list = await inproc('signatures', 'list', '--json', ...d());
    expect(json<{ lists: unknown[] }>(list).lists).toEqual([expect.objectContaining({ name: 'office', format: 'clamav-hdb', count: 1, byAlgo: { md5: 1, sha1: 0, sha256: 0 } })]);
    const scan = await inproc('scan', victim, '--json', ...d());
    expect(scan.code, scan.stderr).toBe(1);
    expect(json<{ alerts: Alert[] }>(scan).alerts[0]).toMatchObject({ severity: 'critical', detection: { signature: 'Pretend.Md5.Dropper' } });

    expect((await inproc('signatures', 'remove', 'office', ...d())).stdout).toContain('Removed the signature list "office".');
    expect((await inproc('signatures', 'remove', 'office', ...d())).code).toBe(2);
    expect((await inproc('signatures', 'list', ...d())).stdout).toContain('No imported lists');
  });

  it('SIGTERM stops the agent promptly, even with a UI connected: exit 0, agent.json removed, then status says no agent (exit 3)', async () => {
    expect(agent!.exitCode).toBeNull();
    // A browser tab: an open event stream and an idle (preconnected) socket.
    const controller = new AbortController();
    const stream = await fetch(`http://127.0.0.1:${handle.port}/api/events`, { headers: { authorization: `Bearer ${handle.token}` }, signal: controller.signal });
    expect(stream.status).toBe(200);
    const idle = connect(handle.port, '127.0.0.1');
    idle.on('error', () => undefined);
    await new Promise((r) => idle.once('connect', r));
    const t0 = Date.now();
    agent!.kill('SIGTERM');
    const exit = await Promise.race([agentExit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
    const took = Date.now() - t0;
    controller.abort();
    idle.destroy();
    expect(exit, agentErr).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(5000);
    expect(existsSync(join(dataDir, 'agent.json'))).toBe(false);
    const r = await cli('status', ...d());
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no Mamori agent is running');
    expect(r.stderr).toContain(`mamori agent --data-dir ${dataDir}`);
  });
});
