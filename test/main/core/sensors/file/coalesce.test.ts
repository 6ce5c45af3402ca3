// The two pieces that keep a file storm cheap: the coalescer (writes of one path in a window -> one event)
// and the bounded scan queue (one entry per path, drops counted when full).
import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../../../../main/core/store/index.js';
import { BoundedPathQueue } from '../../../../../main/core/sensors/file/index.js';
import { Coalescer } from '../../../../../main/core/sensors/file/file-events.js';

const ev = (action: string, path: string, size?: number, old?: string): NewEvent => ({
  '@timestamp': new Date().toISOString(), event: { kind: 'file', action, sequence: null },
  process: { entity_id: '1-0', pid: 1, name: null, executable: null, command_line: null, args: null, parent: null },
  user: { id: 0, name: null }, file: { path, name: path, ...(size !== undefined ? { size } : {}), ...(old ? { old_path: old } : {}) },
});

describe('Coalescer', () => {
  it('folds a create and the writes after it into one event with the last size, released after the window', () => {
    const out: NewEvent[] = [];
    const c = new Coalescer((e) => out.push(e), 500);
    c.push(ev('create', '/a', 0), 0);
    for (let i = 1; i <= 5; i++) c.push(ev('modify', '/a', i * 10), i);
    c.tick(100);
    expect(out).toEqual([]);
    c.tick(600);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ event: { action: 'create', coalesced: 5 }, file: { size: 50 } });
    expect(c.folded).toBe(5);
  });

  it("keeps a file's order: a rename or delete first releases what is held for that path", () => {
    const out: NewEvent[] = [];
    const c = new Coalescer((e) => out.push(e), 500);
    c.push(ev('create', '/a', 1), 0);
    c.push(ev('create', '/b', 1), 0);
    c.push(ev('rename', '/c', undefined, '/a'), 1);
    expect(out.map((e) => `${e.event.action} ${e.file!.path}`)).toEqual(['create /a', 'rename /c']);
    c.tick(0, true);
    expect(out.map((e) => e.file!.path)).toEqual(['/a', '/c', '/b']);
  });
});

describe('Coalescer and attributes', () => {
  it('folds an attribute change of a fresh file, but not one that makes it executable', () => {
    const out: NewEvent[] = [];
    const c = new Coalescer((e) => out.push(e), 500);
    const attrib = (path: string, mode: string) => { const e = ev('attrib', path); e.file!.mode = mode; return e; };
    const create = (path: string) => { const e = ev('create', path, 1); e.file!.mode = '0644'; return e; };
    c.push(create('/data.txt'), 0);
    c.push(attrib('/data.txt', '0640'), 1); // tar restoring a mode
    c.push(create('/tool'), 0);
    c.push(attrib('/tool', '0755'), 1); // chmod +x: its own event, after the create
    c.tick(0, true);
    expect(out.map((e) => `${e.event.action} ${e.file!.path} ${e.file!.mode}`)).toEqual(['create /tool 0644', 'attrib /tool 0755', 'create /data.txt 0640']);
  });
});

describe('BoundedPathQueue', () => {
  it('holds one entry per path (the newest writer wins) and counts drops when full', () => {
    const q = new BoundedPathQueue<number>(2);
    expect(q.push('/a', 1)).toBe(true);
    expect(q.push('/a', 2)).toBe(true);
    expect(q.push('/b', 3)).toBe(true);
    expect(q.push('/c', 4)).toBe(false);
    expect({ size: q.size, merged: q.merged, dropped: q.dropped }).toEqual({ size: 2, merged: 1, dropped: 1 });
    expect(q.shift()).toEqual(['/a', 2]);
    expect(q.shift()).toEqual(['/b', 3]);
    expect(q.shift()).toBeUndefined();
  });
});
