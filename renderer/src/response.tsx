// Response in the UI: one recorded action (what, status, when, who, Undo or Do it / Don't, why it failed), the
// buttons on an alert or incident (stop, pause/continue, block the file, cut off the network, add an exception),
// the exception editor with its preview of past alerts, and the banners for an isolated host and open questions.
// Every call's failure becomes a message in plain words; nothing here throws into React.
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type {
  Alert, MethodInput, ResponseAction, ResponseException,
} from '../../preload/contract/index.js';
import { ConfirmDialog, Notice, SeverityBadge } from './components.js';
import { errorCode, errorMessage } from './client.js';
import type { Messages } from './i18n.js';
import { href } from './router.js';
import { useApp, useLive } from './state.js';

type ExceptionKind = ResponseException['kind'];
type Message = { kind: 'success' | 'error' | 'warning'; text: string } | null;

/** A failed call, in words: the network switched off, a conflict (already undone, cannot be undone), and so on. */
export function apiErrorText(t: Messages, err: unknown): string {
  const code = errorCode(err);
  const msg = errorMessage(err);
  if (code === 'IO_ERROR' || code === 'UNREACHABLE') return t.errors.offline;
  if (code && t.response.errors[code]) return t.response.errors[code]!;
  if (code === 'CONFLICT') return t.response.conflict(msg);
  if (code === 'NOT_FOUND') return t.response.notFound;
  if (code === 'BAD_INPUT') return t.response.badInput(msg);
  return t.response.callFailed(msg);
}

/** Why a recorded action did not work, in words (the recorded English message when the code is not known). */
export function actionErrorText(t: Messages, error: ResponseAction['error']): string {
  if (!error) return t.common.unknown;
  return t.response.errors[error.code] ?? error.message;
}

/** What a finished call says: done, partly done, or why it did not work. */
export function resultMessage(t: Messages, a: ResponseAction): NonNullable<Message> {
  if (a.status === 'failed') return { kind: 'error', text: t.response.failedBecause(actionErrorText(t, a.error)) };
  if (a.status === 'partial') return { kind: 'warning', text: `${t.response.done[a.kind]}: ${t.response.status.partial}. ${actionErrorText(t, a.error)}` };
  return { kind: 'success', text: `${t.response.done[a.kind]}.` };
}

const IN_FORCE: readonly ResponseAction['status'][] = ['succeeded', 'partial'];
export const inForce = (a: ResponseAction): boolean => IN_FORCE.includes(a.status);

function targetLines(t: Messages, a: ResponseAction): { key: string; text: string; mono?: boolean }[] {
  const lines: { key: string; text: string; mono?: boolean }[] = [];
  const first = a.processes[0];
  const program = a.target.executable ?? a.target.commandLine ?? first?.executable ?? first?.commandLine ?? null;
  if (program) lines.push({ key: 'program', text: t.response.program(program) });
  if (a.processes.length > 1) lines.push({ key: 'more', text: t.response.morePrograms(String(a.processes.length - 1)) });
  if (a.target.address) lines.push({ key: 'address', text: t.response.address(a.target.address) });
  if (a.target.path) lines.push({ key: 'path', text: t.response.file(a.target.path) });
  if (a.target.sha256) lines.push({ key: 'sha', text: t.response.fingerprint(a.target.sha256), mono: true });
  if (a.kind === 'isolate' && a.target.allow?.length) lines.push({ key: 'allow', text: t.response.stillReachable(a.target.allow.join(', ')) });
  return lines;
}

/** One recorded action: what, status, when and by whom; Undo, or Do it / Don't for a question; why it failed. */
export function ActionItem({ action: a, showAlertLink, onChanged }: { action: ResponseAction; showAlertLink?: boolean; onChanged?(): void }) {
  const { t, fmt, client, settings } = useApp();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);

  const run = async (call: () => Promise<ResponseAction>, ok: string) => {
    setBusy(true);
    setMessage(null);
    try {
      const r = await call();
      setMessage(r.status === 'failed' || r.status === 'partial' ? resultMessage(t, r) : { kind: 'success', text: ok });
    } catch (err) {
      setMessage({ kind: 'error', text: apiErrorText(t, err) });
    } finally {
      setBusy(false);
      onChanged?.();
    }
  };

  const headline = a.status === 'pending' ? t.response.question(t.response.kind[a.kind])
    : a.status === 'failed' || a.status === 'declined' ? t.response.kind[a.kind] : t.response.done[a.kind];
  const mark = a.status === 'pending' ? '?' : a.status === 'failed' ? '✗' : a.status === 'declined' ? '–' : a.status === 'undone' ? '↺' : '✓';
  const who = a.actor === 'policy' ? t.response.byMamori : t.response.byYou;
  const askDefault = settings?.responsePolicy?.askDefault; // an older agent may not have a policy
  const decideBy = a.decideBy
    ? (askDefault === 'act' ? t.response.decideByAct : askDefault === 'skip' ? t.response.decideBySkip : t.response.decideBy)(fmt.dateTime(a.decideBy))
    : null;
  const label = `${t.response.done[a.kind]} (${fmt.dateTime(a.time)})`;

  return (
    <li className={`action action-${a.status}`} data-testid="response-action" data-action-id={a.id} data-kind={a.kind} data-status={a.status}>
      <span className="action-mark" aria-hidden="true">{mark}</span>
      <div className="action-body">
        <p className="action-text">
          <span data-testid="action-summary">{headline}</span>{' '}
          <span className={`pill action-pill-${a.status}`} data-testid="action-status">{t.response.status[a.status]}</span>
        </p>
        {targetLines(t, a).map((l) => <p key={l.key} className={l.mono ? 'small hash' : 'small path'}>{l.text}</p>)}
        <p className="muted small">
          <time dateTime={a.time}>{t.response.when(fmt.dateTime(a.time), who)}</time>
          {showAlertLink && a.alertId ? <> · <a href={href(`/alerts/${encodeURIComponent(a.alertId)}`)}>{t.response.related}</a></> : null}
        </p>
        {a.status === 'failed' || (a.status === 'partial' && a.error) ? (
          <p className="small error-text" data-testid="action-error">{t.response.failedBecause(actionErrorText(t, a.error))}</p>
        ) : null}
        {a.status === 'undone' && a.undo.undoneAt ? <p className="muted small">{t.response.undoneAt(fmt.dateTime(a.undo.undoneAt))}</p> : null}
        {a.undoes ? <p className="muted small">{t.response.undoes}</p> : null}
        {a.kind === 'kill' && inForce(a) ? <p className="muted small">{t.response.cannotUndoKill}</p> : null}
        {a.status === 'pending' ? (
          <>
            {decideBy ? <p className="muted small">{decideBy}</p> : null}
            <div className="row">
              <button type="button" className="btn btn-small btn-primary" disabled={busy} data-testid="action-approve"
                onClick={() => void run(() => client.decideAction({ id: a.id, approve: true }), t.response.approved)}>{t.response.doIt}</button>
              <button type="button" className="btn btn-small" disabled={busy} data-testid="action-decline"
                onClick={() => void run(() => client.decideAction({ id: a.id, approve: false }), t.response.declined)}>{t.response.dont}</button>
            </div>
          </>
        ) : null}
        {inForce(a) && a.undo.possible ? (
          <div className="row">
            <button type="button" className="btn btn-small" disabled={busy} aria-label={t.response.undoLabel(label)} data-testid="action-undo"
              onClick={() => void run(() => client.undoAction({ id: a.id }), t.response.undone)}>{t.response.undo}</button>
          </div>
        ) : null}
        <div aria-live="polite">
          {message ? <Notice kind={message.kind} testId="action-message"><p>{message.text}</p></Notice> : null}
        </div>
        <details className="tech action-tech">
          <summary>{t.common.technicalDetails}</summary>
          <p className="small">{t.response.summary}: {a.summary || t.common.none}</p>
          {a.processes.length ? (
            <ul className="small plain">
              {a.processes.slice(0, 20).map((p) => (
                <li key={p.entityId}><code>{p.entityId}</code> {p.executable ?? p.commandLine ?? ''} — {p.outcome}{p.code ? ` (${p.code})` : ''}</li>
              ))}
            </ul>
          ) : null}
          {a.error ? <p className="small"><code>{a.error.code}</code> {a.error.message}</p> : null}
          <p className="small muted"><code>{a.id}</code></p>
        </details>
      </div>
    </li>
  );
}

export function ActionList({ actions, showAlertLink, onChanged, testId }: {
  actions: ResponseAction[]; showAlertLink?: boolean; onChanged?(): void; testId?: string;
}) {
  return (
    <ul className="actions-list" data-testid={testId ?? 'response-actions'}>
      {actions.map((a) => <ActionItem key={a.id} action={a} showAlertLink={showAlertLink} onChanged={onChanged} />)}
    </ul>
  );
}

/** What the buttons act on: the alert with the program, the alert with the file, and the alert the rest hang on. */
export interface ResponseSubject {
  main: Alert;
  processAlert: Alert | null;
  fileAlert: Alert | null;
}

export function subjectOf(alerts: Alert[]): ResponseSubject | null {
  const order = ['critical', 'high', 'medium', 'low', 'informational'];
  const sorted = [...alerts].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
  const main = sorted[0];
  if (!main) return null;
  return {
    main,
    processAlert: sorted.find((a) => !!a.process?.entity_id) ?? null,
    fileAlert: sorted.find((a) => !!a.file?.sha256) ?? null,
  };
}

type Confirm = 'kill' | 'isolate' | null;

/** The response buttons of an alert or incident, with confirmations for what cannot be undone or cuts the network. */
export function ResponseTools({ subject, actions, onChanged }: { subject: ResponseSubject; actions: ResponseAction[]; onChanged(): void }) {
  const { t, client, status, settings, setStatus } = useApp();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [editing, setEditing] = useState(false);
  const cancelConfirm = useCallback(() => setConfirm(null), []);

  const proc = subject.processAlert?.process ?? null;
  const entityId = proc?.entity_id ?? null;
  const program = proc ? (proc.executable ?? proc.command_line ?? t.common.unknown) : null;
  const sha256 = subject.fileAlert?.file?.sha256 ?? null;
  const mine = (a: ResponseAction) => a.target.entityId === entityId || (a.target.entityIds ?? []).includes(entityId ?? '');
  const killed = !!entityId && actions.some((a) => a.kind === 'kill' && mine(a) && inForce(a));
  const suspension = entityId ? actions.find((a) => a.kind === 'suspend' && a.target.entityId === entityId && inForce(a)) ?? null : null;
  const blocked = !!sha256 && actions.some((a) => a.kind === 'block_hash' && a.target.sha256 === sha256.toLowerCase() && inForce(a));
  const isolated = status?.isolated ?? false;

  const act = async (call: () => Promise<ResponseAction>) => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage(resultMessage(t, await call()));
    } catch (err) {
      setMessage({ kind: 'error', text: apiErrorText(t, err) });
    } finally {
      setBusy(false);
      onChanged();
      client.getStatus().then(setStatus, () => undefined);
    }
  };
  const respond = (input: MethodInput<'respond'>) => act(() => client.respond(input));

  const kill = () => { setConfirm(null); void respond({ kind: 'kill', entityId: entityId!, alertId: subject.processAlert!.id }); };
  const isolate = () => { setConfirm(null); void respond({ kind: 'isolate', alertId: subject.main.id }); };
  const pause = () => void respond({ kind: 'suspend', entityId: entityId!, alertId: subject.processAlert!.id });
  // Continue: undo the pause on record (so it shows as undone), or resume the tree when Mamori did not pause it.
  const resume = () => void (suspension ? act(() => client.undoAction({ id: suspension.id }))
    : respond({ kind: 'resume', entityId: entityId!, alertId: subject.processAlert!.id }));
  const block = () => void respond({ kind: 'block_hash', sha256: sha256!, alertId: subject.fileAlert!.id });

  const allow = settings?.responsePolicy?.isolationAllow ?? [];

  return (
    <div className="response-tools" data-testid="response-tools">
      <h3>{t.response.tools}</h3>
      {killed ? <p className="muted" data-testid="response-stopped">{t.response.stopped}</p> : null}
      {suspension ? <p className="muted" data-testid="response-paused">{t.response.paused}</p> : null}
      {blocked ? <p className="muted" data-testid="response-blocked">{t.response.blocked}</p> : null}
      {isolated ? <p className="muted">{t.response.isolated}</p> : null}
      {program ? <p className="small">{t.response.program(program)}</p> : null}
      <div className="row">
        {entityId && !killed ? (
          <>
            <button type="button" className="btn btn-danger-outline" disabled={busy} onClick={() => setConfirm('kill')} data-testid="response-kill">
              {t.response.kill}
            </button>
            {suspension ? (
              <button type="button" className="btn" disabled={busy} onClick={resume} data-testid="response-resume">{t.response.resume}</button>
            ) : (
              <button type="button" className="btn" disabled={busy} onClick={pause} title={t.response.pauseHint} data-testid="response-suspend">{t.response.pause}</button>
            )}
          </>
        ) : null}
        {sha256 && !blocked ? (
          <button type="button" className="btn" disabled={busy} onClick={block} data-testid="response-block-hash">{t.response.blockHash}</button>
        ) : null}
        {!isolated ? (
          <button type="button" className="btn btn-danger-outline" disabled={busy} onClick={() => setConfirm('isolate')} data-testid="response-isolate">
            {t.response.isolate}
          </button>
        ) : null}
        <button type="button" className="btn" aria-expanded={editing} onClick={() => setEditing((x) => !x)} data-testid="response-add-exception">
          {t.response.addException}
        </button>
      </div>
      {!entityId && !sha256 ? <p className="muted small">{t.response.toolsNone}</p> : null}
      <div aria-live="polite">
        {message ? <Notice kind={message.kind} testId="response-result"><p>{message.text}</p></Notice> : null}
      </div>
      {editing ? (
        <ExceptionEditor alert={subject.main} onCancel={() => setEditing(false)}
          onDone={() => { setEditing(false); setMessage({ kind: 'success', text: t.exceptions.saved }); }} />
      ) : null}

      <ConfirmDialog open={confirm === 'kill'} title={t.response.killTitle} confirmLabel={t.response.killConfirm} danger
        onConfirm={kill} onCancel={cancelConfirm}>
        <p>{t.response.killBody(program ?? t.common.unknown)}</p>
        <p><strong>{t.response.killBody2}</strong></p>
      </ConfirmDialog>
      <ConfirmDialog open={confirm === 'isolate'} title={t.response.isolateTitle} confirmLabel={t.response.isolateConfirm} danger
        onConfirm={isolate} onCancel={cancelConfirm}>
        <p>{t.response.isolateBody}</p>
        <p>{allow.length ? t.response.isolateAllow(allow.join(', ')) : t.response.isolateAllowNone}</p>
        <p>{t.response.isolateReconnect}</p>
      </ConfirmDialog>
    </div>
  );
}

const EXCEPTION_KINDS: readonly ExceptionKind[] = ['hash', 'path', 'commandLine', 'rule', 'package'];

function prefill(alert: Alert | null | undefined, kind: ExceptionKind): string {
  if (!alert) return '';
  switch (kind) {
    case 'hash': return alert.file?.sha256 ?? '';
    case 'path': return alert.file?.path ?? alert.process?.executable ?? '';
    case 'commandLine': return alert.process?.command_line ?? '';
    case 'rule': return alert.ruleId;
    default: return '';
  }
}

interface Preview {
  key: string;
  result?: { alerts: Alert[]; total: number; checked: number };
  error?: string;
}

/**
 * Add an exception, prefilled from an alert when there is one. Shows the past alerts it would have suppressed
 * (previewException) and only saves once that preview is in for exactly the value entered.
 */
export function ExceptionEditor({ alert, onDone, onCancel }: { alert?: Alert | null; onDone(ex: ResponseException): void; onCancel(): void }) {
  const { t, fmt, client, reloadSettings } = useApp();
  const id = useId();
  const [kind, setKind] = useState<ExceptionKind>(() => EXCEPTION_KINDS.find((k) => prefill(alert, k)) ?? 'path');
  const [value, setValue] = useState(() => prefill(alert, kind));
  const [note, setNote] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const key = `${kind}\n${value.trim()}`;

  useEffect(() => {
    const v = value.trim();
    if (!v) { setPreview(null); return; }
    let live = true;
    const timer = window.setTimeout(() => {
      client.previewException({ kind, value: v }).then(
        (result) => { if (live) setPreview({ key, result }); },
        (err: unknown) => { if (live) setPreview({ key, error: apiErrorText(t, err) }); },
      );
    }, 300);
    return () => { live = false; window.clearTimeout(timer); };
  }, [client, kind, value, key, t]);

  const ready = preview?.key === key && !!preview.result;
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready || saving) return;
    setSaving(true);
    setMessage(null);
    try {
      const ex = await client.addException({ kind, value: value.trim(), ...(note.trim() ? { note: note.trim() } : {}), ...(alert ? { fromAlertId: alert.id } : {}) });
      reloadSettings();
      setMessage({ kind: 'success', text: t.exceptions.saved });
      onDone(ex);
    } catch (err) {
      setMessage({ kind: 'error', text: t.exceptions.saveFailed(apiErrorText(t, err)) });
    } finally {
      setSaving(false);
    }
  };

  const shown = preview?.key === key ? preview : null;
  return (
    <form className="card exception-editor" onSubmit={(e) => void save(e)} noValidate data-testid="exception-editor" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t.exceptions.editorTitle}</h3>
      <div className="field">
        <label htmlFor={`${id}-kind`} className="field-label">{t.exceptions.kindLabel}</label>
        <select id={`${id}-kind`} className="input" value={kind} data-testid="exception-kind"
          onChange={(e) => { const k = e.target.value as ExceptionKind; setKind(k); setValue(prefill(alert, k) || (alert ? '' : value)); setMessage(null); }}>
          {EXCEPTION_KINDS.map((k) => <option key={k} value={k}>{t.exceptions.kind[k]}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-value`} className="field-label">{t.exceptions.value}</label>
        <input id={`${id}-value`} type="text" className="input input-wide exception-value" value={value} spellCheck={false} autoComplete="off"
          aria-describedby={`${id}-hint`} aria-invalid={!!shown?.error} data-testid="exception-value"
          onChange={(e) => { setValue(e.target.value); setMessage(null); }} />
        <p id={`${id}-hint`} className="field-hint">{t.exceptions.kindHint[kind]}</p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-note`} className="field-label">{t.exceptions.note}</label>
        <input id={`${id}-note`} type="text" className="input input-wide" value={note} maxLength={500} placeholder={t.exceptions.notePlaceholder}
          onChange={(e) => setNote(e.target.value)} data-testid="exception-note" />
      </div>
      <section className="exception-preview" aria-live="polite" data-testid="exception-preview" data-ready={ready ? 'true' : 'false'}>
        <h4>{t.exceptions.previewTitle}</h4>
        {!value.trim() ? <p className="muted">{t.exceptions.previewFirst}</p>
          : shown?.error ? <p className="error-text" data-testid="exception-preview-error">{shown.error}</p>
            : shown?.result ? (
              shown.result.total === 0 ? <p data-testid="exception-preview-count">{t.exceptions.previewNone(fmt.number(shown.result.checked))}</p> : (
                <>
                  <p data-testid="exception-preview-count">{t.exceptions.previewCount(fmt.number(shown.result.total), fmt.number(shown.result.checked))}</p>
                  <ul className="plain preview-list">
                    {shown.result.alerts.slice(0, 10).map((a) => (
                      <li key={a.id} data-testid="exception-preview-alert" data-alert-id={a.id}>
                        <SeverityBadge severity={a.severity} />{' '}
                        <a href={href(`/alerts/${encodeURIComponent(a.id)}`)}>{a.text[fmt.lang].title || a.title}</a>{' '}
                        <span className="muted small"><time dateTime={a.time}>{fmt.dateTime(a.time)}</time></span>
                        {a.file ? <div className="path small">{a.file.path}</div> : null}
                      </li>
                    ))}
                  </ul>
                  {shown.result.total > Math.min(10, shown.result.alerts.length) ? (
                    <p className="muted small">{t.exceptions.previewMore(fmt.number(shown.result.total - Math.min(10, shown.result.alerts.length)))}</p>
                  ) : null}
                </>
              )
            ) : <p className="muted" role="status">{t.exceptions.previewing}</p>}
      </section>
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={!ready || saving} data-testid="exception-save">{t.exceptions.save}</button>
        <button type="button" className="btn" onClick={onCancel} data-testid="exception-cancel">{t.common.cancel}</button>
      </div>
      <div aria-live="polite">
        {message ? <Notice kind={message.kind} testId="exception-message"><p>{message.text}</p></Notice> : null}
      </div>
    </form>
  );
}

/** On every page: the host is cut off (one click reconnects), and questions waiting for an answer. */
export function ResponseBanners() {
  const { status } = useApp();
  if (!status) return null;
  return (
    <>
      {status.isolated ? <IsolatedBanner /> : null}
      {status.pendingDecisions > 0 ? <PendingBanner count={status.pendingDecisions} /> : null}
    </>
  );
}

function IsolatedBanner() {
  const { t, client, setStatus, notify } = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reconnect = async () => {
    setBusy(true);
    setError(null);
    try {
      const a = await client.respond({ kind: 'unisolate' });
      if (a.status === 'failed') setError(resultMessage(t, a).text);
      else notify(t.banners.reconnected);
    } catch (err) {
      setError(apiErrorText(t, err));
    } finally {
      setBusy(false);
      client.getStatus().then(setStatus, () => undefined);
    }
  };
  return (
    <div className="notice notice-error banner response-banner" role="alert" data-testid="isolated-banner">
      <div>
        <p><strong>{t.banners.isolated}</strong></p>
        {error ? <p className="error-text" data-testid="reconnect-error">{error}</p> : null}
      </div>
      <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void reconnect()} data-testid="reconnect">
        {t.banners.reconnect}
      </button>
    </div>
  );
}

const BANNER_QUESTIONS = 3;

function PendingBanner({ count }: { count: number }) {
  const { t, fmt } = useApp();
  const live = useLive((c) => c.listActions({ status: 'pending', limit: BANNER_QUESTIONS }), ['action'], [count]);
  const items = live.data?.items ?? [];
  return (
    <div className="notice notice-warning response-banner-questions" role="status" data-testid="pending-banner">
      <p><strong>{t.banners.pending(fmt.number(count))}</strong></p>
      {items.length ? <ActionList actions={items} showAlertLink onChanged={live.reload} testId="pending-actions" /> : null}
      {count > items.length && items.length ? (
        <p className="small"><a href={href('/actions')}>{t.banners.more(fmt.number(count - items.length))}</a></p>
      ) : null}
    </div>
  );
}
