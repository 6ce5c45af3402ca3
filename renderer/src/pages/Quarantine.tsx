// Quarantine: file name, original path, size, detection, date; Restore; Delete (confirmed, permanent).
// A toggle shows restored and deleted items too (includeInactive).
import { useCallback, useState } from 'react';
import type { QuarantineItem } from '../../../preload/contract/index.js';
import { ConfirmDialog, LoadError, Loading, Notice, PageTitle } from '../components.js';
import { useApp, useLive } from '../state.js';
import { href } from '../router.js';
import { baseName } from '../i18n.js';
import { errorCode, errorMessage } from '../client.js';

type Outcome =
  | { kind: 'restored'; path: string }
  | { kind: 'exists'; item: QuarantineItem }
  | { kind: 'deleted'; name: string }
  | { kind: 'error'; text: string };

export function Quarantine() {
  const { t, fmt, client } = useApp();
  const [includeInactive, setIncludeInactive] = useState(false);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [toDelete, setToDelete] = useState<QuarantineItem | null>(null);
  const live = useLive((c) => c.listQuarantine({ includeInactive }), ['quarantine', 'alert'], [includeInactive]);

  const restore = async (item: QuarantineItem, onConflict: 'refuse' | 'rename') => {
    setBusyId(item.id);
    setOutcome(null);
    try {
      const result = await client.restoreQuarantine({ id: item.id, onConflict });
      setOutcome({ kind: 'restored', path: result.restoredPath });
    } catch (err) {
      if (errorCode(err) === 'TARGET_EXISTS') setOutcome({ kind: 'exists', item });
      else setOutcome({ kind: 'error', text: t.restore.failed(errorMessage(err)) });
    } finally {
      setBusyId(null);
      live.reload();
    }
  };

  const confirmDelete = async () => {
    const item = toDelete;
    if (!item) return;
    setToDelete(null);
    setBusyId(item.id);
    setOutcome(null);
    try {
      await client.deleteQuarantine({ id: item.id });
      setOutcome({ kind: 'deleted', name: baseName(item.originalPath) });
    } catch (err) {
      setOutcome({ kind: 'error', text: t.quarantine.deleteFailed(errorMessage(err)) });
    } finally {
      setBusyId(null);
      live.reload();
    }
  };
  const cancelDelete = useCallback(() => setToDelete(null), []);

  const items = live.data?.items ?? [];

  return (
    <>
      <PageTitle>{t.quarantine.title}</PageTitle>
      <p className="intro">{t.quarantine.intro}</p>
      <div className="toolbar">
        <label className="check">
          <input type="checkbox" checked={includeInactive} onChange={(e) => setIncludeInactive(e.target.checked)}
            data-testid="quarantine-include-inactive" />
          {t.quarantine.showInactive}
        </label>
      </div>

      <div aria-live="polite">
        {outcome?.kind === 'restored' ? <Notice kind="success" testId="restore-done"><p data-restored-path={outcome.path}>{t.restore.done(outcome.path)}</p></Notice> : null}
        {outcome?.kind === 'deleted' ? <Notice kind="success" testId="delete-done"><p>{t.quarantine.deleted(outcome.name)}</p></Notice> : null}
        {outcome?.kind === 'error' ? <Notice kind="error" testId="quarantine-error"><p>{outcome.text}</p></Notice> : null}
        {outcome?.kind === 'exists' ? (
          <Notice kind="warning" testId="restore-exists">
            <p>{t.restore.exists(outcome.item.originalPath)}</p>
            <div className="row">
              <button type="button" className="btn btn-primary" onClick={() => void restore(outcome.item, 'rename')} data-testid="restore-rename">
                {t.restore.asNewName}
              </button>
              <button type="button" className="btn" onClick={() => setOutcome(null)}>{t.common.cancel}</button>
            </div>
          </Notice>
        ) : null}
      </div>

      {live.error && !live.data ? <LoadError error={live.error} onRetry={live.reload} /> : null}
      {live.loading && !live.data ? <Loading /> : null}
      {live.data && items.length === 0 ? <p className="empty" data-testid="quarantine-empty">{t.quarantine.empty}</p> : null}
      {items.length > 0 ? (
        <table className="table" data-testid="quarantine-table">
          <thead>
            <tr>
              <th scope="col">{t.quarantine.colName}</th>
              <th scope="col">{t.quarantine.colSize}</th>
              <th scope="col">{t.quarantine.colDetection}</th>
              <th scope="col">{t.quarantine.colDate}</th>
              {includeInactive ? <th scope="col">{t.quarantine.colState}</th> : null}
              <th scope="col"><span className="visually-hidden">{t.quarantine.colActions}</span></th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => {
              const name = baseName(item.originalPath);
              const active = item.state === 'quarantined';
              return (
                <tr key={item.id} className={active ? '' : 'row-muted'} data-testid="quarantine-row" data-quarantine-id={item.id}
                  data-state={item.state} data-path={item.originalPath}>
                  <td>
                    <div className="row-title">{name}</div>
                    <div className="path small" title={item.originalPath}>
                      <span className="visually-hidden">{t.quarantine.colOriginal}: </span>{item.originalPath}
                    </div>
                  </td>
                  <td className="nowrap num">{fmt.bytes(item.size)}</td>
                  <td>
                    <code className="small">{item.signature}</code>
                    {item.alertId ? (
                      <div><a className="small" href={href(`/alerts/${encodeURIComponent(item.alertId)}`)}>{t.quarantine.openAlert}</a></div>
                    ) : null}
                  </td>
                  <td className="nowrap"><time dateTime={item.time}>{fmt.dateTime(item.time)}</time></td>
                  {includeInactive ? (
                    <td>
                      <span className={active ? 'pill pill-open' : 'pill'}>{t.quarantine.state[item.state]}</span>
                      {item.changedAt && !active ? <div className="muted small">{fmt.dateTime(item.changedAt)}</div> : null}
                    </td>
                  ) : null}
                  <td className="nowrap actions-cell">
                    {active ? (
                      <>
                        <button type="button" className="btn btn-small" disabled={busyId === item.id}
                          onClick={() => void restore(item, 'refuse')} data-testid="quarantine-restore"
                          aria-label={`${t.quarantine.restore}: ${name}`}>
                          {t.quarantine.restore}
                        </button>
                        <button type="button" className="btn btn-small btn-danger-outline" disabled={busyId === item.id}
                          onClick={() => setToDelete(item)} data-testid="quarantine-delete"
                          aria-label={`${t.quarantine.delete}: ${name}`}>
                          {t.quarantine.delete}
                        </button>
                      </>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}

      <ConfirmDialog open={toDelete !== null} title={t.quarantine.confirmTitle} confirmLabel={t.quarantine.confirmDelete} danger
        onConfirm={() => void confirmDelete()} onCancel={cancelDelete}>
        {toDelete ? (
          <>
            <p>{t.quarantine.confirmBody(baseName(toDelete.originalPath))}</p>
            <p>{t.quarantine.confirmBody2}</p>
            <p className="path small">{toDelete.originalPath}</p>
          </>
        ) : null}
      </ConfirmDialog>
    </>
  );
}
