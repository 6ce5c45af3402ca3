// Settings > Behaviour rules (Sigma): the rules in use, the user's Sigma folders, and which rules could not
// be used and why (the others run).
import { useId, useState, type FormEvent } from 'react';
import { LoadError, Loading, Notice } from '../components.js';
import { useApp, useLive } from '../state.js';
import { errorMessage } from '../client.js';
import { isAbsolutePath } from '../i18n.js';

export function SigmaRules() {
  const { t, fmt, settings, saveSettings } = useApp();
  const inputId = useId();
  const rules = useLive((c) => c.getSigmaRules({}), ['status'], [settings?.sigmaFolders.join('\n')]);
  const [folder, setFolder] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!settings) return null;

  const save = async (sigmaFolders: string[]) => {
    setBusy(true);
    setError(null);
    try {
      await saveSettings({ sigmaFolders });
      rules.reload();
      return true;
    } catch (err) {
      setError(t.sigma.saveFailed(errorMessage(err)));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const p = folder.trim();
    if (!isAbsolutePath(p)) { setError(t.scans.pathInvalid); return; }
    if (settings.sigmaFolders.includes(p)) { setError(t.settings.already); return; }
    if (await save([...settings.sigmaFolders, p])) setFolder('');
  };

  const r = rules.data;
  return (
    <section className="card settings-section" aria-labelledby="sigma-title" data-testid="sigma-rules">
      <h2 id="sigma-title">{t.sigma.title}</h2>
      <p className="muted">{t.sigma.intro}</p>
      {rules.error && !r ? <LoadError error={rules.error} onRetry={rules.reload} /> : !r ? <Loading /> : (
        <p data-testid="sigma-summary">
          {t.sigma.inUse(fmt.number(r.rules), fmt.number(r.correlations))}
          <span className="muted block">{t.sigma.checked(fmt.number(r.eventsEvaluated))}</span>
        </p>
      )}
      {r && r.failed ? (
        <Notice kind="warning" testId="sigma-problems">
          <p>{t.sigma.failed(fmt.number(r.failed))}</p>
          <ul className="bad-lines">
            {r.problems.slice(0, 10).map((p) => <li key={`${p.file}#${p.doc}`}><code>{p.file}</code> — {p.code}: {p.message}</li>)}
          </ul>
        </Notice>
      ) : null}
      {settings.sigmaFolders.length ? (
        <ul className="folder-list" data-testid="sigma-folders">
          {settings.sigmaFolders.map((f) => (
            <li key={f}>
              <code className="path">{f}</code>
              <button type="button" className="btn btn-small" disabled={busy} aria-label={t.settings.removeLabel(f)}
                onClick={() => void save(settings.sigmaFolders.filter((x) => x !== f))} data-testid="sigma-folder-remove">
                {t.settings.remove}
              </button>
            </li>
          ))}
        </ul>
      ) : <p className="empty">{t.sigma.noFolders}</p>}
      <form className="row" onSubmit={(e) => void add(e)} noValidate>
        <label htmlFor={inputId} className="visually-hidden">{t.sigma.addFolder}</label>
        <input id={inputId} type="text" className="input input-wide" value={folder} placeholder="/etc/mamori/sigma" spellCheck={false}
          autoComplete="off" onChange={(e) => { setFolder(e.target.value); setError(null); }} data-testid="sigma-folder-input" />
        <button type="submit" className="btn" disabled={busy} data-testid="sigma-folder-add">{t.sigma.addFolder}</button>
      </form>
      <div aria-live="polite">{error ? <Notice kind="error" testId="sigma-error"><p>{error}</p></Notice> : null}</div>
    </section>
  );
}
