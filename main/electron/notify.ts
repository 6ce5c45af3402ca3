// OS notifications for alerts at or above the user's threshold (default: high). Quiet by default:
// one notification per alert id, and a burst (more than 3 within 10 s) becomes one summary.
// Clicking opens the window at the alert (or at the alert list for a summary).
import type { NotificationConstructorOptions } from 'electron';
import type { Alert, ResponseAction, Severity } from '../../preload/contract/index.js';
import { strings, type Lang } from './i18n.js';
import { atLeast } from './prefs.js';
import type { Log } from './steps.js';

export interface NotificationLike {
  show(): void;
  close(): void;
  on(event: 'click' | 'close' | 'failed' | 'action', listener: (...args: unknown[]) => void): unknown;
}

export interface NotifierPrefs {
  readonly language: Lang;
  readonly notifyMinSeverity: Severity;
  /** Whether an unanswered question of the response policy is acted on. */
  readonly askDefaultActs?: boolean;
  refresh(): Promise<void>;
}

export interface NotifierDeps {
  isSupported(): boolean;
  create(options: NotificationConstructorOptions): NotificationLike;
  prefs: NotifierPrefs;
  /** Show the window at a route such as '/alerts/ID'. */
  open(route: string): void;
  /** Answers a question of the response policy (the notification's buttons, where the OS shows them). */
  decide?(actionId: string, approve: boolean): Promise<unknown>;
  log: Log;
  now?: () => number;
  /** Alerts arriving within this time are looked at together, so a burst shows one summary. */
  gatherMs?: number;
}

export const BURST_WINDOW_MS = 10_000;
export const MAX_SINGLE_IN_WINDOW = 3;
const SEEN_LIMIT = 5_000;
const LIVE_LIMIT = 50;

export class AlertNotifier {
  private readonly seen = new Set<string>();
  private pending: Alert[] = [];
  private recent: number[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private summary: NotificationLike | null = null;
  private readonly live = new Set<NotificationLike>();
  private disposed = false;
  private readonly now: () => number;
  private readonly gatherMs: number;

  constructor(private readonly deps: NotifierDeps) {
    this.now = deps.now ?? (() => Date.now());
    this.gatherMs = deps.gatherMs ?? 1_000;
  }

  onAlert(alert: Alert): void {
    if (this.disposed || this.seen.has(alert.id) || this.pending.some((a) => a.id === alert.id)) return;
    this.pending.push(alert);
    this.timer ??= setTimeout(() => void this.flush(), this.gatherMs);
  }

  /** Decides what to show for the alerts gathered so far (called by the timer; public for tests). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    if (this.disposed || batch.length === 0) return;
    try {
      await this.deps.prefs.refresh();
    } catch {
      // keep the last known settings
    }
    const min = this.deps.prefs.notifyMinSeverity;
    const due = batch.filter((a) => atLeast(a.severity, min) && !this.seen.has(a.id));
    if (due.length === 0 || !this.deps.isSupported()) return;

    const now = this.now();
    this.recent = this.recent.filter((t) => now - t < BURST_WINDOW_MS);
    const inWindow = this.recent.length + due.length;
    for (const alert of due) {
      this.remember(alert.id);
      this.recent.push(now);
    }
    const lang = this.deps.prefs.language;
    if (inWindow <= MAX_SINGLE_IN_WINDOW) {
      for (const alert of due) this.showAlert(alert, lang);
    } else {
      this.showSummary(inWindow, due.some((a) => a.severity === 'critical'), lang);
    }
  }

  /**
   * Response actions that need the user: a question (with Do it / Don't where the OS shows buttons; a click
   * opens Actions) and an isolation, which nobody should learn about by finding the network gone.
   */
  onAction(action: ResponseAction): void {
    if (this.disposed || !this.deps.isSupported()) return;
    const key = `${action.id}:${action.status}`;
    if (this.seen.has(key)) return;
    const lang = this.deps.prefs.language;
    const t = strings[lang];
    if (action.status === 'pending') {
      this.remember(key);
      const by = action.decideBy ? new Date(action.decideBy).toLocaleTimeString(lang === 'ja' ? 'ja-JP' : 'en', { hour: '2-digit', minute: '2-digit' }) : null;
      const n = this.show({
        title: t.askTitle, body: t.askBody(action.summary, by, this.deps.prefs.askDefaultActs === true), urgency: 'critical',
        actions: [{ type: 'button', text: t.doIt }, { type: 'button', text: t.dont }],
      }, '/actions');
      n?.on('action', (_event: unknown, index: unknown) => {
        void this.deps.decide?.(action.id, index === 0).catch((err: Error) => this.deps.log('warn', `answering ${action.id} failed: ${err.message}`));
      });
    } else if (action.kind === 'isolate' && action.status === 'succeeded' && action.changed) {
      this.remember(key);
      this.show({ title: t.isolatedTitle, body: t.isolatedBody, urgency: 'critical' }, '/actions');
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }

  private showAlert(alert: Alert, lang: Lang): void {
    const text = alert.text[lang];
    this.show({
      title: text.title,
      body: text.summary,
      urgency: alert.severity === 'critical' ? 'critical' : 'normal',
    }, `/alerts/${encodeURIComponent(alert.id)}`);
  }

  private showSummary(count: number, critical: boolean, lang: Lang): void {
    const t = strings[lang];
    this.summary?.close();
    this.summary = this.show({ title: t.newAlerts(count), body: t.newAlertsBody, urgency: critical ? 'critical' : 'normal' }, '/alerts');
  }

  private show(options: NotificationConstructorOptions, route: string): NotificationLike | null {
    let n: NotificationLike;
    try {
      n = this.deps.create(options);
    } catch (err) {
      this.deps.log('warn', `cannot create a notification: ${(err as Error).message}`);
      return null;
    }
    // Keep a reference while it is on screen, or the click handler could be collected with it.
    this.live.add(n);
    if (this.live.size > LIVE_LIMIT) this.live.delete(this.live.values().next().value as NotificationLike);
    n.on('click', () => {
      this.live.delete(n);
      this.deps.open(route);
    });
    n.on('close', () => this.live.delete(n));
    n.on('failed', (...args: unknown[]) => {
      this.live.delete(n);
      this.deps.log('warn', `notification failed: ${String(args[1] ?? 'unknown error')}`);
    });
    n.show();
    return n;
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value as string);
  }
}
