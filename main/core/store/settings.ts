import type { Database } from 'better-sqlite3';
import { Settings, type SettingsInput } from '../../../preload/contract/index.js';

/** Settings are one JSON value per key; unknown or invalid stored values fall back to the defaults. */
export class SettingsRepo {
  private readonly defaults: Settings;

  constructor(private readonly db: Database, defaults: SettingsInput) {
    this.defaults = Settings.parse(defaults);
  }

  get(): Settings {
    const rows = this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[];
    const merged: Record<string, unknown> = { ...this.defaults };
    for (const row of rows) {
      try { merged[row.key] = JSON.parse(row.value); } catch { /* keep the default */ }
    }
    const parsed = Settings.safeParse(merged);
    return parsed.success ? parsed.data : this.defaults;
  }

  update(patch: Partial<Settings>): Settings {
    const next = Settings.parse({ ...this.get(), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) });
    const put = this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) if (value !== undefined) put.run(key, JSON.stringify(value));
    })();
    return next;
  }
}
