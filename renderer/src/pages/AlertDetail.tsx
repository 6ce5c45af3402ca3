// One alert, answering four questions in order: what happened, what Mamori did (file actions and response
// actions, each with its Undo), what you should do (advice, then the response buttons), how to undo.
// Technical detail (rule, signature, hash, raw JSON) is folded under the first.
import { useState } from 'react';
import type { Action, Alert, QuarantineItem } from '../../../preload/contract/index.js';
import {
  CopyButton, LoadError, Loading, Notice, PageTitle, RestoreControl, SeverityBadge,
} from '../components.js';
import { useApp, useLive } from '../state.js';
import { href, processPath } from '../router.js';
import { errorCode } from '../client.js';
import { ActionList, ResponseTools } from '../response.js';

interface Loaded {
  alert: Alert;
  quarantine: QuarantineItem[];
}

export function AlertDetail({ id }: { id: string }) {
  const { t } = useApp();
  const live = useLive<Loaded>(async (c) => {
    const [alert, q] = await Promise.all([c.getAlert({ id }), c.listQuarantine({ includeInactive: true })]);
    return { alert, quarantine: q.items };
  }, ['alert', 'quarantine'], [id]);

  const back = <a className="back-link" href={href('/alerts')}>← {t.detail.backToList}</a>;

  if (live.error && !live.data) {
    return (
      <>
        {back}
        <PageTitle>{t.alerts.title}</PageTitle>
        {errorCode(live.error) === 'NOT_FOUND'
          ? <Notice kind="warning" testId="alert-not-found"><p>{t.detail.notFound}</p></Notice>
          : <LoadError error={live.error} onRetry={live.reload} />}
      </>
    );
  }
  if (!live.data) {
    return (
      <>
        {back}
        <PageTitle>{t.alerts.title}</PageTitle>
        <Loading />
      </>
    );
  }
  return (
    <>
      {back}
      <AlertView alert={live.data.alert} quarantine={live.data.quarantine} reload={live.reload}
        onAlert={(alert) => live.setData({ ...live.data!, alert })} />
    </>
  );
}

function AlertView({ alert, quarantine, reload, onAlert }: {
  alert: Alert; quarantine: QuarantineItem[]; reload(): void; onAlert(a: Alert): void;
}) {
  const { t, fmt, client, report } = useApp();
  const [busy, setBusy] = useState(false);
  const text = alert.text[fmt.lang];
  const responses = useLive((c) => c.listActions({ alertId: alert.id, limit: 200 }), ['action'], [alert.id]);
  const responseItems = responses.data?.items ?? [];

  const setStatus = async (status: 'open' | 'resolved') => {
    setBusy(true);
    try { onAlert(await client.setAlertStatus({ id: alert.id, status })); } catch (err) { report(err); } finally { setBusy(false); }
  };

  const resolveButton = alert.status === 'open' ? (
    <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void setStatus('resolved')} data-testid="alert-resolve">
      {t.detail.markResolved}
    </button>
  ) : (
    <button type="button" className="btn" disabled={busy} onClick={() => void setStatus('open')} data-testid="alert-reopen">
      {t.detail.reopen}
    </button>
  );

  return (
    <article className="alert-detail" data-testid="alert-detail" data-alert-id={alert.id} data-status={alert.status}>
      <PageTitle actions={resolveButton}>
        <span className="title-with-badge">
          <SeverityBadge severity={alert.severity} />
          <span data-testid="alert-title">{text.title || alert.title}</span>
        </span>
      </PageTitle>
      {alert.status === 'resolved' ? <p className="muted" data-testid="alert-resolved-note">{t.detail.resolvedNote}</p> : null}

      <section className="q" aria-labelledby="q1" data-testid="alert-what-happened">
        <h2 id="q1"><span className="q-num" aria-hidden="true">1</span>{t.detail.q1}</h2>
        <p className="lead">{text.summary}</p>
        <p className="muted">
          {[
            t.detail.when(fmt.dateTime(alert.time)),
            alert.count > 1 ? t.detail.repeated(fmt.number(alert.count), fmt.dateTime(alert.lastSeen)) : null,
            alert.source === 'scan' ? t.detail.fromScan : t.detail.fromRealtime,
          ].filter(Boolean).join(fmt.lang === 'ja' ? '' : ' ')}
        </p>
        {alert.file ? <p><code className="path" data-testid="alert-path">{alert.file.path}</code></p> : null}
        {alert.process ? <ProcessLine alert={alert} /> : null}
        {alert.attack?.techniques.length ? (
          <p data-testid="alert-attack">
            {t.detail.attack}:{' '}
            {alert.attack.techniques.map((id, i) => (
              <span key={id}>{i ? ', ' : ''}<code>{id}</code></span>
            ))}
            <span className="muted block">{t.detail.attackHint}</span>
          </p>
        ) : null}
        <TechDetails alert={alert} />
      </section>

      <section className="q" aria-labelledby="q2" data-testid="alert-what-done">
        <h2 id="q2"><span className="q-num" aria-hidden="true">2</span>{t.detail.q2}</h2>
        {alert.actions.length === 0 && responseItems.length === 0 ? (
          responses.loading && !responses.data ? <Loading /> : <p>{t.detail.nothingDone}</p>
        ) : null}
        {alert.actions.length ? (
          <ul className="actions-list">
            {alert.actions.map((a) => <ActionLine key={a.id} action={a} />)}
          </ul>
        ) : null}
        {responseItems.length ? <ActionList actions={responseItems} onChanged={responses.reload} /> : null}
        {responses.error && !responses.data ? <LoadError error={responses.error} onRetry={responses.reload} /> : null}
      </section>

      <section className="q" aria-labelledby="q3" data-testid="alert-what-to-do">
        <h2 id="q3"><span className="q-num" aria-hidden="true">3</span>{t.detail.q3}</h2>
        {text.advice.length === 0 ? <p>{t.detail.noAdvice}</p> : (
          <ol className="advice">
            {text.advice.map((step, i) => <li key={i}>{step}</li>)}
          </ol>
        )}
        <ResponseTools subject={{ main: alert, processAlert: alert.process?.entity_id ? alert : null, fileAlert: alert.file?.sha256 ? alert : null }}
          actions={responseItems} onChanged={() => { responses.reload(); reload(); }} />
      </section>

      <section className="q" aria-labelledby="q4" data-testid="alert-undo">
        <h2 id="q4"><span className="q-num" aria-hidden="true">4</span>{t.detail.q4}</h2>
        <Undo alert={alert} quarantine={quarantine} reload={reload} />
      </section>
    </article>
  );
}

function ActionLine({ action }: { action: Action }) {
  const { t, fmt } = useApp();
  const ok = action.status === 'succeeded';
  return (
    <li className={`action action-${action.status}`} data-testid="alert-action" data-kind={action.kind} data-status={action.status}>
      <span className="action-mark" aria-hidden="true">{ok ? '✓' : action.status === 'failed' ? '✗' : '↺'}</span>
      <div>
        <p className="action-text">{t.detail.action[action.kind][action.status]}</p>
        <p className="muted small">
          <time dateTime={action.time}>
            {t.detail.actionWho(fmt.dateTime(action.time), action.actor === 'policy' ? t.common.automatic : t.common.byYou)}
          </time>
        </p>
        {action.error ? <p className="small error-text">{t.detail.actionError(action.error)}</p> : null}
      </div>
    </li>
  );
}

function Undo({ alert, quarantine, reload }: { alert: Alert; quarantine: QuarantineItem[]; reload(): void }) {
  const { t, fmt } = useApp();
  // The most recent successful quarantine of this alert's file.
  const q = [...alert.actions].reverse().find((a) => a.kind === 'quarantine' && a.quarantineId && a.status !== 'failed');
  if (!q || !q.quarantineId) {
    const failed = alert.actions.some((a) => a.kind === 'quarantine' && a.status === 'failed');
    return <p>{failed ? t.detail.undoFailedQuarantine : t.detail.undoNothing}</p>;
  }
  const item = quarantine.find((i) => i.id === q.quarantineId);
  if (item?.state === 'restored') {
    return <p data-testid="undo-restored" data-restored-path={item.restoredPath ?? item.originalPath}>{t.detail.undoRestored(item.restoredPath ?? item.originalPath, fmt.dateTime(item.changedAt ?? item.time))}</p>;
  }
  if (item?.state === 'deleted') return <p data-testid="undo-deleted">{t.detail.undoDeleted}</p>;
  return (
    <>
      <p className="muted">{t.detail.undoRestoreHint}</p>
      <RestoreControl item={{ id: q.quarantineId, originalPath: item?.originalPath ?? alert.file?.path ?? '' }}
        label={t.detail.undoRestore} onRestored={reload} />
    </>
  );
}

function TechDetails({ alert }: { alert: Alert }) {
  const { t, fmt } = useApp();
  const raw = JSON.stringify(alert, null, 2);
  return (
    <details className="tech" data-testid="alert-tech">
      <summary>{t.common.technicalDetails}</summary>
      <dl className="kv">
        <dt>{t.detail.tech.rule}</dt>
        <dd><code>{alert.ruleId}</code></dd>
        <dt>{t.detail.tech.engine}</dt>
        <dd>{alert.detection.engine === 'hash' ? t.detail.tech.engineHash : alert.detection.engine === 'yara' ? t.detail.tech.engineYara
          : alert.detection.engine === 'sigma' ? t.detail.tech.engineSigma : t.detail.tech.engineContent}</dd>
        <dt>{t.detail.tech.signature}</dt>
        <dd><code>{alert.detection.signature}</code></dd>
        {alert.file ? (
          <>
            <dt>{t.detail.tech.path}</dt>
            <dd><code className="path">{alert.file.path}</code> <CopyButton text={alert.file.path} label={t.detail.tech.path} /></dd>
            <dt>{t.detail.tech.sha256}</dt>
            <dd>
              {alert.file.sha256 ? (
                <><code className="hash" data-testid="alert-sha256">{alert.file.sha256}</code> <CopyButton text={alert.file.sha256} label={t.detail.tech.sha256} /></>
              ) : t.common.unknown}
            </dd>
            <dt>{t.detail.tech.size}</dt>
            <dd>{alert.file.size !== null ? `${fmt.bytes(alert.file.size)} (${t.units.bytes(fmt.number(alert.file.size))})` : t.common.unknown}</dd>
          </>
        ) : null}
        <dt>{t.detail.tech.firstSeen}</dt>
        <dd><time dateTime={alert.time}>{fmt.dateTime(alert.time)}</time></dd>
        <dt>{t.detail.tech.lastSeen}</dt>
        <dd><time dateTime={alert.lastSeen}>{fmt.dateTime(alert.lastSeen)}</time></dd>
        <dt>{t.detail.tech.alertId}</dt>
        <dd><code>{alert.id}</code></dd>
        {alert.scanId ? (
          <>
            <dt>{t.detail.tech.scanId}</dt>
            <dd><code>{alert.scanId}</code></dd>
          </>
        ) : null}
      </dl>
      <div className="raw-head">
        <h3>{t.detail.tech.raw}</h3>
        <CopyButton text={raw} label={t.detail.tech.raw} />
      </div>
      <pre className="raw" tabIndex={0} data-testid="alert-raw-json">{raw}</pre>
    </details>
  );
}

/** Who wrote the file (scan on write) or tried to run it (exec blocked), linked to its process tree. */
function ProcessLine({ alert }: { alert: Alert }) {
  const { t } = useApp();
  const p = alert.process!;
  const label = alert.ruleId === 'mamori.exec.blocked' ? t.detail.startedBy : alert.detection.engine === 'sigma' ? t.detail.doneBy : t.detail.writtenBy;
  const program = p.executable ?? p.command_line ?? t.common.unknown;
  return (
    <p data-testid="alert-process">
      {label}{' '}
      {p.entity_id ? <a href={href(processPath(p.entity_id))}><code className="path">{program}</code></a> : <code className="path">{program}</code>}
      {' '}<span className="muted">{t.detail.pid(String(p.pid))}</span>
      {p.command_line && p.command_line !== program ? <><br /><code className="path">{p.command_line}</code></> : null}
    </p>
  );
}
