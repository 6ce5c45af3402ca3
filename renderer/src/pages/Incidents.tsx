// Incidents: alerts that belong together, listed by latest activity; one incident reads like a short report:
// what happened (the most severe alert's words), the ATT&CK techniques, the programs involved (process
// tree), a timeline of what they did, its alerts, what Mamori did (response actions, with Undo) and what to do
// (advice, then the response buttons).
import { useState } from 'react';
import type { Incident } from '../../../preload/contract/index.js';
import { LoadError, Loading, Notice, PageTitle, SeverityBadge } from '../components.js';
import { errorCode } from '../client.js';
import { useApp, useLive } from '../state.js';
import { href, navigate, processPath } from '../router.js';
import { describeEvent } from '../telemetry.js';
import { ActionList, ResponseTools, subjectOf } from '../response.js';

export function Incidents() {
  const { t, fmt } = useApp();
  const live = useLive((c) => c.listIncidents({ limit: 200, status: 'all' }), ['alert'], []);
  return (
    <>
      <PageTitle>{t.incidents.title}</PageTitle>
      <p className="muted">{t.incidents.intro}</p>
      {live.error && !live.data ? <LoadError error={live.error} onRetry={live.reload} /> : null}
      {live.loading && !live.data ? <Loading /> : null}
      {live.data ? (live.data.items.length === 0 ? <p className="empty" data-testid="incidents-empty">{t.incidents.empty}</p> : (
        <table className="table alerts-table" data-testid="incidents-table">
          <thead>
            <tr>
              <th scope="col">{t.incidents.colSeverity}</th>
              <th scope="col">{t.incidents.colTime}</th>
              <th scope="col">{t.incidents.colWhat}</th>
              <th scope="col">{t.incidents.colStatus}</th>
            </tr>
          </thead>
          <tbody>
            {live.data.items.map((i) => <IncidentRow key={i.id} incident={i} lang={fmt.lang} />)}
          </tbody>
        </table>
      )) : null}
    </>
  );
}

function IncidentRow({ incident: i, lang }: { incident: Incident; lang: 'en' | 'ja' }) {
  const { t, fmt } = useApp();
  const link = `/incidents/${encodeURIComponent(i.id)}`;
  return (
    <tr className={i.status === 'resolved' ? 'row-muted row-link' : 'row-link'} data-testid="incident-row" data-incident-id={i.id}
      onClick={(e) => { if (!(e.target as HTMLElement).closest('a')) navigate(link); }}>
      <td><SeverityBadge severity={i.severity} /></td>
      <td className="nowrap"><time dateTime={i.lastSeen}>{fmt.dateTime(i.lastSeen)}</time></td>
      <td>
        <a href={href(link)} className="row-title" data-testid="incident-link">{i.text[lang].title || i.title}</a>
        <span className="muted"> · {t.incidents.alerts(fmt.number(i.alertIds.length))}</span>
        {i.techniques.length ? <div className="small muted">{i.techniques.join(', ')}</div> : null}
      </td>
      <td><span className={i.status === 'open' ? 'pill pill-open' : 'pill'}>{i.status === 'open' ? t.incidents.open : t.incidents.resolved}</span></td>
    </tr>
  );
}

export function IncidentDetail({ id }: { id: string }) {
  const { t, fmt, client, report } = useApp();
  const live = useLive((c) => c.getIncident({ id }), ['alert'], [id]);
  const responses = useLive((c) => c.listActions({ incidentId: id, limit: 200 }), ['action'], [id]);
  const [busy, setBusy] = useState(false);
  const back = <a className="back-link" href={href('/incidents')}>← {t.incidents.back}</a>;
  if (live.error && !live.data) {
    return (
      <>
        {back}
        <PageTitle>{t.incidents.title}</PageTitle>
        {errorCode(live.error) === 'NOT_FOUND'
          ? <Notice kind="warning" testId="incident-not-found"><p>{t.detail.notFound}</p></Notice>
          : <LoadError error={live.error} onRetry={live.reload} />}
      </>
    );
  }
  if (!live.data) return <>{back}<PageTitle>{t.incidents.title}</PageTitle><Loading /></>;
  const { incident, alerts, timeline } = live.data;
  const text = incident.text[fmt.lang];
  const subject = subjectOf(alerts);
  const responseItems = responses.data?.items ?? [];
  const setStatus = async (status: 'open' | 'resolved') => {
    setBusy(true);
    try { await client.setIncidentStatus({ id: incident.id, status }); live.reload(); } catch (err) { report(err); } finally { setBusy(false); }
  };
  const action = incident.status === 'open'
    ? <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void setStatus('resolved')} data-testid="incident-resolve">{t.incidents.resolve}</button>
    : <button type="button" className="btn" disabled={busy} onClick={() => void setStatus('open')} data-testid="incident-reopen">{t.incidents.reopen}</button>;
  return (
    <>
      {back}
      <article className="alert-detail" data-testid="incident-detail" data-incident-id={incident.id} data-status={incident.status}>
        <PageTitle actions={action}>
          <span className="title-with-badge"><SeverityBadge severity={incident.severity} /> <span data-testid="incident-title">{text.title || incident.title}</span></span>
        </PageTitle>
        {incident.status === 'resolved' ? <p className="muted">{t.incidents.resolvedNote}</p> : null}
        <section className="q" aria-labelledby="inc-what">
          <h2 id="inc-what">{t.incidents.whatHappened}</h2>
          <p data-testid="incident-summary">{text.summary}</p>
          {incident.techniques.length ? (
            <p data-testid="incident-techniques">{t.incidents.techniques}: {incident.techniques.map((x, n) => <span key={x}>{n ? ', ' : ''}<code>{x}</code></span>)}</p>
          ) : null}
          {incident.rootEntity ? (
            <p><a href={href(processPath(incident.rootEntity))} data-testid="incident-process-tree">{t.incidents.processTree}</a></p>
          ) : null}
        </section>
        <section className="q" aria-labelledby="inc-timeline">
          <h2 id="inc-timeline">{t.incidents.timeline}</h2>
          {timeline.length ? (
            <ol className="timeline" data-testid="incident-timeline">
              {timeline.map((e) => (
                <li key={e.id}>
                  <time dateTime={e['@timestamp']}>{fmt.dateTime(e['@timestamp'])}</time>{' '}
                  {e.process.entity_id ? <a href={href(processPath(e.process.entity_id))}>{describeEvent(e, fmt)}</a> : describeEvent(e, fmt)}
                  {e.process.command_line ? <div className="path small">{e.process.command_line}</div> : null}
                </li>
              ))}
            </ol>
          ) : <p className="muted">{t.incidents.timelineEmpty}</p>}
        </section>
        <section className="q" aria-labelledby="inc-alerts">
          <h2 id="inc-alerts">{t.incidents.alertsTitle}</h2>
          <ul data-testid="incident-alerts">
            {alerts.map((a) => (
              <li key={a.id}>
                <SeverityBadge severity={a.severity} />{' '}
                <a href={href(`/alerts/${encodeURIComponent(a.id)}`)}>{a.text[fmt.lang].title || a.title}</a>
                {a.count > 1 ? <span className="muted"> · {t.alerts.seenTimes(fmt.number(a.count))}</span> : null}
              </li>
            ))}
          </ul>
        </section>
        <section className="q" aria-labelledby="inc-done" data-testid="incident-what-done">
          <h2 id="inc-done">{t.detail.q2}</h2>
          {responses.error && !responses.data ? <LoadError error={responses.error} onRetry={responses.reload} />
            : !responses.data ? <Loading />
              : responseItems.length === 0 ? <p>{t.response.none}</p>
                : <ActionList actions={responseItems} showAlertLink onChanged={responses.reload} />}
        </section>
        <section className="q" aria-labelledby="inc-do">
          <h2 id="inc-do">{t.incidents.whatToDo}</h2>
          <ul data-testid="incident-advice">{text.advice.map((x) => <li key={x}>{x}</li>)}</ul>
          {subject ? <ResponseTools subject={subject} actions={responseItems} onChanged={() => { responses.reload(); live.reload(); }} /> : null}
        </section>
      </article>
    </>
  );
}
