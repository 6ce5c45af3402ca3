// Human-readable output of the CLI. The --json output is the contract's objects, unformatted.
import type {
  Alert, Incident, ProcessNode, QuarantineItem, ResponseAction, Scan, SigmaRulesStatus, SignatureImport, SignatureList, Status, TelemetryEvent,
} from '../../preload/contract/index.js';
import type { SigmaCheckReport } from '../core/index.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

const STATE_LINE: Record<Status['state'], string> = {
  protected: "You're protected.",
  attention: 'Needs your attention.',
  paused: 'Protection is paused.',
  degraded: 'Protection is not complete.',
};

const REASON: Record<Status['reasons'][number]['code'], (d: string | null) => string> = {
  'open-alerts': (d) => `${d} open alert(s) to look at (mamori alerts)`,
  paused: (d) => `paused until ${d ? new Date(d).toLocaleString() : '?'}`,
  'sensor-failed': (d) => `a sensor failed: ${d ?? 'unknown error'}`,
  'no-watched-folders': () => 'no folder is watched in real time',
  'database-recovered': (d) => `the database was damaged and replaced; the old file is kept at ${d}`,
};

export function formatStatus(s: Status): string {
  const lines = [STATE_LINE[s.state]];
  for (const r of s.reasons) lines.push(`  - ${REASON[r.code](r.detail)}`);
  lines.push(`Watching: ${s.watchedFolders.length ? s.watchedFolders.join(', ') : '(nothing)'}`);
  for (const sensor of s.sensors) {
    lines.push(`Sensor ${sensor.id}: ${sensor.state}${sensor.tier ? `, tier ${sensor.tier}` : ''}${sensor.detail ? ` (${sensor.detail})` : ''}`
      + `${sensor.eventsLost ? `; ${sensor.eventsLost} events lost` : ''}`);
    if (sensor.limits) lines.push(`  can miss: ${sensor.limits}`);
  }
  lines.push(`Open alerts: ${s.openAlerts}   Quarantined files: ${s.quarantined}`);
  lines.push(`Last scan: ${s.lastScan ? `${s.lastScan.startedAt} ${s.lastScan.state}, ${s.lastScan.filesScanned} files, ${s.lastScan.findings} found` : 'never'}`);
  lines.push(`Data: ${s.dataDir}   Version: ${s.version}`);
  return lines.join('\n');
}

export function formatAlert(a: Alert): string {
  const did = a.actions.length
    ? a.actions.map((x) => `${x.kind} ${x.status}${x.error ? ` (${x.error})` : ''}${x.quarantineId ? ` [${x.quarantineId}]` : ''}`).join(', ')
    : 'nothing';
  return [
    `${a.id}  ${a.time}  ${a.severity.toUpperCase()}  ${a.title}${a.count > 1 ? ` (x${a.count})` : ''}${a.status === 'resolved' ? ' [resolved]' : ''}`,
    a.file ? `    file: ${a.file.path}  sha256: ${a.file.sha256 ?? '-'}` : null,
    `    rule: ${a.ruleId} (${a.detection.signature})   Mamori did: ${did}`,
  ].filter(Boolean).join('\n');
}

export function formatQuarantine(q: QuarantineItem): string {
  return `${q.id}  ${q.time}  ${q.state}  ${q.originalPath}  ${formatBytes(q.size)}  ${q.signature}`
    + (q.restoredPath && q.restoredPath !== q.originalPath ? `  -> ${q.restoredPath}` : '');
}

export function formatScan(s: Scan): string {
  const secs = s.endedAt ? (Date.parse(s.endedAt) - Date.parse(s.startedAt)) / 1000 : null;
  return [
    `Scan ${s.id}: ${s.state}. ${s.filesScanned.toLocaleString()} files, ${formatBytes(s.bytesScanned)}`
      + `${secs !== null ? ` in ${secs.toFixed(1)} s` : ''}; ${s.findings} found, ${s.errors} error(s).`,
    ...s.errorSamples.map((e) => `  ! ${e.path}: ${e.message}`),
  ].join('\n');
}

export function formatEvent(e: TelemetryEvent): string {
  const p = e.process;
  const what = e.event.kind === 'process'
    ? e.event.action === 'exit' ? `exit ${p.exit_code ?? '?'}${p.exit_signal ? ` (signal ${p.exit_signal})` : ''}` : e.event.action
    : e.destination ? `${e.event.action} -> ${e.destination.ip ?? e.destination.path ?? '?'}${e.destination.port ? `:${e.destination.port}` : ''}`
    : e.source ? `${e.event.action} ${e.source.ip ?? '?'}${e.source.port ? `:${e.source.port}` : ''}`
    : e.event.action;
  return `${e['@timestamp']}  ${e.event.kind.padEnd(7)}  ${what.padEnd(10)}  pid ${p.pid} (${p.entity_id})  ${e.user.name ?? e.user.id ?? '?'}  `
    + `${p.command_line ?? p.executable ?? p.name ?? '?'}`;
}

export function formatTree(ancestors: ProcessNode[], root: ProcessNode): string {
  const lines: string[] = [];
  const label = (n: ProcessNode) => `${n.pid} ${n.command_line ?? n.executable ?? '?'}  [${n.user ?? '?'}`
    + `${n.exit_code !== null ? `, exit ${n.exit_code}` : n.end ? ', ended' : ''}] ${n.entity_id}`;
  ancestors.forEach((a, i) => lines.push(`${'  '.repeat(i)}${label(a)}`));
  const walk = (n: ProcessNode, depth: number, mark: string) => {
    lines.push(`${'  '.repeat(depth)}${mark}${label(n)}`);
    for (const e of n.activity.slice(0, 10)) lines.push(`${'  '.repeat(depth + 2)}· ${formatEvent(e).split('  ').slice(1, 3).join(' ')}`);
    for (const c of n.children) walk(c, depth + 1, '└ ');
  };
  walk(root, ancestors.length, ancestors.length ? '└ ' : '');
  return lines.join('\n');
}

const FORMAT_NAME: Record<SignatureList['format'], string> = {
  'clamav-hdb': 'ClamAV MD5 (.hdb)', 'clamav-hsb': 'ClamAV SHA (.hsb)', 'hash-list': 'hash list',
};

function algoCounts(c: SignatureList['byAlgo']): string {
  return (['sha256', 'sha1', 'md5'] as const).filter((a) => c[a]).map((a) => `${c[a]} ${a.toUpperCase().replace('SHA', 'SHA-')}`).join(', ') || 'none';
}

export function formatSignatureImport(r: SignatureImport): string {
  const lines = [`Imported ${r.imported} signature(s) into "${r.name}" (${FORMAT_NAME[r.format]}): ${algoCounts(r.byAlgo)}.`];
  if (r.duplicates) lines.push(`  ${r.duplicates} duplicate line(s) were merged.`);
  if (r.invalidCount) {
    lines.push(`  ${r.invalidCount} line(s) could not be read and were skipped:`);
    for (const b of r.invalid) lines.push(`    line ${b.line}: ${b.reason} [${b.code}]`);
    if (r.invalidCount > r.invalid.length) lines.push(`    ... and ${r.invalidCount - r.invalid.length} more`);
  }
  return lines.join('\n');
}

export function formatSignatureLists(r: { builtIn: number; lists: SignatureList[] }): string {
  const lines = [`Built in: ${r.builtIn} signature(s) of harmless antivirus test files.`];
  if (!r.lists.length) lines.push('No imported lists (mamori signatures import FILE).');
  for (const l of r.lists) {
    lines.push(`${l.name}  ${FORMAT_NAME[l.format]}  ${l.count} signature(s): ${algoCounts(l.byAlgo)}  imported ${new Date(l.importedAt).toLocaleString()}`
      + (l.invalidCount ? `  (${l.invalidCount} bad line(s) skipped)` : ''));
  }
  return lines.join('\n');
}

export function formatRulesCheck(r: SigmaCheckReport): string {
  const lines = [`${r.loaded} of ${r.total} rule(s) loaded (${r.correlations} correlation(s)); ${r.failed} did not.`];
  const byCode = Object.entries(r.byCode).filter(([c]) => c !== 'loaded').map(([c, n]) => `${c} ${n}`);
  if (byCode.length) lines.push(`Not loaded, by reason: ${byCode.join(', ')}`);
  for (const x of r.results) {
    if (!x.loaded) lines.push(`  ${x.file}${x.doc ? `#${x.doc}` : ''}: ${x.code}: ${x.message}`);
    else if (x.note) lines.push(`  ${x.file}: loaded; note: ${x.note}`);
  }
  return lines.join('\n');
}

export function formatSigmaStatus(s: SigmaRulesStatus): string {
  const lines = [`${s.rules} behaviour rule(s) and ${s.correlations} sequence(s) running from: ${s.folders.join(', ')}`,
    `${s.eventsEvaluated} event(s) checked since the agent started.`];
  if (s.failed) lines.push(`${s.failed} rule(s) did not load:`);
  for (const p of s.problems) lines.push(`  ${p.file}${p.doc ? `#${p.doc}` : ''}: ${p.code}: ${p.message}`);
  return lines.join('\n');
}

export function formatIncident(i: Incident): string {
  const techniques = i.techniques.length ? `  [${i.techniques.join(', ')}]` : '';
  return `${i.lastSeen}  ${i.severity.toUpperCase().padEnd(13)} ${i.status.padEnd(8)} ${i.title}  (${i.alertIds.length} alert(s))${techniques}  ${i.id}`;
}

const ACTION_VERBS: Record<ResponseAction['kind'], string> = {
  kill: 'kill', suspend: 'suspend', resume: 'resume', isolate: 'isolate', unisolate: 'unisolate', block_ip: 'block-ip', unblock_ip: 'unblock-ip',
  block_hash: 'block-hash', unblock_hash: 'unblock-hash', quarantine: 'quarantine',
};

/** One response action: when, what, its state and undo, the plain summary; then the processes it touched. */
export function formatAction(a: ResponseAction): string {
  const undo = a.status === 'undone' ? `undone by ${a.undo.undoneBy ?? '?'}` : a.undo.possible ? 'undo: mamori undo ' + a.id : `no undo: ${a.undo.reason ?? ''}`;
  const lines = [
    `${a.time}  ${ACTION_VERBS[a.kind].padEnd(12)} ${a.status.padEnd(9)} by ${a.actor.padEnd(6)} ${a.id}`,
    `    ${a.summary}`,
    `    why: ${a.reason}${a.alertId ? ` (alert ${a.alertId})` : ''}`,
  ];
  if (a.status === 'pending') lines.push(`    decide: mamori respond approve ${a.id}  |  mamori respond decline ${a.id}   (default at ${a.decideBy})`);
  else if (a.status === 'succeeded' || a.status === 'partial' || a.status === 'undone') lines.push(`    ${undo}`);
  if (a.error) lines.push(`    error: ${a.error.code}: ${a.error.message}`);
  for (const p of (a.processes ?? []).slice(0, 20)) lines.push(`    - ${p.outcome.padEnd(8)} ${String(p.pid).padStart(7)} ${p.entityId}  ${p.commandLine ?? p.executable ?? ''}${p.code ? `  (${p.code})` : ''}`);
  if ((a.processes ?? []).length > 20) lines.push(`    … and ${a.processes!.length - 20} more`);
  return lines.join('\n');
}
