// exec() given a relative path: the event names the absolute program, resolved from the working directory.
import { describe, expect, it } from 'vitest';
import { absoluteExecutable } from '../../../../main/core/sensors/process/normalize.js';

describe('absoluteExecutable', () => {
  it('resolves ./ and bare relative paths from the working directory, leaves absolute and unknown ones', () => {
    expect(absoluteExecutable('./xmrig', '/tmp/x', false)).toBe('/tmp/x/xmrig');
    expect(absoluteExecutable('bin/../tool', '/home/a', false)).toBe('/home/a/tool');
    expect(absoluteExecutable('/usr/bin/id', '/tmp', false)).toBe('/usr/bin/id');
    expect(absoluteExecutable('./x', null, false)).toBe('./x');
    expect(absoluteExecutable('./x', '/very/deep', true)).toBe('./x'); // the kernel kept only the end of the cwd
  });
});
