// Synthetic exec events shaped like the process sensor's (ECS, see main/core/sensors/process/normalize.ts):
// a seeded mix of everyday command lines (shells, git, package managers, compilers, scripts with file
// arguments, curl with URLs), parents, users, working directories and executable hashes.
import { createHash } from 'node:crypto';
import type { NewEvent } from '../../../main/core/store/index.js';
import { Rng } from './prng.js';

/** A word that occurs in exactly one generated event (the rare-word search). */
export const RARE_WORD = 'zqxjkvrare';

const USERS: [number, string][] = [[0, 'root'], [1000, 'alice'], [1001, 'bob'], [33, 'www-data'], [1002, 'carol']];
const DIRS = ['/home/alice/Projects/shop', '/home/bob/Documents', '/home/alice', '/srv/www', '/tmp', '/', '/var/lib/app',
  '/home/carol/src/mamori', '/home/bob/Downloads'];
const FILES = ['report', 'invoice', 'main', 'index', 'config', 'backup', 'deploy', 'build', 'notes', 'data', 'export', 'test'];
const EXTS = ['py', 'js', 'ts', 'sh', 'json', 'csv', 'log', 'txt', 'c', 'md'];
const HOSTS = ['example.com', 'api.github.com', 'deb.debian.org', 'registry.npmjs.org', 'files.example.org', 'updates.vendor.jp'];

type Maker = (r: Rng, file: () => string) => string[];
const COMMANDS: [number, string, Maker][] = [
  [14, '/usr/bin/bash', (r, f) => (r.next() < 0.5 ? ['bash', '-c', `cd ${r.pick(DIRS)} && ls -la ${f()}`] : ['bash', `${f()}`])],
  [10, '/usr/bin/git', (r, f) => ['git', r.pick(['status', 'fetch', 'pull', 'log', 'diff', 'commit', 'add']),
    ...(r.next() < 0.5 ? [f()] : ['--porcelain'])]],
  [9, '/usr/bin/python3.11', (r, f) => ['python3', f(), '--input', f(), '--verbose']],
  [8, '/usr/bin/node', (r, f) => ['node', f(), ...(r.next() < 0.3 ? ['--port', String(3000 + r.int(100))] : [])]],
  [8, '/usr/bin/ls', (r) => ['ls', '--color=auto', '-la', r.pick(DIRS)]],
  [7, '/usr/bin/grep', (r, f) => ['grep', '-rn', r.pick(['TODO', 'error', 'invoice', 'password', 'import']), f()]],
  [6, '/usr/bin/curl', (r) => ['curl', '-fsSL', `https://${r.pick(HOSTS)}/v${r.int(9)}/${r.pick(FILES)}?id=${r.int(1e6)}`]],
  [6, '/usr/bin/cat', (r, f) => ['cat', f()]],
  [5, '/usr/bin/gcc-12', (r, f) => ['gcc', '-O2', '-Wall', '-c', f(), '-o', f()]],
  [5, '/usr/bin/apt-get', (r) => ['apt-get', 'install', '-y', r.pick(['curl', 'git', 'vim', 'htop', 'jq', 'rsync'])]],
  [4, '/usr/bin/ssh', (r) => ['ssh', `${r.pick(USERS)[1]}@${r.pick(HOSTS)}`, 'uptime']],
  [4, '/usr/bin/sed', (r, f) => ['sed', '-i', `s/${r.pick(FILES)}/${r.pick(FILES)}/g`, f()]],
  [4, '/usr/bin/tar', (r, f) => ['tar', 'czf', `/tmp/${r.pick(FILES)}-${r.int(1e5)}.tar.gz`, f()]],
  [3, '/usr/bin/systemctl', (r) => ['systemctl', r.pick(['status', 'restart', 'is-active']), r.pick(['nginx', 'ssh', 'cron', 'docker'])]],
  [3, '/usr/bin/sudo', (r, f) => ['sudo', '-u', r.pick(USERS)[1], 'cp', f(), f()]],
  [2, '/usr/bin/crontab', () => ['crontab', '-l']],
  [2, '/usr/bin/dash', (r, f) => ['sh', '-c', `${f()} > /dev/null 2>&1`]],
];
const TOTAL_WEIGHT = COMMANDS.reduce((a, [w]) => a + w, 0);

function pickCommand(r: Rng): [string, Maker] {
  let x = r.next() * TOTAL_WEIGHT;
  for (const [w, exe, make] of COMMANDS) { x -= w; if (x < 0) return [exe, make]; }
  return [COMMANDS[0]![1], COMMANDS[0]![2]];
}

const quote = (a: string) => (a === '' ? "''" : /[\s'"\\$`]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a);

/**
 * A deterministic stream of exec events (same seed and total = same events), timestamps 1 ms apart from
 * `startMs`, made batch by batch so 200,000 of them never sit in memory at once. Event number total/2
 * carries RARE_WORD in its command line.
 */
export function execEventSource(total: number, seed: number, startMs = Date.UTC(2026, 0, 1)): { next(count: number): NewEvent[] } {
  const r = new Rng(seed);
  const hashes = new Map<string, string>();
  const hashOf = (exe: string) => {
    let h = hashes.get(exe);
    if (!h) { h = createHash('sha256').update(exe).digest('hex'); hashes.set(exe, h); }
    return h;
  };
  const parents = Array.from({ length: 64 }, (_, i) => ({
    entity_id: `${1000 + i * 37}-${100_000 + i}`, pid: 1000 + i * 37,
    executable: r.pick(['/usr/bin/bash', '/usr/bin/dash', '/usr/sbin/cron', '/usr/bin/node', '/usr/lib/systemd/systemd']),
    command_line: r.pick(['-bash', 'bash', '/usr/sbin/cron -f', 'node /srv/app/server.js', '/sbin/init']),
  }));
  const rare = Math.floor(total / 2);
  let i = 0;
  return {
    next(count: number): NewEvent[] {
      const out: NewEvent[] = [];
      for (const end = Math.min(total, i + count); i < end; i++) {
        const cwd = r.pick(DIRS);
        const file = () => `${r.next() < 0.4 ? `${cwd}/` : ''}${r.pick(FILES)}${r.next() < 0.3 ? `_${r.int(10_000)}` : ''}.${r.pick(EXTS)}`;
        const [exe, make] = pickCommand(r);
        const args = make(r, file);
        if (i === rare) args.push(`--tag=${RARE_WORD}`);
        const pid = 2000 + ((i * 7) % 4_000_000);
        const startNs = 1e12 + i * 1e6;
        const [uid, user] = r.pick(USERS);
        const time = new Date(startMs + i).toISOString();
        out.push({
          '@timestamp': time,
          event: { kind: 'process', action: 'exec', sequence: i + 1 },
          process: {
            entity_id: `${pid}-${Math.floor(startNs / 1e7)}`, pid, name: exe.slice(exe.lastIndexOf('/') + 1), executable: exe,
            command_line: args.map(quote).join(' '), args, start: time, working_directory: cwd, hash: { sha256: hashOf(exe) },
            parent: r.pick(parents),
          },
          user: { id: uid, name: user },
          group: { id: uid },
        });
      }
      return out;
    },
  };
}
