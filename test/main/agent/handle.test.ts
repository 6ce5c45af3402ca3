// agent.json: where the running agent listens and its token. Only the user may read it; a dead agent's handle
// does not count; an agent never removes another agent's handle.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  findRunningAgent, HANDLE_FILE, isAlive, readHandle, removeHandle, writeHandle, type AgentHandle,
} from '../../../main/agent/handle.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'mamori-handle-test-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

const handle = (pid = process.pid): AgentHandle => ({
  pid, port: 47447, token: 'abcdefghijklmnopqrstuvwxyz012345', url: 'http://127.0.0.1:47447/#token=abcdefghijklmnopqrstuvwxyz012345',
  startedAt: '2025-01-02T03:04:05.000Z', version: '0.1.0',
});

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

describe('agent.json', () => {
  it('is written with mode 0600 and read back as written, leaving no temp file', () => {
    writeHandle(dir, handle());
    const file = join(dir, HANDLE_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readHandle(dir)).toEqual(handle());
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, port: 47447 });
    expect(readdirSync(dir)).toEqual([HANDLE_FILE]);
  });

  it('replaces a world-readable leftover with a 0600 file', () => {
    writeFileSync(join(dir, HANDLE_FILE), '{}', { mode: 0o644 });
    writeHandle(dir, handle());
    expect(statSync(join(dir, HANDLE_FILE)).mode & 0o777).toBe(0o600);
  });

  it('reads a missing, garbled or wrongly shaped file as no handle', () => {
    expect(readHandle(dir)).toBeNull();
    for (const text of ['', 'not json', '[]', 'null', JSON.stringify({ ...handle(), token: 'short' }), JSON.stringify({ ...handle(), pid: -1 }), JSON.stringify({ ...handle(), port: '80' })]) {
      writeFileSync(join(dir, HANDLE_FILE), text);
      expect(readHandle(dir), text).toBeNull();
      expect(findRunningAgent(dir), text).toBeNull();
    }
  });

  it('findRunningAgent: a live pid counts, a dead one does not', async () => {
    writeHandle(dir, handle(process.pid));
    expect(findRunningAgent(dir)).toEqual(handle(process.pid));
    const dead = await deadPid();
    expect(isAlive(dead)).toBe(false);
    writeHandle(dir, handle(dead));
    expect(findRunningAgent(dir)).toBeNull();
  });

  it('removeHandle removes only the handle of the given pid', () => {
    writeHandle(dir, handle(process.pid));
    removeHandle(dir, process.pid + 1);
    expect(existsSync(join(dir, HANDLE_FILE))).toBe(true);
    removeHandle(dir, process.pid);
    expect(existsSync(join(dir, HANDLE_FILE))).toBe(false);
    expect(() => removeHandle(dir, process.pid)).not.toThrow();
  });
});
