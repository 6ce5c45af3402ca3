// Mamori's own Linux behaviour rules, part A (rules/sigma/linux: execution, persistence, privilege escalation,
// defence evasion, credential access). Every file loads; then each rule meets the real behaviour, run as child
// processes of this test through the real process sensor, file sensor and Sigma engine, and a similar benign
// action that must stay quiet. Everything happens inside the core's temp folder: system tools that must not
// really run (useradd, iptables, systemctl ...) are copies of /bin/true with that name, and "system" paths
// (/etc/cron.d, /var/log ...) are the same paths below the temp folder. File-write rules run last, on a core
// of their own with the fanotify file sensor on a tmpfs the test mounts (see there).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../preload/contract/index.js';
import { createCore, type Core } from '../../main/core/index.js';
import { loadRules, readRuleFolders } from '../../main/core/detect/sigma/index.js';
import { behaviourSkipReason, startBehaviourCore, type BehaviourCore } from '../helpers/behaviour.js';
import { HELPERS_DIR, helperSkipReason } from '../helpers/native-helper.js';

const PACK = join(process.cwd(), 'rules', 'sigma', 'linux');
const PREFIX = 'mamori.lnx.';
const PACK_RULES = loadRules(readRuleFolders([PACK]).sources);
/** The Japanese alert title each rule of the pack gives (what an office manager reads first). */
const JA_TITLE = new Map([...PACK_RULES.rules, ...PACK_RULES.correlations].map((r) => [r.name, r.explain?.ja?.title ?? r.title]));

/** The real Python interpreter (not a version-manager shim), or null. */
const PY = (() => {
  try {
    return execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
})();

/** Tools that must not really run: copies of /bin/true under these names in $D/bin. */
const FAKE_TOOLS = [
  'useradd', 'usermod', 'systemctl', 'setenforce', 'auditctl', 'iptables', 'nft', 'ufw', 'unshadow', 'insmod', 'modprobe', 'sshd', 'mytool',
];

interface Case {
  rule: string;
  /** A second case of the same rule: what it covers, and text the new alert's command line must hold. */
  label?: string;
  expect?: string;
  /** What the rule must stay quiet on ($D is the temp folder, $PY Python). */
  benign: string;
  /** The behaviour itself. */
  attack: string;
  /** Needs file events (the fanotify file sensor); the folder watcher sees no writer and no event. */
  files?: boolean;
  python?: boolean;
}

const title = (c: Case) => (c.label ? `${c.rule} (${c.label})` : c.rule);
const write = (path: string) => `mkdir -p "$(dirname ${path})" && printf 'x\\n' > ${path}`;

const CASES: Case[] = [
  // execution / defence evasion
  { rule: 'base64-pipe-to-shell', benign: 'echo dHJ1ZQo= | base64 -d > $D/out/decoded.txt', attack: 'echo dHJ1ZQo= | base64 -d | sh' },
  { rule: 'eval-decoded-payload', benign: 'eval "$(echo true)"', attack: 'eval "$(echo dHJ1ZQo= | base64 -d)"' },
  {
    rule: 'python-inline-pty-or-exec', python: true,
    benign: '$PY -c "print(1 + 1)"',
    attack: '$PY -c "import base64; exec(base64.b64decode(\'cHJpbnQoMSk=\'))"',
  },
  {
    rule: 'python-inline-pty-or-exec', label: 'pty.spawn', expect: 'pty.spawn', python: true,
    benign: '$PY -c "import pty; print(pty.STDIN_FILENO)"',
    attack: '$PY -c "import pty, sys; sys.exit(0); pty.spawn(\'/bin/sh\')"',
  },
  {
    rule: 'memfd-exec', python: true,
    benign: '$PY -c "import os; os.execv(\'/bin/sleep\', [\'sleep\', \'0.5\'])"',
    attack: '$PY -c "import os; fd = os.memfd_create(\'payload\'); os.write(fd, open(\'/bin/sleep\', \'rb\').read()); os.execv(\'/proc/self/fd/%d\' % fd, [\'payload\', \'1\'])"',
  },
  { rule: 'masquerade-system-name-in-temp', benign: '$D/bin/mytool', attack: '$D/bin/sshd' },
  // npm runs a project's tools as node_modules/.bin/<tool>: a clone under /tmp must not alert on every build
  { rule: 'hidden-exec-in-temp', benign: '$D/visible/tool; $D/proj/node_modules/.bin/tool', attack: '$D/.cache/.x' },
  {
    rule: 'hidden-exec-in-temp', label: 'node_modules/.bin below a hidden folder', expect: '/.x/node_modules/.bin/tool',
    benign: 'true', attack: '$D/.x/node_modules/.bin/tool',
  },
  { rule: 'ld-preload-from-temp', benign: 'LD_LIBRARY_PATH=$D/lib /bin/true', attack: 'LD_PRELOAD=$D/lib/libhook.so /bin/true 2>/dev/null' },
  {
    rule: 'ptrace-attach', python: true,
    benign: 'sleep 3 & p=$!; timeout 0.5 strace -qq -o /dev/null -p $p; kill $p',
    attack: '$PY -c "import ctypes, subprocess, time; p = subprocess.Popen([\'sleep\', \'5\']); time.sleep(0.2); ctypes.CDLL(None).ptrace(16, p.pid, 0, 0); p.kill(); p.wait()"',
  },
  { rule: 'log-file-cleared', benign: 'truncate -s 0 $D/data/cache.bin', attack: 'truncate -s 0 $D/var/log/auth.log' },
  {
    rule: 'log-file-cleared', label: 'shell redirect', expect: 'var/log/syslog',
    benign: '$D/bin/mytool > $D/var/log/app.log 2>&1', attack: ': > $D/var/log/syslog',
  },
  { rule: 'shell-history-cleared', benign: 'echo "$HISTSIZE" > /dev/null', attack: 'unset HISTFILE; export HISTSIZE=0; true' },
  {
    rule: 'shell-history-cleared', label: 'history file deleted', expect: '.bash_history',
    benign: 'rm -f $D/home/u/.bash_logout.bak', attack: 'rm -f $D/home/u/.bash_history',
  },
  { rule: 'timestomp-touch', benign: 'touch $D/usr/bin/helper', attack: 'touch -r /bin/ls $D/usr/bin/helper' },
  { rule: 'chmod-world-writable-system', benign: 'chmod 644 $D/etc/passwd', attack: 'chmod 777 $D/etc/passwd' },
  {
    rule: 'chmod-world-writable-system', label: 'immutable flag removed', expect: 'chattr',
    benign: 'lsattr $D/etc/passwd 2>/dev/null; true', attack: 'chattr -i $D/etc/passwd 2>/dev/null; true',
  },
  { rule: 'security-service-stopped', benign: '$D/bin/systemctl status auditd', attack: '$D/bin/systemctl stop auditd' },
  { rule: 'security-service-stopped', label: 'SELinux', expect: 'setenforce 0', benign: '$D/bin/setenforce 1', attack: '$D/bin/setenforce 0' },
  { rule: 'audit-disabled', benign: '$D/bin/auditctl -l', attack: '$D/bin/auditctl -e 0' },
  { rule: 'firewall-flushed', benign: '$D/bin/iptables -L -n', attack: '$D/bin/iptables -F' },
  { rule: 'firewall-flushed', label: 'nftables', expect: 'flush ruleset', benign: '$D/bin/nft list ruleset', attack: '$D/bin/nft flush ruleset' },
  { rule: 'firewall-flushed', label: 'ufw', expect: 'ufw disable', benign: '$D/bin/ufw status', attack: '$D/bin/ufw disable' },
  // persistence / privilege escalation (processes)
  { rule: 'setuid-bit-set', benign: 'chmod u+x $D/bin/tool', attack: 'chmod u+s $D/bin/tool' },
  { rule: 'user-account-created', benign: '$D/bin/dpkg -c "$D/bin/useradd --system svc-backup; true"', attack: '$D/bin/useradd -m -s /bin/bash backdoor' },
  { rule: 'privileged-group-add', benign: '$D/bin/usermod -aG audio alice', attack: '$D/bin/usermod -aG sudo alice' },
  { rule: 'kernel-module-from-temp', benign: '$D/bin/modprobe -n loop', attack: '$D/bin/insmod $D/rk.ko' },
  {
    rule: 'kernel-module-load-syscall', python: true,
    // finit_module on a bad descriptor: the call is made (and seen), nothing is loaded. The benign one is the
    // same call from a program named modprobe (Python behind a symlink of that name).
    benign: '$D/pybin/modprobe -c "import ctypes; ctypes.CDLL(None).syscall(313, -1, b\'\', 0)"',
    attack: '$PY -c "import ctypes; ctypes.CDLL(None).syscall(313, -1, b\'\', 0)"',
  },
  // credential access
  { rule: 'shadow-file-read', benign: 'cat $D/etc/hostname', attack: 'cat $D/etc/shadow' },
  { rule: 'password-cracking-tool', benign: 'sha256sum $D/etc/passwd', attack: '$D/bin/unshadow $D/etc/passwd $D/etc/shadow' },
  { rule: 'private-key-search', benign: "find $D/home -name '*.txt'", attack: 'find $D/home -name id_rsa' },
  {
    rule: 'private-key-search', label: 'grep for key headers', expect: 'BEGIN RSA',
    benign: 'grep -rl "BEGIN CERTIFICATE" $D/home; true', attack: 'grep -rl "BEGIN RSA PRIVATE KEY" $D/home; true',
  },
  { rule: 'password-grep-in-files', benign: 'grep -ri hello $D/home/ || true', attack: 'grep -ri password $D/home/ || true' },
  {
    rule: 'browser-login-data-access',
    benign: 'cp "$D/home/u/.config/google-chrome/Default/Preferences" $D/out/prefs',
    attack: 'cp "$D/home/u/.config/google-chrome/Default/Login Data" $D/out/ld',
  },
  {
    rule: 'browser-cookie-access',
    benign: 'cp $D/home/u/.mozilla/firefox/abc.default/places.sqlite $D/out/places',
    attack: 'cp $D/home/u/.mozilla/firefox/abc.default/cookies.sqlite $D/out/cookies',
  },
  {
    rule: 'keyring-file-access',
    benign: 'cp $D/home/u/.local/share/recently-used.xbel $D/out/recent',
    attack: 'cp $D/home/u/.local/share/keyrings/login.keyring $D/out/keyring',
  },
  // file writes (need the fanotify file sensor)
  { rule: 'cron-file-write', files: true, benign: write('$D/etc/motd'), attack: write('$D/etc/cron.d/backdoor') },
  { rule: 'systemd-service-write', files: true, benign: write('$D/etc/systemd/journald.conf'), attack: write('$D/etc/systemd/system/evil.service') },
  { rule: 'systemd-timer-write', files: true, benign: write('$D/home/u/.config/systemd/user/README'), attack: write('$D/home/u/.config/systemd/user/evil.timer') },
  { rule: 'shell-profile-write', files: true, benign: write('$D/home/u/notes/bashrc-tips.txt'), attack: write('$D/home/u/.bashrc') },
  { rule: 'authorized-keys-write', files: true, benign: write('$D/home/u/.ssh/known_hosts'), attack: write('$D/home/u/.ssh/authorized_keys') },
  { rule: 'ld-so-preload-write', files: true, benign: write('$D/etc/ld.so.conf.d/local.conf'), attack: write('$D/etc/ld.so.preload') },
  { rule: 'sudoers-write', files: true, benign: write('$D/etc/sudo.conf'), attack: write('$D/etc/sudoers.d/99-backdoor') },
  { rule: 'rc-script-write', files: true, benign: write('$D/etc/hostname.bak'), attack: write('$D/etc/rc.local') },
  { rule: 'pam-config-write', files: true, benign: write('$D/etc/security/limits.conf'), attack: write('$D/etc/pam.d/common-auth') },
];

describe('Mamori Linux Sigma pack A: loading', () => {
  it('every rule file in rules/sigma/linux loads, with unique names', () => {
    const { sources, problems } = readRuleFolders([PACK]);
    expect(problems).toEqual([]);
    const { rules, correlations, results } = loadRules(sources);
    expect(results.filter((r) => !r.loaded).map((r) => `${r.file}#${r.doc}: ${r.code} ${r.message}`)).toEqual([]);
    const names = [...rules, ...correlations].map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of CASES) expect(names).toContain(PREFIX + c.rule);
    expect(names).toContain(`${PREFIX}new-account-given-sudo`);
    // Every rule of this part explains itself in both languages.
    for (const r of [...rules, ...correlations].filter((x) => CASES.some((c) => PREFIX + c.rule === x.name))) {
      expect(r.explain?.en?.what, r.name ?? r.id).toBeTruthy();
      expect(r.explain?.ja?.do, r.name ?? r.id).toBeTruthy();
    }
  });
});

const skip = behaviourSkipReason();
if (skip) console.warn(`[sigma pack A] behaviour tests skipped: ${skip}`);

describe.skipIf(!!skip)('Mamori Linux Sigma pack A: real behaviour', () => {
  let b: BehaviourCore;
  let D = '';
  // Commands are expanded here (not by sh), so the processes they start name this test's folder: the process
  // sensor sees the whole machine, and other test files may run look-alikes of their own at the same time.
  const expand = (cmd: string) => cmd.replaceAll('$PY', join(D, 'pybin', 'python3')).replaceAll('$D', D);
  const sh = (cmd: string) => b.run(expand(cmd));
  const usable = (c: Case) => !c.python || PY !== null;
  /** This rule's alerts about this test's own processes or files. */
  const mine = async (rule: string) => (await b.core.api.listAlerts({ limit: 1000 })).items
    .filter((a) => a.ruleId === rule && [a.process?.command_line, a.process?.executable, a.file?.path].some((s) => s?.includes(D)));
  const cases = CASES.filter((c) => !c.files);

  beforeAll(async () => {
    b = await startBehaviourCore({ rulesDir: join(process.cwd(), 'rules') });
    D = b.dir;
    const mk = (p: string, body = 'x\n') => { mkdirSync(dirname(p), { recursive: true }); writeFileSync(p, body); };
    const exe = (p: string, from = '/bin/true') => { mkdirSync(dirname(p), { recursive: true }); copyFileSync(from, p); chmodSync(p, 0o755); };
    for (const t of FAKE_TOOLS) exe(join(D, 'bin', t));
    exe(join(D, 'bin', 'tool'));
    exe(join(D, 'bin', 'dpkg'), '/bin/sh'); // a shell named like the package manager: the parent of package scripts
    exe(join(D, 'visible', 'tool'));
    exe(join(D, '.cache', '.x'));
    exe(join(D, 'proj', 'node_modules', '.bin', 'tool'));
    exe(join(D, '.x', 'node_modules', '.bin', 'tool'));
    if (PY) {
      mkdirSync(join(D, 'pybin'), { recursive: true });
      symlinkSync(PY, join(D, 'pybin', 'python3'));
      symlinkSync(PY, join(D, 'pybin', 'modprobe'));
    }
    mkdirSync(join(D, 'out'), { recursive: true });
    mk(join(D, 'lib', 'libhook.so'), '');
    mk(join(D, 'data', 'cache.bin'));
    mk(join(D, 'var', 'log', 'auth.log'), 'Nov 26 sshd[1]: Accepted password for root\n');
    mk(join(D, 'usr', 'bin', 'helper'));
    mk(join(D, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
    mk(join(D, 'etc', 'shadow'), 'root:$6$fake$notarealhash:19000:0:99999:7:::\n');
    mk(join(D, 'etc', 'hostname'), 'office-pc\n');
    mk(join(D, 'rk.ko'), '');
    mk(join(D, 'home', 'u', 'notes.txt'), 'password=hunter2\n');
    mk(join(D, 'home', 'u', '.ssh', 'id_rsa'), 'not a key\n');
    mk(join(D, 'home', 'u', '.config', 'google-chrome', 'Default', 'Preferences'), '{}\n');
    mk(join(D, 'home', 'u', '.config', 'google-chrome', 'Default', 'Login Data'), 'SQLite format 3\n');
    mk(join(D, 'home', 'u', '.mozilla', 'firefox', 'abc.default', 'places.sqlite'), 'SQLite format 3\n');
    mk(join(D, 'home', 'u', '.mozilla', 'firefox', 'abc.default', 'cookies.sqlite'), 'SQLite format 3\n');
    mk(join(D, 'home', 'u', '.local', 'share', 'recently-used.xbel'), '<xbel/>\n');
    mk(join(D, 'home', 'u', '.local', 'share', 'keyrings', 'login.keyring'), 'GnomeKeyring\n');
  });

  afterAll(async () => {
    await b?.stop();
  });

  // All benign look-alikes first, then one wait: none of them may raise any rule of this part.
  it('benign look-alikes run without trouble', async () => {
    for (const c of cases.filter(usable)) await sh(c.benign);
    await new Promise((r) => setTimeout(r, 2000));
  });

  for (const c of cases) {
    it(`${title(c)}: the benign look-alike raises no alert`, async (ctx) => {
      if (!usable(c)) ctx.skip();
      expect((await mine(PREFIX + c.rule)).map((a) => a.process?.command_line ?? a.file?.path)).toEqual([]);
    });
  }

  for (const c of cases) {
    it(`${title(c)}: the real behaviour raises an alert`, async (ctx) => {
      if (!usable(c)) ctx.skip();
      await sh(c.attack);
      const wanted = (a: Alert) => !c.expect || (a.process?.command_line ?? '').includes(expand(c.expect));
      let alerts = (await b.alerts(PREFIX + c.rule, 8000)).filter(wanted);
      for (const until = Date.now() + 8000; !alerts.length && Date.now() < until;) {
        await new Promise((r) => setTimeout(r, 50));
        alerts = (await b.alerts(PREFIX + c.rule, 0)).filter(wanted);
      }
      expect(alerts.length, `no alert of ${PREFIX}${c.rule} after: ${c.attack}`).toBeGreaterThan(0);
      expect(alerts[0]!.detection.engine).toBe('sigma');
      expect(alerts[0]!.text.ja.title).toBe(JA_TITLE.get(PREFIX + c.rule));
    });
  }

  it('new-account-given-sudo: account then admin rights in one shell is a sequence; the reverse order is not', async () => {
    const name = `${PREFIX}new-account-given-sudo`;
    await sh('$D/bin/usermod -aG sudo eve; $D/bin/useradd -m eve; true');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await mine(name)).toEqual([]);
    await sh('$D/bin/useradd -m mallory; $D/bin/usermod -aG sudo mallory; true');
    const alerts = await b.alerts(name, 8000);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts[0]!.severity).toBe('high');
    expect(alerts[0]!.eventIds).toHaveLength(2); // both steps
    expect(alerts[0]!.text.ja.title).toBe(JA_TITLE.get(name));
  });
});

// File-write rules need file events with their writer: the fanotify file sensor. The shared behaviour core
// keeps to the folder watcher (no events, no writer), so these run on a core of their own whose fanotify
// sensor marks (and exec-guards) only a tmpfs this test mounts, never the machine's own filesystems.
const fileSkip = skip ?? helperSkipReason(join(HELPERS_DIR, 'mamori-file-fanotify'));
if (fileSkip && !skip) console.warn(`[sigma pack A] file-write rules skipped: ${fileSkip}`);

describe.skipIf(!!fileSkip)('Mamori Linux Sigma pack A: real file writes (fanotify on a test tmpfs)', () => {
  const cases = CASES.filter((c) => c.files);
  let core: Core | null = null;
  let mnt = '';
  let dataDir = '';
  let D = '';
  const sh = (cmd: string) => new Promise<number | null>((resolve, reject) => {
    const child = spawn('sh', ['-c', cmd.replaceAll('$D', D)], { cwd: D, stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', resolve);
  });
  const seen = async (rule: string) => (await core!.api.listAlerts({ limit: 1000 })).items.filter((a) => a.ruleId === rule);

  beforeAll(async () => {
    mnt = realpathSync(mkdtempSync(join(tmpdir(), 'mamori-pack-a-tmpfs-')));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32m,mode=0755', 'mamori-pack-a', mnt], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mount tmpfs failed: ${r.stderr}`);
    D = mkdtempSync(join(mnt, 'root-'));
    dataDir = mkdtempSync(join(tmpdir(), 'mamori-pack-a-data-'));
    const logs: string[] = [];
    core = await createCore({
      dataDir, host: 'test', processSensor: 'auto', fileSensor: 'fanotify', fileMounts: [mnt], watchFolders: [D],
      rulesDir: join(process.cwd(), 'rules'), log: (level, m) => logs.push(`${level} ${m}`),
    });
    const sensor = (await core.api.getStatus({})).sensors.find((s) => s.id === 'file-watch');
    expect(sensor, logs.join('\n')).toMatchObject({ state: 'running', tier: 'fanotify' });
    // A shell named like the package manager: its writes are the package manager's.
    mkdirSync(join(D, 'bin'), { recursive: true });
    copyFileSync('/bin/sh', join(D, 'bin', 'dpkg'));
    chmodSync(join(D, 'bin', 'dpkg'), 0o755);
  });

  afterAll(async () => {
    await core?.stop();
    if (mnt) {
      if (spawnSync('umount', [mnt]).status !== 0) spawnSync('umount', ['-l', mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('benign look-alikes (and a package manager writing a cron job) run without trouble', async () => {
    for (const c of cases) await sh(c.benign);
    // The package manager writes the file itself (a shell builtin) and stays alive a moment, so the file
    // sensor can still name it; `; true` keeps sh from exec'ing it in its own place. It waits a moment before
    // writing: a write right after exec is still put on the pre-exec process (the exec guard's look-up of
    // the pid is kept a few seconds), so the writer would show as the parent shell.
    await sh("mkdir -p $D/etc/cron.d; $D/bin/dpkg -c 'sleep 0.3; echo \"* * * * * root true\" > $D/etc/cron.d/package-job; sleep 0.5'; true");
    await new Promise((r) => setTimeout(r, 2000));
  });

  for (const c of cases) {
    it(`${c.rule}: the benign look-alike raises no alert`, async () => {
      const found = await seen(PREFIX + c.rule);
      expect(found.map((a) => a.process?.command_line ?? a.title)).toEqual([]);
    });
  }

  for (const c of cases) {
    it(`${c.rule}: the real write raises an alert`, async () => {
      await sh(c.attack);
      const until = Date.now() + 8000;
      let found = await seen(PREFIX + c.rule);
      while (!found.length && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
        found = await seen(PREFIX + c.rule);
      }
      expect(found.length, `no alert of ${PREFIX}${c.rule} after: ${c.attack}`).toBeGreaterThan(0);
      expect(found[0]!.detection.engine).toBe('sigma');
      expect(found[0]!.file?.path ?? found[0]!.process?.command_line).toContain(D);
      expect(found[0]!.text.ja.title).toBe(JA_TITLE.get(PREFIX + c.rule));
    });
  }
});
