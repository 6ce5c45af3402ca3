// Runs the nft program: no shell, scripts on stdin, optionally inside a named network namespace
// (`ip netns exec NAME nft ...`, which tests use so the host's own firewall is never touched).
// Every failure leaves here as a NetworkGuardError with a code; nft's stderr rides along as detail.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { NetworkGuardError } from './errors.js';

export interface NftRunnerOptions {
  netns?: string;
  nftPath?: string;
  ipPath?: string;
  timeoutMs: number;
}

export interface NftOutput { stdout: string; stderr: string }

// nft and ip live in sbin, which is often not on a service's PATH.
const SBIN = ['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/bin', '/bin'];
const MAX_DETAIL = 2000;

function findProgram(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class NftRunner {
  /** Cached only once found, so installing nft later works without a restart. */
  private nft: string | null = null;
  private ip: string | null = null;

  constructor(private readonly o: NftRunnerOptions) {
    for (const p of [o.nftPath, o.ipPath]) {
      if (p !== undefined && !isAbsolute(p)) throw new NetworkGuardError('INVALID_OPTION', `program paths must be absolute, got ${JSON.stringify(p)}`);
    }
    // The name becomes an argument of `ip netns exec`, never shell text; still, only plain names.
    if (o.netns !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(o.netns)) {
      throw new NetworkGuardError('INVALID_OPTION', `${JSON.stringify(o.netns)} is not a network namespace name`);
    }
  }

  /** Resolves the programs; throws NFT_MISSING / IP_MISSING. */
  programs(): { nft: string; ip: string | null } {
    if (!this.nft) {
      const found = this.o.nftPath ? (executable(this.o.nftPath) ? this.o.nftPath : null) : findProgram('nft');
      if (!found) throw new NetworkGuardError('NFT_MISSING', 'the nft program is not installed (Debian/Ubuntu package "nftables"); Mamori needs it to block addresses and isolate the host');
      this.nft = found;
    }
    if (this.o.netns !== undefined && !this.ip) {
      const found = this.o.ipPath ? (executable(this.o.ipPath) ? this.o.ipPath : null) : findProgram('ip');
      if (!found) throw new NetworkGuardError('IP_MISSING', 'the ip program is not installed (Debian/Ubuntu package "iproute2"); it is needed to work inside a network namespace');
      this.ip = found;
    }
    return { nft: this.nft, ip: this.ip };
  }

  /** Runs nft with `args`, `stdin` as its input. Resolves on exit 0, else throws a coded error. */
  run(args: string[], stdin = ''): Promise<NftOutput> {
    const { nft, ip } = this.programs();
    const [file, argv] = this.o.netns !== undefined && ip ? [ip, ['netns', 'exec', this.o.netns, nft, ...args]] : [nft, args];
    return new Promise((resolve, reject) => {
      const child = execFile(
        file,
        argv,
        { timeout: this.o.timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' }, windowsHide: true },
        (err, stdout, stderr) => {
          if (!err) return resolve({ stdout, stderr });
          reject(classify(err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null }, String(stderr), file === ip, this.o));
        },
      );
      child.stdin?.on('error', () => {}); // nft may exit before reading all of stdin; the exit code tells why
      child.stdin?.end(stdin);
    });
  }
}

function classify(err: NodeJS.ErrnoException & { killed?: boolean; signal?: string | null }, stderr: string, viaIp: boolean, o: NftRunnerOptions): NetworkGuardError {
  const detail = stderr.trim().slice(0, MAX_DETAIL) || null;
  if (err.code === 'ENOENT') {
    return viaIp
      ? new NetworkGuardError('IP_MISSING', 'the ip program could not be started')
      : new NetworkGuardError('NFT_MISSING', 'the nft program could not be started (Debian/Ubuntu package "nftables")');
  }
  if (err.code === 'EACCES') return new NetworkGuardError('PERMISSION_DENIED', 'not allowed to run the nft program');
  if (err.killed || err.signal) return new NetworkGuardError('NFT_FAILED', `nft did not finish within ${o.timeoutMs} ms`, detail);
  if (/Cannot open network namespace/i.test(stderr)) {
    return new NetworkGuardError('NETNS_MISSING', `the network namespace ${JSON.stringify(o.netns)} does not exist`, detail);
  }
  if (/Operation not permitted|you must be root|Permission denied/i.test(stderr)) {
    return new NetworkGuardError('PERMISSION_DENIED', 'changing the firewall needs root or the CAP_NET_ADMIN capability', detail);
  }
  return new NetworkGuardError('NFT_FAILED', 'nft refused the request', detail ?? `exit code ${String(err.code)}`);
}
