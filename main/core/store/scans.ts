import type { Database } from 'better-sqlite3';
import type { Scan } from '../../../preload/contract/index.js';

interface Row {
  id: string; paths_json: string; profile: Scan['profile']; trigger: Scan['trigger']; state: Scan['state']; started_at: string; ended_at: string | null;
  files: number; bytes: number; findings: number; errors: number; error_samples_json: string; alert_ids_json: string;
}

const toScan = (r: Row): Scan => ({
  id: r.id, paths: JSON.parse(r.paths_json) as string[], profile: r.profile, trigger: r.trigger, state: r.state, startedAt: r.started_at,
  endedAt: r.ended_at, filesScanned: r.files, bytesScanned: r.bytes, findings: r.findings, errors: r.errors,
  errorSamples: JSON.parse(r.error_samples_json) as Scan['errorSamples'], alertIds: JSON.parse(r.alert_ids_json) as string[],
});

export class ScansRepo {
  constructor(private readonly db: Database) {}

  save(scan: Scan): void {
    this.db.prepare(`INSERT INTO scans (id, paths_json, profile, trigger, state, started_at, ended_at, files, bytes, findings, errors,
        error_samples_json, alert_ids_json)
      VALUES (@id, @paths, @profile, @trigger, @state, @startedAt, @endedAt, @files, @bytes, @findings, @errors, @samples, @alertIds)
      ON CONFLICT(id) DO UPDATE SET state = excluded.state, ended_at = excluded.ended_at, files = excluded.files,
        bytes = excluded.bytes, findings = excluded.findings, errors = excluded.errors,
        error_samples_json = excluded.error_samples_json, alert_ids_json = excluded.alert_ids_json`).run({
      id: scan.id, paths: JSON.stringify(scan.paths), profile: scan.profile, trigger: scan.trigger, state: scan.state, startedAt: scan.startedAt,
      endedAt: scan.endedAt, files: scan.filesScanned, bytes: scan.bytesScanned, findings: scan.findings, errors: scan.errors,
      samples: JSON.stringify(scan.errorSamples), alertIds: JSON.stringify(scan.alertIds),
    });
  }

  get(id: string): Scan | null {
    const row = this.db.prepare('SELECT * FROM scans WHERE id = ?').get(id) as Row | undefined;
    return row ? toScan(row) : null;
  }

  list(limit: number): Scan[] {
    return (this.db.prepare('SELECT * FROM scans ORDER BY started_at DESC, id DESC LIMIT ?').all(limit) as Row[]).map(toScan);
  }

  /** When the last scan of these profiles started, whatever started it. */
  lastStart(profiles: Scan['profile'][]): string | null {
    const row = this.db.prepare(`SELECT max(started_at) AS t FROM scans WHERE profile IN (${profiles.map(() => '?').join(', ')})`)
      .get(...profiles) as { t: string | null };
    return row.t;
  }

  /** Scans that were running when the previous process died are closed as failed, not left spinning. */
  closeInterrupted(nowIso: string): number {
    return this.db.prepare("UPDATE scans SET state = 'failed', ended_at = ? WHERE state = 'running'").run(nowIso).changes;
  }
}
