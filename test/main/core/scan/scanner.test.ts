import { mkdirSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Scan, ScanProgress } from '../../../../preload/contract/index.js';
import { EICAR } from '../../../../main/core/detect/index.js';
import { HashPool, ScanJob, type InspectedFile } from '../../../../main/core/scan/index.js';
import { tempDirs } from '../../../helpers/temp.js';

const dirs = tempDirs();
const pool = new HashPool();
const inspect = (p: string) => pool.inspect(p);
afterEach(() => dirs.cleanup());
afterAll(() => pool.close());

const newScan = (paths: string[]): Scan => ({
  id: 'scan_test', paths, profile: 'custom', trigger: 'user', state: 'running', startedAt: new Date().toISOString(), endedAt: null,
  filesScanned: 0, bytesScanned: 0, findings: 0, errors: 0, errorSamples: [], alertIds: [],
});

describe('scan job', () => {
  it('walks nested folders, hashes every regular file, reports progress and ends with totals', async () => {
    const root = dirs.make();
    mkdirSync(join(root, 'a/b/c'), { recursive: true });
    let bytes = 0;
    for (let i = 0; i < 30; i++) {
      const content = Buffer.alloc(1000 * i, i);
      bytes += content.length;
      writeFileSync(join(root, i % 2 ? 'a/b/c' : 'a', `f${i}`), content);
    }
    writeFileSync(join(root, 'a/b/eicar.txt'), EICAR + '\n');
    bytes += 69;
    symlinkSync('/etc/passwd', join(root, 'a/outside-link')); // not followed
    const seen: InspectedFile[] = [];
    const progress: ScanProgress[] = [];
    const job = new ScanJob(newScan([root]), {
      exclude: [],
      inspect,
      onFile: async (f) => { seen.push(f); return f.path.endsWith('eicar.txt') ? 'al_1' : null; },
      onProgress: (p) => progress.push(p),
    });
    const scan = await job.run();
    expect(scan).toMatchObject({ state: 'completed', filesScanned: 31, bytesScanned: bytes, findings: 1, errors: 0, alertIds: ['al_1'] });
    expect(seen.some((f) => f.path.includes('outside-link'))).toBe(false);
    const eicar = seen.find((f) => f.path.endsWith('eicar.txt'))!;
    expect(eicar.smallContent?.toString('latin1')).toBe(EICAR + '\n');
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ state: 'completed', filesScanned: 31, filesTotal: 31, bytesTotal: bytes });
  });

  it('counts a file that vanishes mid-scan as an error with a reason, and finishes the rest', async () => {
    const root = dirs.make();
    for (let i = 0; i < 200; i++) writeFileSync(join(root, `f${String(i).padStart(3, '0')}`), Buffer.alloc(20_000, i));
    let victim: string | null = null;
    const job = new ScanJob(newScan([root]), {
      exclude: [],
      inspect,
      onFile: async () => {
        if (!victim) {
          victim = join(root, readdirSync(root).at(-1)!); // same order as the walk: the last one is not read yet
          unlinkSync(victim);
        }
        return null;
      },
      onProgress: () => undefined,
    });
    const scan = await job.run();
    expect(scan.state).toBe('completed');
    expect(scan.filesScanned).toBe(199);
    expect(scan.errors).toBe(1);
    expect(scan.errorSamples).toEqual([{ path: victim, code: 'VANISHED', message: 'the file disappeared during the scan' }]);
  });

  it('reports a path that does not exist and skips excluded folders', async () => {
    const root = dirs.make();
    mkdirSync(join(root, 'own-data'));
    writeFileSync(join(root, 'own-data', 'vault.mq'), EICAR);
    writeFileSync(join(root, 'ok'), 'fine');
    const files: string[] = [];
    const job = new ScanJob(newScan([root, join(root, 'missing')]), {
      exclude: [join(root, 'own-data')],
      inspect,
      onFile: async (f) => { files.push(f.path); return null; },
      onProgress: () => undefined,
    });
    const scan = await job.run();
    expect(files).toEqual([join(root, 'ok')]);
    expect(scan.errorSamples.map((e) => e.code)).toEqual(['VANISHED']);
  });

  it('stops when cancelled', async () => {
    const root = dirs.make();
    for (let i = 0; i < 400; i++) writeFileSync(join(root, `f${i}`), Buffer.alloc(50_000, 1));
    let n = 0;
    const job: ScanJob = new ScanJob(newScan([root]), {
      exclude: [],
      inspect,
      onFile: async () => { if (++n === 20) job.cancel(); return null; },
      onProgress: () => undefined,
    });
    const scan = await job.run();
    expect(scan.state).toBe('cancelled');
    expect(scan.filesScanned).toBeLessThan(40);
    expect(scan.endedAt).not.toBeNull();
  });
});
