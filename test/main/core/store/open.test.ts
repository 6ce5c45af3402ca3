import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../../../../main/core/index.js';
import { tempDirs } from '../../../helpers/temp.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('opening the database', () => {
  it('sets a corrupt database aside (byte for byte), starts fresh and says so in the status', async () => {
    const dataDir = dirs.make();
    const garbage = Buffer.from('this is not an SQLite file at all, '.repeat(200));
    writeFileSync(join(dataDir, 'mamori.db'), garbage);
    const logs: string[] = [];
    const core = await createCore({ dataDir, watchFolders: [], host: 'test', log: (_l, m) => logs.push(m) });
    try {
      const status = await core.api.getStatus({});
      const reason = status.reasons.find((r) => r.code === 'database-recovered');
      expect(reason?.detail).toMatch(/mamori\.db\.corrupt-/);
      expect(readFileSync(reason!.detail!)).toEqual(garbage);
      expect(status.state).not.toBe('protected');
      expect(logs.join('\n')).toMatch(/unreadable/);
      // The fresh database works.
      expect((await core.api.listAlerts({})).total).toBe(0);
    } finally {
      await core.stop();
    }
  });

  it('sets aside a database whose pages were overwritten in the middle', async () => {
    const dataDir = dirs.make();
    const first = await createCore({ dataDir, watchFolders: [], host: 'test' });
    await first.api.importHashList({ name: 'big', text: Array.from({ length: 3000 }, (_, i) => i.toString(16).padStart(64, 'a')).join('\n') });
    await first.stop();
    const file = join(dataDir, 'mamori.db');
    const bytes = readFileSync(file);
    bytes.fill(0x5a, 8192, 8192 + 4096 * 4);
    writeFileSync(file, bytes);
    const core = await createCore({ dataDir, watchFolders: [], host: 'test', log: () => undefined });
    try {
      expect((await core.api.getStatus({})).reasons.map((r) => r.code)).toContain('database-recovered');
      expect(readdirSync(dataDir).some((n) => n.startsWith('mamori.db.corrupt-'))).toBe(true);
    } finally {
      await core.stop();
    }
  });

  it('keeps everything across a restart', async () => {
    const dataDir = dirs.make();
    const a = await createCore({ dataDir, watchFolders: [], host: 'test' });
    await a.api.updateSettings({ language: 'ja', autoQuarantine: false });
    await a.stop();
    const b = await createCore({ dataDir, watchFolders: [], host: 'test' });
    try {
      expect(await b.api.getSettings({})).toMatchObject({ language: 'ja', autoQuarantine: false });
      expect(existsSync(join(dataDir, 'quarantine', 'items'))).toBe(true);
    } finally {
      await b.stop();
    }
  });
});
