import type { Database } from 'better-sqlite3';
import type { QuarantineItem } from '../../../preload/contract/index.js';

interface Row {
  id: string; time: string; state: QuarantineItem['state']; original_path: string; size: number; sha256: string;
  mode: number; uid: number; gid: number; mtime_ms: number; rule_id: string; signature: string;
  alert_id: string | null; restored_path: string | null; changed_at: string | null; pending: string | null;
}

const toItem = (r: Row): QuarantineItem => ({
  id: r.id, time: r.time, state: r.state, originalPath: r.original_path, size: r.size, sha256: r.sha256, mode: r.mode,
  uid: r.uid, gid: r.gid, mtimeMs: r.mtime_ms, ruleId: r.rule_id, signature: r.signature, alertId: r.alert_id,
  restoredPath: r.restored_path, changedAt: r.changed_at,
});

export class QuarantineRepo {
  constructor(private readonly db: Database) {}

  upsert(item: QuarantineItem): void {
    this.db.prepare(`INSERT INTO quarantine (id, time, state, original_path, size, sha256, mode, uid, gid, mtime_ms, rule_id,
        signature, alert_id, restored_path, changed_at)
      VALUES (@id, @time, @state, @originalPath, @size, @sha256, @mode, @uid, @gid, @mtimeMs, @ruleId, @signature, @alertId,
        @restoredPath, @changedAt)
      ON CONFLICT(id) DO UPDATE SET state = excluded.state, alert_id = excluded.alert_id,
        restored_path = excluded.restored_path, changed_at = excluded.changed_at`).run(item);
  }

  get(id: string): QuarantineItem | null {
    const row = this.db.prepare('SELECT * FROM quarantine WHERE id = ?').get(id) as Row | undefined;
    return row ? toItem(row) : null;
  }

  list(includeInactive: boolean): QuarantineItem[] {
    const sql = includeInactive
      ? 'SELECT * FROM quarantine ORDER BY time DESC'
      : "SELECT * FROM quarantine WHERE state = 'quarantined' ORDER BY time DESC";
    return (this.db.prepare(sql).all() as Row[]).map(toItem);
  }

  countActive(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM quarantine WHERE state = 'quarantined'").get() as { n: number }).n;
  }

  isQuarantinedHash(sha256: string): boolean {
    return !!this.db.prepare("SELECT 1 FROM quarantine WHERE sha256 = ? AND state = 'quarantined' LIMIT 1").get(sha256);
  }

  /** True when the user restored exactly this content to exactly this path: their decision stands. */
  isRestoredByUser(path: string, sha256: string): boolean {
    return !!this.db.prepare("SELECT 1 FROM quarantine WHERE state = 'restored' AND restored_path = ? AND sha256 = ? LIMIT 1").get(path, sha256);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM quarantine WHERE id = ?').run(id);
  }

  /** The journal entry of an operation in flight, read back by crash recovery. */
  setPending(id: string, pending: string | null): void {
    this.db.prepare('UPDATE quarantine SET pending = ? WHERE id = ?').run(pending, id);
  }

  withPending(): { item: QuarantineItem; pending: string }[] {
    return (this.db.prepare('SELECT * FROM quarantine WHERE pending IS NOT NULL').all() as Row[])
      .map((r) => ({ item: toItem(r), pending: r.pending! }));
  }
}
