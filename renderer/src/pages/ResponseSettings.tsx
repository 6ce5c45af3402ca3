// Settings > Response: whether Mamori acts by itself, what it does per severity and kind of finding (act, ask,
// only record), how long a question waits and what happens then, and the addresses still reachable while the
// computer is cut off; saved with updateSettings({ responsePolicy }). Settings > Exceptions: what the user said
// is fine, with remove, and add with a preview of the past alerts it would have hidden.
import { useId, useState } from 'react';
import { SEVERITY_ORDER, type ResponsePolicy, type Severity } from '../../../preload/contract/index.js';
import { Notice, PathListEditor } from '../components.js';
import { useApp } from '../state.js';
import { href } from '../router.js';
import { apiErrorText, ExceptionEditor } from '../response.js';

const SEVERITIES: Severity[] = [...SEVERITY_ORDER].reverse();
const CATEGORIES = ['file', 'process', 'network'] as const;
const MODES = ['act', 'ask', 'record'] as const;
type Message = { kind: 'success' | 'error'; text: string } | null;

/** An IPv4 or IPv6 address, optionally with a /prefix (what the firewall accepts for the allow-list). */
export function isAddress(text: string): boolean {
  const [addr = '', prefix, extra] = text.split('/');
  if (extra !== undefined) return false;
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return false;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(addr);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255) && (prefix === undefined || Number(prefix) <= 32);
  if (!addr.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(addr)) return false;
  if ((addr.match(/::/g) ?? []).length > 1) return false;
  const groups = addr.split(':');
  if (groups.length > 8 || groups.some((g) => g.length > 4 && !g.includes('.'))) return false;
  return prefix === undefined || Number(prefix) <= 128;
}

export function ResponsePolicySection() {
  const { t, settings, saveSettings } = useApp();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [draft, setDraft] = useState<ResponsePolicy | null>(null);
  const [message, setMessage] = useState<Message>(null);
  const [timeoutText, setTimeoutText] = useState<string | null>(null);
  const [allowError, setAllowError] = useState<string | null>(null);
  if (!settings?.responsePolicy) return null; // an older agent without response
  const policy = draft ?? settings.responsePolicy;

  const save = async (patch: Partial<ResponsePolicy>): Promise<boolean> => {
    const next: ResponsePolicy = { ...settings.responsePolicy, ...patch };
    setDraft(next);
    setBusy(true);
    setMessage(null);
    try {
      await saveSettings({ responsePolicy: next });
      setMessage({ kind: 'success', text: t.responseSettings.saved });
      return true;
    } catch (err) {
      setMessage({ kind: 'error', text: t.responseSettings.saveFailed(apiErrorText(t, err)) });
      return false;
    } finally {
      setDraft(null);
      setBusy(false);
    }
  };

  const setCell = (sev: Severity, cat: (typeof CATEGORIES)[number], mode: (typeof MODES)[number]) => {
    const base = settings.responsePolicy.bySeverity;
    void save({ bySeverity: { ...base, [sev]: { ...base[sev], [cat]: mode } } });
  };

  const commitTimeout = () => {
    if (timeoutText === null) return;
    const n = Number(timeoutText);
    if (!Number.isInteger(n) || n < 1 || n > 24 * 60) { setMessage({ kind: 'error', text: t.responseSettings.timeoutInvalid }); return; }
    setTimeoutText(null);
    if (n !== settings.responsePolicy.askTimeoutMinutes) void save({ askTimeoutMinutes: n });
  };

  return (
    <section className="card settings-section" aria-labelledby={`${id}-title`} data-testid="response-settings">
      <h2 id={`${id}-title`}>{t.responseSettings.title}</h2>
      <p className="muted">{t.responseSettings.intro}</p>
      <label className="check check-big">
        <input type="checkbox" checked={policy.enabled} disabled={busy} data-testid="response-enabled"
          onChange={(e) => void save({ enabled: e.target.checked })} />
        <span><strong>{t.responseSettings.enabled}</strong><span className="muted block">{t.responseSettings.enabledHint}</span></span>
      </label>

      <table className="table policy-grid" data-testid="response-grid">
        <caption className="visually-hidden">{t.responseSettings.gridCaption}</caption>
        <thead>
          <tr>
            <th scope="col">{t.responseSettings.severity}</th>
            {CATEGORIES.map((cat) => (
              <th scope="col" key={cat}>
                {t.responseSettings.category[cat]}
                <span className="block small muted policy-hint">{t.responseSettings.categoryHint[cat]}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {SEVERITIES.map((sev) => (
            <tr key={sev}>
              <th scope="row"><span className={`sev-badge sev-${sev}`}>{t.severity[sev]}</span></th>
              {CATEGORIES.map((cat) => (
                <td key={cat}>
                  <select className={`input policy-${policy.bySeverity[sev][cat]}`} value={policy.bySeverity[sev][cat]} disabled={busy}
                    aria-label={t.responseSettings.cellLabel(t.severity[sev], t.responseSettings.category[cat])}
                    onChange={(e) => setCell(sev, cat, e.target.value as (typeof MODES)[number])} data-testid={`policy-${sev}-${cat}`}>
                    {MODES.map((m) => <option key={m} value={m}>{t.responseSettings.mode[m]}</option>)}
                  </select>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>

      <div className="field">
        <label htmlFor={`${id}-timeout`} className="field-label">{t.responseSettings.askTimeout}</label>
        <span className="row">
          <input id={`${id}-timeout`} type="number" min={1} max={1440} step={1} className="input input-number" disabled={busy}
            value={timeoutText ?? String(policy.askTimeoutMinutes)} aria-describedby={`${id}-timeout-hint`} data-testid="response-ask-timeout"
            onChange={(e) => setTimeoutText(e.target.value)} onBlur={commitTimeout}
            onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); commitTimeout(); } }} />
          <span>{t.responseSettings.minutes}</span>
        </span>
        <p id={`${id}-timeout-hint`} className="field-hint">{t.responseSettings.askTimeoutHint}</p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-default`} className="field-label">{t.responseSettings.askDefault}</label>
        <select id={`${id}-default`} className="input" value={policy.askDefault} disabled={busy} data-testid="response-ask-default"
          onChange={(e) => void save({ askDefault: e.target.value as ResponsePolicy['askDefault'] })}>
          <option value="skip">{t.responseSettings.askDefaultSkip}</option>
          <option value="act">{t.responseSettings.askDefaultAct}</option>
        </select>
      </div>

      <h3>{t.responseSettings.allow}</h3>
      <p className="muted">{t.responseSettings.allowIntro}</p>
      <PathListEditor items={policy.isolationAllow} busy={busy} testId="isolation-allow" placeholder="192.168.1.10"
        addLabel={t.responseSettings.allowAdd} emptyText={t.responseSettings.allowEmpty}
        check={(a) => (isAddress(a) ? null : t.responseSettings.allowInvalid)}
        onChange={(isolationAllow) => save({ isolationAllow })} onError={setAllowError} />
      <div aria-live="polite">
        {allowError ? <Notice kind="error" testId="isolation-allow-error"><p>{allowError}</p></Notice> : null}
        {message ? <Notice kind={message.kind} testId="response-settings-message"><p>{message.text}</p></Notice> : null}
      </div>
    </section>
  );
}

export function ExceptionsSection() {
  const { t, fmt, settings, client, reloadSettings } = useApp();
  const id = useId();
  const [adding, setAdding] = useState(false);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [message, setMessage] = useState<Message>(null);
  if (!settings?.exceptions) return null; // an older agent without response

  const remove = async (exceptionId: string) => {
    setBusyId(exceptionId);
    setMessage(null);
    try {
      await client.removeException({ id: exceptionId });
      setMessage({ kind: 'success', text: t.exceptions.removed });
    } catch (err) {
      setMessage({ kind: 'error', text: t.exceptions.removeFailed(apiErrorText(t, err)) });
    } finally {
      setBusyId(null);
      reloadSettings();
    }
  };

  return (
    <section className="card settings-section" aria-labelledby={`${id}-title`} data-testid="exceptions-settings">
      <h2 id={`${id}-title`}>{t.exceptions.title}</h2>
      <p className="muted">{t.exceptions.intro}</p>
      {settings.exceptions.length === 0 ? <p className="empty" data-testid="exceptions-empty">{t.exceptions.empty}</p> : (
        <ul className="folder-list exception-list" data-testid="exceptions">
          {settings.exceptions.map((ex) => (
            <li key={ex.id} data-testid="exception-row" data-exception-id={ex.id} data-kind={ex.kind} data-value={ex.value}>
              <div>
                <span className="pill">{t.exceptions.kind[ex.kind]}</span>{' '}
                <code className="path">{ex.value}</code>
                {ex.note ? <span className="block small">{ex.note}</span> : null}
                <span className="block small muted">
                  {t.exceptions.created(fmt.dateTime(ex.createdAt))}
                  {ex.fromAlertId ? <> · <a href={href(`/alerts/${encodeURIComponent(ex.fromAlertId)}`)}>{t.exceptions.fromAlert}</a></> : null}
                </span>
              </div>
              <button type="button" className="btn btn-small" disabled={busyId === ex.id} aria-label={t.exceptions.removeLabel(ex.value)}
                onClick={() => void remove(ex.id)} data-testid="exception-remove">{t.exceptions.remove}</button>
            </li>
          ))}
        </ul>
      )}
      {adding ? (
        <ExceptionEditor onCancel={() => setAdding(false)}
          onDone={() => { setAdding(false); setMessage({ kind: 'success', text: t.exceptions.saved }); }} />
      ) : (
        <button type="button" className="btn" onClick={() => { setAdding(true); setMessage(null); }} data-testid="exception-add">{t.exceptions.add}</button>
      )}
      <div aria-live="polite">
        {message ? <Notice kind={message.kind} testId="exceptions-message"><p>{message.text}</p></Notice> : null}
      </div>
    </section>
  );
}
