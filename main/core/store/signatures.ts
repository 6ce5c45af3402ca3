import type { Database } from 'better-sqlite3';

/** User-imported SHA-256 signatures, by list. The built-in ones live in detect/, not here. */
export class SignaturesRepo {
  constructor(private readonly db: Database) {}

  replaceList(name: string, entries: Map<string, string>, nowIso: string): { imported: number } {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM hash_signatures WHERE list = ?').run(name);
      this.db.prepare(`INSERT INTO hash_lists (name, imported_at, count) VALUES (?, ?, ?)
        ON CONFLICT(name) DO UPDATE SET imported_at = excluded.imported_at, count = excluded.count`).run(name, nowIso, entries.size);
      const put = this.db.prepare('INSERT OR IGNORE INTO hash_signatures (sha256, name, list) VALUES (?, ?, ?)');
      for (const [sha256, sigName] of entries) put.run(sha256, sigName, name);
    })();
    return { imported: entries.size };
  }

  all(): Map<string, string> {
    const rows = this.db.prepare('SELECT sha256, name FROM hash_signatures').all() as { sha256: string; name: string }[];
    return new Map(rows.map((r) => [r.sha256, r.name]));
  }
}
