import type { Database } from 'better-sqlite3';
import type { HashAlgo, HashSignature, SignatureFormat, StoredSignature } from '../detect/index.js';

export interface SignatureListInfo {
  name: string;
  format: SignatureFormat;
  importedAt: string;
  count: number;
  invalidCount: number;
  byAlgo: Record<HashAlgo, number>;
}

/** User-imported hash signatures, by list. The built-in ones live in detect/, not here. */
export class SignaturesRepo {
  constructor(private readonly db: Database) {}

  /** Replaces a list as one transaction: a failed import leaves the previous version of the list intact. */
  replaceList(name: string, format: SignatureFormat, entries: HashSignature[], invalidCount: number, nowIso: string): { imported: number } {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM signatures WHERE list = ?').run(name);
      this.db.prepare(`INSERT INTO signature_lists (name, format, imported_at, count, invalid_count) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(name) DO UPDATE SET format = excluded.format, imported_at = excluded.imported_at, count = excluded.count,
        invalid_count = excluded.invalid_count`).run(name, format, nowIso, entries.length, invalidCount);
      const put = this.db.prepare('INSERT INTO signatures (algo, hash, size, name, list) VALUES (?, ?, ?, ?, ?)');
      for (const e of entries) put.run(e.algo, e.hash, e.size, e.name, name);
    })();
    return { imported: entries.length };
  }

  removeList(name: string): boolean {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM signatures WHERE list = ?').run(name);
      return this.db.prepare('DELETE FROM signature_lists WHERE name = ?').run(name).changes > 0;
    })();
  }

  lists(): SignatureListInfo[] {
    const rows = this.db.prepare(`SELECT l.name, l.format, l.imported_at AS importedAt, l.count, l.invalid_count AS invalidCount,
        (SELECT count(*) FROM signatures s WHERE s.list = l.name AND s.algo = 'md5') AS md5,
        (SELECT count(*) FROM signatures s WHERE s.list = l.name AND s.algo = 'sha1') AS sha1,
        (SELECT count(*) FROM signatures s WHERE s.list = l.name AND s.algo = 'sha256') AS sha256
      FROM signature_lists l ORDER BY l.name`).all() as (Omit<SignatureListInfo, 'byAlgo'> & Record<HashAlgo, number>)[];
    return rows.map(({ md5, sha1, sha256, ...rest }) => ({ ...rest, byAlgo: { md5, sha1, sha256 } }));
  }

  all(): StoredSignature[] {
    return this.db.prepare('SELECT algo, hash, size, name, list FROM signatures').all() as StoredSignature[];
  }
}
