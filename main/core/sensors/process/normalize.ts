// Helper messages (PROTOCOL.md) -> ECS telemetry events, enriched with what the kernel event lacks:
// the parent's identity, the user name, the executable's SHA-256, and (when the helper did not capture them
// in the kernel) the working directory, loader variables and memfd/deleted image from /proc.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, resolve as resolvePath } from 'node:path';
import type { EventKind } from '../../../../preload/contract/index.js';
import type { NewEvent } from '../../store/index.js';
import type { HelperMessage } from './helper-stream.js';
import { ldSoPreload, loaderVars, mappedLibraries } from './libraries.js';
import { readExecContext, type ExecContext } from './proc-read.js';
import { commandLine, entityId, type ProcInfo, type ProcessTable } from './process-table.js';

/** The dynamic loader maps libraries after exec: look at /proc/PID/maps this long after. */
export const LIBRARIES_DELAY_MS = 150;

const NETWORK = new Set(['connect', 'accept', 'bind', 'listen']);
const SYSCALL = new Set(['ptrace', 'memfd_create', 'module_load', 'setid']);
const PROCESS_FIELDS = new Set(['type', 'seq', 'ts_ns', 'pid', 'tid', 'ppid', 'start_ns', 'uid', 'gid', 'comm', 'ret', 'late']);

export interface Enricher {
  /** SHA-256 of an executable, cached by device, inode, size and mtime; null when it cannot be read. */
  sha256(path: string): Promise<string | null> | string | null;
}

/** CLOCK_BOOTTIME ns -> wall clock, from /proc/uptime (which is CLOCK_BOOTTIME). */
export class BootClock {
  private bootWallMs: number;
  constructor() {
    const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    this.bootWallMs = Date.now() - uptime * 1000;
  }
  iso(ns: number | null | undefined): string | null {
    return typeof ns === 'number' ? new Date(this.bootWallMs + ns / 1e6).toISOString() : null;
  }
}

class UserNames {
  private names = new Map<number, string>();
  private loadedAt = 0;
  name(uid: number | null): string | null {
    if (uid === null) return null;
    if (!this.names.has(uid) && Date.now() - this.loadedAt > 60_000) this.load();
    return this.names.get(uid) ?? null;
  }
  private load(): void {
    this.loadedAt = Date.now();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , uid] = line.split(':');
        if (name && uid) this.names.set(Number(uid), name);
      }
    } catch { /* no passwd: ids only */ }
  }
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export class Normalizer {
  private readonly users = new UserNames();

  constructor(
    private readonly table: ProcessTable, private readonly clock: BootClock, private readonly enrich: Enricher,
    /** Where events found after the fact go (the libraries a process loaded). */
    private readonly late: (event: NewEvent) => void = () => undefined,
  ) {}

  /** One helper message -> zero or one event (a promise when the executable still has to be hashed).
   *  `exited`: the caller already holds this process's exit (later in the same read), so /proc has nothing left. */
  normalize(m: HelperMessage, exited = false): NewEvent | Promise<NewEvent> | null {
    const ts = num(m.ts_ns) ?? 0;
    const pid = num(m.pid);
    if (pid === null) return null;
    switch (m.type) {
      case 'fork': return this.onFork(m, pid, ts);
      case 'exec': return this.onExec(m, pid, ts, exited);
      case 'exit': return this.onExit(m, pid, ts);
      default:
        if (NETWORK.has(m.type) || SYSCALL.has(m.type)) return this.onSyscall(m, pid, ts);
        return null;
    }
  }

  private parentOf(ppid: number | null, ts: number): ProcInfo | null {
    return ppid === null ? null : this.table.get(ppid) ?? this.table.lookup(ppid, ts) ?? this.table.findExited(ppid) ?? null;
  }

  private onFork(m: HelperMessage, pid: number, ts: number): NewEvent {
    const ppid = num(m.ppid);
    const parent = this.parentOf(ppid, ts);
    const startNs = num(m.start_ns);
    const info: ProcInfo = {
      entityId: entityId(pid, startNs, ts), pid, startNs, ppid, parentEntity: parent?.entityId ?? null,
      // A forked child runs its parent's image until it execs.
      executable: parent?.executable ?? null, args: parent?.args ?? null, commandLine: parent?.commandLine ?? null,
      uid: num(m.uid) ?? parent?.uid ?? null, exitedAt: null,
    };
    this.table.set(info);
    return this.event('process', 'fork', m, ts, info, parent);
  }

  private onExec(m: HelperMessage, pid: number, ts: number, exited: boolean): NewEvent | Promise<NewEvent> {
    const startNs = num(m.start_ns);
    const known = this.table.get(pid);
    const ppid = num(m.ppid) ?? known?.ppid ?? null;
    const parent = this.parentOf(ppid, ts);
    const args = Array.isArray(m.argv) ? (m.argv as unknown[]).map(String) : null;
    const entity = known && (startNs === null || known.startNs === startNs) ? known.entityId : entityId(pid, startNs, ts);
    const ctx = execContext(m, pid, exited);
    const info: ProcInfo = {
      entityId: entity, pid, startNs: startNs ?? known?.startNs ?? null, ppid, parentEntity: parent?.entityId ?? known?.parentEntity ?? null,
      executable: absoluteExecutable(str(m.filename), ctx.cwd, m.cwd_truncated === true), args, commandLine: args ? commandLine(args) : null,
      uid: num(m.uid), exitedAt: null,
    };
    this.table.set(info);
    const event = this.event('process', 'exec', m, ts, info, parent);
    if (m.argv_truncated) event.process.args_truncated = true;
    event.process.working_directory = ctx.cwd;
    if (ctx.env.length) event.process.env_vars = ctx.env;
    if (ctx.exeLink) event.process.executable_link = ctx.exeLink;
    if (m.cwd_truncated === true) event.process.working_directory_truncated = true;
    if (m.env_truncated === true) event.process.env_vars_truncated = true;
    if (!exited && !ctx.gone) this.scheduleLibraries(info, m, ts, parent);
    const hash = info.executable ? this.enrich.sha256(info.executable) : null;
    const withHash = (sha: string | null) => { event.process.hash = sha ? { sha256: sha } : null; return event; };
    return hash instanceof Promise ? hash.then(withHash, () => withHash(null)) : withHash(hash);
  }

  /** One timer for all pending library reads, not one per exec: a storm schedules thousands. */
  private readonly libraryQueue: { due: number; info: ProcInfo; m: HelperMessage; ts: number; parent: ProcInfo | null }[] = [];
  private libraryTimer: NodeJS.Timeout | null = null;

  private scheduleLibraries(info: ProcInfo, m: HelperMessage, ts: number, parent: ProcInfo | null): void {
    this.libraryQueue.push({ due: Date.now() + LIBRARIES_DELAY_MS, info, m, ts, parent });
    if (!this.libraryTimer) this.armLibraryTimer();
  }

  private armLibraryTimer(): void {
    const next = this.libraryQueue[0];
    if (!next) { this.libraryTimer = null; return; }
    this.libraryTimer = setTimeout(() => {
      const now = Date.now();
      let i = 0;
      for (; i < this.libraryQueue.length && this.libraryQueue[i]!.due <= now; i++) {
        const q = this.libraryQueue[i]!;
        this.libraries(q.info, q.m, q.ts, q.parent);
      }
      this.libraryQueue.splice(0, i);
      this.armLibraryTimer();
    }, Math.max(0, next.due - Date.now()));
    this.libraryTimer.unref();
  }

  /** The libraries event of a process that still runs the image it exec'd. */
  private libraries(info: ProcInfo, m: HelperMessage, ts: number, parent: ProcInfo | null): void {
    if (this.table.get(info.pid) !== info) return; // exited or exec.d again meanwhile
    const found = mappedLibraries(info.pid, info.executable);
    if (!found) return;
    const preload = ldSoPreload();
    if (!found.libraries.length && !preload.length) return; // statically linked, nothing loaded
    const event = this.event('process', 'libraries', m, ts, info, parent);
    event.event.sequence = null; // derived from the exec, not a helper message of its own
    event['@timestamp'] = new Date().toISOString();
    event.process.libraries = found.libraries;
    if (found.unusual.length) event.process.libraries_unusual = found.unusual;
    if (preload.length) event.process.ld_so_preload = preload;
    this.late(event);
  }

  private onExit(m: HelperMessage, pid: number, ts: number): NewEvent {
    const info = this.table.exit(pid, ts) ?? {
      entityId: entityId(pid, num(m.start_ns), ts), pid, startNs: num(m.start_ns), ppid: null, parentEntity: null,
      executable: null, args: null, commandLine: null, uid: null, exitedAt: ts,
    };
    const event = this.event('process', 'exit', m, ts, info, info.ppid !== null ? this.table.get(info.ppid) ?? null : null);
    event.process.exit_code = num(m.exit_code);
    event.process.exit_signal = num(m.signal);
    return event;
  }

  private onSyscall(m: HelperMessage, pid: number, ts: number): NewEvent {
    const info = this.table.get(pid) ?? this.table.lookup(pid, ts) ?? this.table.findExited(pid) ?? {
      entityId: entityId(pid, num(m.start_ns), ts), pid, startNs: num(m.start_ns), ppid: null, parentEntity: null,
      executable: null, args: null, commandLine: null, uid: num(m.uid), exitedAt: null,
    };
    const kind: EventKind = NETWORK.has(m.type) ? 'network' : 'syscall';
    const event = this.event(kind, m.type, m, ts, info, info.ppid !== null ? this.table.get(info.ppid) ?? null : null);
    const args: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(m)) if (!PROCESS_FIELDS.has(k)) args[k] = v;
    event.syscall = { name: str(m.syscall) ?? m.type, args, ret: num(m.ret) };
    const family = str(m.family);
    const type = family === 'inet' ? 'ipv4' : family === 'inet6' ? 'ipv6' : family;
    if (kind === 'network') event.network = { type, transport: family === 'unix' ? null : 'tcp' };
    if (m.type === 'connect') event.destination = { ip: str(m.daddr), port: num(m.dport), path: str(m.path) };
    if (m.type === 'accept') event.source = { ip: str(m.saddr), port: num(m.sport) };
    if (m.type === 'bind') event.source = { ip: str(m.addr), port: num(m.port) };
    return event;
  }

  private event(kind: EventKind, action: string, m: HelperMessage, ts: number, p: ProcInfo, parent: ProcInfo | null): NewEvent {
    const uid = num(m.uid) ?? p.uid;
    return {
      '@timestamp': this.clock.iso(ts) ?? new Date().toISOString(),
      event: { kind, action, sequence: num(m.seq), ...(m.late ? { late: true } : {}) },
      process: {
        entity_id: p.entityId, pid: p.pid, ...(num(m.tid) !== null ? { tid: num(m.tid)! } : {}),
        name: p.executable ? basename(p.executable) : str(m.comm), executable: p.executable, command_line: p.commandLine,
        args: p.args, start: p.startIso !== undefined ? p.startIso : (p.startIso = this.clock.iso(p.startNs)),
        parent: p.ppid !== null ? {
          entity_id: parent?.entityId ?? p.parentEntity, pid: p.ppid, executable: parent?.executable ?? null,
          command_line: parent?.commandLine ?? null,
        } : null,
      },
      user: { id: uid, name: this.users.name(uid) },
      group: { id: num(m.gid) },
    };
  }
}

const OWN_FD_PATH = /^\/(dev\/fd|proc\/self|proc\/thread-self)\//;

/** SHA-256 of executables through the hash pool, cached by identity so 20,000 execs of /bin/true hash it once.
 *  Each exec costs one stat of the path (it follows symlinks to what actually ran): the key is the file's
 *  device, inode, size, mtime and ctime, so a binary replaced or rewritten in place (even with its mtime reset)
 *  gets a new hash at its next exec. The real path is resolved only when the file has to be hashed. */
export class ExecutableHasher implements Enricher {
  private readonly cache = new Map<string, Promise<string | null> | string | null>();
  constructor(private readonly hashFile: (path: string) => Promise<string>) {}

  sha256(path: string): Promise<string | null> | string | null {
    // fexecve/execveat of an fd shows as /dev/fd/N: resolved here it would be one of OUR descriptors.
    if (OWN_FD_PATH.test(path)) return null;
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st?.isFile()) return null; // deleted, memfd, or gone: nothing to hash
    const key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    let real: string;
    try {
      real = realpathSync(path); // /bin/sh -> /usr/bin/dash: the hash is of what actually ran
    } catch {
      return null;
    }
    if (this.cache.size > 20_000) this.cache.clear();
    const pending = this.hashFile(real).then((sha) => { this.cache.set(key, sha); return sha; }, () => { this.cache.delete(key); return null; });
    this.cache.set(key, pending);
    return pending;
  }
}

/** Working directory, loader variables and memfd/deleted image of an exec: the kernel-captured fields when the
 *  helper sent them (no /proc read for those), /proc for the rest unless the process is known to be gone. */
export function execContext(m: HelperMessage, pid: number, exited: boolean): ExecContext & { gone: boolean } {
  const cwd = str(m.cwd);
  const env = Array.isArray(m.env) ? loaderVars(m.env.filter((v): v is string => typeof v === 'string')) : null;
  // exe_link is sent only for memfd/deleted images: from a helper that captures in the kernel (it sent cwd or
  // env), its absence means an ordinary file, so there is nothing to read.
  const kernelCaptured = cwd !== null || env !== null;
  const exeLink = str(m.exe_link) ?? (kernelCaptured ? null : undefined);
  if (cwd !== null && env !== null && exeLink !== undefined) return { cwd, env, exeLink, gone: exited };
  if (exited) return { cwd, env: env ?? [], exeLink: exeLink ?? null, gone: true };
  const read = readExecContext(pid, { cwd: cwd === null, env: env === null, exeLink: exeLink === undefined });
  return {
    cwd: cwd ?? read.cwd, env: env ?? read.env, exeLink: exeLink ?? (read.exeLink && isUnusualImage(read.exeLink) ? read.exeLink : null),
    gone: read.gone,
  };
}

const isUnusualImage = (link: string) => link.startsWith('/memfd:') || link.endsWith(' (deleted)');

/**
 * exec() was given `./tool` or `bin/tool`: the program is that path from the process's working directory
 * (rules match absolute paths, and the hash must read the same file, not one relative to Mamori's folder).
 */
export function absoluteExecutable(filename: string | null, cwd: string | null | undefined, cwdTruncated: boolean): string | null {
  if (!filename || filename.startsWith('/') || !cwd || !cwd.startsWith('/') || cwdTruncated) return filename;
  return resolvePath(cwd, filename);
}
