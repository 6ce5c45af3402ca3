// Overview: one sentence and one colour for the protection state, the reasons, counts, last scan,
// a small chart of alerts per day, and the buttons Scan / Pause 15 minutes / Resume.
import { useState } from 'react';
import { SEVERITY_ORDER, type Severity, type Status } from '../../../preload/contract/index.js';
import { Loading, PageTitle, SeverityBadge, StateIcon } from '../components.js';
import { useApp } from '../state.js';
import { href, navigate } from '../router.js';
import type { Formatter } from '../i18n.js';

const SEVERITIES_DESC: Severity[] = [...SEVERITY_ORDER].reverse();

export function Overview() {
  const { status, t, fmt, client, setStatus, report } = useApp();
  const [busy, setBusy] = useState(false);

  if (!status) {
    return (
      <>
        <PageTitle>{t.overview.title}</PageTitle>
        <Loading />
      </>
    );
  }

  const pause = async () => {
    setBusy(true);
    try { setStatus(await client.pauseProtection({ minutes: 15 })); } catch (err) { report(err); } finally { setBusy(false); }
  };
  const resume = async () => {
    setBusy(true);
    try { setStatus(await client.resumeProtection()); } catch (err) { report(err); } finally { setBusy(false); }
  };

  const paused = status.state === 'paused' || status.pausedUntil !== null;
  const openBySeverity = SEVERITIES_DESC
    .map((sev) => ({ sev, n: status.openBySeverity[sev] ?? 0 }))
    .filter((x) => x.n > 0);

  return (
    <>
      <PageTitle>{t.overview.title}</PageTitle>

      <section className={`state-card state-${status.state}`} data-testid="status-card" data-state={status.state} aria-labelledby="state-sentence">
        <StateIcon state={status.state} />
        <div className="state-text">
          <p className="state-sentence" id="state-sentence" data-testid="status-sentence">{t.state[status.state]}</p>
          <p className="state-explain">{t.stateExplain[status.state]}</p>
          {status.pausedUntil ? (
            <p className="state-explain" data-testid="paused-until">{t.overview.resumesAt(fmt.dateTime(status.pausedUntil))}</p>
          ) : null}
          {status.reasons.length > 0 ? (
            <ul className="reasons" data-testid="status-reasons">
              {status.reasons.map((r, i) => (
                <li key={`${r.code}-${i}`}>{t.reason[r.code]}</li>
              ))}
            </ul>
          ) : null}
        </div>
        <div className="state-actions">
          <button type="button" className="btn btn-primary" onClick={() => navigate('/scans')} data-testid="overview-scan">
            {t.overview.scan}
          </button>
          {paused ? (
            <button type="button" className="btn" disabled={busy} onClick={() => void resume()} data-testid="overview-resume">
              {t.overview.resume}
            </button>
          ) : (
            <button type="button" className="btn" disabled={busy} onClick={() => void pause()} data-testid="overview-pause">
              {t.overview.pause15}
            </button>
          )}
        </div>
      </section>

      <div className="cards">
        <section className="card" aria-labelledby="card-alerts" data-testid="card-open-alerts">
          <h2 id="card-alerts">{t.overview.openAlerts}</h2>
          <p className="big-number">{fmt.number(status.openAlerts)}</p>
          {openBySeverity.length > 0 ? (
            <ul className="sev-counts">
              {openBySeverity.map(({ sev, n }) => (
                <li key={sev}><SeverityBadge severity={sev} count={fmt.number(n)} /></li>
              ))}
            </ul>
          ) : (
            <p className="muted">{t.overview.noOpenAlerts}</p>
          )}
          <a className="card-link" href={href('/alerts')}>{t.overview.viewAlerts}</a>
        </section>

        <section className="card" aria-labelledby="card-quarantine" data-testid="card-quarantined">
          <h2 id="card-quarantine">{t.overview.quarantined}</h2>
          <p className="big-number">{fmt.number(status.quarantined)}</p>
          <a className="card-link" href={href('/quarantine')}>{t.overview.viewQuarantine}</a>
        </section>

        <section className="card" aria-labelledby="card-scan" data-testid="card-last-scan">
          <h2 id="card-scan">{t.overview.lastScan}</h2>
          {status.lastScan ? (
            <>
              <p className="card-line">{fmt.dateTime(status.lastScan.endedAt ?? status.lastScan.startedAt)}</p>
              <p className="muted">{t.scans.state[status.lastScan.state]}</p>
              <p className="muted">
                {t.overview.lastScanSummary(fmt.number(status.lastScan.filesScanned), fmt.number(status.lastScan.findings))}
              </p>
            </>
          ) : (
            <p className="muted">{t.overview.neverScanned}</p>
          )}
        </section>
      </div>

      <section className="card chart-card" aria-labelledby="chart-title">
        <h2 id="chart-title">{t.overview.chartTitle}</h2>
        <AlertsChart days={status.alertsPerDay} fmt={fmt} />
      </section>

      <details className="tech">
        <summary>{t.common.technicalDetails}</summary>
        <TechStatus status={status} fmt={fmt} />
      </details>
    </>
  );
}

/** Bars for the last 14 days; inline SVG, no library. */
export function AlertsChart({ days, fmt }: { days: Status['alertsPerDay']; fmt: Formatter }) {
  const t = fmt.t;
  const data = days.slice(-14);
  const total = data.reduce((sum, d) => sum + d.count, 0);
  if (data.length === 0 || total === 0) return <p className="muted" data-testid="chart-empty">{t.overview.chartEmpty}</p>;
  const max = Math.max(1, ...data.map((d) => d.count));
  const width = 560;
  const height = 120;
  const pad = { top: 16, bottom: 22, left: 4, right: 4 };
  const slot = (width - pad.left - pad.right) / data.length;
  const barW = Math.max(4, slot * 0.62);
  const plotH = height - pad.top - pad.bottom;
  const label = t.overview.chartLabel(fmt.number(total), fmt.number(data.length));
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-testid="alerts-chart" preserveAspectRatio="xMidYMid meet">
        <line x1={pad.left} x2={width - pad.right} y1={height - pad.bottom} y2={height - pad.bottom} className="chart-axis" />
        {data.map((d, i) => {
          const h = d.count === 0 ? 0 : Math.max(2, (d.count / max) * plotH);
          const x = pad.left + i * slot + (slot - barW) / 2;
          const y = height - pad.bottom - h;
          const showLabel = i === 0 || i === data.length - 1 || i === Math.floor(data.length / 2);
          return (
            <g key={d.day}>
              <title>{`${fmt.shortDay(d.day)}: ${fmt.number(d.count)}`}</title>
              <rect x={x} y={y} width={barW} height={h} rx={2} className="chart-bar" />
              {d.count > 0 ? (
                <text x={x + barW / 2} y={y - 4} textAnchor="middle" className="chart-value">{fmt.number(d.count)}</text>
              ) : null}
              {showLabel ? (
                <text x={x + barW / 2} y={height - 6} textAnchor="middle" className="chart-day">{fmt.shortDay(d.day)}</text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption className="visually-hidden">{label}</figcaption>
    </figure>
  );
}

function TechStatus({ status, fmt }: { status: Status; fmt: Formatter }) {
  const t = fmt.t;
  return (
    <dl className="kv">
      <dt>{t.overview.watched}</dt>
      <dd>{status.watchedFolders.length ? status.watchedFolders.map((f) => <code key={f} className="path">{f}</code>) : t.overview.noWatched}</dd>
      <dt>{t.overview.sensors}</dt>
      <dd>
        {status.sensors.length ? (
          <ul className="plain">
            {status.sensors.map((s) => (
              <li key={s.id} className="sensor" data-testid={`sensor-${s.id}`}>
                <span>
                  {t.overview.sensorName[s.id] ? `${t.overview.sensorName[s.id]} ` : null}
                  <code>{s.id}</code>: {t.overview.sensorState[s.state]}{s.detail ? ` (${s.detail})` : ''}
                </span>
                {s.tier ? (
                  <dl className="kv kv-inline" data-testid={`sensor-${s.id}-tier`} data-tier={s.tier}>
                    <dt>{t.overview.tier}</dt>
                    <dd>{t.overview.tierName[s.tier] ?? s.tier}</dd>
                    <dt>{t.overview.canMiss}</dt>
                    <dd>{t.overview.tierLimits[s.tier] ?? s.limits ?? t.common.unknown}</dd>
                  </dl>
                ) : null}
                {s.eventsLost && s.eventsLost > 0 ? (
                  <p className="small error-text" data-testid={`sensor-${s.id}-lost`}>{t.overview.eventsLost(fmt.number(s.eventsLost))}</p>
                ) : null}
              </li>
            ))}
          </ul>
        ) : t.common.none}
      </dd>
      <dt>{t.overview.reasons}</dt>
      <dd>
        {status.reasons.length ? (
          <ul className="plain">
            {status.reasons.map((r, i) => <li key={`${r.code}-${i}`}><code>{r.code}</code>{r.detail ? `: ${r.detail}` : ''}</li>)}
          </ul>
        ) : t.common.none}
      </dd>
      <dt>{t.overview.version}</dt>
      <dd><code>{status.version}</code></dd>
      <dt>{t.overview.dataDir}</dt>
      <dd><code className="path">{status.dataDir}</code></dd>
    </dl>
  );
}
