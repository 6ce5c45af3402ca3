// Telemetry events and process nodes in plain words. Pure module (no React, no DOM), like i18n.ts.
import type { EventKind, ProcessNode, TelemetryEvent, TelemetrySummary } from '../../preload/contract/index.js';
import { baseName, type Formatter } from './i18n.js';

/** "1.2.3.4:80", "[::1]:443", a unix socket path, or null when nothing is known. */
export function endpoint(ip: string | null | undefined, port: number | null | undefined, path?: string | null): string | null {
  if (ip) {
    const host = ip.includes(':') ? `[${ip}]` : ip;
    return port !== null && port !== undefined ? `${host}:${port}` : host;
  }
  if (path) return path;
  if (port !== null && port !== undefined) return `:${port}`;
  return null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** What an event did, in the user's language: "started", "ended (exit 7)", "connected to 1.2.3.4:80". */
export function describeEvent(e: TelemetryEvent, fmt: Formatter): string {
  const a = fmt.t.events.action;
  const p = e.process;
  const unknown = a.unknownTarget;
  switch (e.event.action) {
    case 'exec': return a.exec;
    case 'fork': return a.fork;
    case 'exit':
      if (p.exit_signal) return a.exitSignal(fmt.number(p.exit_signal));
      return p.exit_code !== null && p.exit_code !== undefined ? a.exit(fmt.number(p.exit_code)) : a.ended;
    case 'connect':
      return a.connect(endpoint(e.destination?.ip, e.destination?.port, e.destination?.path) ?? unknown);
    case 'accept':
      return a.accept(endpoint(e.source?.ip, e.source?.port) ?? unknown);
    case 'bind': {
      const where = endpoint(e.source?.ip, e.source?.port, typeof e.syscall?.args.path === 'string' ? e.syscall.args.path : null);
      return where ? a.bind(where) : a.bindNoAddress;
    }
    case 'listen': return a.listen;
    case 'libraries': {
      const n = fmt.number(p.libraries?.length ?? 0);
      const unusual = p.libraries_unusual?.length ?? 0;
      return unusual > 0 ? a.librariesUnusual(n, fmt.number(unusual)) : a.libraries(n);
    }
    default: break;
  }
  let text: string;
  switch (e.event.action) {
    case 'ptrace': {
      const target = num(e.syscall?.args.target_pid);
      text = a.ptrace(target !== null ? String(target) : '?');
      break;
    }
    case 'memfd_create': text = a.memfd; break;
    case 'module_load': text = a.moduleLoad; break;
    case 'setid': text = a.setid; break;
    default: text = e.syscall?.name ?? e.event.action;
  }
  const ret = e.syscall?.ret;
  return e.event.kind === 'syscall' && typeof ret === 'number' && ret < 0 ? a.failed(text) : text;
}

/** A short name for a process: its executable's file name, else the first word of its command line. */
export function processName(p: { name?: string | null; executable: string | null; command_line: string | null }): string {
  if (p.name) return p.name;
  if (p.executable) return baseName(p.executable);
  const first = p.command_line?.trim().split(/\s+/)[0];
  return first ? baseName(first) : '?';
}

/** "running", "ended (exit 3)" or "ended". */
export function nodeState(n: ProcessNode, fmt: Formatter): { kind: 'running' | 'ok' | 'failed' | 'ended'; text: string } {
  const t = fmt.t.process;
  if (n.exit_code !== null) return { kind: n.exit_code === 0 ? 'ok' : 'failed', text: t.exited(fmt.number(n.exit_code)) };
  if (n.end) return { kind: 'ended', text: t.ended };
  return { kind: 'running', text: t.running };
}

/** An ancestor the core could only describe from its child's events (it started before Mamori watched). */
export function isSketchy(n: ProcessNode): boolean {
  return n.start === null && n.user === null && n.end === null && n.activity.length === 0;
}

/** ISO time `ms` milliseconds before `now`, for the "since" of a time range; undefined for all time. */
export function sinceFor(range: '1h' | '24h' | '7d' | 'all', now: number): string | undefined {
  const hours = range === '1h' ? 1 : range === '24h' ? 24 : range === '7d' ? 24 * 7 : null;
  return hours === null ? undefined : new Date(now - hours * 3600_000).toISOString();
}

/** Every node of a tree, depth first. */
export function walkTree(n: ProcessNode, visit: (n: ProcessNode) => void): void {
  visit(n);
  for (const c of n.children) walkTree(c, visit);
}

/**
 * Newest first by time, then by the sensor's sequence, then by id. The store numbers events as they
 * are written, and an exec event waits for its program's hash, so its id can be higher than that of
 * the exit that followed it; time and sequence give the order things happened in.
 */
export function newestFirst(a: TelemetryEvent, b: TelemetryEvent): number {
  const ta = Date.parse(a['@timestamp']);
  const tb = Date.parse(b['@timestamp']);
  if (ta !== tb && Number.isFinite(ta) && Number.isFinite(tb)) return tb - ta;
  const sa = a.event.sequence;
  const sb = b.event.sequence;
  if (sa !== null && sb !== null && sa !== sb) return sb - sa;
  return b.id - a.id;
}

// ---- live updates (the pushed `telemetry` summary) ------------------------------------------

/** Could this summary hold events the current kind filter shows? Text and time are checked by the server. */
export function summaryMayMatch(summary: TelemetrySummary, kind: EventKind | 'all'): boolean {
  return kind === 'all' ? summary.count > 0 : summary.byKind[kind] > 0;
}

/** How many of a fresh first page are newer than what is shown; `more` when the page is full (there may be more). */
export function countNewer(fresh: { items: TelemetryEvent[]; nextOffset: number | null }, newestShownId: number): { n: number; more: boolean } {
  const n = fresh.items.filter((e) => e.id > newestShownId).length;
  return { n, more: n === fresh.items.length && fresh.nextOffset !== null };
}

/** Did this summary touch a process shown in a tree (the tree's nodes, or a new child of one of them)? */
export function summaryTouchesTree(summary: TelemetrySummary, root: ProcessNode, ancestors: ProcessNode[]): boolean {
  if (summary.entitiesTruncated) return true;
  const shown = new Set<string>(ancestors.map((a) => a.entity_id));
  walkTree(root, (n) => { shown.add(n.entity_id); });
  return summary.entities.some((id) => shown.has(id));
}
