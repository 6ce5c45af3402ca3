// Network blocking and host isolation, shown with real traffic. Mamori's guard runs inside a network
// namespace A that the test creates; B (two IPv4 and two IPv6 addresses: a "stranger" .2 and an "office
// console" .3) sits at the other end of a veth pair. Only A's own nftables table is ever written, and both
// namespaces are deleted afterwards, so the host's firewall and network are never touched.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetworkGuard, NetworkGuardError, canonicalAddress } from '../../../../main/core/respond/network/index.js';
import { createTestNetwork, netnsSkipReason, NFT, type Prober, type TestNetwork } from '../../../helpers/netns.js';

const HOSTILE = '1.2.3.4; flush ruleset';

const skipReason = netnsSkipReason;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(NetworkGuardError);
    return (err as NetworkGuardError).code;
  }
  return 'NO_ERROR';
}

describe('addresses Mamori accepts', () => {
  it('prints one canonical form for each address or prefix', () => {
    expect(canonicalAddress('10.0.0.5')).toBe('10.0.0.5');
    expect(canonicalAddress(' 10.0.0.5/24 ')).toBe('10.0.0.0/24');
    expect(canonicalAddress('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalAddress('2001:db8:0:1:0:0:0:0/64')).toBe('2001:db8:0:1::/64');
    expect(canonicalAddress('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    // What a dual-stack socket reports for an IPv4 peer is blocked as the IPv4 address it is.
    expect(canonicalAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
  });

  it('refuses anything that is not an address, with INVALID_ADDRESS', () => {
    for (const bad of [HOSTILE, '1.2.3.4\nflush ruleset', '1.2.3.4/24/8', '01.2.3.4', '1.2.3.4/33', '1.2.3.4/ 3', 'fe80::1%eth0', '0.0.0.0/0', '', 'example.com']) {
      expect(() => canonicalAddress(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_ADDRESS' }));
    }
  });
});

describe('network guard failures are explained with codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mamori-nft-'));
  const fake = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a hostile address never reaches nft', async () => {
    const log = join(dir, 'calls.log');
    const guard = new NetworkGuard({ nftPath: fake('nft-recorder', `echo "$@" >> ${log}; cat >> ${log}`) });
    expect(await codeOf(guard.blockAddress(HOSTILE))).toBe('INVALID_ADDRESS');
    expect(await codeOf(guard.unblockAddress(HOSTILE))).toBe('INVALID_ADDRESS');
    expect(await codeOf(guard.isolate(['10.0.0.1', HOSTILE]))).toBe('INVALID_ADDRESS');
    expect(await codeOf(guard.reconcile({ isolated: false, allow: [], blocked: ['10.0.0.1', '1.2.3.4\nflush ruleset'] }))).toBe('INVALID_ADDRESS');
    expect(existsSync(log)).toBe(false);
  });

  it('says NFT_MISSING when nft is not installed', async () => {
    const guard = new NetworkGuard({ nftPath: join(dir, 'no-such-nft') });
    expect(await guard.available()).toEqual({ ok: false, code: 'NFT_MISSING', message: expect.stringMatching(/nftables/) });
    expect(await codeOf(guard.blockAddress('192.0.2.1'))).toBe('NFT_MISSING');
  });

  it('says PERMISSION_DENIED when the kernel refuses, and NFT_FAILED with nft\'s words otherwise', async () => {
    const denied = new NetworkGuard({ nftPath: fake('nft-denied', 'echo "Error: Could not process rule: Operation not permitted" >&2; exit 1') });
    expect(await denied.available()).toMatchObject({ ok: false, code: 'PERMISSION_DENIED', message: expect.stringMatching(/CAP_NET_ADMIN/) });
    const broken = new NetworkGuard({ nftPath: fake('nft-broken', 'echo "Error: syntax error, unexpected junk" >&2; exit 1') });
    const err = await broken.status().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'NFT_FAILED', detail: 'Error: syntax error, unexpected junk' });
    expect((err as Error).message).toMatch(/unexpected junk/);
  });

  it('refuses unsafe options with INVALID_OPTION', () => {
    expect(() => new NetworkGuard({ table: 'x; flush ruleset' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => new NetworkGuard({ netns: '--all' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => new NetworkGuard({ nftPath: 'nft' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe.skipIf(skipReason !== '')(`network guard in test namespaces${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let net: TestNetwork;
  let A: string, NET: string, STRANGER: string, CONSOLE: string, STRANGER6: string, CONSOLE6: string;
  let fromA: Prober;
  let ip: TestNetwork['ip'];
  let guard: NetworkGuard;
  const tablesInA = () => net.tablesInA();
  const reach = (expected: { stranger: boolean; console: boolean }) => net.reach(expected);

  beforeAll(async () => {
    net = await createTestNetwork('t');
    ({ A, NET, STRANGER, CONSOLE, STRANGER6, CONSOLE6, fromA, ip } = net);
    guard = new NetworkGuard({ netns: A });
    expect(await guard.available()).toEqual({ ok: true });
  });

  afterEach(async () => {
    await guard.clearAll();
  });

  afterAll(() => net?.remove());

  it('blocks one address both ways for the whole host; unblock restores it; both are idempotent', async () => {
    expect(await reach({ stranger: true, console: true })).toEqual({ stranger: true, console: true });

    expect(await guard.blockAddress(STRANGER)).toMatchObject({ changed: true, address: STRANGER });
    expect(await reach({ stranger: false, console: true })).toEqual({ stranger: false, console: true });
    expect(await guard.blockAddress(STRANGER)).toMatchObject({ changed: false }); // "already blocked"
    expect(await guard.status()).toEqual({ present: true, intact: true, isolated: false, allow: [], blocked: [STRANGER] });

    expect(await guard.unblockAddress(STRANGER)).toMatchObject({ changed: true });
    expect(await reach({ stranger: true, console: true })).toEqual({ stranger: true, console: true });
    expect(await guard.unblockAddress(STRANGER)).toMatchObject({ changed: false });
    // Nothing blocked, not isolated: nothing of Mamori's is left in the kernel.
    expect(tablesInA()).not.toMatch(/mamori/);
  });

  it('keeps an address and a prefix around it as separate blocks, each undone alone', async () => {
    // Two calls at once are applied one after the other, neither lost.
    await Promise.all([guard.blockAddress(STRANGER), guard.blockAddress(`${NET}.0/24`)]);
    expect((await guard.status()).blocked).toEqual([`${NET}.0/24`, STRANGER]);
    expect(await fromA.connects(CONSOLE, false)).toBe(false);

    await guard.unblockAddress(`${NET}.7/24`); // same prefix, written with host bits
    expect((await guard.status()).blocked).toEqual([STRANGER]);
    expect(await reach({ stranger: false, console: true })).toEqual({ stranger: false, console: true });
  });

  it('blocks IPv6 addresses too', async () => {
    await guard.blockAddress(STRANGER6);
    const [v6Stranger, v6Console, v4Stranger] = await Promise.all([
      fromA.connects(STRANGER6, false),
      fromA.connects(CONSOLE6, true),
      fromA.connects(STRANGER, true),
    ]);
    expect({ v6Stranger, v6Console, v4Stranger }).toEqual({ v6Stranger: false, v6Console: true, v4Stranger: true });
  });

  it('isolates the host: only loopback and the allow-list are reachable, in both directions', async () => {
    expect(await guard.isolate([CONSOLE, CONSOLE6])).toMatchObject({ changed: true });
    expect(await reach({ stranger: false, console: true })).toEqual({ stranger: false, console: true });
    const [loop4, loop6, v6Console, v6Stranger] = await Promise.all([
      fromA.connects('127.0.0.1', true),
      fromA.connects('::1', true),
      fromA.connects(CONSOLE6, true),
      fromA.connects(STRANGER6, false),
    ]);
    expect({ loop4, loop6, v6Console, v6Stranger }).toEqual({ loop4: true, loop6: true, v6Console: true, v6Stranger: false });
    expect(await guard.isolate([CONSOLE6, CONSOLE])).toMatchObject({ changed: false });
    expect(await guard.status()).toMatchObject({ isolated: true, allow: [CONSOLE, CONSOLE6], blocked: [] });

    expect(await guard.unisolate()).toMatchObject({ changed: true });
    expect(await reach({ stranger: true, console: true })).toEqual({ stranger: true, console: true });
    expect(await guard.unisolate()).toMatchObject({ changed: false });
    expect(tablesInA()).not.toMatch(/mamori/);
  });

  it('a block outlives isolation, and wins over the allow-list', async () => {
    await guard.blockAddress(STRANGER);
    await guard.isolate([STRANGER, CONSOLE]);
    expect(await reach({ stranger: false, console: true })).toEqual({ stranger: false, console: true });
    await guard.unisolate();
    expect(await guard.status()).toMatchObject({ present: true, isolated: false, allow: [], blocked: [STRANGER] });
    expect(await reach({ stranger: false, console: true })).toEqual({ stranger: false, console: true });
  });

  it('after a restart, a new guard reads the state from the kernel and reconcile repairs or clears it', async () => {
    const desired = { isolated: true, allow: [CONSOLE], blocked: [STRANGER6] };
    expect(await guard.reconcile(desired)).toMatchObject({ changed: true });

    const restarted = new NetworkGuard({ netns: A });
    expect(await restarted.status()).toEqual({ present: true, intact: true, ...desired });
    expect(await restarted.reconcile(desired)).toMatchObject({ changed: false });

    // Someone empties one of Mamori's chains behind its back: the status says so, reconcile puts it back.
    ip('netns', 'exec', A, NFT!, 'flush', 'chain', 'inet', 'mamori', 'output');
    expect(await restarted.status()).toMatchObject({ intact: false });
    expect(await restarted.reconcile(desired)).toMatchObject({ changed: true });
    expect(await restarted.status()).toMatchObject({ intact: true, isolated: true });
    expect(await reach({ stranger: false, console: true })).toEqual({ stranger: false, console: true });

    // Policy switched off: the desired state is empty and the kernel follows.
    expect(await restarted.reconcile({ isolated: false, allow: [], blocked: [] })).toMatchObject({ changed: true });
    expect(tablesInA()).not.toMatch(/mamori/);
    expect(await reach({ stranger: true, console: true })).toEqual({ stranger: true, console: true });
  });

  it('clearAll removes everything Mamori added, and is safe to repeat', async () => {
    await guard.blockAddress(`${NET}.0/24`);
    await guard.isolate([]);
    expect(await fromA.connects('127.0.0.1', true)).toBe(true);
    expect(await guard.clearAll()).toMatchObject({ changed: true });
    expect(await guard.clearAll()).toMatchObject({ changed: false });
    expect(tablesInA()).not.toMatch(/mamori/);
    expect(await reach({ stranger: true, console: true })).toEqual({ stranger: true, console: true });
  });

  it('refuses a hostile address with INVALID_ADDRESS and leaves the ruleset untouched', async () => {
    await guard.blockAddress(STRANGER);
    const before = ip('netns', 'exec', A, NFT!, 'list', 'ruleset');
    expect(await codeOf(guard.blockAddress(HOSTILE))).toBe('INVALID_ADDRESS');
    expect(await codeOf(guard.isolate([HOSTILE]))).toBe('INVALID_ADDRESS');
    expect(ip('netns', 'exec', A, NFT!, 'list', 'ruleset')).toBe(before);
  });

  it('says NETNS_MISSING for a namespace that does not exist', async () => {
    const lost = new NetworkGuard({ netns: `mamori-t-${process.pid}-none` });
    expect(await lost.available()).toMatchObject({ ok: false, code: 'NETNS_MISSING' });
  });
});
