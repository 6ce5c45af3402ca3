import type { Database } from 'better-sqlite3';
import { SEVERITY_ORDER, type Action, type Alert, type AlertText, type Severity } from '../../../preload/contract/index.js';

interface AlertRow {
  id: string; time: string; last_seen: string; count: number; severity: Severity; status: 'open' | 'resolved';
  rule_id: string; title: string; text_json: string; source: 'realtime' | 'scan'; scan_id: string | null;
  file_path: string | null; file_sha256: string | null; file_size: number | null;
  engine: Alert['detection']['engine']; signature: string; process_json: string | null; behaviour_json: string | null; incident_id: string | null;
}
interface ActionRow {
  id: string; alert_id: string | null; time: string; kind: Action['kind']; status: Action['status'];
  actor: Action['actor']; quarantine_id: string | null; error: string | null;
}

export type NewAlert = Omit<Alert, 'actions' | 'count' | 'lastSeen' | 'status'> & { dedupeKey: string };

const rank = (s: Severity): number => SEVERITY_ORDER.indexOf(s);

export class AlertsRepo {
  constructor(private readonly db: Database) {}

  /** An open alert with the same dedupe key seen since `sinceIso`, to merge a repeat into. */
  findRecent(dedupeKey: string, sinceIso: string): Alert | null {
    const row = this.db.prepare(
      "SELECT * FROM alerts WHERE dedupe_key = ? AND last_seen >= ? AND status = 'open' ORDER BY last_seen DESC LIMIT 1",
    ).get(dedupeKey, sinceIso) as AlertRow | undefined;
    return row ? this.hydrate(row) : null;
  }

  insert(a: NewAlert): Alert {
    this.db.prepare(`INSERT INTO alerts (id, time, last_seen, count, severity, severity_rank, status, rule_id, title, text_json,
        source, scan_id, file_path, file_sha256, file_size, engine, signature, dedupe_key, process_json, behaviour_json)
      VALUES (@id, @time, @time, 1, @severity, @rank, 'open', @ruleId, @title, @text, @source, @scanId, @path, @sha256, @size,
        @engine, @signature, @dedupeKey, @process, @behaviour)`).run({
      id: a.id, time: a.time, severity: a.severity, rank: rank(a.severity), ruleId: a.ruleId, title: a.title,
      text: JSON.stringify(a.text), source: a.source, scanId: a.scanId, path: a.file?.path ?? null,
      sha256: a.file?.sha256 ?? null, size: a.file?.size ?? null, engine: a.detection.engine,
      signature: a.detection.signature, dedupeKey: a.dedupeKey, process: a.process ? JSON.stringify(a.process) : null,
      behaviour: a.attack || a.eventIds ? JSON.stringify({ attack: a.attack, eventIds: a.eventIds }) : null,
    });
    return this.get(a.id)!;
  }

  bumpRepeat(id: string, timeIso: string): Alert {
    this.db.prepare('UPDATE alerts SET count = count + 1, last_seen = ? WHERE id = ?').run(timeIso, id);
    return this.get(id)!;
  }

  setIncident(id: string, incidentId: string): void {
    this.db.prepare('UPDATE alerts SET incident_id = ? WHERE id = ?').run(incidentId, id);
  }

  setStatusOfIncident(incidentId: string, status: 'open' | 'resolved'): void {
    this.db.prepare('UPDATE alerts SET status = ? WHERE incident_id = ?').run(status, incidentId);
  }

  setStatus(id: string, status: 'open' | 'resolved'): Alert | null {
    this.db.prepare('UPDATE alerts SET status = ? WHERE id = ?').run(status, id);
    return this.get(id);
  }

  get(id: string): Alert | null {
    const row = this.db.prepare('SELECT * FROM alerts WHERE id = ?').get(id) as AlertRow | undefined;
    return row ? this.hydrate(row) : null;
  }

  list(opts: { limit: number; offset: number; minSeverity?: Severity; status: 'open' | 'resolved' | 'all' }): { items: Alert[]; total: number } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: opts.limit, offset: opts.offset };
    if (opts.minSeverity) { where.push('severity_rank >= @minRank'); params.minRank = rank(opts.minSeverity); }
    if (opts.status !== 'all') { where.push('status = @status'); params.status = opts.status; }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db.prepare(`SELECT * FROM alerts ${clause} ORDER BY last_seen DESC, id DESC LIMIT @limit OFFSET @offset`).all(params) as AlertRow[];
    const { n } = this.db.prepare(`SELECT count(*) AS n FROM alerts ${clause}`).get(params) as { n: number };
    return { items: rows.map((r) => this.hydrate(r)), total: n };
  }

  openBySeverity(): Record<Severity, number> {
    const counts = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
    const rows = this.db.prepare("SELECT severity, count(*) AS n FROM alerts WHERE status = 'open' GROUP BY severity").all() as { severity: Severity; n: number }[];
    for (const r of rows) counts[r.severity] = r.n;
    return counts;
  }

  perDay(days: number): { day: string; count: number }[] {
    const since = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const rows = this.db.prepare('SELECT substr(time, 1, 10) AS day, count(*) AS n FROM alerts WHERE time >= ? GROUP BY day').all(since) as { day: string; n: number }[];
    const byDay = new Map(rows.map((r) => [r.day, r.n]));
    const out: { day: string; count: number }[] = [];
    for (let i = days - 1; i >= 0; i--) {
      const day = new Date(Date.now() - i * 86_400_000).toISOString().slice(0, 10);
      out.push({ day, count: byDay.get(day) ?? 0 });
    }
    return out;
  }

  addAction(alertId: string | null, action: Action): void {
    this.db.prepare(`INSERT INTO actions (id, alert_id, time, kind, status, actor, quarantine_id, error)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(action.id, alertId, action.time, action.kind, action.status, action.actor,
      action.quarantineId, action.error);
  }

  /** A restore or delete of a quarantined file marks the quarantine action that put it there as undone. */
  markQuarantineUndone(quarantineId: string): string[] {
    this.db.prepare("UPDATE actions SET status = 'undone' WHERE quarantine_id = ? AND kind = 'quarantine' AND status = 'succeeded'").run(quarantineId);
    const rows = this.db.prepare('SELECT DISTINCT alert_id FROM actions WHERE quarantine_id = ? AND alert_id IS NOT NULL').all(quarantineId) as { alert_id: string }[];
    return rows.map((r) => r.alert_id);
  }

  private hydrate(row: AlertRow): Alert {
    const actions = (this.db.prepare('SELECT * FROM actions WHERE alert_id = ? ORDER BY time, id').all(row.id) as ActionRow[]).map((a) => ({
      id: a.id, time: a.time, kind: a.kind, status: a.status, actor: a.actor, quarantineId: a.quarantine_id, error: a.error,
    }));
    return {
      id: row.id, time: row.time, lastSeen: row.last_seen, count: row.count, severity: row.severity, status: row.status,
      ruleId: row.rule_id, title: row.title, text: JSON.parse(row.text_json) as { en: AlertText; ja: AlertText },
      source: row.source, scanId: row.scan_id,
      file: row.file_path === null ? null : { path: row.file_path, sha256: row.file_sha256, size: row.file_size },
      detection: { engine: row.engine, signature: row.signature }, actions,
      ...(row.process_json ? { process: JSON.parse(row.process_json) as Alert['process'] } : {}),
      ...(row.behaviour_json ? JSON.parse(row.behaviour_json) as Pick<Alert, 'attack' | 'eventIds'> : {}),
      ...(row.incident_id ? { incidentId: row.incident_id } : {}),
    };
  }
}
