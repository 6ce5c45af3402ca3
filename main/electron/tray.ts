// The tray icon: one look per protection state (protected / attention needed / paused), a one-line
// tooltip, and the menu: Open, Scan now, Pause for 15 minutes (or Resume), Quit.
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { Status } from '../../preload/contract/index.js';
import type { Call } from './call.js';
import { statusLine, strings, trayStateOf, type Lang, type TrayState } from './i18n.js';
import type { Log } from './steps.js';

export const PAUSE_MINUTES = 15;

export interface TrayDeps {
  createTray(icon: NativeImage): Tray;
  buildMenu(template: MenuItemConstructorOptions[]): Menu;
  icon(state: TrayState): NativeImage;
  call: Call;
  language(): Lang;
  /** Show the window, optionally at a route such as '/scans'. */
  open(route?: string): void;
  quit(): void;
  log: Log;
}

export class MamoriTray {
  private tray: Tray | null = null;
  private status: Status | null = null;
  private shownState: TrayState | null = null;

  constructor(private readonly deps: TrayDeps) {}

  /** Creates the icon (showing "attention" until the first status arrives) and reads the status. */
  async start(): Promise<void> {
    this.tray = this.deps.createTray(this.deps.icon('attention'));
    this.shownState = 'attention';
    this.tray.on('click', () => this.deps.open());
    this.render();
    const res = await this.deps.call('getStatus', {});
    if (res.ok) this.update(res.value);
    else this.deps.log('warn', `tray: cannot read the status: ${res.error.message}`);
  }

  get state(): TrayState | null {
    return this.shownState;
  }

  update(status: Status): void {
    this.status = status;
    this.render();
  }

  /** Redraws icon, tooltip and menu from the last status (also after a language change). */
  render(): void {
    const tray = this.tray;
    if (!tray || tray.isDestroyed()) return;
    const lang = this.deps.language();
    const t = strings[lang];
    const status = this.status;
    const state = status ? trayStateOf(status.state) : 'attention';
    if (state !== this.shownState) {
      tray.setImage(this.deps.icon(state));
      this.shownState = state;
    }
    const line = status ? statusLine(status, lang) : '…';
    tray.setToolTip(`Mamori — ${line}`);
    const paused = status?.state === 'paused';
    tray.setContextMenu(this.deps.buildMenu([
      { id: 'status', label: line, enabled: false },
      { type: 'separator' },
      { id: 'open', label: t.open, click: () => this.deps.open() },
      { id: 'scan', label: t.scanNow, click: () => void this.scanNow() },
      paused
        ? { id: 'resume', label: t.resume, click: () => void this.resume() }
        : { id: 'pause', label: t.pause15, click: () => void this.pause() },
      { type: 'separator' },
      { id: 'quit', label: t.quit, click: () => this.deps.quit() },
    ]));
  }

  /** Scans the watched folders and opens the Scans page; with no folders, opens Settings instead. */
  async scanNow(): Promise<void> {
    let folders = this.status?.watchedFolders ?? [];
    if (folders.length === 0) {
      const settings = await this.deps.call('getSettings', {});
      if (settings.ok) folders = settings.value.watchFolders;
    }
    if (folders.length === 0) {
      this.deps.open('/settings');
      return;
    }
    const res = await this.deps.call('startScan', { paths: folders.slice(0, 64), trigger: 'tray' });
    if (!res.ok) this.deps.log('warn', `tray: scan did not start: ${res.error.message}`);
    this.deps.open('/scans');
  }

  async pause(): Promise<void> {
    const res = await this.deps.call('pauseProtection', { minutes: PAUSE_MINUTES });
    if (res.ok) this.update(res.value);
    else this.deps.log('warn', `tray: cannot pause: ${res.error.message}`);
  }

  async resume(): Promise<void> {
    const res = await this.deps.call('resumeProtection', {});
    if (res.ok) this.update(res.value);
    else this.deps.log('warn', `tray: cannot resume: ${res.error.message}`);
  }

  dispose(): void {
    if (this.tray && !this.tray.isDestroyed()) this.tray.destroy();
    this.tray = null;
  }
}
