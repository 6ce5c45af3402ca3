// When no process helper may run, say exactly what to type to fix it. The helpers need kernel capabilities
// (file capabilities set at install time) and may be run only by root and the `mamori` group; see README,
// "How telemetry gets its privilege". Pure apart from the few facts gathered by `privilegeFacts()`.
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { packageInfo } from '../../util/index.js';

export const HELPER_GROUP = 'mamori';
export const PRIVILEGE_SCRIPT = 'mamori-helper-privilege.sh';

export interface PrivilegeFacts {
  uid: number;
  user: string;
  /** Group ids of this process (what exec checks), and the mamori group's id and members from /etc/group. */
  processGroups: number[];
  group: { gid: number; members: string[] } | null;
  /** The grant script: next to the helpers folder when packaged, in scripts/packaging in a checkout. */
  script: string | null;
}

export function privilegeFacts(helpersDir: string): PrivilegeFacts {
  const candidates = [join(helpersDir, '..', PRIVILEGE_SCRIPT)];
  try { candidates.push(join(packageInfo().root, 'scripts', 'packaging', PRIVILEGE_SCRIPT)); } catch { /* no package root */ }
  let group: PrivilegeFacts['group'] = null;
  try {
    const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith(`${HELPER_GROUP}:`));
    if (line) {
      const [, , gid, members] = line.split(':');
      group = { gid: Number(gid), members: (members ?? '').split(',').filter(Boolean) };
    }
  } catch { /* no /etc/group: treat as no group */ }
  return {
    uid: process.getuid?.() ?? -1,
    user: userInfo().username,
    processGroups: process.getgroups?.() ?? [],
    group,
    script: candidates.find((p) => existsSync(p)) ?? null,
  };
}

/** The reason in a helper's `--self-test` line ({"type":"self_test","ok":false,"reason":...}), else its first line. */
export function selfTestReason(output: string): string {
  const first = output.trim().split('\n')[0] ?? '';
  try {
    const parsed = JSON.parse(first) as { reason?: unknown };
    if (typeof parsed.reason === 'string' && parsed.reason) return parsed.reason;
  } catch { /* not JSON: a plain message */ }
  return first;
}

/** Does a helper's failure look like missing privilege (not a missing kernel feature)? */
export function isPrivilegeFailure(reason: string): boolean {
  return /EACCES|EPERM|Permission denied|Operation not permitted|needs root|CAP_[A-Z_]+/.test(reason);
}

/**
 * One sentence with the exact command that lets this user's Mamori run the helpers, or null when
 * privilege is not the problem (running as root, or the failures are about something else).
 */
export function privilegeFix(helpersDir: string, reasons: string[], facts: PrivilegeFacts): string | null {
  if (facts.uid === 0 || !reasons.some(isPrivilegeFailure)) return null;
  const inGroupNow = facts.group !== null && facts.processGroups.includes(facts.group.gid);
  const listed = facts.group !== null && facts.group.members.includes(facts.user);
  const grant = facts.script
    ? `sudo sh ${quote(facts.script)} grant --add-user ${quote(facts.user)} ${quote(helpersDir)}`
    : `sudo groupadd -f --system ${HELPER_GROUP} && sudo chown root:${HELPER_GROUP} ${quote(join(helpersDir, 'mamori-proc-'))}* `
      + `&& sudo chmod 0750 ${quote(join(helpersDir, 'mamori-proc-'))}* `
      + `&& sudo setcap cap_bpf,cap_perfmon+ep ${quote(join(helpersDir, 'mamori-proc-ebpf'))} `
      + `&& sudo setcap cap_net_admin+ep ${quote(join(helpersDir, 'mamori-proc-cn'))} `
      + `&& sudo usermod -aG ${HELPER_GROUP} ${quote(facts.user)}`;
  if (listed && !inGroupNow) {
    return `to record programs, ${facts.user} must log out and back in: the account joined the ${HELPER_GROUP} group after this session started`;
  }
  const relogin = inGroupNow ? '' : ', then log out and back in';
  return `to let Mamori record programs without running as root, run: ${grant}${relogin}`;
}

function quote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
