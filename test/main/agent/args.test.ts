// The CLI's strict flag parser: unknown flags are errors, never silently ignored.
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../../main/agent/args.js';

const spec = { json: 'boolean', 'data-dir': 'string', watch: 'string[]', port: 'string' } as const;

describe('parseArgs', () => {
  it('separates positionals and flags, in any order', () => {
    expect(parseArgs(['a', '--json', 'b', '--port', '0', 'c'], spec)).toEqual({
      positionals: ['a', 'b', 'c'], flags: { json: true, port: '0' },
    });
  });

  it('takes values as "--name value" and "--name=value" (keeping further "=" in the value)', () => {
    expect(parseArgs(['--data-dir', '/x', '--port=47447'], spec).flags).toEqual({ 'data-dir': '/x', port: '47447' });
    expect(parseArgs(['--data-dir=/a=b'], spec).flags).toEqual({ 'data-dir': '/a=b' });
  });

  it('collects repeated list flags in order; a repeated single flag keeps the last value', () => {
    expect(parseArgs(['--watch', '/a', '--watch=/b', '--watch', '/c'], spec).flags.watch).toEqual(['/a', '/b', '/c']);
    expect(parseArgs(['--port', '1', '--port', '2'], spec).flags.port).toBe('2');
  });

  it('treats everything after "--" as positionals, even flag-like words', () => {
    expect(parseArgs(['--json', '--', '--port', '-x', '--bogus'], spec)).toEqual({
      positionals: ['--port', '-x', '--bogus'], flags: { json: true },
    });
  });

  it('leaves single-dash words as positionals', () => {
    expect(parseArgs(['-x', '-'], spec).positionals).toEqual(['-x', '-']);
  });

  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['--JSON'], 'unknown option --JSON'],
    [['--bogus=1'], 'unknown option --bogus'],
    [['--'.concat('proto')], 'unknown option --proto'],
    [['--__proto__'], 'unknown option --__proto__'],
    [['--constructor'], 'unknown option --constructor'],
    [['--toString=x'], 'unknown option --toString'],
    [['--json=yes'], '--json takes no value'],
    [['--json='], '--json takes no value'],
    [['--port'], '--port needs a value'],
    [['--port='], '--port needs a value'],
    [['--watch', ''], '--watch needs a value'],
    [['--=x'], 'unknown option --'],
  ])('refuses %j: %s', (argv, message) => {
    expect(() => parseArgs(argv, spec)).toThrow(UsageError);
    expect(() => parseArgs(argv, spec)).toThrow(message);
  });

  it('does not let flag names reach Object.prototype', () => {
    expect(() => parseArgs(['--__proto__', 'x'], { ...spec })).toThrow(UsageError);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
