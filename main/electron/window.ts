// The one window. Closing it hides it to the tray; only Quit (tray menu or app quit) ends Mamori.
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import type { AppPaths } from './paths.js';
import { appUrl } from './protocol.js';
import type { Log } from './steps.js';

export function windowOptions(paths: AppPaths, devTools: boolean): BrowserWindowConstructorOptions {
  return {
    title: 'Mamori',
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 640,
    show: false,
    backgroundColor: '#ffffff',
    autoHideMenuBar: true,
    icon: paths.appIcon,
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools,
    },
  };
}

export interface WindowHooks {
  /** True once the user (or the OS) asked Mamori to quit: then close really closes. */
  isQuitting(): boolean;
  log: Log;
}

type WindowCtor = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

export function createMainWindow(Ctor: WindowCtor, paths: AppPaths, devTools: boolean, hooks: WindowHooks): BrowserWindow {
  const win = new Ctor(windowOptions(paths, devTools));
  win.on('close', (event) => {
    if (hooks.isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
  win.webContents.on('render-process-gone', (_event, details) => {
    hooks.log('error', `the UI process ended (${details.reason}); reloading`);
    if (!hooks.isQuitting() && !win.isDestroyed()) void win.loadURL(appUrl()).catch(() => undefined);
  });
  return win;
}

/** Shows, restores and focuses the window; with a route (e.g. '/alerts/ID') it opens that page. */
export function showWindow(win: BrowserWindow, route?: string): void {
  if (route) void win.loadURL(appUrl(route)).catch(() => undefined);
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
