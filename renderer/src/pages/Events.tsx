// Events: the telemetry history (programs started and ended, connections, system calls), newest first.
// The search lives in the hash (#/events?q=curl&kind=process&range=24h). Results come in pages of
// PAGE_SIZE with "Load more"; only fetched rows are rendered, and earlier rows do not re-render when
// more arrive. "until" is pinned at the first page so later pages do not shift while new events arrive.
// Live: a pushed `telemetry` summary that could match the kind filter makes the page fetch its first page
// again (at most once per LIVE_REFETCH_MS). At the top, unpaged and not paused, the new rows simply appear;
// otherwise a "N new events" button says so and the rows the user is reading stay where they are.
import { memo, useCallback, useEffect, useId, useRef, useState, type FormEvent, type MouseEvent } from 'react';
import type { TelemetryEvent } from '../../../preload/contract/index.js';
import { LoadError, Loading, Notice, PageTitle } from '../components.js';
import { useApp } from '../state.js';
import {
  EVENT_KINDS, EVENTS_RANGES, eventsPath, href, navigate, processPath, rememberEventsPath, type EventsQuery,
} from '../router.js';
import { countNewer, describeEvent, newestFirst, processName, sinceFor, summaryMayMatch } from '../telemetry.js';
import { errorMessage } from '../client.js';
import type { Formatter } from '../i18n.js';

const PAGE_SIZE = 100;
/** Command lines longer than this get a "show all" toggle in the table. */
const LONG_COMMAND = 90;
/** Live refetches of the first page: at most one per this many ms, however busy the machine is. */
const LIVE_REFETCH_MS = 1000;
/** Scrolled less than this from the top still counts as "at the top". */
const TOP_SLACK_PX = 120;

interface Results {
  items: TelemetryEvent[];
  nextOffset: number | null;
  since: string | undefined;
  until: string;
  /** More than the first page is shown ("Load more" was used): live rows would shift what is being read. */
  paged: boolean;
}

/** New matching events that are not shown, because the user paged, scrolled or paused. */
interface Pending { n: number; more: boolean }

const maxId = (items: TelemetryEvent[]) => items.reduce((m, e) => Math.max(m, e.id), 0);

export function Events({ query }: { query: EventsQuery }) {
  const { t, fmt, client, status } = useApp();
  const searchId = useId();
  const [text, setText] = useState(query.q);
  const [results, setResults] = useState<Results | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [moreBusy, setMoreBusy] = useState(false);
  const [moreError, setMoreError] = useState<string | null>(null);
  const [refreshes, setRefreshes] = useState(0);
  const seq = useRef(0);
  const [paused, setPaused] = useState(false);
  const [pending, setPending] = useState<Pending | null>(null);
  const resultsRef = useRef<Results | null>(null);
  resultsRef.current = results;
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const moreBusyRef = useRef(false);
  moreBusyRef.current = moreBusy;

  const path = eventsPath(query);
  useEffect(() => { rememberEventsPath(path); }, [path]);
  // The URL changed (back/forward, a link): the box shows what is searched.
  useEffect(() => { setText(query.q); }, [query.q]);

  const { q, kind, range } = query;
  useEffect(() => {
    const mine = ++seq.current;
    const now = Date.now();
    const until = new Date(now).toISOString();
    const since = sinceFor(range, now);
    setLoading(true);
    setError(null);
    setMoreError(null);
    client.searchEvents({
      ...(q ? { text: q } : {}), ...(kind !== 'all' ? { kind } : {}), ...(since ? { since } : {}), until, limit: PAGE_SIZE, offset: 0,
    }).then(
      (r) => {
        if (mine !== seq.current) return;
        setResults({ items: [...r.items].sort(newestFirst), nextOffset: r.nextOffset, since, until, paged: false });
        setPending(null);
        setLoading(false);
      },
      (err: unknown) => { if (mine === seq.current) { setError(err); setLoading(false); } },
    );
  }, [client, q, kind, range, refreshes]);

  const loadMore = async () => {
    if (!results || results.nextOffset === null) return;
    const mine = seq.current;
    setMoreBusy(true);
    moreBusyRef.current = true; // at once, not at the next render: a live check may already be waiting
    setMoreError(null);
    try {
      const r = await client.searchEvents({
        ...(q ? { text: q } : {}), ...(kind !== 'all' ? { kind } : {}), ...(results.since ? { since: results.since } : {}),
        until: results.until, limit: PAGE_SIZE, offset: results.nextOffset,
      });
      if (mine !== seq.current) return;
      setResults((prev) => {
        if (!prev) return prev;
        const seen = new Set(prev.items.map((e) => e.id));
        return { ...prev, items: [...prev.items, ...r.items.filter((e) => !seen.has(e.id))].sort(newestFirst), nextOffset: r.nextOffset, paged: true };
      });
    } catch (err) {
      if (mine === seq.current) setMoreError(t.errors.generic(errorMessage(err)));
    } finally {
      if (mine === seq.current) setMoreBusy(false);
    }
  };

  // ---- live ----------------------------------------------------------------------------------
  useEffect(() => {
    let timer: number | undefined;
    let busy = false;
    let again = false;
    let last = 0;
    const check = async () => {
      timer = undefined;
      if (busy) { again = true; return; }
      busy = true;
      last = Date.now();
      const mine = seq.current;
      const now = Date.now();
      const until = new Date(now).toISOString();
      const since = sinceFor(range, now);
      try {
        const r = await client.searchEvents({
          ...(q ? { text: q } : {}), ...(kind !== 'all' ? { kind } : {}), ...(since ? { since } : {}), until, limit: PAGE_SIZE, offset: 0,
        });
        const shown = resultsRef.current;
        if (mine !== seq.current || !shown) return; // the search changed meanwhile
        const newer = countNewer(r, maxId(shown.items));
        if (newer.n === 0) return;
        const atTop = window.scrollY <= TOP_SLACK_PX;
        // A "Load more" in flight pages from the old first page: replacing it now would leave a gap.
        if (!pausedRef.current && !shown.paged && !moreBusyRef.current && atTop) {
          setResults({ items: [...r.items].sort(newestFirst), nextOffset: r.nextOffset, since, until, paged: false });
          setPending(null);
        } else {
          setPending(newer);
        }
      } catch {
        // A failed live check is not worth a banner: the next summary tries again, and "Show newer" still works.
      } finally {
        busy = false;
        if (again) { again = false; schedule(); }
      }
    };
    const schedule = () => {
      if (timer !== undefined) return;
      timer = window.setTimeout(() => { void check(); }, Math.max(0, last + LIVE_REFETCH_MS - Date.now()));
    };
    const off = client.on('telemetry', (summary) => { if (summaryMayMatch(summary, kind)) schedule(); });
    return () => { off(); window.clearTimeout(timer); };
  }, [client, q, kind, range]);

  const showNew = () => {
    window.scrollTo({ top: 0 });
    setRefreshes((n) => n + 1);
  };
  const toggleLive = () => {
    const next = !paused;
    setPaused(next);
    if (!next && pending) showNew(); // resuming shows what arrived meanwhile
  };

  const go = (next: EventsQuery) => {
    const target = eventsPath(next);
    if (target === path) setRefreshes((n) => n + 1); // same search again: fetch again
    else navigate(target);
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    go({ ...query, q: text.trim() });
  };

  const processSensor = status?.sensors.find((s) => s.id === 'process');
  const sensorOff = processSensor !== undefined && processSensor.state !== 'running';

  return (
    <>
      <PageTitle>{t.events.title}</PageTitle>
      <p className="intro">{t.events.intro}</p>
      {sensorOff ? <Notice kind="warning" testId="events-sensor-off"><p>{t.events.sensorOff}</p></Notice> : null}

      <form className="events-search" role="search" onSubmit={onSubmit}>
        <label htmlFor={searchId} className="visually-hidden">{t.events.searchLabel}</label>
        <input id={searchId} type="search" className="input events-search-input" value={text} maxLength={500}
          placeholder={t.events.searchPlaceholder} onChange={(e) => setText(e.target.value)} data-testid="events-search"
          autoComplete="off" spellCheck={false} />
        <button type="submit" className="btn btn-primary" data-testid="events-search-submit">{t.events.searchButton}</button>
        <label className="events-range">
          <span className="toolbar-label">{t.events.rangeLabel}</span>
          <select className="input" value={range} data-testid="events-range"
            onChange={(e) => go({ ...query, range: e.target.value as EventsQuery['range'] })}>
            {EVENTS_RANGES.map((r) => <option key={r} value={r}>{t.events.range[r]}</option>)}
          </select>
        </label>
      </form>

      <div className="events-live" data-testid="events-live-bar">
        <span className={paused ? 'live-badge live-badge-paused' : 'live-badge'} data-testid="events-live"
          data-state={paused ? 'paused' : 'live'} title={paused ? undefined : t.events.liveTitle}>
          <span className="live-dot" aria-hidden="true" />
          {paused ? t.events.livePaused : t.events.live}
        </span>
        <button type="button" className="btn btn-small" aria-pressed={paused} onClick={toggleLive} data-testid="events-live-toggle">
          {paused ? t.events.resumeLive : t.events.pauseLive}
        </button>
        <span aria-live="polite">
          {pending ? (
            <button type="button" className="btn btn-small btn-primary" onClick={showNew} data-testid="events-new"
              data-count={pending.n}>
              {t.events.newEvents(fmt.number(pending.n), pending.more)}
            </button>
          ) : null}
        </span>
      </div>

      <div className="toolbar" role="group" aria-label={t.events.kindLabel}>
        <span className="toolbar-label" aria-hidden="true">{t.events.kindLabel}:</span>
        {(['all', ...EVENT_KINDS] as const).map((k) => (
          <button key={k} type="button" className={kind === k ? 'seg seg-on' : 'seg'} aria-pressed={kind === k}
            onClick={() => go({ ...query, kind: k })} data-testid={`events-kind-${k}`}>
            {k === 'all' ? t.events.kindAll : t.events.kind[k]}
          </button>
        ))}
        {results ? (
          <span className="muted toolbar-end" data-testid="events-count">
            {t.events.shown(fmt.number(results.items.length))} · {t.events.asOf(fmt.dateTimeSeconds(results.until))}
            {' '}
            <button type="button" className="btn btn-small" onClick={() => setRefreshes((n) => n + 1)} data-testid="events-refresh">
              {t.events.refresh}
            </button>
          </span>
        ) : null}
      </div>

      {error ? <LoadError error={error} onRetry={() => setRefreshes((n) => n + 1)} /> : null}
      {loading && !results ? <Loading /> : null}
      {results && !error ? (
        results.items.length === 0 ? (
          <div className="empty" data-testid="events-empty">
            <p>{t.events.empty}</p>
            <p className="small">{t.events.emptyHint}</p>
          </div>
        ) : (
          <>
            <EventTable items={results.items} busy={loading} />
            <div className="load-more">
              {results.nextOffset !== null ? (
                <button type="button" className="btn" disabled={moreBusy} onClick={() => void loadMore()} data-testid="events-load-more">
                  {moreBusy ? t.events.loadingMore : t.events.loadMore}
                </button>
              ) : (
                <p className="muted" data-testid="events-end">{t.events.allShown}</p>
              )}
              {moreError ? <Notice kind="error"><p>{moreError}</p></Notice> : null}
            </div>
          </>
        )
      ) : null}
    </>
  );
}

function EventTable({ items, busy }: { items: TelemetryEvent[]; busy: boolean }) {
  const { t, fmt } = useApp();
  return (
    <table className={busy ? 'table events-table table-busy' : 'table events-table'} data-testid="events-table" aria-busy={busy}>
      <colgroup>
        <col className="col-time" />
        <col className="col-kind" />
        <col className="col-what" />
        <col className="col-program" />
        <col className="col-user" />
        <col className="col-command" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">{t.events.colTime}</th>
          <th scope="col">{t.events.colKind}</th>
          <th scope="col">{t.events.colWhat}</th>
          <th scope="col">{t.events.colProgram}</th>
          <th scope="col">{t.events.colUser}</th>
          <th scope="col">{t.events.colCommand}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((e) => <EventRow key={e.id} event={e} fmt={fmt} />)}
      </tbody>
    </table>
  );
}

/** One row; memoised so appending a page does not re-render the rows already shown. */
const EventRow = memo(function EventRow({ event: e, fmt }: { event: TelemetryEvent; fmt: Formatter }) {
  const t = fmt.t;
  const [expanded, setExpanded] = useState(false);
  const name = processName(e.process);
  const command = e.process.command_line ?? e.process.executable;
  const target = processPath(e.process.entity_id);
  const onClick = useCallback((ev: MouseEvent) => {
    // The whole row opens the tree; the link and the toggle inside stay the keyboard targets.
    if ((ev.target as HTMLElement).closest('a, button')) return;
    if (window.getSelection()?.toString()) return; // selecting text to copy is not a click
    navigate(target);
  }, [target]);
  const long = (command?.length ?? 0) > LONG_COMMAND;
  const user = e.user.name ?? (e.user.id !== null ? String(e.user.id) : t.common.unknown);
  return (
    <tr className="row-link" onClick={onClick} data-testid="event-row" data-event-id={e.id} data-kind={e.event.kind}
      data-action={e.event.action} data-entity={e.process.entity_id} data-pid={e.process.pid}>
      <td className="cell-time">
        <time dateTime={e['@timestamp']} title={fmt.dateTimeSeconds(e['@timestamp'])}>
          <span className="block">{fmt.timeSeconds(e['@timestamp'])}</span>
          <span className="block muted small">{fmt.date(e['@timestamp'])}</span>
        </time>
      </td>
      <td><span className={`kind-badge kind-${e.event.kind}`}>{t.events.kind[e.event.kind]}</span></td>
      <td className="event-what" data-testid="event-what">
        {describeEvent(e, fmt)}
        {e.event.late ? <span className="late-mark" title={t.events.late} aria-label={t.events.late}> *</span> : null}
      </td>
      <td>
        <a href={href(target)} className="row-title" data-testid="event-process-link"
          aria-label={t.events.openTree(name, String(e.process.pid))}>{name}</a>
        <div className="muted small">{t.events.pid(String(e.process.pid))}</div>
      </td>
      <td className="small cell-user" title={user}>{user}</td>
      <td className="cell-command">
        {command ? (
          <div className={expanded ? 'cmd-cell cmd-cell-open' : 'cmd-cell'}>
            <code className={expanded ? 'cmd cmd-full' : 'cmd cmd-short'} title={expanded ? undefined : command} data-testid="event-command">
              {command}
            </code>
            {long ? (
              <button type="button" className="link-button small cmd-toggle" aria-expanded={expanded}
                aria-label={expanded ? t.events.showLess : t.events.showFullLabel} onClick={() => setExpanded((x) => !x)}>
                {expanded ? t.events.showLess : t.events.showFull}
              </button>
            ) : null}
          </div>
        ) : <span className="muted small">{t.events.noCommand}</span>}
      </td>
    </tr>
  );
});
