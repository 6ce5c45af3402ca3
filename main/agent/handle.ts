// agent.json in the data dir tells the CLI where the running agent listens and with which token.
// Mode 0600: the token is as good as the user's own access to Mamori.
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const HANDLE_FILE = 'agent.json';

export const AgentHandle = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().positive(),
  token: z.string().min(16),
  url: z.string(),
  startedAt: z.string(),
  version: z.string(),
});
export type AgentHandle = z.infer<typeof AgentHandle>;

export function writeHandle(dataDir: string, handle: AgentHandle): void {
  const file = join(dataDir, HANDLE_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify(handle, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function removeHandle(dataDir: string, pid: number): void {
  const current = readHandle(dataDir);
  if (current && current.pid !== pid) return; // another agent's: not ours to remove
  try { unlinkSync(join(dataDir, HANDLE_FILE)); } catch { /* gone */ }
}

export function readHandle(dataDir: string): AgentHandle | null {
  try {
    return AgentHandle.parse(JSON.parse(readFileSync(join(dataDir, HANDLE_FILE), 'utf8')));
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The agent running for this data dir, or null (a handle left by a dead agent does not count). */
export function findRunningAgent(dataDir: string): AgentHandle | null {
  const handle = readHandle(dataDir);
  return handle && isAlive(handle.pid) ? handle : null;
}
