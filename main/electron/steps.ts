// Start-up and shut-down as ordered lists of named steps (house rule 9).
// Start-up stops at the first failure and names the step; shut-down runs every step whatever happens.

export type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/** A start-up step may return 'halt' to end start-up cleanly (second instance, running as root). */
export type StepResult = void | 'halt';

export interface Step {
  readonly name: string;
  run(): StepResult | Promise<StepResult>;
}

export class StartupError extends Error {
  constructor(readonly step: string, readonly reason: unknown) {
    super(`start-up step "${step}" failed: ${reason instanceof Error ? reason.message : String(reason)}`);
    this.name = 'StartupError';
  }
}

/**
 * Runs steps that must finish synchronously (before Electron's `ready`): a step returning a
 * promise here is a programming error, since `ready` could fire before it settles.
 */
export function runStepsSync(steps: readonly Step[], log: Log): 'done' | 'halt' {
  for (const step of steps) {
    let result: StepResult | Promise<StepResult>;
    try {
      result = step.run();
    } catch (err) {
      throw new StartupError(step.name, err);
    }
    if (result instanceof Promise) throw new StartupError(step.name, new Error('a pre-ready step must be synchronous'));
    if (result === 'halt') {
      log('info', `start-up ended at "${step.name}"`);
      return 'halt';
    }
  }
  return 'done';
}

export async function runSteps(steps: readonly Step[], log: Log): Promise<'done' | 'halt'> {
  for (const step of steps) {
    let result: StepResult;
    try {
      result = await step.run();
    } catch (err) {
      throw new StartupError(step.name, err);
    }
    if (result === 'halt') {
      log('info', `start-up ended at "${step.name}"`);
      return 'halt';
    }
  }
  return 'done';
}

/** Every step runs, in order, each bounded by a deadline; failures are logged, never thrown. */
export async function runShutdown(steps: readonly Step[], log: Log, deadlineMs = 10_000): Promise<void> {
  for (const step of steps) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => step.run()),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`gave up after ${deadlineMs} ms`)), deadlineMs);
          timer.unref?.();
        }),
      ]);
    } catch (err) {
      log('error', `shut-down step "${step.name}" failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
