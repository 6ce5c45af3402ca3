// `mamori`: the headless agent and the commands that talk to it. A public interface: extend, never rename.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createHttpClient, MamoriError, type MamoriClient, type ResponseAction } from '../../preload/contract/index.js';
import { checkSigmaFolders, createCore, defaultDataDir, packageInfo } from '../core/index.js';
import { parseArgs, UsageError, type FlagSpec } from './args.js';
import {
  formatAction, formatAlert, formatEvent, formatIncident, formatQuarantine, formatRulesCheck, formatScan, formatSigmaStatus, formatSignatureImport, formatSignatureLists,
  formatStatus, formatTree,
} from './format.js';
import { findRunningAgent, removeHandle, writeHandle } from './handle.js';
import { startAgentServer } from './server.js';
import { startDesktopNotifier } from './notify.js';

export const DEFAULT_PORT = 47447;

export const EXIT = { ok: 0, found: 1, error: 2, noAgent: 3 } as const;

const USAGE = `Mamori (守り): endpoint protection for small offices

Usage:
  mamori agent [--data-dir DIR] [--watch DIR]... [--port N]
      Run protection headless and serve the UI and API on http://127.0.0.1:PORT (default ${DEFAULT_PORT}).
  mamori status [--json]                 Protection state, counts, last scan.
  mamori alerts [--json] [--limit N]     Alerts, newest first.
  mamori incidents [--json] [--limit N]  Incidents (alerts grouped by process tree or time), latest first.
  mamori scan PATH... [--json]           Scan files or folders now; exit 1 when something is found.
  mamori scan --quick|--full [--json]    The quick scan (user, temp and autostart folders) or the full scan (every local disk).
  mamori quarantine list [--json] [--all]
  mamori quarantine restore ID [--rename] [--json]
  mamori quarantine delete ID [--json]
  mamori events search [TEXT] [--since ISO] [--until ISO] [--kind process|network|file|syscall] [--limit N] [--json]
                                         Telemetry history, newest first; TEXT matches command lines.
  mamori process tree PID_OR_ENTITY [--json]
                                         A process, its ancestors, its children and what each did.
  mamori signatures import FILE [--name NAME] [--json]
                                         Import a ClamAV .hdb/.hdu/.hsb/.hsu file or a list of MD5/SHA-1/SHA-256
                                         hashes; importing the same NAME again replaces that list.
  mamori signatures list [--json]        Imported signature lists and their counts.
  mamori signatures remove NAME [--json]
  mamori rules check DIR... [--json]     Load every Sigma rule (.yml/.yaml) under DIR as the agent would: per rule,
                                         loaded or the coded reason it is not. Needs no agent; exit 1 when some
                                         rule did not load.
  mamori rules list [--json]             The behaviour rules the agent runs (Mamori's pack and Settings > Sigma
                                         folders), with the ones that did not load.
  mamori respond kill|suspend|resume ENTITY_ID [--reason TEXT] [--json]
                                         Stop, pause or continue a process and everything it started, by the entity
                                         id alerts and "process tree" show (PID-START: never a reused pid).
  mamori respond isolate [--allow ADDR]... [--json]
                                         Cut this machine off the network except loopback and ADDR (default: the
                                         policy's isolationAllow). mamori respond unisolate reconnects it.
  mamori respond block-ip|unblock-ip ADDR [--json]
                                         Block (or allow again) an IPv4/IPv6 address or prefix for the whole machine.
  mamori respond block-hash|unblock-hash SHA256 [--json]
                                         Refuse (or allow again) running files with this SHA-256.
  mamori respond approve|decline ACTION_ID [--json]
                                         Answer a question the policy asked (pending actions).
  mamori actions [--json] [--limit N] [--pending]
                                         Response actions, newest first, with their undo state.
  mamori undo ACTION_ID [--json]         Undo an action (a kill cannot be undone); prints the reversing action.
  mamori --version | help

Every command but "agent" talks to the agent running for the same data dir
(--data-dir, else $MAMORI_DATA_DIR, else ${defaultDataDir()}).
Exit codes: 0 ok, 1 scan found something, 2 error, 3 no agent running.
(respond, undo: 1 when the action was recorded as failed; the record says why.)`;

interface Io { out(s: string): void; err(s: string): void }
const stdio: Io = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') };

export async function main(argv: string[], io: Io = stdio): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'agent': return await runAgent(rest, io);
      case 'status': return await withAgent(rest, { json: 'boolean' }, io, async (c, a) => {
        const s = await c.getStatus();
        io.out(a.flags.json ? JSON.stringify(s, null, 2) : formatStatus(s));
        return EXIT.ok;
      });
      case 'alerts': return await withAgent(rest, { json: 'boolean', limit: 'string' }, io, async (c, a) => {
        const limit = a.flags.limit ? positiveInt(a.flags.limit as string, '--limit') : 200;
        const r = await c.listAlerts({ limit });
        io.out(a.flags.json ? JSON.stringify(r, null, 2) : r.items.length ? r.items.map(formatAlert).join('\n') : 'No alerts.');
        return EXIT.ok;
      });
      case 'incidents': return await withAgent(rest, { json: 'boolean', limit: 'string' }, io, async (c, a) => {
        const limit = a.flags.limit ? positiveInt(a.flags.limit as string, '--limit') : 100;
        const r = await c.listIncidents({ limit });
        io.out(a.flags.json ? JSON.stringify(r, null, 2) : r.items.length ? r.items.map(formatIncident).join('\n') : 'No incidents.');
        return EXIT.ok;
      });
      case 'scan': return await withAgent(rest, { json: 'boolean', quick: 'boolean', full: 'boolean' }, io, (c, a) => {
        const profile = a.flags.quick ? 'quick' : a.flags.full ? 'full' : undefined;
        if (a.flags.quick && a.flags.full) throw new UsageError('scan takes --quick or --full, not both');
        if (profile && a.positionals.length) throw new UsageError(`scan --${profile} takes no PATH`);
        return runScan(c, profile ?? a.positionals, !!a.flags.json, io);
      });
      case 'quarantine': return await runQuarantine(rest, io);
      case 'events': return await runEvents(rest, io);
      case 'process': return await runProcess(rest, io);
      case 'signatures': return await runSignatures(rest, io);
      case 'rules': return await runRules(rest, io);
      case 'respond': return await runRespond(rest, io);
      case 'actions': return await withAgent(rest, { json: 'boolean', limit: 'string', pending: 'boolean' }, io, async (c, a) => {
        const limit = a.flags.limit ? positiveInt(a.flags.limit as string, '--limit') : 200;
        const r = await c.listActions({ limit, ...(a.flags.pending ? { status: 'pending' as const } : {}) });
        io.out(a.flags.json ? JSON.stringify(r, null, 2) : r.items.length ? r.items.map(formatAction).join('\n') : 'No response actions.');
        return EXIT.ok;
      });
      case 'undo': return await withAgent(rest, { json: 'boolean' }, io, async (c, a) => {
        const [id, ...extra] = a.positionals;
        if (!id || extra.length) throw new UsageError('undo takes one ACTION_ID (see mamori actions)');
        return printAction(await c.undoAction({ id }), !!a.flags.json, io);
      });
      case '--version': case 'version': io.out(packageInfo().version); return EXIT.ok;
      case undefined: case 'help': case '--help': case '-h': io.out(USAGE); return EXIT.ok;
      default: throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) { io.err(`mamori: ${err.message}\n\n${USAGE}`); return EXIT.error; }
    if (err instanceof MamoriError) { io.err(`mamori: ${err.message}`); return err.code === 'UNREACHABLE' ? EXIT.noAgent : EXIT.error; }
    io.err(`mamori: ${(err as Error).message}`);
    return EXIT.error;
  }
}

function positiveInt(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535 * 1000) throw new UsageError(`${name} must be a whole number`);
  return n;
}

function dataDirFrom(flags: Record<string, unknown>): string {
  return resolve((flags['data-dir'] as string | undefined) ?? defaultDataDir());
}

async function withAgent(
  argv: string[], spec: FlagSpec, io: Io,
  fn: (client: MamoriClient, args: ReturnType<typeof parseArgs>) => Promise<number>,
): Promise<number> {
  const args = parseArgs(argv, { ...spec, 'data-dir': 'string' });
  const dataDir = dataDirFrom(args.flags);
  const handle = findRunningAgent(dataDir);
  if (!handle) {
    io.err(`mamori: no Mamori agent is running for ${dataDir}. Start it with: mamori agent${args.flags['data-dir'] ? ` --data-dir ${dataDir}` : ''}`);
    return EXIT.noAgent;
  }
  const client = createHttpClient({ baseUrl: `http://127.0.0.1:${handle.port}`, token: handle.token });
  return fn(client, args);
}

const RESPOND_KINDS = {
  kill: 'kill', suspend: 'suspend', resume: 'resume', isolate: 'isolate', unisolate: 'unisolate', 'block-ip': 'block_ip',
  'unblock-ip': 'unblock_ip', 'block-hash': 'block_hash', 'unblock-hash': 'unblock_hash',
} as const;

async function runRespond(argv: string[], io: Io): Promise<number> {
  return withAgent(argv, { json: 'boolean', reason: 'string', allow: 'string[]' }, io, async (c, a) => {
    const [verb, ...args] = a.positionals;
    const json = !!a.flags.json;
    const reason = a.flags.reason as string | undefined;
    if (verb === 'approve' || verb === 'decline') {
      if (args.length !== 1) throw new UsageError(`respond ${verb} takes one ACTION_ID (see mamori actions --pending)`);
      return printAction(await c.decideAction({ id: args[0]!, approve: verb === 'approve' }), json, io);
    }
    const kind = RESPOND_KINDS[verb as keyof typeof RESPOND_KINDS];
    if (!kind) throw new UsageError(`respond needs one of: ${[...Object.keys(RESPOND_KINDS), 'approve', 'decline'].join(', ')}`);
    const one = (what: string) => {
      if (args.length !== 1) throw new UsageError(`respond ${verb} takes one ${what}`);
      return args[0]!;
    };
    if (kind === 'isolate' || kind === 'unisolate') {
      if (args.length) throw new UsageError(`respond ${verb} takes no argument${kind === 'isolate' ? ' (addresses go in --allow)' : ''}`);
      const allow = a.flags.allow as string[] | undefined;
      return printAction(await c.respond({ kind, ...(kind === 'isolate' && allow ? { allow } : {}), reason }), json, io);
    }
    if (kind === 'block_ip' || kind === 'unblock_ip') return printAction(await c.respond({ kind, address: one('ADDR'), reason }), json, io);
    if (kind === 'block_hash' || kind === 'unblock_hash') return printAction(await c.respond({ kind, sha256: one('SHA256'), reason }), json, io);
    return printAction(await c.respond({ kind, entityId: one('ENTITY_ID (PID-START, as alerts and "process tree" show it)'), reason }), json, io);
  });
}

function printAction(action: ResponseAction, json: boolean, io: Io): number {
  io.out(json ? JSON.stringify(action, null, 2) : formatAction(action));
  return action.status === 'failed' ? EXIT.found : EXIT.ok;
}

async function runScan(client: MamoriClient, what: string[] | 'quick' | 'full', json: boolean, io: Io): Promise<number> {
  let scan;
  if (typeof what === 'string') {
    ({ scan } = await client.startScan({ profile: what, trigger: 'cli' }));
  } else {
    if (!what.length) throw new UsageError('scan needs at least one PATH (or --quick or --full)');
    const absolute = what.map((p) => {
      const full = resolve(p);
      if (!existsSync(full)) throw new UsageError(`${p}: no such file or folder`);
      return realpathSync(full);
    });
    ({ scan } = await client.startScan({ paths: absolute, trigger: 'cli' }));
  }
  const tty = !json && process.stderr.isTTY;
  while (scan.state === 'running') {
    await new Promise((r) => setTimeout(r, 200));
    const r = await client.getScan({ id: scan.id });
    scan = r.scan;
    if (tty && r.progress) {
      const p = r.progress;
      const pct = p.bytesTotal ? ` ${Math.floor((100 * p.bytesScanned) / Math.max(1, p.bytesTotal))}%` : '';
      process.stderr.write(`\r  ${p.filesScanned}${p.filesTotal !== null ? `/${p.filesTotal}` : ''} files${pct}, ${p.findings} found   `);
    }
  }
  if (tty) process.stderr.write('\r\x1b[K');
  const alerts = await Promise.all(scan.alertIds.map((id) => client.getAlert({ id })));
  if (json) io.out(JSON.stringify({ scan, alerts }, null, 2));
  else io.out([formatScan(scan), ...alerts.map(formatAlert)].join('\n'));
  if (scan.state === 'failed') return EXIT.error;
  return scan.findings > 0 ? EXIT.found : EXIT.ok;
}

async function runQuarantine(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'list': return withAgent(rest, { json: 'boolean', all: 'boolean' }, io, async (c, a) => {
      const r = await c.listQuarantine({ includeInactive: !!a.flags.all });
      io.out(a.flags.json ? JSON.stringify(r, null, 2) : r.items.length ? r.items.map(formatQuarantine).join('\n') : 'Quarantine is empty.');
      return EXIT.ok;
    });
    case 'restore': return withAgent(rest, { json: 'boolean', rename: 'boolean' }, io, async (c, a) => {
      const id = singleId(a.positionals, 'restore');
      const r = await c.restoreQuarantine({ id, onConflict: a.flags.rename ? 'rename' : 'refuse' });
      io.out(a.flags.json ? JSON.stringify(r, null, 2) : `Restored ${r.restoredPath}`);
      return EXIT.ok;
    });
    case 'delete': return withAgent(rest, { json: 'boolean' }, io, async (c, a) => {
      const id = singleId(a.positionals, 'delete');
      const r = await c.deleteQuarantine({ id });
      io.out(a.flags.json ? JSON.stringify(r, null, 2) : `Deleted the quarantined copy of ${r.item.originalPath} for good.`);
      return EXIT.ok;
    });
    default: throw new UsageError('quarantine needs list, restore ID or delete ID');
  }
}

async function runEvents(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'search') throw new UsageError('events needs: search [TEXT] [--since ISO] [--until ISO] [--kind KIND]');
  const spec = { json: 'boolean', since: 'string', until: 'string', kind: 'string', limit: 'string' } as const;
  return withAgent(rest, spec, io, async (c, a) => {
    const kind = a.flags.kind as string | undefined;
    if (kind !== undefined && !['process', 'network', 'file', 'syscall'].includes(kind)) throw new UsageError(`--kind must be process, network, file or syscall`);
    const r = await c.searchEvents({
      text: a.positionals.length ? a.positionals.join(' ') : undefined,
      since: isoFlag(a.flags.since, '--since'), until: isoFlag(a.flags.until, '--until'),
      kind: kind as 'process' | undefined,
      limit: a.flags.limit ? positiveInt(a.flags.limit as string, '--limit') : 100,
    });
    io.out(a.flags.json ? JSON.stringify(r, null, 2) : r.items.length ? r.items.map(formatEvent).join('\n') : 'No events.');
    return EXIT.ok;
  });
}

async function runProcess(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'tree') throw new UsageError('process needs: tree PID_OR_ENTITY');
  return withAgent(rest, { json: 'boolean' }, io, async (c, a) => {
    if (a.positionals.length !== 1) throw new UsageError('process tree needs exactly one PID or entity id');
    const r = await c.processTree({ ref: a.positionals[0]! });
    io.out(a.flags.json ? JSON.stringify(r, null, 2) : formatTree(r.ancestors, r.process));
    return EXIT.ok;
  });
}

// The largest signature file the API takes (the contract's 64 MiB text limit).
const MAX_SIGNATURE_FILE = 64 * 1024 * 1024;

async function runSignatures(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'import': return withAgent(rest, { json: 'boolean', name: 'string' }, io, async (c, a) => {
      if (a.positionals.length !== 1) throw new UsageError('signatures import needs exactly one FILE');
      const file = resolve(a.positionals[0]!);
      let text: string;
      try {
        const st = statSync(file);
        if (!st.isFile()) throw new UsageError(`${a.positionals[0]}: not a file`);
        if (st.size > MAX_SIGNATURE_FILE) throw new UsageError(`${a.positionals[0]}: larger than 64 MiB; split it into several lists`);
        text = readFileSync(file, 'utf8');
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`${a.positionals[0]}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      const r = await c.importSignatures({ fileName: basename(file), text, ...(a.flags.name ? { name: a.flags.name as string } : {}) });
      io.out(a.flags.json ? JSON.stringify(r, null, 2) : formatSignatureImport(r));
      return EXIT.ok;
    });
    case 'list': return withAgent(rest, { json: 'boolean' }, io, async (c, a) => {
      const r = await c.listSignatures({});
      io.out(a.flags.json ? JSON.stringify(r, null, 2) : formatSignatureLists(r));
      return EXIT.ok;
    });
    case 'remove': return withAgent(rest, { json: 'boolean' }, io, async (c, a) => {
      if (a.positionals.length !== 1) throw new UsageError('signatures remove needs exactly one NAME (see: mamori signatures list)');
      const r = await c.removeSignatureList({ name: a.positionals[0]! });
      io.out(a.flags.json ? JSON.stringify(r, null, 2) : `Removed the signature list "${r.removed}".`);
      return EXIT.ok;
    });
    default: throw new UsageError('signatures needs import FILE, list or remove NAME');
  }
}

async function runRules(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'check': {
      const a = parseArgs(rest, { json: 'boolean' });
      if (!a.positionals.length) throw new UsageError('rules check needs at least one DIR');
      const dirs = a.positionals.map((d) => {
        const full = resolve(d);
        if (!existsSync(full) || !statSync(full).isDirectory()) throw new UsageError(`${d}: not a folder`);
        return full;
      });
      const report = checkSigmaFolders(dirs);
      io.out(a.flags.json ? JSON.stringify(report, null, 2) : formatRulesCheck(report));
      return report.failed ? EXIT.found : EXIT.ok;
    }
    case 'list': return withAgent(rest, { json: 'boolean' }, io, async (c, a) => {
      const r = await c.getSigmaRules({});
      io.out(a.flags.json ? JSON.stringify(r, null, 2) : formatSigmaStatus(r));
      return EXIT.ok;
    });
    default: throw new UsageError('rules needs check DIR... or list');
  }
}

function isoFlag(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v as string);
  if (Number.isNaN(t)) throw new UsageError(`${name} must be a date/time like 2026-11-25T09:00:00Z`);
  return new Date(t).toISOString();
}

function singleId(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`quarantine ${what} needs exactly one ID (see: mamori quarantine list)`);
  return positionals[0]!;
}

async function runAgent(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, { 'data-dir': 'string', watch: 'string[]', port: 'string' });
  if (args.positionals.length) throw new UsageError(`agent takes no arguments (got "${args.positionals[0]}")`);
  const dataDir = dataDirFrom(args.flags);
  const port = args.flags.port !== undefined ? positiveInt(args.flags.port as string, '--port') : DEFAULT_PORT;
  if (port > 65535) throw new UsageError('--port must be 0-65535');
  const watch = (args.flags.watch as string[] | undefined)?.map((p) => resolve(p));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const running = findRunningAgent(dataDir);
  if (running) {
    io.err(`mamori: an agent already runs for ${dataDir} (pid ${running.pid}): ${running.url}`);
    return EXIT.error;
  }

  const core = await createCore({ dataDir, watchFolders: watch, host: 'agent' });
  const token = randomBytes(24).toString('base64url');
  const { root, version } = packageInfo();
  const staticDir = join(root, 'dist', 'renderer');
  let server;
  try {
    server = await startAgentServer({
      api: core.api, events: core.events, token, port, staticDir: existsSync(join(staticDir, 'index.html')) ? staticDir : null,
    });
  } catch (err) {
    await core.stop();
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'EADDRINUSE' ? `port ${port} is in use; choose another with --port N (0 picks a free one)` : (err as Error).message);
  }
  const url = `http://127.0.0.1:${server.port}/#token=${token}`;
  writeHandle(dataDir, { pid: process.pid, port: server.port, token, url, startedAt: new Date().toISOString(), version });
  const notifier = startDesktopNotifier(core);
  io.out(`Mamori agent is running (data: ${dataDir}). Open the UI: ${url}`);

  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
  });
  // Shut-down always runs, in order: stop accepting requests, stop the core, remove the handle.
  notifier.stop();
  await server.close().catch(() => undefined);
  await core.stop();
  removeHandle(dataDir, process.pid);
  return EXIT.ok;
}
