// Two network namespaces a test creates, A and B, joined by a veth pair, with a TCP prober in each: Mamori's
// firewall work happens inside A only, traffic never leaves them, and both are deleted afterwards.
// B has a "stranger" (.2) and an "office console" (.3) address, in IPv4 and IPv6.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export function program(name: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch { /* not here */ }
  }
  return null;
}

export const NFT = program('nft');
export const IP = program('ip');
/** '' when namespace tests can run here; else why not (for describe.skipIf titles). */
export const netnsSkipReason = process.getuid?.() !== 0 ? 'not root' : !NFT ? 'nft (package nftables) not installed'
  : !IP ? 'ip (package iproute2) not installed' : '';

const PORT = 7413;
/** A node process inside a namespace: listens on PORT (IPv4 and IPv6) and answers connect probes from stdin. */
const PROBER = `
const net = require('node:net');
const srv = net.createServer((s) => s.end());
srv.listen(${PORT}, '::', () => process.stdout.write('ready\\n'));
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, host, local, timeout } = JSON.parse(line);
  const s = net.connect({ host, port: ${PORT}, localAddress: local, timeout });
  let done = false;
  const fin = (r) => { if (done) return; done = true; s.destroy(); process.stdout.write(JSON.stringify({ id, r }) + '\\n'); };
  s.on('connect', () => fin('ok'));
  s.on('timeout', () => fin('timeout'));
  s.on('error', (e) => fin(e.code));
});
process.stdin.on('end', () => process.exit(0));
`;

export class Prober {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (r: string) => void>();
  private next = 0;
  readonly ready: Promise<void>;

  constructor(ns: string) {
    this.child = spawn(IP!, ['netns', 'exec', ns, process.execPath, '-e', PROBER], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: this.child.stdout! });
    this.ready = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => reject(new Error(`prober in ${ns} exited with ${code}`)));
      lines.on('line', (line) => {
        if (line === 'ready') return resolve();
        const { id, r } = JSON.parse(line) as { id: number; r: string };
        this.waiting.get(id)?.(r);
        this.waiting.delete(id);
      });
    });
  }

  /** True when a TCP connection to host succeeds. A success is quick; a dropped SYN only shows as silence. */
  connects(host: string, expected: boolean, local?: string): Promise<boolean> {
    const id = this.next++;
    const timeout = expected ? 3000 : 700;
    return new Promise((resolve) => {
      this.waiting.set(id, (r) => resolve(r === 'ok'));
      this.child.stdin!.write(`${JSON.stringify({ id, host, local, timeout })}\n`);
    });
  }

  stop(): void {
    this.child.stdin?.end();
    this.child.kill();
  }
}

export interface TestNetwork {
  A: string;
  B: string;
  NET: string;
  SELF: string; STRANGER: string; CONSOLE: string; STRANGER6: string; CONSOLE6: string;
  fromA: Prober;
  fromB: Prober;
  ip(...args: string[]): string;
  /** nftables tables in A (Mamori's must be gone after a test). */
  tablesInA(): string;
  /** Which of B's addresses A reaches (outbound) and which reach A (inbound, by source address). */
  reach(expected: { stranger: boolean; console: boolean }): Promise<{ stranger: boolean | 'one way only'; console: boolean | 'one way only' }>;
  remove(): void;
}

/** Creates A and B (names unique to this test process and `tag`). */
export async function createTestNetwork(tag: string, octet = 77): Promise<TestNetwork> {
  const A = `mamori-${tag}-${process.pid}-a`;
  const B = `mamori-${tag}-${process.pid}-b`;
  const NET = `10.213.${octet}`;
  const [SELF, STRANGER, CONSOLE] = [`${NET}.1`, `${NET}.2`, `${NET}.3`];
  const [STRANGER6, CONSOLE6] = [`fd00:${octet}::2`, `fd00:${octet}::3`];
  const ip = (...args: string[]) => execFileSync(IP!, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const probers: Prober[] = [];
  const remove = () => {
    for (const p of probers) p.stop();
    for (const ns of [A, B]) {
      try { ip('netns', 'del', ns); } catch { /* not made */ }
    }
  };
  try {
    ip('netns', 'add', A);
    ip('netns', 'add', B);
    const vethA = `m${tag.slice(0, 3)}${process.pid}a`.slice(0, 15);
    const vethB = `m${tag.slice(0, 3)}${process.pid}b`.slice(0, 15);
    ip('link', 'add', vethA, 'netns', A, 'type', 'veth', 'peer', 'name', vethB, 'netns', B);
    for (const [ns, dev, addrs] of [[A, vethA, [`${SELF}/24`]], [B, vethB, [`${STRANGER}/24`, `${CONSOLE}/24`]]] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      for (const a of addrs) ip('-n', ns, 'addr', 'add', a, 'dev', dev);
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
    ip('-n', A, '-6', 'addr', 'add', `fd00:${octet}::1/64`, 'dev', vethA, 'nodad');
    for (const a of [STRANGER6, CONSOLE6]) ip('-n', B, '-6', 'addr', 'add', `${a}/64`, 'dev', vethB, 'nodad');
    const fromA = new Prober(A);
    const fromB = new Prober(B);
    probers.push(fromA, fromB);
    await Promise.all([fromA.ready, fromB.ready]);
    return {
      A, B, NET, SELF, STRANGER, CONSOLE, STRANGER6, CONSOLE6, fromA, fromB, ip, remove,
      tablesInA: () => ip('netns', 'exec', A, NFT!, 'list', 'tables'),
      async reach(expected) {
        const [out2, out3, in2, in3] = await Promise.all([
          fromA.connects(STRANGER, expected.stranger),
          fromA.connects(CONSOLE, expected.console),
          fromB.connects(SELF, expected.stranger, STRANGER),
          fromB.connects(SELF, expected.console, CONSOLE),
        ]);
        return { stranger: out2 && in2 ? true : !out2 && !in2 ? false : 'one way only', console: out3 && in3 ? true : !out3 && !in3 ? false : 'one way only' };
      },
    };
  } catch (err) {
    remove();
    throw err;
  }
}
