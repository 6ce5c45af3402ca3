// Helper `file` lines -> ECS file events, and the coalescer that keeps a write storm cheap: writes of one
// file within a short window (the create, every close after writing, attribute changes that do not make it
// executable) become one event that counts them.
import { readFileSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import type { TelemetryEvent } from '../../../../preload/contract/index.js';
import type { NewEvent } from '../../store/index.js';
import type { HelperMessage } from '../process/index.js';
import type { ProcessLookup } from './process-lookup.js';

export const FILE_ACTIONS = new Set(['create', 'modify', 'delete', 'rename', 'attrib']);
/** A create or modify of a path waits this long for more writes of the same path to fold into it. */
export const COALESCE_MS = 500;
const COALESCE_MAX = 20_000;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** CLOCK_BOOTTIME ns (the helper's ts_ns) -> wall clock. */
export class BootClock {
  private readonly bootWallMs: number;
  constructor() {
    this.bootWallMs = Date.now() - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000;
  }
  iso(ns: number | null): string {
    return new Date(ns === null ? Date.now() : this.bootWallMs + ns / 1e6).toISOString();
  }
}

export function fileFields(path: string, m: HelperMessage): NonNullable<TelemetryEvent['file']> {
  const ext = extname(path);
  const mode = num(m.mode);
  const size = num(m.size);
  const file: NonNullable<TelemetryEvent['file']> = { path, name: basename(path), directory: dirname(path) };
  if (ext.length > 1) file.extension = ext.slice(1).toLowerCase();
  file.type = m.is_dir ? 'dir' : 'file';
  if (mode !== null) file.mode = mode.toString(8).padStart(4, '0');
  if (size !== null) file.size = size;
  if (num(m.ino) !== null) file.inode = String(m.ino);
  if (num(m.dev) !== null) file.device = String(m.dev);
  return file;
}

/** One helper line (file, exec_denied, exec_timeout) as an event; null when it names no path at all. */
export function toFileEvent(m: HelperMessage, action: string, clock: BootClock, lookup: ProcessLookup): NewEvent | null {
  const path = str(m.path) ?? str(m.path_name);
  const pid = num(m.pid);
  if (!path || pid === null) return null;
  const ts = num(m.ts_ns);
  const actor = lookup.actor(pid, ts ?? 0);
  const file = fileFields(path, m);
  const oldPath = str(m.old_path) ?? str(m.old_path_name);
  if (oldPath) file.old_path = oldPath;
  return {
    '@timestamp': clock.iso(ts),
    event: { kind: 'file', action, sequence: num(m.seq), provider: 'fanotify' },
    process: actor.process,
    user: { id: actor.uid, name: null },
    file,
  };
}

/**
 * Folds repeated writes of one path into the first event for COALESCE_MS. Other actions pass straight
 * through, after any held event of the same path (so a file's events stay in order).
 */
export class Coalescer {
  private readonly held = new Map<string, { at: number; event: NewEvent }>();
  /** Writes folded into an earlier event, since start. */
  folded = 0;

  constructor(private readonly emit: (e: NewEvent) => void, private readonly windowMs = COALESCE_MS) {}

  push(e: NewEvent, now = Date.now()): void {
    const file = e.file!;
    const action = e.event.action;
    if (action === 'create' || action === 'modify') {
      const held = this.held.get(file.path);
      if (held && action === 'modify') {
        const f = held.event.file!;
        if (file.size !== undefined) f.size = file.size;
        if (file.mode !== undefined) f.mode = file.mode;
        held.event.event.coalesced = (held.event.event.coalesced ?? 0) + 1;
        this.folded++;
        return;
      }
      if (held) this.release(file.path);
      this.held.set(file.path, { at: now, event: e });
      if (this.held.size > COALESCE_MAX) this.release(this.held.keys().next().value!);
      return;
    }
    if (action === 'attrib' && this.foldAttrib(file)) return;
    this.release(file.path);
    if (file.old_path) this.release(file.old_path);
    this.emit(e);
  }

  /**
   * An attribute change of a file still held (tar setting times and modes right after writing) folds into it,
   * unless it makes the file executable: chmod +x on a fresh file is worth its own event.
   */
  private foldAttrib(file: NonNullable<NewEvent['file']>): boolean {
    const held = this.held.get(file.path);
    if (!held) return false;
    const execBits = (mode: string | undefined) => (mode === undefined ? 0 : parseInt(mode, 8) & 0o111);
    const f = held.event.file!;
    if (execBits(file.mode) & ~execBits(f.mode)) return false;
    if (file.mode !== undefined) f.mode = file.mode;
    held.event.event.coalesced = (held.event.event.coalesced ?? 0) + 1;
    this.folded++;
    return true;
  }

  /** Emits the held events whose window has passed (all of them with `all`). */
  tick(now = Date.now(), all = false): void {
    for (const [path, h] of this.held) {
      if (!all && now - h.at < this.windowMs) break; // insertion order = age order
      this.held.delete(path);
      this.emit(h.event);
    }
  }

  private release(path: string): void {
    const h = this.held.get(path);
    if (!h) return;
    this.held.delete(path);
    this.emit(h.event);
  }
}
