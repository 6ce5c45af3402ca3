// Parsing the kernel's socket tables: lines captured from /proc/net on Linux 6.18 (x86-64, little-endian).
import { describe, expect, it } from 'vitest';
import { formatIpv6, parseAddress, parseProcNet, socketAction } from '../../../../../main/core/sensors/network/index.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1678 1 00000000406a25d0 100 0 0 10 0
   1: 0100007F:8A7E 0100007F:A5BB 01 00000000:00000000 00:00000000 00000000  1000        0 1180228 2 00000000769256f7 20 0 0 10 -1
   2: 0100007F:8A80 0100007F:A5BB 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:A5BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1180227 1 000000001c73beec 100 0 0 10 0
   1: 00000000000000000000000001000000:D2CB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1180230 1 00000000822f6f7e 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:A5BB 0000000000000000FFFF00000100007F:8A7E 01 00000000:00000000 00:00000000 00000000     0        0 1180229 1 000000009ad87d9e 20 0 0 10 -1
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
13800: 0100007F:8A13 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1180232 2 0000000023bca294 0
`;
const UDP6 = `   sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
 9031: 00000000000000000000000001000000:B772 00000000000000000000000001000000:0035 01 00000000:00000000 00:00000000 00000000     0        0 1180233 2 00000000c5871bb4 0
`;

describe('/proc/net parsing', () => {
  it('reads IPv4 listening and established sockets: address bytes reversed, port as printed, owner uid and inode', () => {
    const [listen, conn, timeWait] = parseProcNet(TCP, 'tcp', 'ipv4', true);
    expect(listen).toEqual({ transport: 'tcp', type: 'ipv4', local: { ip: '0.0.0.0', port: 2024 }, remote: { ip: '0.0.0.0', port: 0 }, state: 'LISTEN', uid: 0, inode: 1678 });
    expect(conn).toMatchObject({ local: { ip: '127.0.0.1', port: 35454 }, remote: { ip: '127.0.0.1', port: 42427 }, state: 'ESTABLISHED', uid: 1000, inode: 1180228 });
    expect(timeWait).toMatchObject({ state: 'TIME_WAIT', inode: 0 });
    expect([listen, conn, timeWait].map((s) => socketAction(s!))).toEqual(['listening', 'connection', null]);
  });

  it('reads IPv6: the any address, loopback, and IPv4-mapped peers as inet_ntop writes them', () => {
    const [any, loop, mapped] = parseProcNet(TCP6, 'tcp', 'ipv6', true);
    expect(any).toMatchObject({ type: 'ipv6', local: { ip: '::', port: 42427 }, state: 'LISTEN' });
    expect(loop).toMatchObject({ local: { ip: '::1', port: 53963 }, state: 'LISTEN' });
    expect(mapped).toMatchObject({ local: { ip: '::ffff:127.0.0.1', port: 42427 }, remote: { ip: '::ffff:127.0.0.1', port: 35454 }, state: 'ESTABLISHED' });
  });

  it('tells a bound UDP socket (listening) from a connected one (connection)', () => {
    const [bound] = parseProcNet(UDP, 'udp', 'ipv4', true);
    const [connected] = parseProcNet(UDP6, 'udp', 'ipv6', true);
    expect(bound).toMatchObject({ transport: 'udp', local: { ip: '127.0.0.1', port: 35347 }, state: 'CLOSE' });
    expect(connected).toMatchObject({ local: { ip: '::1', port: 46962 }, remote: { ip: '::1', port: 53 } });
    expect(socketAction(bound!)).toBe('listening');
    expect(socketAction(connected!)).toBe('connection');
  });

  it('compresses IPv6 like inet_ntop: longest zero run, never a single zero group', () => {
    expect(parseAddress('B80D0120000000000000000001000000:0050', 'ipv6', true)).toEqual({ ip: '2001:db8::1', port: 80 });
    expect(parseAddress('000080FE00000000FFFF00025634FDFE:01BB', 'ipv6', true)).toEqual({ ip: 'fe80::200:ffff:fefd:3456', port: 443 });
    const bytes = (words: number[]) => words.flatMap((w) => [w >> 8, w & 0xff]);
    expect(formatIpv6(bytes([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]))).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIpv6(bytes([1, 0, 0, 2, 0, 0, 0, 3]))).toBe('1:0:0:2::3');
    expect(formatIpv6(bytes([0, 0, 0, 0, 0, 0, 0x0a00, 0x0001]))).toBe('::10.0.0.1');
  });

  it('reads big-endian tables without reversing', () => {
    expect(parseAddress('7F000001:1F90', 'ipv4', false)).toEqual({ ip: '127.0.0.1', port: 8080 });
  });

  it('skips malformed lines instead of failing the whole table', () => {
    const text = `${TCP}garbage\n   9: ZZ00007F:8A7E 0100007F:A5BB 01 x x x 0 0 5\n   10: 0100007F:8A7E 0100007F:A5BB 01\n`;
    expect(parseProcNet(text, 'tcp', 'ipv4', true)).toHaveLength(3);
    expect(parseProcNet('', 'tcp', 'ipv4', true)).toEqual([]);
    expect(parseAddress('0100007F', 'ipv4', true)).toBeNull();
    expect(parseAddress('0100007F:0050', 'ipv6', true)).toBeNull();
  });
});
