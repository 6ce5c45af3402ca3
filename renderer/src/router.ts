// Hash routing: #/overview, #/incidents, #/incidents/ID, #/alerts, #/alerts/ID, #/quarantine, #/scans, #/events?q=..&kind=..&range=..,
// #/process/ENTITY, #/actions, #/settings.
// Hash routes work the same from file:// (Electron) and http:// (agent), and let a notification
// open one alert by setting location.hash.
import { useEffect, useState } from 'react';
import type { EventKind } from '../../preload/contract/index.js';

export type EventsRange = '1h' | '24h' | '7d' | 'all';
export const EVENTS_RANGES: readonly EventsRange[] = ['1h', '24h', '7d', 'all'];
export const EVENT_KINDS: readonly EventKind[] = ['process', 'network', 'syscall', 'file'];

/** The Events page's search, kept in the hash so it survives reloads and can be linked. */
export interface EventsQuery {
  q: string;
  kind: EventKind | 'all';
  range: EventsRange;
}
export const DEFAULT_EVENTS_QUERY: EventsQuery = { q: '', kind: 'all', range: '24h' };

export type Route =
  | { page: 'overview' }
  | { page: 'alerts' }
  | { page: 'alert'; id: string }
  | { page: 'incidents' }
  | { page: 'incident'; id: string }
  | { page: 'quarantine' }
  | { page: 'scans' }
  | { page: 'events'; query: EventsQuery }
  | { page: 'process'; id: string }
  | { page: 'actions' }
  | { page: 'settings' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  const qIndex = body.indexOf('?');
  const path = qIndex >= 0 ? body.slice(0, qIndex) : body;
  const search = qIndex >= 0 ? body.slice(qIndex + 1) : '';
  const parts = path.split('/').filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch { return p; }
  });
  const [first, second] = parts;
  if (!first || first === 'overview') return { page: 'overview' };
  if (first === 'alerts') return second ? { page: 'alert', id: second } : { page: 'alerts' };
  if (first === 'incidents') return second ? { page: 'incident', id: second } : { page: 'incidents' };
  if (first === 'quarantine') return { page: 'quarantine' };
  if (first === 'scans') return { page: 'scans' };
  if (first === 'events') return { page: 'events', query: parseEventsQuery(search) };
  if (first === 'process' && second) return { page: 'process', id: second };
  if (first === 'actions') return { page: 'actions' };
  if (first === 'settings') return { page: 'settings' };
  return { page: 'not-found', path };
}

export function parseEventsQuery(search: string): EventsQuery {
  const params = new URLSearchParams(search);
  const kind = params.get('kind');
  const range = params.get('range');
  return {
    q: (params.get('q') ?? '').slice(0, 500),
    kind: kind && (EVENT_KINDS as readonly string[]).includes(kind) ? kind as EventKind : DEFAULT_EVENTS_QUERY.kind,
    range: range && (EVENTS_RANGES as readonly string[]).includes(range) ? range as EventsRange : DEFAULT_EVENTS_QUERY.range,
  };
}

/** The path (for href/navigate) of an Events search; defaults are left out. */
export function eventsPath(query: EventsQuery): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.kind !== DEFAULT_EVENTS_QUERY.kind) params.set('kind', query.kind);
  if (query.range !== DEFAULT_EVENTS_QUERY.range) params.set('range', query.range);
  const qs = params.toString();
  return qs ? `/events?${qs}` : '/events';
}

export function processPath(entityId: string): string {
  return `/process/${encodeURIComponent(entityId)}`;
}

let lastEvents = '/events';
/** The Events search the user last looked at, so "back to events" returns to it. */
export function rememberEventsPath(path: string): void { lastEvents = path; }
export function lastEventsPath(): string { return lastEvents; }

export function href(path: string): string {
  return `#${path}`;
}

export function navigate(path: string): void {
  window.location.hash = path;
}

let lastNavigation = 0;

/** True shortly after an in-app navigation (not on first load): page titles then take focus. */
export function navigatedRecently(): boolean {
  return Date.now() - lastNavigation < 3000;
}

export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    const onHashChange = () => { lastNavigation = Date.now(); onChange(); };
    window.addEventListener('hashchange', onHashChange);
    onChange();
    return () => window.removeEventListener('hashchange', onHashChange);
  }, []);
  return route;
}
