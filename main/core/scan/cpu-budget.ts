// Keeps a scan under a share of one CPU core. Measures the whole process's CPU time (the hash workers are
// threads of this process) against wall time and makes the scan lanes wait when it runs ahead. Scans the
// user starts run unthrottled; scheduled ones get the budget so the office can keep working.
import { setTimeout as sleep } from 'node:timers/promises';

const WINDOW_MS = 2000;
const MAX_SLEEP_MS = 1000;

export class CpuBudget {
  private windowWall = 0;
  private windowCpu = 0;

  /** `percent` of one core, 1-100. */
  constructor(private readonly percent: number, private readonly cpuMicros = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  }) {
    if (!(percent > 0 && percent <= 100)) throw new RangeError(`a CPU budget is 1-100 % of a core, got ${percent}`);
    this.reset();
  }

  /** Resolves when the scan may go on: at once while under budget, after a pause when over it. */
  async wait(): Promise<void> {
    if (this.percent >= 100) return;
    const wallMs = performance.now() - this.windowWall;
    const cpuMs = (this.cpuMicros() - this.windowCpu) / 1000;
    // Time the window must last for cpuMs to be `percent` of it.
    const owed = (cpuMs * 100) / this.percent - wallMs;
    if (owed > 0) await sleep(Math.min(owed, MAX_SLEEP_MS));
    if (wallMs > WINDOW_MS) this.reset();
  }

  private reset(): void {
    this.windowWall = performance.now();
    this.windowCpu = this.cpuMicros();
  }
}
