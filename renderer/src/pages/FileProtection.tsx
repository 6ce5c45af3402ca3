// Settings > File protection: blocking known-bad programs before they run, scanning every written file or
// only the watched folders, the size above which files are only hashed, and the folders whose file activity
// is not recorded (caches). Shows which tier runs (fanotify or the folder watcher) from the status.
import { useId, useState } from 'react';
import type { MethodInput } from '../../../preload/contract/index.js';
import { Notice, PathListEditor } from '../components.js';
import { useApp } from '../state.js';
import { errorMessage } from '../client.js';

const SIZE_CHOICES = [10, 50, 100, 500, 2000];

export function FileProtection() {
  const { t, settings, saveSettings, status } = useApp();
  const sizeId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!settings) return null;
  const sensor = status?.sensors.find((s) => s.id === 'file-watch');
  const fanotify = sensor?.tier === 'fanotify';

  const save = async (patch: MethodInput<'updateSettings'>) => {
    setBusy(true);
    setError(null);
    try { await saveSettings(patch); return true; } catch (err) { setError(t.fileProtection.saveFailed(errorMessage(err))); return false; } finally { setBusy(false); }
  };

  return (
    <section className="card settings-section" aria-labelledby="fileprot-title" data-testid="file-protection">
      <h2 id="fileprot-title">{t.fileProtection.title}</h2>
      <p className="muted" data-testid="file-protection-tier">{fanotify ? t.fileProtection.tierFanotify : t.fileProtection.tierFolders}</p>
      <label className="check check-big">
        <input type="checkbox" checked={settings.blockKnownBadExec} disabled={busy} data-testid="file-block-exec"
          onChange={(e) => void save({ blockKnownBadExec: e.target.checked })} />
        <span><strong>{t.fileProtection.blockExec}</strong><span className="muted block">{t.fileProtection.blockExecHint}</span></span>
      </label>
      <label className="check">
        <input type="checkbox" checked={settings.scanOnWriteEverywhere} disabled={busy} data-testid="file-scan-everywhere"
          onChange={(e) => void save({ scanOnWriteEverywhere: e.target.checked })} />
        <span><strong>{t.fileProtection.everywhere}</strong><span className="muted block">{t.fileProtection.everywhereHint}</span></span>
      </label>
      <div className="field">
        <label htmlFor={sizeId} className="field-label">{t.fileProtection.maxSize}</label>
        <select id={sizeId} className="input" value={settings.scanMaxFileMb} disabled={busy} data-testid="file-max-size"
          onChange={(e) => void save({ scanMaxFileMb: Number(e.target.value) })}>
          {[...new Set([...SIZE_CHOICES, settings.scanMaxFileMb])].sort((a, b) => a - b).map((mb) => <option key={mb} value={mb}>{t.units.mb(String(mb))}</option>)}
        </select>
        <p className="field-hint">{t.fileProtection.maxSizeHint}</p>
      </div>
      <h3>{t.fileProtection.exclusions}</h3>
      <p className="muted">{t.fileProtection.exclusionsIntro}</p>
      <PathListEditor items={settings.fileExclusions} busy={busy} testId="file-exclusion" placeholder="~/.cache/thumbnails"
        addLabel={t.fileProtection.addExclusion} check={(p) => (p.startsWith('/') || p.startsWith('~/') ? null : t.fileProtection.exclusionInvalid)}
        onChange={(fileExclusions) => save({ fileExclusions })} onError={setError} />
      <div aria-live="polite">{error ? <Notice kind="error" testId="file-protection-error"><p>{error}</p></Notice> : null}</div>
    </section>
  );
}
