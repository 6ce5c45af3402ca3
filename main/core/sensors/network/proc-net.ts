// The kernel's socket tables, /proc/net/{tcp,tcp6,udp,udp6}: one line per socket with its addresses,
// state, owner uid and inode. Pure parsing here; reading the files is the sensor's job.
import { endianness } from 'node:os';

export type Transport = 'tcp' | 'udp';
export type IpType = 'ipv4' | 'ipv6';
/** What a socket is for Mamori: a connection, a socket waiting for peers, or neither (closing, half-open). */
export type SocketAction = 'connection' | 'listening';

export interface ProcNetSocket {
  transport: Transport;
  type: IpType;
  local: { ip: string; port: number };
  remote: { ip: string; port: number };
  /** The kernel's TCP state name (UDP uses the same numbers: ESTABLISHED when connected, CLOSE when only bound). */
  state: string;
  uid: number;
  /** 0 for sockets no process holds any more (TIME_WAIT) or not yet accepted. */
  inode: number;
}

export const PROC_NET_TABLES = [
  { file: 'tcp', transport: 'tcp', type: 'ipv4' },
  { file: 'tcp6', transport: 'tcp', type: 'ipv6' },
  { file: 'udp', transport: 'udp', type: 'ipv4' },
  { file: 'udp6', transport: 'udp', type: 'ipv6' },
] as const;

// include/net/tcp_states.h
const TCP_STATES: Record<number, string> = {
  0x01: 'ESTABLISHED', 0x02: 'SYN_SENT', 0x03: 'SYN_RECV', 0x04: 'FIN_WAIT1', 0x05: 'FIN_WAIT2', 0x06: 'TIME_WAIT',
  0x07: 'CLOSE', 0x08: 'CLOSE_WAIT', 0x09: 'LAST_ACK', 0x0a: 'LISTEN', 0x0b: 'CLOSING', 0x0c: 'NEW_SYN_RECV',
};
/** States of a TCP connection that was established (still is, or is closing down): all count as a connection. */
const CONNECTED = new Set(['ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSING']);

const HEX = /^[0-9A-Fa-f]+$/;

/**
 * The kernel prints each 32-bit word of an address with %08X from its in-memory (network order) bytes,
 * so on a little-endian machine every word's bytes come out reversed.
 */
function addressBytes(hex: string, littleEndian: boolean): number[] {
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = [0, 2, 4, 6].map((i) => parseInt(hex.slice(w + i, w + i + 2), 16));
    bytes.push(...(littleEndian ? word.reverse() : word));
  }
  return bytes;
}

/** IPv6 text as inet_ntop writes it (what the eBPF tier reports): longest zero run as "::", ::ffff:a.b.c.d for mapped IPv4. */
export function formatIpv6(b: number[]): string {
  const words = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let best = { base: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > best.len) best = { base: i, len: j - i };
    i = j;
  }
  if (best.len < 2) best = { base: -1, len: 0 };
  const v4 = best.base === 0 && (best.len === 6 || (best.len === 5 && words[5] === 0xffff));
  const head = words.slice(0, v4 ? 6 : 8).map((w) => w.toString(16));
  const text = best.base < 0 ? head.join(':')
    : `${head.slice(0, best.base).join(':')}::${head.slice(best.base + best.len).join(':')}`;
  return v4 ? `${text}${text.endsWith(':') ? '' : ':'}${b.slice(12).join('.')}` : text;
}

/** "0100007F:0CEA" -> { ip: '127.0.0.1', port: 3306 }; null when the field is not an address of this family. */
export function parseAddress(field: string, type: IpType, littleEndian = endianness() === 'LE'): { ip: string; port: number } | null {
  const [hex, portHex] = field.split(':');
  const width = type === 'ipv4' ? 8 : 32;
  if (!hex || !portHex || hex.length !== width || !HEX.test(hex) || portHex.length !== 4 || !HEX.test(portHex)) return null;
  const bytes = addressBytes(hex, littleEndian);
  // The port is printed from ntohs(), already in host order.
  return { ip: type === 'ipv4' ? bytes.join('.') : formatIpv6(bytes), port: parseInt(portHex, 16) };
}

/** One table's text -> its sockets. The header and malformed lines are skipped, never thrown on. */
export function parseProcNet(text: string, transport: Transport, type: IpType, littleEndian = endianness() === 'LE'): ProcNetSocket[] {
  const out: ProcNetSocket[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // sl local remote st tx:rx tr:when retrnsmt uid timeout inode ...
    if (f.length < 10 || !/^\d+:$/.test(f[0]!)) continue;
    const local = parseAddress(f[1]!, type, littleEndian);
    const remote = parseAddress(f[2]!, type, littleEndian);
    const state = TCP_STATES[parseInt(f[3]!, 16)];
    const uid = Number(f[7]);
    const inode = Number(f[9]);
    if (!local || !remote || !state || !Number.isInteger(uid) || !Number.isInteger(inode)) continue;
    out.push({ transport, type, local, remote, state, uid, inode });
  }
  return out;
}

/** TCP: LISTEN is listening, established (or closing) is a connection. UDP: connected is a connection, bound is listening. */
export function socketAction(s: ProcNetSocket): SocketAction | null {
  if (s.transport === 'tcp') return s.state === 'LISTEN' ? 'listening' : CONNECTED.has(s.state) ? 'connection' : null;
  if (s.state === 'ESTABLISHED' && s.remote.port !== 0) return 'connection';
  return s.local.port !== 0 ? 'listening' : null;
}
