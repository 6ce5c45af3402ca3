// auditd with one execve rule, the classic way to record every command line on Linux: the comparison row of
// the exec-storm benchmark. Our own auditd (-n, config and log in a temp folder), the kernel's audit state
// saved first and put back at the end, on an error and on Ctrl-C. Never touches another running audit daemon.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { onCleanup, trackChild, untrackChild } from './cleanup.js';
import { pidsByComm, procStat } from './procfs.js';

const KEY = 'mamori-bench';
const RULE = ['-F', 'arch=b64', '-S', 'execve', '-k', KEY];

function auditctl(...args: string[]): string {
  const r = spawnSync('auditctl', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`auditctl ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

export interface AuditStatus { enabled: number; pid: number; lost: number; backlogLimit: number; backlogWaitTime: number | null }

export function auditStatus(): AuditStatus {
  const out = auditctl('-s');
  const get = (k: string) => { const m = new RegExp(`^${k} (\\d+)`, 'm').exec(out); return m ? Number(m[1]) : null; };
  return { enabled: get('enabled') ?? 0, pid: get('pid') ?? 0, lost: get('lost') ?? 0, backlogLimit: get('backlog_limit') ?? 64, backlogWaitTime: get('backlog_wait_time') };
}

export class AuditdRunner {
  private daemon: ChildProcess | null = null;
  private saved: AuditStatus | null = null;
  private restore: (() => void) | null = null;
  readonly log: string;
  version: string | null = null;

  constructor(private readonly dir: string) {
    this.log = join(dir, 'audit.log');
  }

  /** Why auditd cannot be measured here, or null once it runs (idle: no rule, auditing disabled). */
  async prepare(): Promise<string | null> {
    if (process.getuid?.() !== 0) return 'needs root';
    const v = spawnSync('auditctl', ['-v'], { encoding: 'utf8' });
    if (v.error) return 'auditctl is not installed (apt-get install auditd)';
    this.version = (v.stdout || v.stderr).trim().split('\n')[0] ?? null;
    if (spawnSync('auditd', ['--help'], { encoding: 'utf8' }).error) return 'auditd is not installed (apt-get install auditd)';
    let st: AuditStatus;
    try { st = auditStatus(); } catch (err) { return `the kernel audit interface does not answer: ${(err as Error).message}`; }
    if (st.enabled === 2) return 'the audit configuration is locked (enabled 2) until reboot';
    // The kernel keeps reporting a dead daemon's pid until it next tries to send: only a live auditd counts.
    if (st.pid && procStat(st.pid)?.comm === 'auditd') return `another audit daemon (pid ${st.pid}) is running; not touching it`;
    this.saved = st;
    mkdirSync(this.dir, { recursive: true });
    // The distribution's settings, with the log in our folder, no rotation and no disk-space actions (the bench
    // must never suspend auditing or fill the disk on its own). flush = INCREMENTAL_ASYNC as shipped.
    writeFileSync(join(this.dir, 'auditd.conf'), [
      'local_events = yes', 'write_logs = yes', `log_file = ${this.log}`, 'log_group = root', 'log_format = ENRICHED',
      'flush = INCREMENTAL_ASYNC', 'freq = 50', 'max_log_file = 4096', 'num_logs = 2', 'priority_boost = 4', 'name_format = NONE',
      'max_log_file_action = IGNORE', 'space_left = 2', 'space_left_action = IGNORE', 'admin_space_left = 1',
      'admin_space_left_action = IGNORE', 'disk_full_action = IGNORE', 'disk_error_action = IGNORE', 'use_libwrap = no',
      'transport = TCP', 'q_depth = 2000', 'overflow_action = SYSLOG', 'end_of_event_timeout = 2', '',
    ].join('\n'), { mode: 0o600 });
    // Everything below is undone by this one step, whatever happens next.
    this.restore = onCleanup(() => {
      try { auditctl('-d', 'always,exit', ...RULE); } catch { /* not there */ }
      const s = this.saved!;
      try { auditctl('-e', String(s.enabled)); } catch { /* best effort */ }
      try { auditctl('-b', String(s.backlogLimit)); } catch { /* best effort */ }
      if (s.backlogWaitTime !== null) try { auditctl('--backlog_wait_time', String(s.backlogWaitTime)); } catch { /* best effort */ }
      if (this.daemon?.pid && this.daemon.exitCode === null) try { process.kill(this.daemon.pid, 'SIGTERM'); } catch { /* gone */ }
    });
    // Debian's audit.rules: "-b 8192" and a 60 s backlog wait: bursts wait instead of being lost.
    auditctl('-b', '8192');
    try { auditctl('--backlog_wait_time', '60000'); } catch { /* older kernels */ }
    const daemon = spawn('auditd', ['-n', '-c', this.dir], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(daemon);
    daemon.once('exit', () => untrackChild(daemon));
    let stderr = '';
    daemon.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    this.daemon = daemon;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (daemon.exitCode !== null) {
        // Without -f it reports to syslog only: ask a foreground run (which exits on the same error) for the reason.
        const why = spawnSync('auditd', ['-f', '-n', '-c', this.dir], { encoding: 'utf8', timeout: 3000 });
        const error = `${why.stdout}${why.stderr}`.split('\n').find((l) => /error/i.test(l)) ?? stderr.trim();
        return `auditd exited at start (${daemon.exitCode}): ${error.slice(0, 300)}`;
      }
      if (auditStatus().pid === daemon.pid && existsSync(this.log)) {
        // auditd turns auditing on as it starts: off again, so the other rows run without it (arm() turns it on).
        auditctl('-e', String(this.saved.enabled));
        return null;
      }
    }
    return `auditd did not register with the kernel within 5 s: ${stderr.trim().slice(0, 300)}`;
  }

  /** CPU of the audit path outside the exec'ing processes: auditd plus the kernel's kauditd thread. */
  pids(): number[] {
    return [...(this.daemon?.pid ? [this.daemon.pid] : []), ...pidsByComm('kauditd')];
  }

  logSize(): number {
    try { return statSync(this.log).size; } catch { return 0; }
  }

  /** Turn on auditing with the execve rule. */
  arm(): void {
    auditctl('-e', '1');
    auditctl('-a', 'always,exit', ...RULE);
  }

  /** Take the rule out and put auditing back as it was (off, normally) so other rows run without it. */
  disarm(): void {
    try { auditctl('-d', 'always,exit', ...RULE); } catch { /* already gone */ }
    auditctl('-e', String(this.saved?.enabled ?? 0));
  }

  /** EXECVE records whose first argument starts with the marker, written to the log after `fromByte`. */
  countRecords(fromByte: number, marker: string): number {
    const size = this.logSize();
    if (size <= fromByte) return 0;
    const fd = openSync(this.log, 'r');
    try {
      const buf = Buffer.allocUnsafe(size - fromByte);
      const n = readSync(fd, buf, 0, buf.length, fromByte);
      const text = buf.subarray(0, n).toString('latin1');
      const needle = `a1="${marker}`;
      let count = 0;
      for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) count++;
      return count;
    } finally {
      closeSync(fd);
    }
  }

  async finish(): Promise<void> {
    const daemon = this.daemon;
    this.restore?.();
    this.restore = null;
    if (daemon && daemon.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { try { process.kill(daemon.pid!, 'SIGKILL'); } catch { /* gone */ } resolve(); }, 5000);
        daemon.once('exit', () => { clearTimeout(t); resolve(); });
      });
    }
    this.daemon = null;
  }

  /** First lines of the log, for when something looks wrong. */
  head(): string {
    try { return readFileSync(this.log, 'utf8').slice(0, 500); } catch { return ''; }
  }
}
