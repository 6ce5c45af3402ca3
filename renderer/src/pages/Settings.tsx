// Settings: language (applied at once), watched folders, automatic quarantine, notification level, file protection,
// response policy and exceptions, threat lists and rules.
import { useId, useState, type FormEvent } from 'react';
import { SEVERITY_ORDER, type MethodInput, type Severity } from '../../../preload/contract/index.js';
import { Loading, Notice, PageTitle } from '../components.js';
import { useApp } from '../state.js';
import { dictionaries, isAbsolutePath, resolveLanguage } from '../i18n.js';
import { errorMessage } from '../client.js';
import { SignatureLists } from './SignatureLists.js';
import { YaraRules } from './YaraRules.js';
import { SigmaRules } from './SigmaRules.js';
import { FileProtection } from './FileProtection.js';
import { ExceptionsSection, ResponsePolicySection } from './ResponseSettings.js';

const NOTIFY_LEVELS: Severity[] = [...SEVERITY_ORDER].reverse();

export function SettingsPage() {
  const { t, settings, saveSettings } = useApp();
  const addId = useId();
  const addHintId = useId();
  const [newFolder, setNewFolder] = useState('');
  const [folderError, setFolderError] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // Shown at once while the change is being saved (controlled inputs would otherwise snap back).
  const [draft, setDraft] = useState<MethodInput<'updateSettings'>>({});

  if (!settings) {
    return (
      <>
        <PageTitle>{t.settings.title}</PageTitle>
        <Loading />
      </>
    );
  }

  const save = async (patch: MethodInput<'updateSettings'>) => {
    setBusy(true);
    setMessage(null);
    setDraft(patch);
    try {
      const next = await saveSettings(patch);
      // Confirm in the language now in effect (the language may just have changed).
      const lang = resolveLanguage(next.language, navigator.language);
      setMessage({ kind: 'success', text: dictionaries[lang].settings.saved });
      return true;
    } catch (err) {
      setMessage({ kind: 'error', text: t.settings.saveFailed(errorMessage(err)) });
      return false;
    } finally {
      setDraft({});
      setBusy(false);
    }
  };

  const view = { ...settings, ...draft };

  const addFolder = async (e: FormEvent) => {
    e.preventDefault();
    const p = newFolder.trim();
    if (!isAbsolutePath(p)) { setFolderError(t.scans.pathInvalid); return; }
    if (settings.watchFolders.includes(p)) { setFolderError(t.settings.already); return; }
    setFolderError(null);
    if (await save({ watchFolders: [...settings.watchFolders, p] })) setNewFolder('');
  };

  const systemName = navigator.language.toLowerCase().startsWith('ja') ? '日本語' : 'English';
  const languages: { value: 'auto' | 'ja' | 'en'; label: string }[] = [
    { value: 'auto', label: t.settings.languageAuto(systemName) },
    { value: 'ja', label: t.settings.languageJa },
    { value: 'en', label: t.settings.languageEn },
  ];

  return (
    <>
      <PageTitle>{t.settings.title}</PageTitle>
      <div aria-live="polite">
        {message ? <Notice kind={message.kind} testId="settings-message"><p>{message.text}</p></Notice> : null}
      </div>

      <section className="card settings-section">
        <fieldset className="fieldset" disabled={busy}>
          <legend><h2>{t.settings.language}</h2></legend>
          <div className="radio-group" data-testid="settings-language">
            {languages.map((l) => (
              <label key={l.value} className="radio" lang={l.value === 'ja' ? 'ja' : l.value === 'en' ? 'en' : undefined}>
                <input type="radio" name="language" value={l.value} checked={view.language === l.value}
                  onChange={() => void save({ language: l.value })} data-testid={`language-${l.value}`} />
                {l.label}
              </label>
            ))}
          </div>
        </fieldset>
      </section>

      <section className="card settings-section" aria-labelledby="watched-title">
        <h2 id="watched-title">{t.settings.watched}</h2>
        <p className="muted">{t.settings.watchedIntro}</p>
        {view.watchFolders.length === 0 ? <p className="empty">{t.settings.watchedEmpty}</p> : (
          <ul className="folder-list" data-testid="settings-folders">
            {view.watchFolders.map((f) => (
              <li key={f}>
                <code className="path">{f}</code>
                <button type="button" className="btn btn-small" disabled={busy} aria-label={t.settings.removeLabel(f)}
                  onClick={() => void save({ watchFolders: settings.watchFolders.filter((x) => x !== f) })} data-testid="settings-folder-remove">
                  {t.settings.remove}
                </button>
              </li>
            ))}
          </ul>
        )}
        <form className="row" onSubmit={(e) => void addFolder(e)} noValidate>
          <label htmlFor={addId} className="visually-hidden">{t.settings.addFolder}</label>
          <input id={addId} type="text" className="input input-wide" value={newFolder} placeholder={t.settings.addPlaceholder}
            spellCheck={false} autoComplete="off" aria-describedby={addHintId} aria-invalid={folderError !== null}
            onChange={(e) => { setNewFolder(e.target.value); setFolderError(null); }} data-testid="settings-folder-input" />
          <button type="submit" className="btn" disabled={busy} data-testid="settings-folder-add">{t.settings.addFolder}</button>
        </form>
        <p id={addHintId} className={folderError ? 'field-hint error-text' : 'field-hint'}>{folderError ?? t.scans.pathHint}</p>
      </section>

      <section className="card settings-section" aria-labelledby="protect-title">
        <h2 id="protect-title" className="visually-hidden">{t.settings.autoQuarantine}</h2>
        <label className="check check-big">
          <input type="checkbox" checked={view.autoQuarantine} disabled={busy}
            onChange={(e) => void save({ autoQuarantine: e.target.checked })} data-testid="settings-auto-quarantine" />
          <span>
            <strong>{t.settings.autoQuarantine}</strong>
            <span className="muted block">{t.settings.autoQuarantineHint}</span>
          </span>
        </label>
        <div className="field">
          <label htmlFor="notify-level" className="field-label">{t.settings.notify}</label>
          <select id="notify-level" className="input" value={view.notifyMinSeverity} disabled={busy}
            onChange={(e) => void save({ notifyMinSeverity: e.target.value as Severity })} data-testid="settings-notify">
            {NOTIFY_LEVELS.map((s) => <option key={s} value={s}>{t.settings.notifyOption(t.severity[s])}</option>)}
          </select>
          <p className="field-hint">{t.settings.notifyHint}</p>
        </div>
      </section>

      <FileProtection />

      <ResponsePolicySection />
      <ExceptionsSection />

      <SignatureLists />

      <YaraRules />
      <SigmaRules />
    </>
  );
}
