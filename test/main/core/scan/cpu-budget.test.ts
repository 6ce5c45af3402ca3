// A scheduled scan keeps to its CPU budget (share of one core, whole process: the hash workers are threads
// of it), so an office PC stays usable while it runs; a scan without a budget uses what it can.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Scan } from '../../../../preload/contract/index.js';
import { CpuBudget, HashPool, ScanJob } from '../../../../main/core/scan/index.js';
import { tempDirs } from '../../../helpers/temp.js';

const dirs = tempDirs();
const pool = new HashPool();
afterEach(() => dirs.cleanup());
afterAll(() => pool.close());

const newScan = (paths: string[]): Scan => ({
  id: 'scan_budget', paths, profile: 'quick', trigger: 'schedule', state: 'running', startedAt: new Date().toISOString(), endedAt: null,
  filesScanned: 0, bytesScanned: 0, findings: 0, errors: 0, errorSamples: [], alertIds: [],
});

async function cpuShare(folder: string, budget?: CpuBudget): Promise<{ share: number; wallS: number; files: number }> {
  const job = new ScanJob(newScan([folder]), {
    exclude: [], budget, inspect: (p) => pool.inspect(p), onFile: async () => null, onProgress: () => undefined,
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const done = await job.run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { share: (cpu.user + cpu.system) / 1000 / wallMs, wallS: wallMs / 1000, files: done.filesScanned };
}

describe('CPU budget', () => {
  it('holds a scan near its share of a core; without a budget the same scan uses far more', async () => {
    const folder = dirs.make();
    const chunk = randomBytes(4 * 1024 * 1024);
    for (let i = 0; i < 48; i++) writeFileSync(join(folder, `f${i}.bin`), Buffer.concat([chunk, Buffer.from(String(i))]));
    await cpuShare(folder); // warm the page cache and the workers
    const free = await cpuShare(folder);
    const limited = await cpuShare(folder, new CpuBudget(10));
    console.log(`192 MB: unthrottled ${(free.share * 100).toFixed(0)}% of a core over ${free.wallS.toFixed(2)} s; `
      + `budget 10%: ${(limited.share * 100).toFixed(0)}% over ${limited.wallS.toFixed(2)} s`);
    expect(limited.files).toBe(48);
    expect(limited.share).toBeLessThan(0.15);
    // Unthrottled, two hash workers use most of a core or more on a quiet machine (still > 15 % under heavy load).
    expect(free.share).toBeGreaterThan(0.15);
  }, 60_000);

  it('refuses a budget outside 1-100 %', () => {
    expect(() => new CpuBudget(0)).toThrow(RangeError);
    expect(() => new CpuBudget(150)).toThrow(RangeError);
  });

  it('waits in proportion to the CPU spent ahead of the budget', async () => {
    let cpu = 0;
    const budget = new CpuBudget(25, () => cpu);
    cpu = 50_000; // 50 ms of CPU at once: at 25 % that window must last 200 ms
    const t0 = performance.now();
    await budget.wait();
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThan(150);
    expect(waited).toBeLessThan(1000);
  });
});
