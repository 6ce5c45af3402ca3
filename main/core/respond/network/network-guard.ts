// Host network blocking and isolation through one nftables table that Mamori owns (`inet mamori`).
//
// The kernel table is the state: every call reads it back, computes the state it wants, and, only if the
// kernel differs, replaces the whole table in one atomic nft transaction. So every action is idempotent and
// safe to retry, survives Mamori restarts, and undo removes exactly what Mamori added. When nothing is
// blocked and the host is not isolated, the table is deleted: nothing of Mamori's is left behind.
// The caller persists the desired state and calls reconcile() on start-up and clearAll() when its policy
// is switched off, so a host is never left isolated by a Mamori that no longer means it.
import { parsePrefix, uniquePrefixes } from './addresses.js';
import { NetworkGuardError, type NetworkErrorCode } from './errors.js';
import { NftRunner } from './nft.js';
import {
  buildScript, canonicalState, expectedLayout, parseListing, plainState, sameState,
  type CanonicalState, type KernelView, type NetworkState,
} from './ruleset.js';

export interface NetworkGuardOptions {
  /** nftables table name (family inet). Default "mamori"; tests pick their own. */
  table?: string;
  /** Run every nft command inside this named network namespace (`ip netns exec`). Unset in the product. */
  netns?: string;
  /** Absolute path of nft / ip; found on PATH and in the sbin folders otherwise. */
  nftPath?: string;
  ipPath?: string;
  /** How long one nft call may take. Default 10 s. */
  timeoutMs?: number;
}

export interface NetworkStatus extends NetworkState {
  /** Mamori's table exists in the kernel. */
  present: boolean;
  /** The table is laid out exactly as Mamori writes it (false: someone edited it; reconcile() repairs it). */
  intact: boolean;
}

export interface ChangeResult {
  /** Mamori wrote to the kernel; false when the kernel already matched (e.g. "already blocked"). */
  changed: boolean;
  /** The state in force after the call. */
  state: NetworkState;
}

export interface AddressChange extends ChangeResult {
  /** The canonical form of the address acted on (`10.0.0.5/24` -> `10.0.0.0/24`): record this one. */
  address: string;
}

export type Availability = { ok: true } | { ok: false; code: NetworkErrorCode; message: string };

const FAMILY = 'inet';
const EMPTY: CanonicalState = { isolated: false, allow: [], blocked: [] };

export class NetworkGuard {
  readonly table: string;
  private readonly runner: NftRunner;
  /** Calls run one at a time: each reads the kernel, then writes it. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: NetworkGuardOptions = {}) {
    this.table = options.table ?? 'mamori';
    // The name is written into nft scripts, so only a plain identifier is accepted.
    if (!/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(this.table)) {
      throw new NetworkGuardError('INVALID_OPTION', `${JSON.stringify(this.table)} is not a valid nftables table name`);
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new NetworkGuardError('INVALID_OPTION', `timeoutMs must be positive, got ${timeoutMs}`);
    this.runner = new NftRunner({ netns: options.netns, nftPath: options.nftPath, ipPath: options.ipPath, timeoutMs });
  }

  /** Whether blocking can work here: nft installed, permitted, kernel answering. Never throws. */
  async available(): Promise<Availability> {
    try {
      await this.runner.run(['-j', 'list', 'tables']);
      return { ok: true };
    } catch (err) {
      const e = asGuardError(err);
      return { ok: false, code: e.code, message: e.message };
    }
  }

  /** What the kernel holds now. */
  status(): Promise<NetworkStatus> {
    return this.serial(async () => {
      const view = await this.read();
      const state = normalized(view.state);
      return { present: view.present, ...plainState(view.state), intact: view.layout === expectedLayout(state) && sameState(state, view.state) };
    });
  }

  /** Blocks all traffic to and from `addr` (IPv4/IPv6 address or CIDR prefix), for the whole host. */
  async blockAddress(addr: string): Promise<AddressChange> {
    const p = parsePrefix(addr);
    const r = await this.change((cur) => ({ ...cur, blocked: uniquePrefixes([...cur.blocked, p]) }));
    return { ...r, address: p.text };
  }

  /** Removes Mamori's block of exactly `addr`; other blocks, even overlapping ones, stay. */
  async unblockAddress(addr: string): Promise<AddressChange> {
    const p = parsePrefix(addr);
    const r = await this.change((cur) => ({ ...cur, blocked: cur.blocked.filter((b) => b.text !== p.text) }));
    return { ...r, address: p.text };
  }

  /** Cuts the host off from everything but loopback and `allow` (replacing any earlier allow-list). Blocks stay. */
  async isolate(allow: readonly string[]): Promise<ChangeResult> {
    if (!Array.isArray(allow)) throw new NetworkGuardError('INVALID_ADDRESS', 'the allow-list must be an array of addresses');
    const list = uniquePrefixes(allow.map(parsePrefix));
    return this.change((cur) => ({ ...cur, isolated: true, allow: list }));
  }

  /** Ends isolation; blocked addresses stay blocked. */
  unisolate(): Promise<ChangeResult> {
    return this.change((cur) => ({ ...cur, isolated: false, allow: [] }));
  }

  /** Makes the kernel hold exactly `desired` (and repairs an edited table). Call on start-up. */
  async reconcile(desired: NetworkState): Promise<ChangeResult> {
    if (!desired || typeof desired !== 'object' || !Array.isArray(desired.blocked) || (desired.allow !== undefined && !Array.isArray(desired.allow))) {
      throw new NetworkGuardError('INVALID_ADDRESS', 'the desired state needs `blocked` and `allow` address lists');
    }
    const target = canonicalState(desired); // every address is checked before anything reaches nft
    return this.change(() => target);
  }

  /** Deletes Mamori's table: no block and no isolation remain. Safe when there is nothing to delete. */
  clearAll(): Promise<ChangeResult> {
    return this.serial(async () => {
      try {
        await this.runner.run(['delete', 'table', FAMILY, this.table]);
        return { changed: true, state: plainState(EMPTY) };
      } catch (err) {
        if (isAbsent(err)) return { changed: false, state: plainState(EMPTY) };
        throw asGuardError(err);
      }
    });
  }

  private change(next: (cur: CanonicalState) => CanonicalState): Promise<ChangeResult> {
    return this.serial(async () => {
      const view = await this.read();
      const target = normalized(next(normalized(view.state)));
      if (sameState(target, view.state) && view.layout === expectedLayout(target)) return { changed: false, state: plainState(target) };
      await this.runner.run(['-f', '-'], buildScript(this.table, FAMILY, target));
      return { changed: true, state: plainState(target) };
    });
  }

  private async read(): Promise<KernelView> {
    let stdout: string;
    try {
      ({ stdout } = await this.runner.run(['-j', 'list', 'table', FAMILY, this.table]));
    } catch (err) {
      if (isAbsent(err)) return { present: false, state: EMPTY, layout: '' };
      throw asGuardError(err);
    }
    try {
      return parseListing(stdout);
    } catch (err) {
      throw new NetworkGuardError('NFT_FAILED', `could not read table ${this.table}`, (err as Error).message);
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }
}

/** The allow-list only means something while isolated. */
function normalized(s: CanonicalState): CanonicalState {
  return { isolated: s.isolated, allow: s.isolated ? s.allow : [], blocked: s.blocked };
}

/** nft's answer when the table does not exist. */
function isAbsent(err: unknown): boolean {
  return err instanceof NetworkGuardError && err.code === 'NFT_FAILED' && /No such file or directory/.test(err.detail ?? '');
}

function asGuardError(err: unknown): NetworkGuardError {
  if (err instanceof NetworkGuardError) return err;
  return new NetworkGuardError('NFT_FAILED', 'unexpected failure while running nft', err instanceof Error ? err.message : String(err));
}
