// Events with every shape the sensors emit (and the optional fields both absent and null), for round trips.
import type { NewEvent } from '../../../../main/core/store/index.js';
import { commandLine } from '../../../../main/core/sensors/process/process-table.js';

const T = (s: number) => new Date(Date.UTC(2026, 5, 1, 12, 0, s)).toISOString();

/** argv the way shells and scripts really pass it: quotes, empties, spaces, backslashes, tabs, non-ASCII. */
const trickyArgs = ['sh', '-c', `echo 'hi' "x" $HOME \`id\``, '', 'a  b', "it's", "''", 'back\\slash', 'tab\there', 'ünï', '\'\'\'', ' '];

export const richEvents: NewEvent[] = [
  {
    '@timestamp': T(1),
    event: { kind: 'process', action: 'exec', sequence: 41 },
    process: {
      entity_id: '4242-777', pid: 4242, tid: 4242, name: 'python3', executable: '/usr/bin/python3.11',
      command_line: "python3 -c 'print(1)' --naïve", args: ['python3', '-c', 'print(1)', '--naïve'], args_truncated: false,
      working_directory: '/home/alice/École', start: T(0), hash: { sha256: 'cd'.repeat(32) },
      parent: { entity_id: '4000-700', pid: 4000, executable: '/usr/bin/bash', command_line: '-bash' },
      env_vars: ['LD_PRELOAD=/tmp/evil.so'], executable_link: '/memfd:x (deleted)',
    },
    user: { id: 1000, name: 'alice' },
    group: { id: 1000 },
  },
  {
    '@timestamp': T(2),
    event: { kind: 'network', action: 'connect', sequence: 42 },
    process: {
      entity_id: '4242-777', pid: 4242, name: 'python3', executable: '/usr/bin/python3.11', command_line: null, args: null, parent: null,
    },
    user: { id: 1000, name: null },
    source: { ip: '10.0.0.5', port: 51000 },
    destination: { ip: '198.51.100.7', port: 443, path: null },
    network: { transport: 'tcp', type: 'ipv4' },
  },
  {
    '@timestamp': T(3),
    event: { kind: 'network', action: 'connect', sequence: 43 },
    process: { entity_id: '4242-777', pid: 4242, name: null, executable: null, command_line: null, args: null, parent: null },
    user: { id: null, name: null },
    destination: { ip: null, port: null, path: '/run/user/1000/bus' },
    network: { type: 'unix' },
  },
  {
    '@timestamp': T(4),
    event: { kind: 'syscall', action: 'ptrace', sequence: null, late: true },
    process: {
      entity_id: '4242-777', pid: 4242, name: 'python3', executable: '/usr/bin/python3.11', command_line: 'python3', args: ['python3'],
      working_directory: null, start: null, hash: null, exit_code: null, exit_signal: null,
      parent: { entity_id: null, pid: 1, executable: null, command_line: null },
    },
    user: { id: 0, name: 'root' },
    group: { id: null },
    syscall: { name: 'ptrace', args: { request: 'PTRACE_ATTACH', target_pid: 4000, nested: { a: [1, 'two', null] } }, ret: 0 },
  },
  {
    '@timestamp': T(5),
    event: { kind: 'process', action: 'libraries', sequence: 44 },
    process: {
      entity_id: '4242-777', pid: 4242, name: 'python3', executable: '/usr/bin/python3.11', command_line: 'python3', args: ['python3'],
      parent: { entity_id: '4000-700', pid: 4000, executable: '/usr/bin/bash', command_line: '-bash' },
      libraries: ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/tmp/evil.so'], libraries_unusual: ['/tmp/evil.so'], ld_so_preload: ['/tmp/evil.so'],
    },
    user: { id: 1000, name: 'alice' },
  },
  {
    '@timestamp': T(6),
    event: { kind: 'process', action: 'exit', sequence: 45 },
    process: {
      entity_id: '4242-777', pid: 4242, name: 'python3', executable: '/usr/bin/python3.11', command_line: 'python3', args: [],
      exit_code: 3, exit_signal: 0, parent: { entity_id: '4000-700', pid: 4000, executable: '/usr/bin/bash', command_line: '-bash' },
    },
    user: { id: 1000, name: 'alice' },
  },
  {
    '@timestamp': T(7),
    event: { kind: 'process', action: 'exec', sequence: 46 },
    process: {
      entity_id: '4243-778', pid: 4243, name: 'sh', executable: '/usr/bin/dash', command_line: commandLine(trickyArgs), args: trickyArgs,
      hash: { sha256: 'AB'.repeat(32) }, parent: { entity_id: '4242-777', pid: 4242, executable: '/usr/bin/python3.11', command_line: 'python3' },
    },
    user: { id: 1000, name: 'alice' },
  },
  {
    '@timestamp': T(8),
    event: { kind: 'process', action: 'exec', sequence: 47 },
    process: {
      entity_id: '4244-779', pid: 4244, name: 'true', executable: '/usr/bin/true', command_line: '', args: [], working_directory: '/',
      hash: { sha256: 'not hex' }, parent: { entity_id: '4242-777', pid: 4242, executable: '/usr/bin/python3.11', command_line: 'python3' },
    },
    user: { id: 1000, name: 'alice' },
  },
];

/** What a reader must get back: the event as JSON carries it (no undefined), with its id. */
export function asStored(e: NewEvent, id: number): unknown {
  return { id, ...(JSON.parse(JSON.stringify(e)) as object) };
}
