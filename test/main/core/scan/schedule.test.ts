// When scheduled scans run: daily and weekly slots in local time, a missed slot caught up once at the next
// start, and no retroactive run for a schedule that never ran.
import { describe, expect, it } from 'vitest';
import { isDue, nextSlot, previousSlot } from '../../../../main/core/scan/index.js';

const local = (y: number, mo: number, d: number, h: number, mi: number) => new Date(y, mo - 1, d, h, mi, 0, 0);
const quick = { enabled: true, at: '12:30' };
const full = { enabled: true, day: 0, at: '03:00' }; // Sundays

describe('slots', () => {
  it('daily: the next slot is today if still ahead, else tomorrow', () => {
    expect(nextSlot(quick, local(2026, 11, 25, 9, 0))).toEqual(local(2026, 11, 25, 12, 30));
    expect(nextSlot(quick, local(2026, 11, 25, 12, 30))).toEqual(local(2026, 11, 26, 12, 30));
    expect(previousSlot(quick, local(2026, 11, 25, 9, 0))).toEqual(local(2026, 11, 24, 12, 30));
  });

  it('weekly: the next Sunday 03:00, across a month end', () => {
    // 2026-11-25 is a Wednesday.
    expect(nextSlot(full, local(2026, 11, 25, 9, 0))).toEqual(local(2026, 11, 29, 3, 0));
    expect(nextSlot(full, local(2026, 11, 29, 3, 0))).toEqual(local(2026, 12, 6, 3, 0));
    expect(previousSlot(full, local(2026, 11, 25, 9, 0))).toEqual(local(2026, 11, 22, 3, 0));
  });

  it('a switched-off schedule has no next slot and is never due', () => {
    expect(nextSlot({ ...quick, enabled: false }, local(2026, 11, 25, 9, 0))).toBeNull();
    expect(isDue({ ...quick, enabled: false }, null, local(2020, 1, 1, 0, 0), local(2026, 11, 25, 13, 0))).toBe(false);
  });

  it('rejects a malformed time instead of guessing', () => {
    expect(() => nextSlot({ enabled: true, at: '25:00' }, new Date())).toThrow(/not a time/);
  });
});

describe('due', () => {
  const started = local(2026, 11, 25, 8, 0);
  it('is due once the slot has passed and nothing ran since', () => {
    expect(isDue(quick, local(2026, 11, 24, 12, 31), started, local(2026, 11, 25, 12, 29))).toBe(false);
    expect(isDue(quick, local(2026, 11, 24, 12, 31), started, local(2026, 11, 25, 12, 30))).toBe(true);
    expect(isDue(quick, local(2026, 11, 25, 12, 30), started, local(2026, 11, 25, 12, 31))).toBe(false);
  });

  it('catches up a slot missed while the machine was off, once, however many were missed', () => {
    const lastRun = local(2026, 11, 20, 12, 30);
    const bootedAt = local(2026, 11, 25, 8, 0);
    expect(isDue(quick, lastRun, bootedAt, local(2026, 11, 25, 8, 2))).toBe(true);
    expect(isDue(quick, local(2026, 11, 25, 8, 2), bootedAt, local(2026, 11, 25, 9, 0))).toBe(false);
  });

  it('a schedule that never ran starts at its first slot after Mamori started, not retroactively', () => {
    expect(isDue(quick, null, started, local(2026, 11, 25, 9, 0))).toBe(false);
    expect(isDue(quick, null, started, local(2026, 11, 25, 12, 30))).toBe(true);
  });
});
