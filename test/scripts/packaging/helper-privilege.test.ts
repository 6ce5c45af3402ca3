// The deb package's capability step, for real: scripts/packaging/mamori-helper-privilege.sh grants file
// capabilities to a temp copy of each helper, and the helper then starts and streams events as an
// unprivileged user (nobody) in the helpers' group, while a user outside the group cannot run it at all.
// Also: the after-install/after-remove scripts survive electron-builder's macro substitution.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HELPERS_DIR } from '../../helpers/native-helper.js';
import { tempDirs } from '../../helpers/temp.js';

const SCRIPT = join(process.cwd(), 'scripts', 'packaging', 'mamori-helper-privilege.sh');
const HELPERS = [
  { binary: 'mamori-proc-ebpf', caps: ['cap_bpf', 'cap_perfmon'] },
  { binary: 'mamori-proc-cn', caps: ['cap_net_admin'] },
];
// nobody's own group stands in for `mamori`, so the test creates no system group.
const GROUP = 'nogroup';
const OUTSIDER_GID = '1'; // daemon: not the helpers' group

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

function skipReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root to set file capabilities and switch to nobody';
  for (const cmd of ['setcap', 'getcap', 'setpriv']) if (!has(cmd)) return `${cmd} is not installed (apt-get install libcap2-bin util-linux)`;
  if (spawnSync('getent', ['group', GROUP]).status !== 0 || spawnSync('id', ['nobody']).status !== 0) return 'no nobody/nogroup account';
  for (const { binary } of HELPERS) {
    try { statSync(join(HELPERS_DIR, binary)); } catch { return `${binary} is not built (make -C native-helpers)`; }
  }
  // The temp filesystem must keep security.capability xattrs.
  const probe = join(dirs.make('mamori-xattr-'), 'probe');
  copyFileSync('/bin/true', probe);
  const r = spawnSync('setcap', ['cap_net_admin+ep', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `file capabilities do not work in ${probe}: ${r.stderr.trim()}`;
  return null;
}

const skip = skipReason();

/** A helpers folder nobody can reach, holding fresh root-owned copies (mode 0755, no capabilities). */
function copies(): string {
  const dir = dirs.make('mamori-helpers-');
  chmodSync(dir, 0o755);
  for (const { binary } of HELPERS) { copyFileSync(join(HELPERS_DIR, binary), join(dir, binary)); chmodSync(join(dir, binary), 0o755); }
  return dir;
}

/**
 * Runs args as nobody with only the group gid. Through /bin/sh: setpriv keeps root's capabilities until its
 * own exec, so it could run a 0750 file nobody could not; sh runs with none, as a real user's process does.
 */
function nobodyArgs(gid: string, args: string[]): string[] {
  return ['--reuid', 'nobody', '--regid', gid, '--clear-groups', '/bin/sh', '-c', 'exec "$@"', 'sh', ...args];
}
function asNobody(gid: string, args: string[]) {
  return spawnSync('setpriv', nobodyArgs(gid, args), { encoding: 'utf8', timeout: 20_000 });
}

describe.skipIf(skip !== null)(`helper privilege by file capabilities${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('without the grant, nobody cannot start either helper (the control)', () => {
    const dir = copies();
    for (const { binary } of HELPERS) {
      const r = asNobody(GROUP, [join(dir, binary), '--self-test']);
      expect(r.status, binary).toBe(3);
      expect(JSON.parse(r.stdout.trim().split('\n')[0]!)).toMatchObject({ type: 'self_test', ok: false });
    }
  });

  it('after the grant: root:group 0750 with exactly the listed capabilities, and each helper passes its self-test as nobody', () => {
    const dir = copies();
    const grant = spawnSync('sh', [SCRIPT, 'grant', '--group', GROUP, dir], { encoding: 'utf8' });
    expect(grant.status, grant.stderr).toBe(0);
    const gid = Number(spawnSync('getent', ['group', GROUP], { encoding: 'utf8' }).stdout.split(':')[2]);
    for (const { binary, caps } of HELPERS) {
      const file = join(dir, binary);
      const st = statSync(file);
      expect({ uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8) }).toEqual({ uid: 0, gid, mode: '750' });
      // getcap prints "FILE cap_a,cap_b=ep" in its own order; cap_sys_resource only on kernels before 5.11.
      const shown = spawnSync('getcap', [file], { encoding: 'utf8' }).stdout.trim();
      expect(shown.startsWith(`${file} `) && shown.endsWith('=ep'), shown).toBe(true);
      const granted = shown.slice(file.length + 1, -3).split(',').filter((c) => c !== 'cap_sys_resource').sort();
      expect(granted).toEqual(caps);
      expect(grant.stdout).toContain(binary);
      const r = asNobody(GROUP, [file, '--self-test']);
      expect(r.status, `${binary}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout.trim().split('\n')[0]!)).toMatchObject({ type: 'self_test', ok: true });
    }
    // Not in the group: the kernel refuses to execute the helper at all.
    for (const { binary } of HELPERS) {
      const r = asNobody(OUTSIDER_GID, [join(dir, binary), '--self-test']);
      expect(r.status, binary).not.toBe(0);
      expect(r.stderr).toMatch(/Permission denied/);
    }
  });

  it('granted, each helper streams a process started afterwards, with its command line, as nobody', async () => {
    const dir = copies();
    expect(spawnSync('sh', [SCRIPT, 'grant', '--group', GROUP, dir]).status).toBe(0);
    for (const { binary } of HELPERS) {
      const helper = spawn('setpriv', nobodyArgs(GROUP, [join(dir, binary)]), { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      helper.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      const marker = `mamori-cap-${binary}-${Date.now()}`;
      try {
        const until = Date.now() + 15_000;
        while (!out.includes(marker) && Date.now() < until) {
          spawnSync('/bin/true', [marker]);
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        helper.kill('SIGTERM');
        await new Promise((r) => helper.once('close', r));
      }
      const exec = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; argv?: string[] })
        .find((m) => m.type === 'exec' && m.argv?.includes(marker));
      expect(exec, `${binary} saw no exec of /bin/true ${marker}`).toBeTruthy();
    }
  });

  it('refuses bad use with a clear message, and lists the capabilities per helper', () => {
    expect(spawnSync('sh', [SCRIPT, 'caps', 'mamori-proc-cn'], { encoding: 'utf8' }).stdout.trim()).toBe('cap_net_admin');
    expect(spawnSync('sh', [SCRIPT, 'caps', 'mamori-proc-ebpf'], { encoding: 'utf8' }).stdout.trim()).toMatch(/^cap_bpf,cap_perfmon(,cap_sys_resource)?$/);
    const missing = spawnSync('sh', [SCRIPT, 'grant', '--group', GROUP, '/nonexistent-mamori'], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no helpers folder at /nonexistent-mamori');
    const empty = spawnSync('sh', [SCRIPT, 'grant', '--group', GROUP, dirs.make('mamori-empty-')], { encoding: 'utf8' });
    expect(empty.stderr).toContain('no helpers (mamori-*)');
    expect(spawnSync('sh', [SCRIPT, 'frobnicate'], { encoding: 'utf8' }).stderr).toContain('usage:');
  });
});

describe('deb scripts', () => {
  // electron-builder 26 (FpmTarget writeConfigFile) replaces ${name} macros and throws on unknown ones.
  const macros: Record<string, string> = { executable: 'mamori-desktop', sanitizedProductName: 'Mamori', productFilename: 'Mamori' };
  const render = (file: string) => readFileSync(join(process.cwd(), 'scripts', 'packaging', file), 'utf8')
    .replace(/\${([a-zA-Z]+)}/g, (_m, name: string) => {
      if (!(name in macros)) throw new Error(`Macro ${name} is not defined`);
      return macros[name]!;
    });

  for (const file of ['after-install.sh', 'after-remove.sh']) {
    it(`${file} uses only electron-builder's macros and is valid bash once filled in`, () => {
      const text = render(file);
      const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(text).toContain('/opt/Mamori/');
    });
  }

  it('after-install grants the packaged helpers and adds the installing user; electron-builder.yml wires both', () => {
    const text = render('after-install.sh');
    expect(text).toContain("MAMORI_HELPERS='/opt/Mamori/resources/native-helpers'");
    expect(text).toContain('mamori-helper-privilege.sh" grant --add-user "$mamori_user" "$MAMORI_HELPERS/bin"');
    expect(text).toContain("chmod 4755 '/opt/Mamori/chrome-sandbox'"); // electron-builder's own part is still there
    const yml = readFileSync(join(process.cwd(), 'electron-builder.yml'), 'utf8');
    expect(yml).toContain('afterInstall: scripts/packaging/after-install.sh');
    expect(yml).toContain('afterRemove: scripts/packaging/after-remove.sh');
    expect(yml).toMatch(/from: scripts\/packaging\/mamori-helper-privilege\.sh\n\s+to: native-helpers\/mamori-helper-privilege\.sh/);
  });
});
