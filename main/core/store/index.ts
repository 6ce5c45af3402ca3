// The store's one public door: a real SQLite file, migrated on open, with one repository per table group.
import type { Database } from 'better-sqlite3';
import type { SettingsInput } from '../../../preload/contract/index.js';
import { openDatabase } from './open.js';
import { ActionsRepo } from './actions.js';
import { AlertsRepo } from './alerts.js';
import { IncidentsRepo } from './incidents.js';
import { QuarantineRepo } from './quarantine.js';
import { ScansRepo } from './scans.js';
import { SettingsRepo } from './settings.js';
import { SignaturesRepo } from './signatures.js';
import { EventsRepo } from './events.js';
import { Checkpointer } from './checkpointer.js';

export { DB_FILE } from './open.js';
export { migrate, migrations, LATEST_VERSION, SchemaTooNewError } from './migrations/index.js';
export type { NewAlert } from './alerts.js';
export type { ActionsRepo } from './actions.js';
export type { NewEvent, EventQuery } from './events.js';
export { processTree } from './process-tree.js';

export interface Store {
  readonly db: Database;
  readonly recoveredFrom: string | null;
  readonly alerts: AlertsRepo;
  readonly actions: ActionsRepo;
  readonly incidents: IncidentsRepo;
  readonly quarantine: QuarantineRepo;
  readonly scans: ScansRepo;
  readonly settings: SettingsRepo;
  readonly signatures: SignaturesRepo;
  readonly events: EventsRepo;
  close(): void;
}

export function openStore(dataDir: string, defaults: SettingsInput, log: (m: string) => void): Store {
  const { db, recoveredFrom } = openDatabase(dataDir, log);
  const checkpointer = new Checkpointer(db, log);
  return {
    db,
    recoveredFrom,
    alerts: new AlertsRepo(db),
    actions: new ActionsRepo(db),
    incidents: new IncidentsRepo(db),
    quarantine: new QuarantineRepo(db),
    scans: new ScansRepo(db),
    settings: new SettingsRepo(db, defaults),
    signatures: new SignaturesRepo(db),
    events: new EventsRepo(db, () => checkpointer.wrote()),
    close: () => { checkpointer.close(); db.close(); },
  };
}
