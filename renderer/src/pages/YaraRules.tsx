// Settings > Content rules (YARA): switch content scanning, add or remove the user's rule folders, and see
// which rule files did not compile (the others are in use).
import { useId, useState, type FormEvent } from 'react';
import { LoadError, Loading, Notice } from '../components.js';
import { useApp, useLive } from '../state.js';
import { errorMessage } from '../client.js';
import { isAbsolutePath } from '../i18n.js';

export function YaraRules() {
  const { t, fmt, settings, saveSettings } = useApp();
  const inputId = useId();
  const rules = useLive((c) => c.getYaraRules({}), ['status'], [settings?.yaraFolders.join('\n')]);
  const [folder, setFolder] = useState('');
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

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const p = folder.trim();
    if (!isAbsolutePath(p)) { setError(t.scans.pathInvalid); return; }
    if (settings.yaraFolders.includes(p)) { setError(t.settings.already); return; }
    if (await save({ yaraFolders: [...settings.yaraFolders, p] })) setFolder('');
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

      {settings.yaraFolders.length ? (
        <ul className="folder-list" data-testid="yara-folders">
          {settings.yaraFolders.map((f) => (
            <li key={f}>
              <code className="path">{f}</code>
              <button type="button" className="btn btn-small" disabled={busy} aria-label={t.settings.removeLabel(f)}
                onClick={() => void save({ yaraFolders: settings.yaraFolders.filter((x) => x !== f) })} data-testid="yara-folder-remove">
                {t.settings.remove}
              </button>
            </li>
          ))}
        </ul>
      ) : <p className="empty">{t.yara.noFolders}</p>}
      <form className="row" onSubmit={(e) => void add(e)} noValidate>
        <label htmlFor={inputId} className="visually-hidden">{t.yara.addFolder}</label>
        <input id={inputId} type="text" className="input input-wide" value={folder} placeholder="/etc/mamori/yara" spellCheck={false}
          autoComplete="off" onChange={(e) => { setFolder(e.target.value); setError(null); }} data-testid="yara-folder-input" />
        <button type="submit" className="btn" disabled={busy} data-testid="yara-folder-add">{t.yara.addFolder}</button>
      </form>
      <div aria-live="polite">{error ? <Notice kind="error" testId="yara-error"><p>{error}</p></Notice> : null}</div>
    </section>
  );
}
