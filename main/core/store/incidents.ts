// Incidents: groups of alerts (see triage/incidents.ts for how they are formed).
import type { Database } from 'better-sqlite3';
import { SEVERITY_ORDER, type AlertText, type Incident, type Severity } from '../../../preload/contract/index.js';

interface IncidentRow {
  id: string; time: string; last_seen: string; severity: Severity; status: 'open' | 'resolved'; title: string; text_json: string;
  alert_ids_json: string; techniques_json: string; tactics_json: string; entities_json: string; root_entity: string | null;
}

export class IncidentsRepo {
  constructor(private readonly db: Database) {}

  /** Open incidents with activity since `sinceIso`, latest first. */
  openSince(sinceIso: string): Incident[] {
    return (this.db.prepare("SELECT * FROM incidents WHERE status = 'open' AND last_seen >= ? ORDER BY last_seen DESC LIMIT 200")
      .all(sinceIso) as IncidentRow[]).map(hydrate);
  }

  /** Inserts or replaces the whole incident. */
  save(i: Incident): Incident {
    this.db.prepare(`INSERT OR REPLACE INTO incidents (id, time, last_seen, severity, severity_rank, status, title, text_json, alert_ids_json,
        techniques_json, tactics_json, entities_json, root_entity)
      VALUES (@id, @time, @lastSeen, @severity, @rank, @status, @title, @text, @alertIds, @techniques, @tactics, @entities, @rootEntity)`).run({
      id: i.id, time: i.time, lastSeen: i.lastSeen, severity: i.severity, rank: SEVERITY_ORDER.indexOf(i.severity), status: i.status,
      title: i.title, text: JSON.stringify(i.text), alertIds: JSON.stringify(i.alertIds), techniques: JSON.stringify(i.techniques),
      tactics: JSON.stringify(i.tactics), entities: JSON.stringify(i.entities), rootEntity: i.rootEntity,
    });
    return i;
  }

  get(id: string): Incident | null {
    const row = this.db.prepare('SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
    return row ? hydrate(row) : null;
  }

  list(o: { limit: number; status: 'open' | 'resolved' | 'all' }): Incident[] {
    const where = o.status === 'all' ? '' : 'WHERE status = @status';
    return (this.db.prepare(`SELECT * FROM incidents ${where} ORDER BY last_seen DESC, id DESC LIMIT @limit`).all({ limit: o.limit, status: o.status }) as IncidentRow[])
      .map(hydrate);
  }

  setStatus(id: string, status: 'open' | 'resolved'): Incident | null {
    this.db.prepare('UPDATE incidents SET status = ? WHERE id = ?').run(status, id);
    return this.get(id);
  }
}

function hydrate(r: IncidentRow): Incident {
  return {
    id: r.id, time: r.time, lastSeen: r.last_seen, severity: r.severity, status: r.status, title: r.title,
    text: JSON.parse(r.text_json) as { en: AlertText; ja: AlertText },
    alertIds: JSON.parse(r.alert_ids_json) as string[], techniques: JSON.parse(r.techniques_json) as string[],
    tactics: JSON.parse(r.tactics_json) as string[], entities: JSON.parse(r.entities_json) as string[], rootEntity: r.root_entity,
  };
}
