// Response actions: the history behind "what Mamori did", and the source of what is in force now
// (blocked addresses and hashes, isolation), derived from the actions that succeeded and were not undone.
import type { Database } from 'better-sqlite3';
import { ResponseAction, type ResponseKind } from '../../../preload/contract/index.js';

interface Row { body_json: string }

export class ActionsRepo {
  constructor(private readonly db: Database) {}

  /** Inserts or replaces the whole action. */
  save(a: ResponseAction): ResponseAction {
    this.db.prepare(`INSERT OR REPLACE INTO response_actions (id, time, kind, status, actor, alert_id, incident_id, decide_by, body_json)
      VALUES (@id, @time, @kind, @status, @actor, @alertId, @incidentId, @decideBy, @body)`).run({
      id: a.id, time: a.time, kind: a.kind, status: a.status, actor: a.actor, alertId: a.alertId, incidentId: a.incidentId,
      decideBy: a.decideBy, body: JSON.stringify(a),
    });
    return a;
  }

  get(id: string): ResponseAction | null {
    const row = this.db.prepare('SELECT body_json FROM response_actions WHERE id = ?').get(id) as Row | undefined;
    return row ? hydrate(row) : null;
  }

  list(o: { limit: number; alertId?: string; incidentId?: string; status?: ResponseAction['status'] }): ResponseAction[] {
    const where: string[] = [];
    if (o.alertId) where.push('alert_id = @alertId');
    if (o.incidentId) where.push('incident_id = @incidentId');
    if (o.status) where.push('status = @status');
    const sql = `SELECT body_json FROM response_actions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC, rowid DESC LIMIT @limit`;
    return (this.db.prepare(sql).all({ limit: o.limit, alertId: o.alertId, incidentId: o.incidentId, status: o.status }) as Row[]).map(hydrate);
  }

  /** Actions of these kinds that are in force: succeeded (or partly) and not undone, oldest first. */
  inForce(kinds: readonly ResponseKind[]): ResponseAction[] {
    const marks = kinds.map(() => '?').join(', ');
    return (this.db.prepare(`SELECT body_json FROM response_actions WHERE kind IN (${marks}) AND status IN ('succeeded', 'partial')
      ORDER BY time, rowid`).all(...kinds) as Row[]).map(hydrate);
  }

  pending(): ResponseAction[] {
    return (this.db.prepare("SELECT body_json FROM response_actions WHERE status = 'pending' ORDER BY decide_by, rowid").all() as Row[]).map(hydrate);
  }

  countPending(): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM response_actions WHERE status = 'pending'").get() as { n: number }).n;
  }
}

function hydrate(r: Row): ResponseAction {
  return ResponseAction.parse(JSON.parse(r.body_json));
}
