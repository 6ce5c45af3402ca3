// What the default policy does for an office without security staff, and that the user's choices are kept.
import { describe, expect, it } from 'vitest';
import { ResponsePolicy, type Alert } from '../../../../preload/contract/index.js';
import { planResponse, quarantineOnItsOwn } from '../../../../main/core/triage/index.js';

const policy = ResponsePolicy.parse({});
function alert(severity: Alert['severity'], engine: Alert['detection']['engine'] = 'sigma'): Alert {
  return {
    id: 'al_1', time: 't', lastSeen: 't', count: 1, severity, status: 'open', ruleId: 'r', title: 'x',
    text: { en: { title: 'x', summary: 's', advice: [] }, ja: { title: 'x', summary: 's', advice: [] } }, source: 'realtime', scanId: null,
    file: engine === 'sigma' ? null : { path: '/home/a/evil', sha256: 'b'.repeat(64), size: 1 }, detection: { engine, signature: 's' }, actions: [],
    process: { pid: 42, entity_id: '42-1000', executable: '/bin/sh', command_line: 'sh' },
  };
}
const plan = (a: Alert, p = policy, remote: string | null = null) => planResponse(a, p, { remoteAddress: remote }).map((s) => `${s.kind}:${s.mode}`);

describe('the default response policy', () => {
  it('critical: acts on the process and the network', () => {
    expect(plan(alert('critical'), policy, '203.0.113.9')).toEqual(['kill:act', 'block_ip:act', 'isolate:act']);
  });
  it('high: acts on the process, asks before cutting the network', () => {
    expect(plan(alert('high'), policy, '203.0.113.9')).toEqual(['kill:act', 'block_ip:ask', 'isolate:ask']);
  });
  it('medium asks before killing; low and informational only record', () => {
    expect(plan(alert('medium'))).toEqual(['kill:ask']);
    expect(plan(alert('low'), policy, '203.0.113.9')).toEqual(['kill:record', 'block_ip:record']);
    expect(plan(alert('informational'))).toEqual(['kill:record']);
  });
  it('a bad file is quarantined on its own from medium up; never isolates, never kills its writer', () => {
    expect(plan(alert('critical', 'hash'))).toEqual([]);
    expect(quarantineOnItsOwn(alert('medium', 'yara'), policy)).toBe(true);
    expect(quarantineOnItsOwn(alert('low', 'yara'), policy)).toBe(false);
  });
  it('"ask" for files becomes a question; a process id made without a start time is never acted on', () => {
    const asking = ResponsePolicy.parse({ bySeverity: { ...policy.bySeverity, high: { file: 'ask', process: 'act', network: 'record' } } });
    expect(plan(alert('high', 'content'), asking)).toEqual(['quarantine:ask']);
    expect(quarantineOnItsOwn(alert('high', 'content'), asking)).toBe(false);
    const unverifiable = { ...alert('critical'), process: { pid: 42, entity_id: '42-t99', executable: null, command_line: null } };
    expect(plan(unverifiable)).toEqual(['isolate:act']);
  });
  it('switched off: everything is only recorded', () => {
    const off = ResponsePolicy.parse({ enabled: false });
    expect(plan(alert('critical'), off, '203.0.113.9')).toEqual(['kill:record', 'block_ip:record', 'isolate:record']);
    expect(quarantineOnItsOwn(alert('critical', 'hash'), off)).toBe(false);
  });
});
