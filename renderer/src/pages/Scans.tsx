// Scans: start a scan of a folder or the quick/full scan, follow it live (scanProgress events), cancel it,
// see the history, and set the schedule.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Scan, ScanProgress } from '../../../preload/contract/index.js';
import { LoadError, Loading, Notice, PageTitle } from '../components.js';
import { useApp, useLive } from '../state.js';
import { href } from '../router.js';
import { isAbsolutePath } from '../i18n.js';
import { errorMessage } from '../client.js';
import { ScanSchedule } from './ScanSchedule.js';

export function Scans() {
  const { t, fmt, client, status, report } = useApp();
  const inputId = useId();
  const hintId = useId();
  const [path, setPath] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const [active, setActive] = useState<Scan | null>(null);
  const [progress, setProgress] = useState<ScanProgress | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [finished, setFinished] = useState<Scan | null>(null);
  const history = useLive((c) => c.listScans({ limit: 50 }), ['scanFinished'], []);

  // Pick up a scan that is already running (started from the tray or CLI, or before a reload).
  useEffect(() => {
    if (active || !history.data) return;
    const running = history.data.items.find((s) => s.state === 'running');
    if (!running) return;
    client.getScan({ id: running.id }).then((r) => {
      if (r.scan.state !== 'running') return;
      setActive(r.scan);
      if (r.progress) setProgress(r.progress);
    }, () => undefined);
  }, [history.data, active, client]);

  const activeRef = useRef<Scan | null>(null);
  activeRef.current = active;

  useEffect(() => {
    const offProgress = client.on('scanProgress', (p) => {
      const current = activeRef.current;
      if (p.state === 'running') {
        setProgress(p);
        // A scan started elsewhere (tray, CLI): fetch it so it can be shown and cancelled here.
        if (!current || current.id !== p.scanId) {
          client.getScan({ id: p.scanId }).then((r) => { if (r.scan.state === 'running') setActive(r.scan); }, () => undefined);
        }
      } else if (current && current.id === p.scanId) {
        setProgress(p);
        setActive(null);
        setCancelling(false);
      }
    });
    const offFinished = client.on('scanFinished', (scan) => {
      if (activeRef.current && activeRef.current.id === scan.id) {
        setFinished(scan);
        setActive(null);
        setCancelling(false);
      }
    });
    return () => { offProgress(); offFinished(); };
  }, [client]);

  const start = async (what: string[] | 'quick' | 'full') => {
    setStartError(null);
    try {
      const { scan } = await client.startScan(typeof what === 'string' ? { profile: what, trigger: 'user' } : { paths: what, trigger: 'user' });
      setFinished(null);
      setActive(scan);
      setProgress(null);
      history.reload();
    } catch (err) {
      setStartError(t.scans.startFailed(errorMessage(err)));
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const p = path.trim();
    if (!isAbsolutePath(p)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    void start([p]);
  };

  const cancel = async () => {
    if (!active) return;
    setCancelling(true);
    try {
      const { scan } = await client.cancelScan({ id: active.id });
      if (scan.state !== 'running') {
        setFinished(scan);
        setActive(null);
        setCancelling(false);
      }
      history.reload();
    } catch (err) {
      setCancelling(false);
      report(err);
    }
  };

  const running = active !== null && active.state === 'running';
  const live = running && progress && progress.scanId === active.id ? progress : null;
  const watched = status?.watchedFolders ?? [];

  return (
    <>
      <PageTitle>{t.scans.title}</PageTitle>
      <p className="intro">{t.scans.intro}</p>

      <form className="scan-form" onSubmit={onSubmit} noValidate>
        <label htmlFor={inputId} className="field-label">{t.scans.pathLabel}</label>
        <div className="row">
          <input id={inputId} type="text" className="input input-wide" value={path} spellCheck={false} autoComplete="off"
            placeholder="/home/office/Documents" aria-describedby={hintId} aria-invalid={invalid}
            onChange={(e) => { setPath(e.target.value); setInvalid(false); }} data-testid="scan-path" />
          <button type="submit" className="btn btn-primary" disabled={running} data-testid="scan-start">{t.scans.start}</button>
          {watched.length > 0 ? (
            <button type="button" className="btn" disabled={running} onClick={() => void start(watched)} data-testid="scan-watched">
              {t.scans.scanWatched}
            </button>
          ) : null}
          <button type="button" className="btn" disabled={running} onClick={() => void start('quick')} data-testid="scan-quick">
            {t.schedule.quickNow}
          </button>
          <button type="button" className="btn" disabled={running} onClick={() => void start('full')} data-testid="scan-full">
            {t.schedule.fullNow}
          </button>
        </div>
        <p id={hintId} className={invalid ? 'field-hint error-text' : 'field-hint'}>{invalid ? t.scans.pathInvalid : t.scans.pathHint}</p>
      </form>
      {startError ? <Notice kind="error" testId="scan-start-error"><p>{startError}</p></Notice> : null}

      {running ? (
        <section className="card progress-card" aria-labelledby="progress-title" data-testid="scan-progress" data-scan-id={active.id}>
          <h2 id="progress-title">{t.scans.running}</h2>
          <p className="path small">{active.paths.join(', ')}</p>
          <ProgressView progress={live} />
          <button type="button" className="btn btn-danger-outline" disabled={cancelling} onClick={() => void cancel()} data-testid="scan-cancel">
            {cancelling ? t.scans.cancelling : t.scans.cancel}
          </button>
        </section>
      ) : null}

      {finished && !running ? (
        <Notice kind={finished.findings > 0 ? 'warning' : finished.state === 'completed' ? 'success' : 'info'} testId="scan-finished">
          <p>
            {t.scans.finished(t.scans.state[finished.state], fmt.number(finished.filesScanned), fmt.number(finished.findings))}
            {finished.findings > 0 ? <>{' '}<a href={href('/alerts')}>{t.overview.viewAlerts}</a></> : null}
          </p>
        </Notice>
      ) : null}

      <ScanSchedule />

      <section aria-labelledby="history-title">
        <h2 id="history-title">{t.scans.history}</h2>
        {history.error && !history.data ? <LoadError error={history.error} onRetry={history.reload} /> : null}
        {history.loading && !history.data ? <Loading /> : null}
        {history.data && history.data.items.length === 0 ? <p className="empty">{t.scans.noHistory}</p> : null}
        {history.data && history.data.items.length > 0 ? (
          <table className="table" data-testid="scan-history">
            <thead>
              <tr>
                <th scope="col">{t.scans.colStart}</th>
                <th scope="col">{t.scans.colEnd}</th>
                <th scope="col">{t.scans.colPaths}</th>
                <th scope="col" className="num">{t.scans.colFiles}</th>
                <th scope="col" className="num">{t.scans.colBytes}</th>
                <th scope="col" className="num">{t.scans.colFindings}</th>
                <th scope="col" className="num">{t.scans.colErrors}</th>
                <th scope="col">{t.scans.colState}</th>
              </tr>
            </thead>
            <tbody>
              {history.data.items.map((row) => {
                // The running scan's row follows the live progress.
                const s = live && live.scanId === row.id
                  ? { ...row, filesScanned: live.filesScanned, bytesScanned: live.bytesScanned, findings: live.findings, errors: live.errors }
                  : row;
                return (
                <tr key={s.id} data-testid="scan-row" data-state={s.state}>
                  <td className="nowrap"><time dateTime={s.startedAt}>{fmt.dateTime(s.startedAt)}</time></td>
                  <td className="nowrap">{s.endedAt ? <time dateTime={s.endedAt}>{fmt.dateTime(s.endedAt)}</time> : '—'}</td>
                  <td className="path small">
                    {s.profile !== 'custom' ? <strong className="block">{t.schedule.profile[s.profile]}</strong> : null}
                    {s.trigger === 'schedule' ? <span className="pill">{t.schedule.scheduled}</span> : null} {s.paths.join(', ')}
                  </td>
                  <td className="num">{fmt.number(s.filesScanned)}</td>
                  <td className="num nowrap">{fmt.bytes(s.bytesScanned)}</td>
                  <td className={s.findings > 0 ? 'num strong' : 'num'}>{fmt.number(s.findings)}</td>
                  <td className="num" title={s.errorSamples.map((e) => `${e.path}: ${e.message}`).join('\n')}>{fmt.number(s.errors)}</td>
                  <td><span className={`pill scan-${s.state}`}>{t.scans.state[s.state]}</span></td>
                </tr>
                );
              })}
            </tbody>
          </table>
        ) : null}
      </section>
    </>
  );
}

function ProgressView({ progress }: { progress: ScanProgress | null }) {
  const { t, fmt } = useApp();
  if (!progress || progress.filesTotal === null) {
    return (
      <div className="progress-block">
        <progress className="progress" aria-label={t.scans.counting} data-testid="scan-progress-bar" />
        <p className="progress-line">
          <strong>{t.scans.counting}</strong>
          {progress ? <span data-testid="scan-files">{t.scans.filesDoneNoTotal(fmt.number(progress.filesScanned))}</span> : null}
          {progress ? <span className="muted">{fmt.bytes(progress.bytesScanned)}</span> : null}
        </p>
        {progress?.currentFolder ? <p className="path small" data-testid="scan-current">{t.scans.current(progress.currentFolder)}</p> : null}
      </div>
    );
  }
  const total = Math.max(progress.filesTotal, progress.filesScanned, 1);
  const pct = Math.min(100, Math.round((progress.filesScanned / total) * 100));
  return (
    <div className="progress-block">
      <progress className="progress" max={total} value={progress.filesScanned} aria-valuetext={`${pct}%`} data-testid="scan-progress-bar" />
      <p className="progress-line">
        <strong data-testid="scan-files">{t.scans.filesDone(fmt.number(progress.filesScanned), fmt.number(progress.filesTotal))}</strong>
        <span>{pct}%</span>
        {progress.bytesTotal !== null ? (
          <span className="muted">{t.scans.bytesDone(fmt.bytes(progress.bytesScanned), fmt.bytes(progress.bytesTotal))}</span>
        ) : <span className="muted">{fmt.bytes(progress.bytesScanned)}</span>}
        {progress.etaSeconds !== null ? <span data-testid="scan-eta">{t.scans.eta(fmt.duration(progress.etaSeconds))}</span> : null}
      </p>
      {progress.currentFolder ? <p className="path small" data-testid="scan-current">{t.scans.current(progress.currentFolder)}</p> : null}
      {progress.findings > 0 ? <p className="strong">{t.scans.findingsSoFar(fmt.number(progress.findings))}</p> : null}
    </div>
  );
}
