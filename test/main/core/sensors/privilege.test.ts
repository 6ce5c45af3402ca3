// What `mamori status` tells a user whose Mamori cannot start the process helpers for lack of privilege.
import { describe, expect, it } from 'vitest';
import { isPrivilegeFailure, privilegeFix, selfTestReason, type PrivilegeFacts } from '../../../../main/core/sensors/process/privilege.js';

const DIR = '/opt/Mamori/resources/native-helpers/bin';
const SCRIPT = '/opt/Mamori/resources/native-helpers/mamori-helper-privilege.sh';
const facts = (over: Partial<PrivilegeFacts> = {}): PrivilegeFacts => ({
  uid: 1000, user: 'aiko', processGroups: [1000], group: { gid: 990, members: [] }, script: SCRIPT, ...over,
});
const EPERM = 'ebpf: cannot load eBPF programs: Operation not permitted (needs root, or CAP_BPF + CAP_PERFMON)';
const EACCES = 'cn_proc: spawnSync /opt/Mamori/resources/native-helpers/bin/mamori-proc-cn EACCES';

describe('the privilege fix in the status', () => {
  it('names the one command that grants the helpers and adds this user, then asks for a new login', () => {
    expect(privilegeFix(DIR, [EPERM], facts())).toBe(
      `to let Mamori record programs without running as root, run: sudo sh ${SCRIPT} grant --add-user aiko ${DIR}, then log out and back in`);
  });
  it('a user already in the group (this session) only needs the grant', () => {
    expect(privilegeFix(DIR, [EPERM], facts({ processGroups: [1000, 990], group: { gid: 990, members: ['aiko'] } })))
      .toBe(`to let Mamori record programs without running as root, run: sudo sh ${SCRIPT} grant --add-user aiko ${DIR}`);
  });
  it('a user added to the group after logging in is told to log out and back in, not to run anything', () => {
    expect(privilegeFix(DIR, [EACCES], facts({ group: { gid: 990, members: ['aiko'] } })))
      .toBe('to record programs, aiko must log out and back in: the account joined the mamori group after this session started');
  });
  it('without the script (a copied binary) spells out setcap, chown, chmod and usermod, quoting odd paths', () => {
    const fix = privilegeFix("/home/o'neil/mamori/bin", [EPERM], facts({ script: null, user: 'oneil' }))!;
    expect(fix).toContain("sudo setcap cap_bpf,cap_perfmon+ep '/home/o'\\''neil/mamori/bin/mamori-proc-ebpf'");
    expect(fix).toContain('sudo setcap cap_net_admin+ep');
    expect(fix).toContain('sudo usermod -aG mamori oneil');
  });
  it('says nothing for root, or when the failure is not about privilege', () => {
    expect(privilegeFix(DIR, [EPERM], facts({ uid: 0 }))).toBeNull();
    expect(privilegeFix(DIR, ['ebpf: no kernel BTF at /sys/kernel/btf/vmlinux (needs CONFIG_DEBUG_INFO_BTF)'], facts())).toBeNull();
    expect(isPrivilegeFailure('cn_proc: mamori-proc-cn is not built')).toBe(false);
  });
  it("reads the reason out of a helper's self-test line", () => {
    expect(selfTestReason('{"type":"self_test","ok":false,"reason":"subscribing needs root (CAP_NET_ADMIN)"}\n')).toBe('subscribing needs root (CAP_NET_ADMIN)');
    expect(selfTestReason('libbpf: something\nmore')).toBe('libbpf: something');
  });
});
