// Actions: everything Mamori did or asked about (response actions), newest first, with Undo, and Do it / Don't
// for open questions. Reloads when an action is recorded or changes.
import { useState } from 'react';
import type { ResponseAction } from '../../../preload/contract/index.js';
import { LoadError, Loading, PageTitle } from '../components.js';
import { useApp, useLive } from '../state.js';
import { ActionList, inForce } from '../response.js';

type Filter = 'all' | 'pending' | 'inForce' | 'undone';

const FILTERS: Record<Filter, (a: ResponseAction) => boolean> = {
  all: () => true,
  pending: (a) => a.status === 'pending',
  inForce: (a) => inForce(a),
  undone: (a) => a.status === 'undone',
};

export function Actions() {
  const { t } = useApp();
  const [filter, setFilter] = useState<Filter>('all');
  const live = useLive((c) => c.listActions({ limit: 500 }), ['action'], []);
  const filters: { id: Filter; label: string }[] = [
    { id: 'all', label: t.actions.filterAll },
    { id: 'pending', label: t.actions.filterPending },
    { id: 'inForce', label: t.actions.filterInForce },
    { id: 'undone', label: t.actions.filterUndone },
  ];
  const items = (live.data?.items ?? []).filter(FILTERS[filter]);
  return (
    <>
      <PageTitle>{t.actions.title}</PageTitle>
      <p className="intro">{t.actions.intro}</p>
      <div className="toolbar" role="group" aria-label={t.actions.filterLabel}>
        <span className="toolbar-label" aria-hidden="true">{t.actions.filterLabel}:</span>
        {filters.map((f) => (
          <button key={f.id} type="button" className={filter === f.id ? 'seg seg-on' : 'seg'} aria-pressed={filter === f.id}
            onClick={() => setFilter(f.id)} data-testid={`actions-filter-${f.id}`}>
            {f.label}
          </button>
        ))}
      </div>
      {live.error && !live.data ? <LoadError error={live.error} onRetry={live.reload} /> : null}
      {live.loading && !live.data ? <Loading /> : null}
      {live.data ? (items.length === 0 ? <p className="empty" data-testid="actions-empty">{t.actions.empty}</p> : (
        <div className="card">
          <ActionList actions={items} showAlertLink onChanged={live.reload} testId="actions-list" />
        </div>
      )) : null}
    </>
  );
}
