import type { Migration } from './types.js';

// Signature lists hold MD5, SHA-1 and SHA-256 hashes, optionally with the file size they require (ClamAV
// .hdb/.hsb). The SHA-256-only tables of 0003 are carried over: every imported list stays.
export const migration: Migration = {
  version: 5,
  name: 'signature-databases',
  up(db) {
    db.exec(`
      CREATE TABLE signature_lists (
        name TEXT PRIMARY KEY,
        format TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        count INTEGER NOT NULL,
        invalid_count INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE signatures (
        algo TEXT NOT NULL CHECK (algo IN ('md5', 'sha1', 'sha256')),
        hash TEXT NOT NULL,
        size INTEGER,
        name TEXT NOT NULL,
        list TEXT NOT NULL
      );
      CREATE INDEX signatures_list ON signatures(list);
      INSERT INTO signature_lists (name, format, imported_at, count) SELECT name, 'hash-list', imported_at, count FROM hash_lists;
      INSERT INTO signatures (algo, hash, size, name, list) SELECT 'sha256', sha256, NULL, name, list FROM hash_signatures;
      DROP TABLE hash_signatures;
      DROP TABLE hash_lists;
    `);
  },
};
