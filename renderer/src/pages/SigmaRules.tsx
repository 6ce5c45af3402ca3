// Settings > Behaviour rules (Sigma): the rules in use, the user's Sigma folders, and which rules could not
// be used and why (the others run).
import { useState } from 'react';
import { LoadError, Loading, Notice, PathListEditor } from '../components.js';
import { useApp, useLive } from '../state.js';
import { errorMessage } from '../client.js';
import { isAbsolutePath } from '../i18n.js';

export function SigmaRules() {
  const { t, fmt, settings, saveSettings } = useApp();
  const rules = useLive((c) => c.getSigmaRules({}), ['status'], [settings?.sigmaFolders.join('\n')]);
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
      <PathListEditor items={settings.sigmaFolders} busy={busy} testId="sigma-folder" placeholder="/etc/mamori/sigma" addLabel={t.sigma.addFolder}
        emptyText={t.sigma.noFolders} check={(p) => (isAbsolutePath(p) ? null : t.scans.pathInvalid)} onChange={save} onError={setError} />
      <div aria-live="polite">{error ? <Notice kind="error" testId="sigma-error"><p>{error}</p></Notice> : null}</div>
    </section>
  );
}
