// Settings > Content rules (YARA): switch content scanning, add or remove the user's rule folders, and see
// which rule files did not compile (the others are in use).
import { useState } from 'react';
import { LoadError, Loading, Notice, PathListEditor } from '../components.js';
import { useApp, useLive } from '../state.js';
import { errorMessage } from '../client.js';
import { isAbsolutePath } from '../i18n.js';

export function YaraRules() {
  const { t, fmt, settings, saveSettings } = useApp();
  const rules = useLive((c) => c.getYaraRules({}), ['status'], [settings?.yaraFolders.join('\n')]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!settings) return null;

  const save = async (patch: { yaraFolders?: string[]; contentScan?: boolean }) => {
    setBusy(true);
    setError(null);
    try {
      await saveSettings(patch);
      // The rules recompile in the background: look again shortly.
      window.setTimeout(() => rules.reload(), 1500);
      return true;
    } catch (err) {
      setError(t.yara.saveFailed(errorMessage(err)));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const r = rules.data;
  return (
    <section className="card settings-section" aria-labelledby="yara-title" data-testid="yara-rules">
      <h2 id="yara-title">{t.yara.title}</h2>
      <p className="muted">{t.yara.intro}</p>
      <label className="check">
        <input type="checkbox" checked={settings.contentScan} disabled={busy} data-testid="yara-content-scan"
          onChange={(e) => void save({ contentScan: e.target.checked })} />
        <span><strong>{t.yara.contentScan}</strong><span className="muted block">{t.yara.contentScanHint}</span></span>
      </label>

      {rules.error && !r ? <LoadError error={rules.error} onRetry={rules.reload} /> : !r ? <Loading /> : (
        <p data-testid="yara-summary">
          {r.state === 'running' ? t.yara.inUse(fmt.number(r.rules), fmt.number(r.filesOk)) : t.yara.notRunning(r.detail ?? r.state)}
          {r.state === 'running' && r.detail ? <span className="muted block">{r.detail}</span> : null}
        </p>
      )}
      {r && r.errors.length ? (
        <Notice kind="warning" testId="yara-errors">
          <p>{t.yara.failed(fmt.number(r.filesFailed))}</p>
          <ul className="bad-lines">{r.errors.slice(0, 10).map((e) => <li key={`${e.file}:${e.line}`}><code>{e.file}</code>:{e.line} — {e.message}</li>)}</ul>
        </Notice>
      ) : null}

      <PathListEditor items={settings.yaraFolders} busy={busy} testId="yara-folder" placeholder="/etc/mamori/yara" addLabel={t.yara.addFolder}
        emptyText={t.yara.noFolders} check={(p) => (isAbsolutePath(p) ? null : t.scans.pathInvalid)}
        onChange={(yaraFolders) => save({ yaraFolders })} onError={setError} />
      <div aria-live="polite">{error ? <Notice kind="error" testId="yara-error"><p>{error}</p></Notice> : null}</div>
    </section>
  );
}
