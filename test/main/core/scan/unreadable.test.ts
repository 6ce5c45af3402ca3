// An unreadable file is reported with "permission denied" and the scan goes on. Root reads everything,
// so as root the scan runs in a child process stripped of the capabilities that bypass file permissions.
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Scan } from '../../../../preload/contract/index.js';
import { tempDirs } from '../../../helpers/temp.js';

const isRoot = process.getuid?.() === 0;
const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('scanning an unreadable file', () => {
  it('records permission denied for it and scans the others', () => {
    const data = dirs.make('mamori-unreadable-data-');
    const root = dirs.make('mamori-unreadable-');
    writeFileSync(join(root, 'readable.txt'), 'hello');
    writeFileSync(join(root, 'secret.txt'), 'no access');
    chmodSync(join(root, 'secret.txt'), 0o000);
    const child = [process.execPath, '--import', 'tsx', join(import.meta.dirname, '../../../fixtures/scan-child.ts'), data, root];
    const cmd = isRoot ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', ...child] : child;
    const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const scan = JSON.parse(r.stdout) as Scan;
    expect(scan.state).toBe('completed');
    expect(scan.filesScanned).toBe(1);
    expect(scan.errors).toBe(1);
    expect(scan.errorSamples[0]).toMatchObject({ path: join(root, 'secret.txt'), code: 'EACCES', message: 'permission denied' });
  });
});
