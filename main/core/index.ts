// The core's one public door: createCore(config) -> { api, events, stop }. Plain Node, never Electron.
import { methods, methodNames, MamoriError, type MamoriApi, type MamoriImpl } from '../../preload/contract/index.js';
import { join } from 'node:path';
import { createApi } from './api.js';
import { Engine } from './engine.js';
import { CoreEvents } from './events.js';
import { openStore, type Store } from './store/index.js';
import { defaultWatchFolders, packageInfo } from './util/index.js';
import type { Core, CoreConfig } from './types.js';

export type { Core, CoreConfig } from './types.js';
export { defaultDataDir, defaultWatchFolders } from './util/index.js';
export { SchemaTooNewError } from './store/index.js';
export { packageInfo } from './util/index.js';
export { checkSigmaFolders, type SigmaCheckReport } from './detect/index.js';

interface Step { name: string; run(): void | Promise<void> }

export async function createCore(config: CoreConfig): Promise<Core> {
  const log = config.log ?? ((level, message) => process.stderr.write(`[mamori ${level}] ${message}\n`));
  const events = new CoreEvents((m) => log('warn', m));
  let store: Store | undefined;
  let engine: Engine | undefined;

  // Start-up is an ordered list of named steps; a failing step names itself and undoes the earlier ones.
  const startup: Step[] = [
    { name: 'open the database', run: () => {
      store = openStore(config.dataDir, {
        language: 'auto', watchFolders: defaultWatchFolders(), autoQuarantine: true, notifyMinSeverity: 'high',
      }, (m) => log('warn', m));
    } },
    { name: 'prepare the engine', run: () => {
      engine = new Engine({
        dataDir: config.dataDir, store: store!, events, watchOverride: config.watchFolders ?? null,
        version: packageInfo().version, log,
        processSensor: config.processSensor ?? (config.host === 'test' ? 'off' : 'auto'),
        // Tests keep the folder watcher (the real-time tests rely on it); fanotify only when a test asks.
        fileSensor: config.fileSensor ?? fileSensorFromEnv() ?? (config.host === 'test' ? 'chokidar' : 'auto'),
        fileMounts: config.fileMounts ?? null,
        execVerdictTimeoutMs: config.execVerdictTimeoutMs,
        networkSensor: config.networkSensor ?? (config.host === 'test' ? 'off' : 'auto'),
        networkPollMs: config.networkPollMs,
        helpersDir: config.helpersDir ?? join(packageInfo().root, 'native-helpers', 'bin'),
        rulesDir: config.rulesDir ?? join(packageInfo().root, 'rules'),
        now: config.now ?? (() => new Date()),
        network: config.network ?? (config.host === 'test' || process.env.MAMORI_NETWORK_RESPONSE === 'off' ? 'off' : undefined),
        autoResponse: config.autoResponse ?? (config.host !== 'test' && process.env.MAMORI_AUTO_RESPONSE !== 'off'),
      });
    } },
    { name: 'recover the quarantine vault', run: () => {
      const report = engine!.recoverVault();
      const touched = report.completed.length + report.rolledBack.length + report.reindexed.length;
      if (touched) log('info', `vault recovery: ${report.completed.length} finished, ${report.rolledBack.length} rolled back, ${report.reindexed.length} re-indexed`);
      // Files an interrupted quarantine left in place are looked at again once the watcher runs.
      for (const path of report.rescan) engine!.enqueueRealtime(path);
    } },
    { name: 'load the YARA rules', run: () => engine!.content.load(store!.settings.get().yaraFolders) },
    // Before the sensors, so the first events already meet the rules.
    { name: 'load the behaviour rules', run: () => engine!.behaviour.load(store!.settings.get().sigmaFolders) },
    { name: 'start the process sensor', run: () => engine!.processSensor.start() },
    // After the process sensor: file events name processes it already knows, and the exec guard is not yet
    // waiting on a core that blocks in the process sensor's self-test.
    { name: 'start the file sensor', run: () => engine!.sensor.start() },
    // After the process sensor: whether it sees network system calls decides if this one polls.
    { name: 'start the network sensor', run: () => engine!.networkSensor.start() },
    { name: 'start telemetry retention', run: () => engine!.startRetention() },
    // The firewall gets the blocks and isolation on record (or loses an isolation whose policy is off).
    { name: 'start the response loop', run: () => engine!.response.start({ checkEveryMs: config.decisionCheckMs }) },
    { name: 'start the scan scheduler', run: () => {
      const scheduled = config.scheduledScans ?? config.host !== 'test';
      if (scheduled) engine!.startScheduler(scheduled === true ? {} : scheduled);
    } },
  ];

  const shutdown: Step[] = [
    { name: 'stop sensors and scans', run: () => engine?.stop() },
    { name: 'close the database', run: () => store?.close() },
  ];

  const runShutdown = async () => {
    for (const step of shutdown) {
      try { await step.run(); } catch (err) { log('error', `shut-down step "${step.name}" failed: ${(err as Error).message}`); }
    }
  };

  for (const step of startup) {
    try {
      await step.run();
    } catch (err) {
      await runShutdown();
      const e = new Error(`Mamori could not ${step.name}: ${(err as Error).message}`);
      (e as Error & { cause?: unknown }).cause = err;
      throw e;
    }
  }

  let stopped: Promise<void> | null = null;
  return {
    api: validated(createApi(engine!)),
    events,
    dataDir: config.dataDir,
    stop: () => (stopped ??= runShutdown()),
  };
}

/*
 * MAMORI_AUTO_RESPONSE=off: the policy only records (see CoreConfig.autoResponse).
 * MAMORI_NETWORK_RESPONSE=off: this core never changes the firewall (test runs set it, so an agent a test
 * starts never isolates the machine running the tests).
 */

/**
 * MAMORI_FILE_SENSOR=auto|fanotify|chokidar|off picks the file sensor when the host does not: the test runs set
 * it to chokidar so an agent started by a test never puts the exec guard on the machine's own filesystems.
 */
function fileSensorFromEnv(): 'auto' | 'fanotify' | 'chokidar' | 'off' | undefined {
  const v = process.env.MAMORI_FILE_SENSOR;
  return v === 'auto' || v === 'fanotify' || v === 'chokidar' || v === 'off' ? v : undefined;
}

/** The core's API parses every input against the contract, so in-process callers get the same checks and defaults as IPC and HTTP. */
function validated(impl: MamoriImpl): MamoriApi {
  const api = {} as Record<string, (input?: unknown) => Promise<unknown>>;
  for (const name of methodNames) {
    const schema = methods[name].input;
    const fn = impl[name] as (input: unknown) => unknown;
    api[name] = async (input?: unknown) => {
      const parsed = schema.safeParse(input ?? {});
      if (!parsed.success) throw new MamoriError('BAD_INPUT', `${name}: ${parsed.error.issues[0]?.message ?? 'invalid input'}`);
      return fn(parsed.data);
    };
  }
  return api as unknown as MamoriApi;
}
