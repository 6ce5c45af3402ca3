// Every Sigma 2 value modifier, one behaviour each, on a plain field reader.
import { describe, expect, it } from 'vitest';
import { compileItem, type FieldReader, type FieldValue } from '../../../../../main/core/detect/sigma/modifiers.js';
import { compileMatcher } from '../../../../../main/core/detect/sigma/compiled.js';
import { SigmaError } from '../../../../../main/core/detect/sigma/errors.js';

function reader(fields: Record<string, FieldValue>): FieldReader {
  return {
    get: (f) => fields[f],
    lower: (f) => { const v = fields[f]; return v === undefined || v === null || Array.isArray(v) ? null : String(v).toLowerCase(); },
  };
}
// Each item both ways a rule runs it: its check, and compiled into a rule's function (compiled.ts), which
// tests plain text in place and must agree.
const m = (key: string, value: unknown, fields: Record<string, FieldValue>) => {
  const [field, ...mods] = key.split('|');
  const check = compileItem(field!, mods, value);
  const r = reader(fields);
  const viaCheck = check(r);
  const search = { t: 'map' as const, items: [{ field: field!, mods, raw: value, check }] };
  const compiled = compileMatcher([{ t: 'id', name: 's' }], new Map([['s', search]]), (f) => (f === field ? 7 : -1))!;
  expect(compiled({ ...r, lowerAt: (slot: number) => (slot === 7 ? r.lower(field!) : null) } as never)).toBe(viaCheck);
  return viaCheck;
};
const code = (key: string, value: unknown) => {
  try { m(key, value, {}); } catch (e) { return (e as SigmaError).code; }
  return null;
};

describe('Sigma value matching', () => {
  it('plain values: whole value, case-insensitive, wildcards * and ?, escapes', () => {
    expect(m('Image', '/usr/bin/CURL', { Image: '/usr/bin/curl' })).toBe(true);
    expect(m('Image', '/usr/bin/cur', { Image: '/usr/bin/curl' })).toBe(false);
    expect(m('Image', '/usr/*/cu?l', { Image: '/usr/local/bin/curl' })).toBe(true);
    expect(m('Image', '/usr/*/cu?l', { Image: '/usr/local/bin/cuuurl' })).toBe(false);
    expect(m('CommandLine', 'echo \\*', { CommandLine: 'echo *' })).toBe(true);
    expect(m('CommandLine', 'echo \\*', { CommandLine: 'echo x' })).toBe(false);
    expect(m('CommandLine', 'C:\\Windows\\x', { CommandLine: 'c:\\windows\\x' })).toBe(true); // other backslashes are literal
    expect(m('Image', ['/bin/a', '/bin/b'], { Image: '/bin/b' })).toBe(true); // a list is OR
    expect(m('DestinationPort', 4444, { DestinationPort: 4444 })).toBe(true);
    expect(m('DestinationPort', 4444, { DestinationPort: 44444 })).toBe(false);
    expect(m('Image', '/bin/a', {})).toBe(false); // absent field
    expect(m('Image', null, {})).toBe(true); // null: absent or empty
    expect(m('Image', null, { Image: '/bin/a' })).toBe(false);
  });

  it('contains, startswith, endswith; all turns a list into AND; lists of field values match any element', () => {
    expect(m('CommandLine|contains', 'BASE64 -d', { CommandLine: 'echo x | base64 -d | sh' })).toBe(true);
    expect(m('CommandLine|startswith', 'echo', { CommandLine: 'echo x' })).toBe(true);
    expect(m('CommandLine|startswith', 'x', { CommandLine: 'echo x' })).toBe(false);
    expect(m('Image|endswith', '/sh', { Image: '/bin/sh' })).toBe(true);
    expect(m('Image|endswith', '/sh', { Image: '/bin/bash' })).toBe(false);
    expect(m('CommandLine|contains|all', ['curl', '| sh'], { CommandLine: 'curl http://x | sh' })).toBe(true);
    expect(m('CommandLine|contains|all', ['curl', '| sh'], { CommandLine: 'curl http://x' })).toBe(false);
    expect(m('CommandLine|contains', ['curl', 'wget'], { CommandLine: 'wget http://x' })).toBe(true);
    expect(m('CommandLine|contains', 'a*c', { CommandLine: 'xxabbbcxx' })).toBe(true); // wildcards inside contains
    expect(m('a0|endswith', 'nc', { a0: ['/usr/bin/nc', '-l'] })).toBe(true);
  });

  it('long lists of plain values (read once, tried together) match exactly like one check per value', () => {
    const many = ['nmap', 'masscan', 'zmap', 'hydra', 'medusa', 'john', 'hashcat', '\u00e9vil'];
    expect(m('CommandLine|contains', many, { CommandLine: 'sudo HASHCAT -m 0' })).toBe(true);
    expect(m('CommandLine|contains', many, { CommandLine: 'ls -la' })).toBe(false);
    // The automaton lumps non-ASCII letters together for its prefilter; a verdict must not.
    expect(m('CommandLine|contains', many, { CommandLine: 'run \u00e8vil' })).toBe(false);
    expect(m('CommandLine|contains', many, { CommandLine: 'run \u00e9vil' })).toBe(true);
    expect(m('CommandLine|contains|cased', many.slice(0, 7), { CommandLine: 'sudo HASHCAT -m 0' })).toBe(false);
    expect(m('CommandLine|contains|cased', many.slice(0, 7), { CommandLine: 'sudo hashcat -m 0' })).toBe(true);
    expect(m('Image', ['/bin/a', '/bin/B', '/bin/c', '/bin/*d'], { Image: '/BIN/b' })).toBe(true);
    expect(m('Image', ['/bin/a', '/bin/B', '/bin/c', '/bin/*d'], { Image: '/bin/xyzd' })).toBe(true);
    expect(m('Image', ['/bin/a', '/bin/B', '/bin/c'], { Image: '/bin/ab' })).toBe(false);
    expect(m('Image|endswith', ['/a', '/b', '/c'], { Image: ['/x', '/y/B'] })).toBe(true); // list field: any element
    expect(m('Image|startswith', ['/a', '/b', '/c'], { Image: '/d/a' })).toBe(false);
  });

  it('cased makes matching case-sensitive; neq is "present and not equal"', () => {
    expect(m('CommandLine|cased', 'Echo', { CommandLine: 'echo' })).toBe(false);
    expect(m('CommandLine|contains|cased', 'Echo', { CommandLine: 'Echo' })).toBe(true);
    expect(m('User|neq', 'root', { User: 'alice' })).toBe(true);
    expect(m('User|neq', 'root', { User: 'ROOT' })).toBe(false);
    expect(m('User|neq', 'root', {})).toBe(false);
  });

  it('exists: true when the field is there, false when it is not', () => {
    expect(m('CurrentDirectory|exists', true, { CurrentDirectory: '/tmp' })).toBe(true);
    expect(m('CurrentDirectory|exists', true, {})).toBe(false);
    expect(m('CurrentDirectory|exists', false, {})).toBe(true);
    expect(code('CurrentDirectory|exists', 'yes')).toBe('BAD_MODIFIER');
  });

  it('re: case-sensitive by default, i/m/s flags, PCRE inline (?i); a bad pattern is a coded error', () => {
    expect(m('CommandLine|re', 'nc\\s+-e', { CommandLine: 'nc  -e /bin/sh' })).toBe(true);
    expect(m('CommandLine|re', 'NC\\s+-e', { CommandLine: 'nc -e /bin/sh' })).toBe(false);
    expect(m('CommandLine|re|i', 'NC\\s+-e', { CommandLine: 'nc -e /bin/sh' })).toBe(true);
    expect(m('CommandLine|re', '(?i)NC\\s+-E', { CommandLine: 'nc -e /bin/sh' })).toBe(true);
    expect(m('CommandLine|re|m', '^b$', { CommandLine: 'a\nb\nc' })).toBe(true);
    expect(m('CommandLine|re', '^b$', { CommandLine: 'a\nb\nc' })).toBe(false);
    expect(m('CommandLine|re|s', 'a.b', { CommandLine: 'a\nb' })).toBe(true);
    expect(m('CommandLine|re', 'a.b', { CommandLine: 'a\nb' })).toBe(false);
    expect(m('CommandLine|re', '\\-e', { CommandLine: 'nc -e' })).toBe(true); // PCRE escapes unicode mode refuses
    expect(code('CommandLine|re', '(unclosed')).toBe('BAD_VALUE');
  });

  it('cidr: IPv4 and IPv6 networks, v4-mapped addresses, bad networks refused', () => {
    expect(m('DestinationIp|cidr', '10.0.0.0/8', { DestinationIp: '10.2.3.4' })).toBe(true);
    expect(m('DestinationIp|cidr', '10.0.0.0/8', { DestinationIp: '11.2.3.4' })).toBe(false);
    expect(m('DestinationIp|cidr', '192.168.1.7', { DestinationIp: '192.168.1.7' })).toBe(true);
    expect(m('DestinationIp|cidr', '127.0.0.0/8', { DestinationIp: '::ffff:127.0.0.1' })).toBe(true);
    expect(m('DestinationIp|cidr', 'fe80::/10', { DestinationIp: 'fe80::1%eth0' })).toBe(true);
    expect(m('DestinationIp|cidr', '2001:db8::/32', { DestinationIp: '2001:db9::1' })).toBe(false);
    expect(m('DestinationIp|cidr', '0.0.0.0/0', { DestinationIp: 'not an ip' })).toBe(false);
    expect(code('DestinationIp|cidr', '10.0.0.0/33')).toBe('BAD_VALUE');
    expect(code('DestinationIp|cidr', '300.1.1.1/8')).toBe('BAD_VALUE');
  });

  it('lt, lte, gt, gte on numbers (and numeric strings); non-numbers refused', () => {
    expect(m('DestinationPort|lt', 1024, { DestinationPort: 80 })).toBe(true);
    expect(m('DestinationPort|lt', 1024, { DestinationPort: 1024 })).toBe(false);
    expect(m('DestinationPort|lte', 1024, { DestinationPort: 1024 })).toBe(true);
    expect(m('DestinationPort|gt', 1024, { DestinationPort: '4444' })).toBe(true);
    expect(m('DestinationPort|gte', 4444, { DestinationPort: 4443 })).toBe(false);
    expect(m('DestinationPort|gt', 1, { DestinationPort: 'x' })).toBe(false);
    expect(code('DestinationPort|gt', 'many')).toBe('BAD_VALUE');
  });

  it('base64, base64offset (all three alignments), utf16le/utf16be/wide/utf16 before base64', () => {
    const b64 = (s: string, enc: BufferEncoding = 'utf8') => Buffer.from(s, enc).toString('base64');
    expect(m('CommandLine|base64', 'hello', { CommandLine: b64('hello') })).toBe(true);
    expect(m('CommandLine|base64|contains', 'hello', { CommandLine: `echo ${b64('hello')} | base64 -d` })).toBe(true);
    for (const prefix of ['', 'x', 'xy', 'xyz']) {
      const encoded = b64(`${prefix}curl http://evil`);
      expect(m('CommandLine|base64offset|contains', 'curl http', { CommandLine: `sh -c "echo ${encoded}"` }), prefix).toBe(true);
    }
    expect(m('CommandLine|base64offset|contains', 'curl http', { CommandLine: b64('wget http://x') })).toBe(false);
    expect(m('CommandLine|utf16le|base64', 'ab', { CommandLine: b64('ab', 'utf16le') })).toBe(true);
    expect(m('CommandLine|wide|base64', 'ab', { CommandLine: b64('ab', 'utf16le') })).toBe(true);
    const be = Buffer.from('ab', 'utf16le'); be.swap16();
    expect(m('CommandLine|utf16be|base64', 'ab', { CommandLine: be.toString('base64') })).toBe(true);
    expect(m('CommandLine|utf16|base64', 'ab', { CommandLine: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ab', 'utf16le')]).toString('base64') })).toBe(true);
    expect(code('CommandLine|utf16le', 'ab')).toBe('BAD_MODIFIER');
  });

  it('windash: "-" at the start of a word also matches "/", en dash, em dash and horizontal bar', () => {
    for (const d of ['-', '/', '–', '—', '―']) expect(m('CommandLine|windash|contains', ' -enc ', { CommandLine: `powershell ${d}enc x` }), d).toBe(true);
    expect(m('CommandLine|windash|contains', ' -enc ', { CommandLine: 'powershell +enc x' })).toBe(false);
  });

  it('fieldref compares with another field of the same event', () => {
    expect(m('ParentImage|fieldref', 'Image', { Image: '/bin/sh', ParentImage: '/BIN/SH' })).toBe(true);
    expect(m('ParentImage|fieldref', 'Image', { Image: '/bin/sh', ParentImage: '/bin/bash' })).toBe(false);
    expect(m('CommandLine|fieldref|contains', 'Image', { Image: 'curl', CommandLine: 'x curl y' })).toBe(true);
  });

  it('expand fills %placeholders% from configuration, and refuses unknown ones', () => {
    const check = compileItem('User', ['expand'], '%admins%', { placeholders: { admins: ['root', 'admin'] } });
    expect(check(reader({ User: 'admin' }))).toBe(true);
    expect(check(reader({ User: 'alice' }))).toBe(false);
    expect(code('User|expand', '%nobody%')).toBe('BAD_VALUE');
  });

  it('time parts: minute, hour, day, week, month, year of a timestamp (UTC)', () => {
    const t = { '@timestamp': '2026-11-26T03:04:05.000Z' } as Record<string, FieldValue>;
    expect(m('@timestamp|hour', 3, t)).toBe(true);
    expect(m('@timestamp|minute', 4, t)).toBe(true);
    expect(m('@timestamp|day', 26, t)).toBe(true);
    expect(m('@timestamp|month', 11, t)).toBe(true);
    expect(m('@timestamp|year', 2026, t)).toBe(true);
    expect(m('@timestamp|week', 48, t)).toBe(true);
    expect(m('@timestamp|hour', 4, t)).toBe(false);
  });

  it('unknown modifiers and non-scalar values are coded errors', () => {
    expect(code('Image|sometimes', 'x')).toBe('UNKNOWN_MODIFIER');
    expect(code('Image', { a: 1 })).toBe('BAD_VALUE');
  });
  it('a rule\'s values never become code in its compiled function', () => {
    const hostile = ["'); globalThis.pwned = 1; ('", '"; globalThis.pwned = 2; "', '`${globalThis.pwned = 3}`', 'k[0]', '\u2028x', '*/ globalThis.pwned = 4 /*'];
    for (const v of hostile) {
      expect(m('CommandLine|contains', v, { CommandLine: `echo ${v} done` })).toBe(true);
      expect(m('CommandLine', [v, 'other'], { CommandLine: v.toUpperCase() })).toBe(true);
      expect(m('CommandLine|endswith', v, { CommandLine: 'nothing here' })).toBe(false);
    }
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });
});
