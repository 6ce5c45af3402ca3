// Layout: sidebar navigation (with the protection state and open-alert count), banners, the page.
import { useRef } from 'react';
import { useApp } from './state.js';
import { href, useRoute, type Route } from './router.js';
import { Overview } from './pages/Overview.js';
import { Alerts } from './pages/Alerts.js';
import { AlertDetail } from './pages/AlertDetail.js';
import { IncidentDetail, Incidents } from './pages/Incidents.js';
import { Quarantine } from './pages/Quarantine.js';
import { Scans } from './pages/Scans.js';
import { Events } from './pages/Events.js';
import { ProcessTreePage } from './pages/ProcessTree.js';
import { SettingsPage } from './pages/Settings.js';
import { Actions } from './pages/Actions.js';
import { ResponseBanners } from './response.js';
import { PageTitle, StateIcon } from './components.js';

type NavId = 'overview' | 'incidents' | 'alerts' | 'quarantine' | 'scans' | 'events' | 'actions' | 'settings';

function navOf(route: Route): NavId | null {
  if (route.page === 'alert') return 'alerts';
  if (route.page === 'incident') return 'incidents';
  if (route.page === 'process') return 'events';
  if (route.page === 'not-found') return null;
  return route.page;
}

export function App() {
  const { t, fmt, status, banners, dismiss } = useApp();
  const route = useRoute();
  const mainRef = useRef<HTMLElement>(null);
  const current = navOf(route);

  const items: { id: NavId; label: string }[] = [
    { id: 'overview', label: t.nav.overview },
    { id: 'incidents', label: t.nav.incidents },
    { id: 'alerts', label: t.nav.alerts },
    { id: 'quarantine', label: t.nav.quarantine },
    { id: 'scans', label: t.nav.scans },
    { id: 'events', label: t.nav.events },
    { id: 'actions', label: t.nav.actions },
    { id: 'settings', label: t.nav.settings },
  ];

  return (
    <div className="layout">
      <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>{t.skipToContent}</button>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-name">{t.appName}</span>
          <span className="brand-kanji" lang="ja">守り</span>
          <span className="brand-tagline">{t.appTagline}</span>
        </div>
        {status ? (
          <a className={`side-state side-${status.state}`} href={href('/overview')} data-testid="side-state">
            <StateIcon state={status.state} />
            <span>{t.state[status.state]}</span>
          </a>
        ) : null}
        <nav aria-label={t.nav.label}>
          <ul className="nav">
            {items.map((item) => (
              <li key={item.id}>
                <a href={href(`/${item.id}`)} className={current === item.id ? 'nav-link nav-on' : 'nav-link'}
                  aria-current={current === item.id ? 'page' : undefined} data-testid={`nav-${item.id}`}>
                  <span>{item.label}</span>
                  {item.id === 'alerts' && status && status.openAlerts > 0 ? (
                    <span className="nav-count" aria-label={t.nav.openAlerts(fmt.number(status.openAlerts))}>
                      {fmt.number(status.openAlerts)}
                    </span>
                  ) : null}
                  {item.id === 'actions' && status && status.pendingDecisions > 0 ? (
                    <span className="nav-count">{fmt.number(status.pendingDecisions)}</span>
                  ) : null}
                  {item.id === 'quarantine' && status && status.quarantined > 0 ? (
                    <span className="nav-count nav-count-quiet">{fmt.number(status.quarantined)}</span>
                  ) : null}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <main id="main" ref={mainRef} tabIndex={-1} className="main" data-testid={`page-${route.page}`}>
        <ResponseBanners />
        {banners.length > 0 ? (
          <div className="banners">
            {banners.map((b) => (
              <div key={b.id} className={`notice notice-${b.kind === 'error' ? 'error' : 'info'} banner`} role={b.kind === 'error' ? 'alert' : 'status'}
                data-testid="banner">
                <p>{b.text}</p>
                <button type="button" className="btn btn-small" onClick={() => dismiss(b.id)}>{t.errors.dismiss}</button>
              </div>
            ))}
          </div>
        ) : null}
        <Page route={route} />
      </main>
    </div>
  );
}

function Page({ route }: { route: Route }) {
  const { t } = useApp();
  switch (route.page) {
    case 'overview': return <Overview />;
    case 'incidents': return <Incidents />;
    case 'incident': return <IncidentDetail key={route.id} id={route.id} />;
    case 'alerts': return <Alerts />;
    case 'alert': return <AlertDetail key={route.id} id={route.id} />;
    case 'quarantine': return <Quarantine />;
    case 'scans': return <Scans />;
    case 'events': return <Events query={route.query} />;
    case 'process': return <ProcessTreePage key={route.id} id={route.id} />;
    case 'actions': return <Actions />;
    case 'settings': return <SettingsPage />;
    default:
      return (
        <>
          <PageTitle>{t.notFound}</PageTitle>
          <p><a href={href('/overview')}>{t.nav.overview}</a></p>
        </>
      );
  }
}
