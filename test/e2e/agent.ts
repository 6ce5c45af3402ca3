// Starts a real headless agent (`node bin/mamori.js agent`) for a test, with its own data dir and
// watched folder under the OS temp dir, and stops it by pid afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export interface AgentHandleFile {
  pid: number;
  port: number;
  token: string;
  url: string;
}

export interface RunningAgent {
  handle: AgentHandleFile;
  dataDir: string;
  watched: string;
  child: ChildProcess;
  output(): string;
  /** POST /api/call/NAME with the token; returns the unwrapped value or throws. */
  call<T = unknown>(name: string, input?: unknown): Promise<T>;
  stop(): Promise<void>;
}

export function assertBuilt(): void {
  const missing = ['bin/mamori.js', 'dist/main/agent/cli.js', 'dist/renderer/index.html']
    .filter((p) => !existsSync(join(repoRoot, p)));
  if (missing.length) {
    throw new Error(`Mamori is not built (missing ${missing.join(', ')}). Run \`npm run build\` in ${repoRoot} first.`);
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function startAgent(options: { language?: 'auto' | 'en' | 'ja' } = {}): Promise<RunningAgent> {
  assertBuilt();
  // realpath: on some systems the temp dir is behind a symlink, and the agent reports real paths.
  const dataDir = realpathSync(mkdtempSync(join(tmpdir(), 'mamori-e2e-data-')));
  const watched = realpathSync(mkdtempSync(join(tmpdir(), 'mamori-e2e-watched-')));
  let out = '';
  const child = spawn(process.execPath, ['bin/mamori.js', 'agent', '--data-dir', dataDir, '--watch', watched, '--port', '0'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MAMORI_DATA_DIR: dataDir },
  });
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  let exited: number | null = null;
  child.on('exit', (code) => { exited = code ?? -1; });

  const handleFile = join(dataDir, 'agent.json');
  const until = Date.now() + 60_000;
  let handle: AgentHandleFile | null = null;
  while (!handle) {
    if (exited !== null) throw new Error(`the agent exited (code ${exited}) before listening:\n${out}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`the agent did not write ${handleFile} within 60 s:\n${out}`);
    }
    try {
      const parsed = JSON.parse(readFileSync(handleFile, 'utf8')) as AgentHandleFile;
      if (parsed.port && parsed.token && parsed.url) handle = parsed;
    } catch {
      await sleep(100);
    }
  }
  const found = handle;

  const call = async <T>(name: string, input: unknown = {}): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${found.port}/api/call/${name}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${found.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    const envelope = await res.json() as { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
    if (!envelope.ok) throw new Error(`${name}: ${envelope.error.code} ${envelope.error.message}`);
    return envelope.value;
  };

  if (options.language) await call('updateSettings', { language: options.language });

  const stop = async (): Promise<void> => {
    if (exited === null) {
      try { process.kill(found.pid, 'SIGTERM'); } catch { /* already gone */ }
      const deadline = Date.now() + 15_000;
      while (exited === null && Date.now() < deadline) await sleep(100);
      if (exited === null) {
        try { process.kill(found.pid, 'SIGKILL'); } catch { /* already gone */ }
        await sleep(200);
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(watched, { recursive: true, force: true });
  };

  return { handle: found, dataDir, watched, child, output: () => out, call, stop };
}

/** The EICAR test file, assembled at run time so this source file is not itself detected. */
export function eicarBytes(): Buffer {
  const text = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$' + 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
  if (text.length !== 68) throw new Error(`EICAR string must be 68 bytes, got ${text.length}`);
  return Buffer.from(`${text}\n`, 'latin1');
}
