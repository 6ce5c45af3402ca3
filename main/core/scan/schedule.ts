// When scheduled scans are due. Pure: a schedule, the last run and "now" in, times out. Slots are in the
// machine's local time (an office thinks "every day at 12:30"). A slot missed while the machine was off
// is due at the next start (like anacron), once, however many slots were missed.
export interface DailySlot { enabled: boolean; at: string }
export interface WeeklySlot extends DailySlot { day: number }
export type Slot = DailySlot | WeeklySlot;

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function atTime(day: Date, at: string): Date {
  const m = HHMM.exec(at);
  if (!m) throw new Error(`"${at}" is not a time like 12:30`);
  const d = new Date(day);
  d.setHours(Number(m[1]), Number(m[2]), 0, 0);
  return d;
}

/** The latest slot at or before `now`. */
export function previousSlot(slot: Slot, now: Date): Date {
  let d = atTime(now, slot.at);
  if (d > now) d.setDate(d.getDate() - 1);
  if ('day' in slot) {
    while (d.getDay() !== slot.day) { d.setDate(d.getDate() - 1); d = atTime(d, slot.at); }
  }
  return d;
}

/** The first slot after `now`, or null when the schedule is off. */
export function nextSlot(slot: Slot, now: Date): Date | null {
  if (!slot.enabled) return null;
  let d = atTime(now, slot.at);
  if (d <= now) d.setDate(d.getDate() + 1);
  if ('day' in slot) {
    while (d.getDay() !== slot.day) { d.setDate(d.getDate() + 1); d = atTime(d, slot.at); }
  }
  return d;
}

/**
 * Due when the latest slot has passed and no run started at or after it. A schedule never run before is due
 * only from its first slot after it was set up (`since`), not retroactively.
 */
export function isDue(slot: Slot, lastRun: Date | null, since: Date, now: Date): boolean {
  if (!slot.enabled) return false;
  const prev = previousSlot(slot, now);
  return lastRun ? lastRun < prev : prev >= since;
}
