// The few words the shell itself shows (tray, notifications, start-up errors), in Japanese and English.
// The renderer has its own, much larger dictionary; these never leave the main process.
import type { ProtectionState, Settings, Status } from '../../preload/contract/index.js';

export type Lang = 'en' | 'ja';

/** The UI language: the user's setting if it names one, else the OS locale (ja* -> Japanese). */
export function resolveLanguage(setting: Settings['language'] | null | undefined, osLocale: string): Lang {
  if (setting === 'en' || setting === 'ja') return setting;
  return osLocale.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

const en = {
  open: 'Open Mamori',
  scanNow: 'Scan now',
  pause15: 'Pause protection for 15 minutes',
  resume: 'Resume protection',
  quit: 'Quit Mamori',
  protected: "You're protected",
  attention: (n: number) => (n > 0 ? `Needs attention: ${n.toLocaleString('en')} open alert${n === 1 ? '' : 's'}` : 'Needs attention'),
  degraded: "Some protection isn't running",
  paused: (until: string | null) => (until ? `Protection paused until ${until}` : 'Protection paused'),
  newAlerts: (n: number) => `${n.toLocaleString('en')} new alerts`,
  newAlertsBody: 'Open Mamori to see what happened and what to do.',
  startFailedTitle: 'Mamori could not start',
  askTitle: 'Mamori asks: may it act?',
  askBody: (what: string, by: string | null, act: boolean) => `${what} ${by ? `If nobody answers by ${by}, Mamori will ${act ? 'do it' : 'not do it'}.` : ''}`.trim(),
  doIt: 'Do it',
  dont: "Don't",
  isolatedTitle: 'This computer was cut off the network',
  isolatedBody: 'Mamori isolated it to stop an attack. Open Mamori to see why, and to reconnect.',
};

const ja: typeof en = {
  open: 'Mamori を開く',
  scanNow: '今すぐスキャン',
  pause15: '保護を15分間一時停止',
  resume: '保護を再開',
  quit: 'Mamori を終了',
  protected: '保護されています',
  attention: (n: number) => (n > 0 ? `確認が必要です（未対応のアラート ${n.toLocaleString('ja')} 件）` : '確認が必要です'),
  degraded: '一部の保護が動いていません',
  paused: (until: string | null) => (until ? `保護を一時停止しています（${until} まで）` : '保護を一時停止しています'),
  newAlerts: (n: number) => `新しいアラートが ${n.toLocaleString('ja')} 件あります`,
  newAlertsBody: 'Mamori を開いて、何が起きたかとすべきことを確認してください。',
  startFailedTitle: 'Mamori を起動できませんでした',
  askTitle: 'Mamori からの確認: 対処してよいですか？',
  askBody: (what: string, by: string | null, act: boolean) => `${what} ${by ? `${by} までに回答がなければ、Mamori は${act ? '対処します' : '対処しません'}。` : ''}`.trim(),
  doIt: '対処する',
  dont: '対処しない',
  isolatedTitle: 'このコンピューターをネットワークから切り離しました',
  isolatedBody: '攻撃を止めるため Mamori が切り離しました。理由の確認と再接続は Mamori を開いてください。',
};

export const strings: Record<Lang, typeof en> = { en, ja };

/** The three looks of the tray icon. Degraded counts as attention: something needs a look. */
export type TrayState = 'protected' | 'attention' | 'paused';

export function trayStateOf(state: ProtectionState): TrayState {
  if (state === 'protected') return 'protected';
  if (state === 'paused') return 'paused';
  return 'attention';
}

function clock(iso: string | null, lang: Lang): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return d.toLocaleTimeString(lang === 'ja' ? 'ja-JP' : 'en', { hour: '2-digit', minute: '2-digit' });
}

/** One sentence for the tooltip and the first (disabled) line of the tray menu. */
export function statusLine(status: Status, lang: Lang): string {
  const t = strings[lang];
  switch (status.state) {
    case 'protected': return t.protected;
    case 'paused': return t.paused(clock(status.pausedUntil, lang));
    case 'degraded': return t.degraded;
    default: return t.attention(status.openAlerts);
  }
}
