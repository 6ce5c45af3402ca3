// Hash routing: #/overview, #/alerts, #/alerts/ID, #/quarantine, #/scans, #/settings.
// Hash routes work the same from file:// (Electron) and http:// (agent), and let a notification
// open one alert by setting location.hash.
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'overview' }
  | { page: 'alerts' }
  | { page: 'alert'; id: string }
  | { page: 'quarantine' }
  | { page: 'scans' }
  | { page: 'settings' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = (hash.startsWith('#') ? hash.slice(1) : hash).split('?')[0] ?? '';
  const parts = path.split('/').filter(Boolean).map((p) => {
    try { return decodeURIComponent(p); } catch { return p; }
  });
  const [first, second] = parts;
  if (!first || first === 'overview') return { page: 'overview' };
  if (first === 'alerts') return second ? { page: 'alert', id: second } : { page: 'alerts' };
  if (first === 'quarantine') return { page: 'quarantine' };
  if (first === 'scans') return { page: 'scans' };
  if (first === 'settings') return { page: 'settings' };
  return { page: 'not-found', path };
}

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
