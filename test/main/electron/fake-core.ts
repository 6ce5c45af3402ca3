// A stand-in for main/core (createCore, defaultDataDir), used with
//   vi.mock('../../../main/core/index.js', () => import('./fake-core.js'))
// The shell must only use the core's public door, so this is all it can reach.
import { vi, type Mock } from 'vitest';
import { MamoriError, type Alert, type EventName, type EventPayload, type MamoriImpl, type Scan, type Settings, type Status } from '../../../preload/contract/index.js';
import type { Core, CoreConfig } from '../../../main/core/types.js';

export function makeStatus(over: Partial<Status> = {}): Status {
  return {
    state: 'protected', reasons: [], pausedUntil: null, watchedFolders: ['/home/u/Downloads', '/home/u/Desktop'],
    sensors: [], openAlerts: 0, openBySeverity: {} as Status['openBySeverity'], quarantined: 0, lastScan: null,
    alertsPerDay: [], version: '0.1.0', dataDir: '/tmp/mamori-test-data', isolated: false, pendingDecisions: 0, ...over,
  };
}

export function makeAlert(over: Partial<Alert> = {}): Alert {
  const id = over.id ?? 'a1';
  return {
    id, time: '2025-01-01T00:00:00.000Z', lastSeen: '2025-01-01T00:00:00.000Z', count: 1, severity: 'high', status: 'open',
    ruleId: 'hash.eicar', title: 'EICAR test file',
    text: {
      en: { title: `Dangerous file quarantined (${id})`, summary: 'Mamori moved eicar.com to quarantine.', advice: [] },
      ja: { title: `危険なファイルを隔離しました（${id}）`, summary: 'eicar.com を隔離しました。', advice: [] },
    },
    source: 'realtime', scanId: null, file: { path: '/home/u/Downloads/eicar.com', sha256: null, size: 68 },
    detection: { engine: 'hash', signature: 'EICAR' }, actions: [], ...over,
  };
}

export function makeScan(over: Partial<Scan> = {}): Scan {
  return {
    id: 's1', paths: ['/home/u/Downloads'], profile: 'custom', trigger: 'tray', state: 'running', startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: null, filesScanned: 0, bytesScanned: 0, findings: 0, errors: 0, errorSamples: [], alertIds: [], ...over,
  };
}

export interface FakeCore extends Omit<Core, 'api' | 'stop'> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each method has its own input type
  readonly api: { [K in keyof MamoriImpl]: Mock<(input: any) => Promise<any>> };
  readonly stop: Mock<() => Promise<void>>;
  status: Status;
  settings: Settings;
  listenerCount(event: EventName): number;
}

export function createFakeCore(): FakeCore {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const self = {
    status: makeStatus(),
    settings: { language: 'auto', watchFolders: ['/home/u/Downloads'], autoQuarantine: true, notifyMinSeverity: 'high' } as Settings,
  };
  const notFound = async () => { throw new MamoriError('NOT_FOUND', 'not found'); };
  const api = {
    getStatus: vi.fn(async () => self.status),
    listAlerts: vi.fn(async () => ({ items: [], total: 0 })),
    getAlert: vi.fn(notFound),
    setAlertStatus: vi.fn(notFound),
    listQuarantine: vi.fn(async () => ({ items: [] })),
    restoreQuarantine: vi.fn(notFound),
    deleteQuarantine: vi.fn(notFound),
    startScan: vi.fn(async (input: { paths: string[]; trigger: Scan['trigger'] }) => ({ scan: makeScan({ paths: input.paths, trigger: input.trigger }) })),
    cancelScan: vi.fn(notFound),
    getScan: vi.fn(notFound),
    listScans: vi.fn(async () => ({ items: [] })),
    pauseProtection: vi.fn(async ({ minutes }: { minutes: number }) => {
      self.status = makeStatus({ state: 'paused', pausedUntil: new Date(Date.UTC(2025, 0, 1, 5, minutes)).toISOString() });
      return self.status;
    }),
    resumeProtection: vi.fn(async () => (self.status = makeStatus())),
    getSettings: vi.fn(async () => self.settings),
    updateSettings: vi.fn(async (patch: Partial<Settings>) => (self.settings = { ...self.settings, ...patch })),
    importHashList: vi.fn(notFound),
    importSignatures: vi.fn(notFound),
    listSignatures: vi.fn(notFound),
    getYaraRules: vi.fn(notFound),
    removeSignatureList: vi.fn(notFound),
    decideAction: vi.fn(async ({ id, approve }: { id: string; approve: boolean }) => ({ id, status: approve ? 'succeeded' : 'declined' })),
  };
  const events = {
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: unknown) => void);
      return () => { set.delete(listener as (payload: unknown) => void); };
    },
    emit<E extends EventName>(event: E, payload: EventPayload<E>) {
      for (const l of [...(listeners.get(event) ?? [])]) l(payload);
    },
  };
  const core = {
    api, events, dataDir: '/tmp/mamori-test-data',
    stop: vi.fn(async () => undefined),
    listenerCount: (event: EventName) => listeners.get(event)?.size ?? 0,
  } as unknown as FakeCore;
  Object.defineProperty(core, 'status', { get: () => self.status, set: (v: Status) => { self.status = v; } });
  Object.defineProperty(core, 'settings', { get: () => self.settings, set: (v: Settings) => { self.settings = v; } });
  return core;
}

/** The core the next createCore() returns; tests replace it in beforeEach. */
export const current: { core: FakeCore; fail: Error | null; configs: CoreConfig[]; gate: Promise<void> | null } = {
  core: createFakeCore(), fail: null, configs: [], gate: null,
};

export const createCore = vi.fn(async (config: CoreConfig): Promise<Core> => {
  current.configs.push(config);
  if (current.gate) await current.gate;
  if (current.fail) throw current.fail;
  return current.core as unknown as Core;
});

export const defaultDataDir = vi.fn(() => process.env.MAMORI_DATA_DIR ?? '/tmp/mamori-test-data');

export function resetFakeCore(): FakeCore {
  current.core = createFakeCore();
  current.fail = null;
  current.configs = [];
  current.gate = null;
  return current.core;
}
