// dispatch(): the server side of every transport. It must call exactly the contract's methods, with validated and
// defaulted input, and turn every failure into a coded envelope.
import { describe, expect, it } from 'vitest';
import { eventNames, events, methodNames, methods, type MamoriImpl, type MethodName } from '../../../preload/contract/api.js';
import { dispatch, httpStatusFor, isMethodName } from '../../../preload/contract/dispatch.js';
import { MamoriError, type Envelope } from '../../../preload/contract/errors.js';
import { ErrorCode, type TelemetryEvent, type TelemetrySummary } from '../../../preload/contract/schemas.js';

/** The smallest valid input for every method. Adding a method to the contract without adding it here fails a test. */
const validInput: Record<MethodName, unknown> = {
  getStatus: {},
  listAlerts: {},
  getAlert: { id: 'alr_1' },
  listIncidents: {},
  getIncident: { id: 'inc_1' },
  setIncidentStatus: { id: 'inc_1', status: 'resolved' },
  setAlertStatus: { id: 'alr_1', status: 'resolved' },
  listQuarantine: {},
  restoreQuarantine: { id: 'q_1' },
  deleteQuarantine: { id: 'q_1' },
  startScan: { paths: ['/home/user/Downloads'] },
  getScanSchedule: {},
  getYaraRules: {},
  getSigmaRules: {},
  cancelScan: { id: 'scan_1' },
  getScan: { id: 'scan_1' },
  listScans: {},
  pauseProtection: { minutes: 15 },
  resumeProtection: {},
  getSettings: {},
  updateSettings: {},
  importHashList: { name: 'list', text: '' },
  importSignatures: { fileName: 'main.hdb', text: '' },
  listSignatures: {},
  removeSignatureList: { name: 'main' },
  searchEvents: {},
  processTree: { ref: '1234' },
  respond: { kind: 'isolate' },
  listActions: {},
  getAction: { id: 'ra_1' },
  undoAction: { id: 'ra_1' },
  decideAction: { id: 'ra_1', approve: true },
  getNetworkState: {},
  previewException: { kind: 'rule', value: 'r1' },
  addException: { kind: 'rule', value: 'r1' },
  removeException: { id: 'ex_1' },
};

function recordingImpl() {
  const calls: Array<{ name: string; input: unknown }> = [];
  const impl = {} as Record<string, (input: unknown) => unknown>;
  for (const name of methodNames) {
    impl[name] = (input: unknown) => {
      calls.push({ name, input });
      return { from: name };
    };
  }
  return { impl: impl as unknown as MamoriImpl, calls };
}

function errorOf(e: Envelope<unknown>): { code: string; message: string } {
  if (e.ok) throw new Error(`expected an error envelope, got ${JSON.stringify(e)}`);
  return e.error;
}

describe('method names', () => {
  it('the table of valid inputs covers exactly the contract', () => {
    expect(Object.keys(validInput).sort()).toEqual([...methodNames].sort());
  });

  it.each(methodNames)('dispatches %s to the implementation of the same name', async (name) => {
    const { impl, calls } = recordingImpl();
    const e = await dispatch(impl, name, validInput[name]);
    expect(e).toEqual({ ok: true, value: { from: name } });
    expect(calls.map((c) => c.name)).toEqual([name]);
    expect(isMethodName(name)).toBe(true);
  });

  it('answers unknown names with NOT_FOUND and calls nothing', async () => {
    const { impl, calls } = recordingImpl();
    for (const name of ['', 'nope', 'getstatus', 'GetStatus', ' getStatus', 'getStatus ', 'getStatus\0', 'methods', 'input']) {
      const e = await dispatch(impl, name, {});
      expect(errorOf(e).code, JSON.stringify(name)).toBe('NOT_FOUND');
      expect(isMethodName(name)).toBe(false);
    }
    expect(calls).toEqual([]);
  });

  it('never resolves inherited Object.prototype members (even when the implementation has them)', async () => {
    const { impl, calls } = recordingImpl();
    let called = false;
    const spied = Object.assign(Object.create({ evil: () => { called = true; } }), impl) as MamoriImpl;
    const names = [...Object.getOwnPropertyNames(Object.prototype), 'prototype', 'evil', '__proto__', 'constructor'];
    for (const name of names) {
      const e = await dispatch(spied, name, {});
      expect(errorOf(e).code, name).toBe('NOT_FOUND');
      expect(isMethodName(name), name).toBe(false);
    }
    expect(called).toBe(false);
    expect(calls).toEqual([]);
  });

  it('keeps the NOT_FOUND message short for a huge name', async () => {
    const { impl } = recordingImpl();
    const e = await dispatch(impl, 'x'.repeat(100_000), {});
    expect(errorOf(e).message.length).toBeLessThan(200);
  });
});

describe('input validation and defaults', () => {
  it('hands the implementation the defaulted input', async () => {
    const { impl, calls } = recordingImpl();
    await dispatch(impl, 'listAlerts', {});
    await dispatch(impl, 'listQuarantine', undefined);
    await dispatch(impl, 'restoreQuarantine', { id: 'q_1' });
    await dispatch(impl, 'startScan', { paths: ['/a'] });
    await dispatch(impl, 'listScans', null);
    await dispatch(impl, 'listAlerts', { limit: 5, status: 'open', minSeverity: 'high' });
    expect(calls.map((c) => c.input)).toEqual([
      { limit: 200, offset: 0, status: 'all' },
      { includeInactive: false },
      { id: 'q_1', onConflict: 'refuse' },
      { paths: ['/a'], trigger: 'user' },
      { limit: 50 },
      { limit: 5, offset: 0, status: 'open', minSeverity: 'high' },
    ]);
  });

  it('a missing input (undefined or null) counts as {}', async () => {
    const { impl } = recordingImpl();
    expect((await dispatch(impl, 'getStatus', undefined)).ok).toBe(true);
    expect((await dispatch(impl, 'getStatus', null)).ok).toBe(true);
    expect(errorOf(await dispatch(impl, 'getAlert', undefined)).message).toContain('id');
  });

  it('passes the implementation a parsed copy, not the caller\'s object', async () => {
    const { impl, calls } = recordingImpl();
    const raw = { paths: ['/a'] };
    await dispatch(impl, 'startScan', raw);
    expect(calls[0]!.input).not.toBe(raw);
    expect(raw).toEqual({ paths: ['/a'] }); // the caller's object was not mutated by defaulting
  });

  it('BAD_INPUT names the method and the field', async () => {
    const { impl, calls } = recordingImpl();
    const cases: Array<[MethodName, unknown, RegExp]> = [
      ['listAlerts', { limit: '10' }, /^listAlerts: limit: /],
      ['listAlerts', { limit: 5000 }, /^listAlerts: limit: /],
      ['listAlerts', { offset: -1 }, /^listAlerts: offset: /],
      ['listAlerts', { minSeverity: 'apocalyptic' }, /^listAlerts: minSeverity: /],
      ['getAlert', {}, /^getAlert: id: /],
      ['getAlert', { id: '' }, /^getAlert: id: /],
      ['getAlert', { id: 'a/b' }, /^getAlert: id: ids are letters, digits, _ and -/],
      ['getAlert', { id: 'x'.repeat(101) }, /^getAlert: id: /],
      ['setAlertStatus', { id: 'a', status: 'deleted' }, /^setAlertStatus: status: /],
      ['startScan', { paths: ['relative/path'] }, /^startScan: paths\.0: path must be absolute/],
      ['startScan', { paths: ['/ok', '/bad\0/x'] }, /^startScan: paths\.1: path contains a NUL byte/],
      ['startScan', { paths: [] }, /^startScan: paths: /],
      ['startScan', { paths: ['/a'], trigger: 'schedule' }, /^startScan: trigger: /],
      ['pauseProtection', {}, /^pauseProtection: minutes: /],
      ['pauseProtection', { minutes: 0 }, /^pauseProtection: minutes: /],
      ['updateSettings', { watchFolders: ['/ok', 'C:relative'] }, /^updateSettings: watchFolders\.1: path must be absolute/],
      ['updateSettings', { language: 'fr' }, /^updateSettings: language: /],
      ['importHashList', { name: '', text: '' }, /^importHashList: name: /],
    ];
    for (const [name, input, message] of cases) {
      const err = errorOf(await dispatch(impl, name, input));
      expect(err.code, `${name} ${JSON.stringify(input)}`).toBe('BAD_INPUT');
      expect(err.message, `${name} ${JSON.stringify(input)}`).toMatch(message);
    }
    expect(calls).toEqual([]);
  });

  it('accepts Windows drive paths as absolute', async () => {
    const { impl } = recordingImpl();
    expect((await dispatch(impl, 'startScan', { paths: ['C:\\Users\\me', 'd:/data'] })).ok).toBe(true);
  });

  it('refuses extra fields (strict inputs), naming them', async () => {
    const { impl, calls } = recordingImpl();
    for (const name of methodNames) {
      const err = errorOf(await dispatch(impl, name, { ...(validInput[name] as object), sneaky: 1 }));
      expect(err.code, name).toBe('BAD_INPUT');
      expect(err.message, name).toContain('sneaky');
    }
    expect(calls).toEqual([]);
  });

  it('refuses inputs that are not objects, and own "__proto__" keys', async () => {
    const { impl, calls } = recordingImpl();
    for (const input of [[], 'getStatus', 42, true, JSON.parse('{"__proto__":{"polluted":1}}')]) {
      expect(errorOf(await dispatch(impl, 'getStatus', input)).code, JSON.stringify(input)).toBe('BAD_INPUT');
    }
    expect(calls).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('failures of the implementation', () => {
  const failing = (fn: () => unknown): MamoriImpl => ({ ...recordingImpl().impl, getStatus: fn } as unknown as MamoriImpl);

  it('keeps the code of a MamoriError, sync or async', async () => {
    for (const code of ErrorCode.options) {
      const e1 = await dispatch(failing(() => { throw new MamoriError(code, `boom ${code}`); }), 'getStatus', {});
      expect(e1).toEqual({ ok: false, error: { code, message: `boom ${code}` } });
      const e2 = await dispatch(failing(async () => { throw new MamoriError(code, 'later'); }), 'getStatus', {});
      expect(errorOf(e2).code).toBe(code);
    }
  });

  it('turns any other throw into INTERNAL, never a rejection', async () => {
    const e1 = await dispatch(failing(() => { throw new TypeError('x is undefined'); }), 'getStatus', {});
    expect(e1).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'x is undefined' } });
    const e2 = await dispatch(failing(() => Promise.reject('a string')), 'getStatus', {});
    expect(e2).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'a string' } });
    const e3 = await dispatch(failing(() => { throw null; }), 'getStatus', {});
    expect(errorOf(e3).code).toBe('INTERNAL');
  });

  it('an implementation missing a method is INTERNAL, not a crash', async () => {
    const e = await dispatch({} as MamoriImpl, 'getStatus', {});
    expect(errorOf(e).code).toBe('INTERNAL');
  });

  it('awaits async results', async () => {
    const e = await dispatch(failing(async () => ({ later: true })), 'getStatus', {});
    expect(e).toEqual({ ok: true, value: { later: true } });
  });
});

describe('httpStatusFor', () => {
  it('maps every error code to an HTTP status', () => {
    const expected: Record<string, number> = {
      BAD_INPUT: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, TARGET_EXISTS: 409, IO_ERROR: 500, INTERNAL: 500, UNREACHABLE: 500,
    };
    expect(Object.keys(expected).sort()).toEqual([...ErrorCode.options].sort());
    for (const code of ErrorCode.options) {
      expect(httpStatusFor({ ok: false, error: { code, message: '' } }), code).toBe(expected[code]);
    }
    expect(httpStatusFor({ ok: true, value: null })).toBe(200);
  });
});

describe('the contract itself', () => {
  it('every method has an input, an output and a doc line', () => {
    for (const name of methodNames) {
      const m = methods[name];
      expect(typeof m.input.safeParse, name).toBe('function');
      expect(typeof m.output.safeParse, name).toBe('function');
      expect(m.doc.length, name).toBeGreaterThan(5);
    }
  });

  it('declares the pushed telemetry summary, so IPC and SSE both carry it', () => {
    expect(eventNames).toContain('telemetry');
  });
});

describe('the telemetry event schema', () => {
  const event = (id: number): TelemetryEvent => ({
    id, '@timestamp': '2026-01-01T00:00:00.000Z', event: { kind: 'process', action: 'exec', sequence: id },
    process: { entity_id: `${id}-1`, pid: id, name: 'true', executable: '/bin/true', command_line: '/bin/true', args: ['/bin/true'], parent: null },
    user: { id: 0, name: 'root' },
  });
  const summary = (over: Partial<Record<keyof TelemetrySummary, unknown>> = {}) => ({
    count: 3, byKind: { process: 3, syscall: 0, network: 0, file: 0 }, newestId: 12, newestTime: '2026-01-01T00:00:00.000Z',
    recent: [event(12), event(11), event(10)], entities: ['12-1', '11-1', '10-1'], entitiesTruncated: false, ...over,
  });

  it('accepts a summary with counts per kind, the newest id and the newest events', () => {
    const parsed = events.telemetry.parse(summary());
    expect(parsed.recent.map((e) => e.id)).toEqual([12, 11, 10]);
    expect(events.telemetry.parse(summary({ count: 0, recent: [], newestTime: null, entities: [] })).count).toBe(0);
  });

  it('refuses a summary that would carry a storm: more than 50 events or 500 entities', () => {
    const many = Array.from({ length: 51 }, (_, i) => event(100 - i));
    const r = events.telemetry.safeParse(summary({ recent: many }));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['recent']);
    expect(events.telemetry.safeParse(summary({ recent: many.slice(0, 50) })).success).toBe(true);
    expect(events.telemetry.safeParse(summary({ entities: Array.from({ length: 501 }, (_, i) => `${i}-1`) })).success).toBe(false);
  });

  it('refuses missing kinds, negative counts and bad events', () => {
    expect(events.telemetry.safeParse(summary({ byKind: { process: 3 } })).success).toBe(false);
    expect(events.telemetry.safeParse(summary({ count: -1 })).success).toBe(false);
    expect(events.telemetry.safeParse(summary({ count: 1.5 })).success).toBe(false);
    expect(events.telemetry.safeParse(summary({ recent: [{ id: 1 }] })).success).toBe(false);
    expect(events.telemetry.safeParse(summary({ entitiesTruncated: undefined })).success).toBe(false);
  });
});
