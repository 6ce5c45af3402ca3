// Alerts list: severity badge, time in the user's locale, plain title, file path. Newest first.
import { useState } from 'react';
import type { Alert } from '../../../preload/contract/index.js';
import { LoadError, Loading, PageTitle, SeverityBadge } from '../components.js';
import { useApp, useLive } from '../state.js';
import { href, navigate } from '../router.js';

type Filter = 'open' | 'resolved' | 'all';

export function Alerts() {
  const { t, fmt } = useApp();
  const [filter, setFilter] = useState<Filter>('open');
  const live = useLive((c) => c.listAlerts({ status: filter, limit: 200 }), ['alert'], [filter]);

  const filters: { id: Filter; label: string }[] = [
    { id: 'open', label: t.alerts.filterOpen },
    { id: 'resolved', label: t.alerts.filterResolved },
    { id: 'all', label: t.alerts.filterAll },
  ];

  return (
    <>
      <PageTitle>{t.alerts.title}</PageTitle>
      <div className="toolbar" role="group" aria-label={t.alerts.filterLabel}>
        <span className="toolbar-label" aria-hidden="true">{t.alerts.filterLabel}:</span>
        {filters.map((f) => (
          <button key={f.id} type="button" className={filter === f.id ? 'seg seg-on' : 'seg'} aria-pressed={filter === f.id}
            onClick={() => setFilter(f.id)} data-testid={`alerts-filter-${f.id}`}>
            {f.label}
          </button>
        ))}
        {live.data ? (
          <span className="muted toolbar-end">{t.alerts.total(fmt.number(live.data.items.length), fmt.number(live.data.total))}</span>
        ) : null}
      </div>
      {live.error && !live.data ? <LoadError error={live.error} onRetry={live.reload} /> : null}
      {live.loading && !live.data ? <Loading /> : null}
      {live.data ? (
        live.data.items.length === 0 ? (
          <p className="empty" data-testid="alerts-empty">{filter === 'open' ? t.alerts.emptyOpen : t.alerts.empty}</p>
        ) : (
          <AlertTable items={live.data.items} />
        )
      ) : null}
    </>
  );
}

function AlertTable({ items }: { items: Alert[] }) {
  const { t, fmt } = useApp();
  return (
    <table className="table alerts-table" data-testid="alerts-table">
      <thead>
        <tr>
          <th scope="col">{t.alerts.colSeverity}</th>
          <th scope="col">{t.alerts.colTime}</th>
          <th scope="col">{t.alerts.colWhat}</th>
          <th scope="col">{t.alerts.colStatus}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((a) => {
          const text = a.text[fmt.lang];
          return (
            <tr key={a.id} className={a.status === 'resolved' ? 'row-muted row-link' : 'row-link'} data-testid="alert-row" data-alert-id={a.id}
              onClick={(e) => {
                // The whole row is clickable; the link inside stays the keyboard target.
                if ((e.target as HTMLElement).closest('a')) return;
                navigate(`/alerts/${encodeURIComponent(a.id)}`);
              }}>
              <td><SeverityBadge severity={a.severity} /></td>
              <td className="nowrap"><time dateTime={a.lastSeen}>{fmt.dateTime(a.lastSeen)}</time></td>
              <td>
                <a href={href(`/alerts/${encodeURIComponent(a.id)}`)} className="row-title" data-testid="alert-link">{text.title || a.title}</a>
                {a.count > 1 ? <span className="muted"> · {t.alerts.seenTimes(fmt.number(a.count))}</span> : null}
                {a.file ? <div className="path small" title={a.file.path}>{a.file.path}</div> : null}
              </td>
              <td>
                <span className={a.status === 'open' ? 'pill pill-open' : 'pill'}>
                  {a.status === 'open' ? t.alerts.statusOpen : t.alerts.statusResolved}
                </span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
