// Every migration, in order. One file each; add the next as 000N-<what>.ts and list it here.
import type { Database } from 'better-sqlite3';
import type { Migration } from './types.js';
import { migration as m1 } from './0001-alerts-and-settings.js';
import { migration as m2 } from './0002-quarantine.js';
import { migration as m3 } from './0003-scans-and-hash-lists.js';
import { migration as m4 } from './0004-events.js';
import { migration as m5 } from './0005-signature-databases.js';
import { migration as m6 } from './0006-scan-profiles.js';
import { migration as m7 } from './0007-compact-events.js';
import { migration as m8 } from './0008-alert-process.js';
import { migration as m9 } from './0009-lazy-entity-indexes.js';
import { migration as m10 } from './0010-behaviour-alerts.js';
import { migration as m11 } from './0011-incidents.js';
import { migration as m12 } from './0012-response-actions.js';
import { migration as m13 } from './0013-narrow-events.js';

export type { Migration };
export const migrations: readonly Migration[] = [m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13];
export const LATEST_VERSION = migrations.length;

export class SchemaTooNewError extends Error {
  constructor(readonly found: number) {
    super(`the database was written by a newer Mamori (schema ${found}, this version knows ${LATEST_VERSION}); `
      + 'update Mamori or point it at another data folder');
  }
}

/** Apply the missing migrations, each in its own transaction together with its user_version bump. */
export function migrate(db: Database, upTo: number = LATEST_VERSION): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > LATEST_VERSION) throw new SchemaTooNewError(current);
  for (const m of migrations) {
    if (m.version <= current || m.version > upTo) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
