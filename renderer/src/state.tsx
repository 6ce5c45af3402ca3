// App-wide state: the client, the language/formatter, settings and status, plus `useLive`, which
// loads data and reloads it when a pushed event arrives or the window regains focus.
import {
  createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode,
} from 'react';
import type {
  EventName, MamoriClient, MethodInput, Settings, Status,
} from '../../preload/contract/index.js';
import { createFormatter, localeFor, resolveLanguage, type Formatter, type Messages } from './i18n.js';
import { errorCode, errorMessage } from './client.js';

export interface Banner {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface AppState {
  client: MamoriClient;
  fmt: Formatter;
  t: Messages;
  settings: Settings | null;
  saveSettings(patch: MethodInput<'updateSettings'>): Promise<Settings>;
  /** Settings changed through another call (exceptions): fetch them again. */
  reloadSettings(): void;
  status: Status | null;
  setStatus(status: Status): void;
  report(err: unknown): void;
  notify(text: string): void;
  banners: Banner[];
  dismiss(id: number): void;
}

const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <AppProvider>');
  return value;
}

const navLanguage = (): string | undefined =>
  (typeof navigator !== 'undefined' ? navigator.language : undefined);

export function AppProvider({ client, children }: { client: MamoriClient; children: ReactNode }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [banners, setBanners] = useState<Banner[]>([]);
  const nextId = useRef(1);

  const lang = resolveLanguage(settings?.language, navLanguage());
  const fmt = useMemo(() => createFormatter(lang, localeFor(lang, navLanguage())), [lang]);
  const t = fmt.t;

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t.appName;
  }, [lang, t]);

  const push = useCallback((kind: Banner['kind'], text: string) => {
    const id = nextId.current++;
    setBanners((list) => [...list.filter((b) => b.text !== text), { id, kind, text }].slice(-3));
    if (kind === 'info') window.setTimeout(() => setBanners((list) => list.filter((b) => b.id !== id)), 6000);
  }, []);

  const report = useCallback((err: unknown) => {
    const code = errorCode(err);
    push('error', code === 'IO_ERROR' ? t.errors.offline : t.errors.generic(errorMessage(err)));
  }, [push, t]);

  const notify = useCallback((text: string) => push('info', text), [push]);
  const dismiss = useCallback((id: number) => setBanners((list) => list.filter((b) => b.id !== id)), []);

  // Settings and status: loaded once, then kept fresh by events and focus.
  const loadSettings = useCallback(() => {
    client.getSettings().then(setSettings, report);
  }, [client, report]);
  const loadStatus = useCallback(() => {
    client.getStatus().then(setStatus, report);
  }, [client, report]);

  useEffect(() => {
    loadSettings();
    loadStatus();
    const offs = [
      client.on('status', (s) => setStatus(s)),
      client.on('alert', () => loadStatus()),
      client.on('quarantine', () => loadStatus()),
      client.on('scanFinished', () => loadStatus()),
    ];
    const onFocus = () => { loadStatus(); loadSettings(); };
    const onVisible = () => { if (document.visibilityState === 'visible') onFocus(); };
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onVisible);
    // While paused, the resume time passes without an event from us; re-check each minute.
    const timer = window.setInterval(loadStatus, 60_000);
    return () => {
      for (const off of offs) off();
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onVisible);
      window.clearInterval(timer);
    };
  }, [client, loadSettings, loadStatus]);

  const saveSettings = useCallback(async (patch: MethodInput<'updateSettings'>) => {
    const next = await client.updateSettings(patch);
    setSettings(next);
    loadStatus();
    return next;
  }, [client, loadStatus]);

  const value = useMemo<AppState>(() => ({
    client, fmt, t, settings, saveSettings, reloadSettings: loadSettings, status, setStatus, report, notify, banners, dismiss,
  }), [client, fmt, t, settings, saveSettings, loadSettings, status, report, notify, banners, dismiss]);

  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export interface Live<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
  setData(value: T): void;
}

/**
 * Load with `load`, and load again (debounced) when one of `events` arrives, when the window gets
 * focus, or when `deps` change. Late answers to superseded requests are dropped.
 */
export function useLive<T>(load: (client: MamoriClient) => Promise<T>, events: readonly EventName[], deps: readonly unknown[]): Live<T> {
  const { client } = useApp();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const mine = ++seq.current;
    loadRef.current(client).then(
      (value) => { if (mine === seq.current) { setData(value); setError(null); setLoading(false); } },
      (err: unknown) => { if (mine === seq.current) { setError(err); setLoading(false); } },
    );
  }, [client]);

  useEffect(() => { setLoading(true); reload(); }, [reload, ...deps]);

  const eventKey = events.join(',');
  useEffect(() => {
    let timer: number | undefined;
    const soon = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(reload, 150);
    };
    const offs = (eventKey ? eventKey.split(',') as EventName[] : []).map((name) => client.on(name, soon));
    const onVisible = () => { if (document.visibilityState === 'visible') soon(); };
    window.addEventListener('focus', soon);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.clearTimeout(timer);
      for (const off of offs) off();
      window.removeEventListener('focus', soon);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [client, reload, eventKey]);

  return { data, error, loading, reload, setData };
}
