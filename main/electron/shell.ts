// The desktop shell: app lifecycle around one core. Start-up and shut-down are ordered lists of named
// steps; shut-down always runs (tray Quit, app quit, SIGINT/SIGTERM, or a failed start-up).
import {
  app, BrowserWindow, dialog, ipcMain, Menu, Notification, nativeImage, protocol, session, Tray,
  type NativeImage,
} from 'electron';
import { join } from 'node:path';
import { createCore, defaultDataDir, type Core } from '../core/index.js';
import { callerFor, type Call } from './call.js';
import { resolveLanguage, strings, type TrayState } from './i18n.js';
import { forwardEvents, registerIpcBridge } from './ipc.js';
import { AlertNotifier } from './notify.js';
import { appPaths, type AppPaths } from './paths.js';
import { Prefs } from './prefs.js';
import { APP_SCHEME, appSchemePrivileges, appUrl, createAppProtocolHandler } from './protocol.js';
import { hardenSession, hardenWebContents } from './security.js';
import { runShutdown, runSteps, runStepsSync, StartupError, type Log, type Step } from './steps.js';
import { MamoriTray } from './tray.js';
import { createMainWindow, showWindow } from './window.js';

export interface ShellOptions {
  argv?: readonly string[];
  paths?: AppPaths;
  log?: Log;
  getuid?: () => number | undefined;
  /** Where the one-line refusal goes when run as root. */
  stderr?: (line: string) => void;
}

export type StartOutcome = 'started' | 'halted' | 'failed';

export interface Shell {
  /** Settles when start-up has finished, stopped on purpose (root, second instance) or failed. */
  readonly started: Promise<StartOutcome>;
  readonly startupSteps: readonly string[];
  readonly shutdownSteps: readonly string[];
  window(): BrowserWindow | null;
  core(): Core | null;
  tray(): MamoriTray | null;
  notifier(): AlertNotifier | null;
  /** Show the window, optionally at a route such as '/alerts/ID'. */
  open(route?: string): void;
  /** Quit as the tray's Quit does: app.quit(), which runs the shut-down. */
  quit(): void;
  /** The ordered shut-down (memoised: runs once). */
  shutdown(): Promise<void>;
}

const defaultLog: Log = (level, message) => {
  process.stderr.write(`[mamori ${level}] ${message}\n`);
};

export function startShell(options: ShellOptions = {}): Shell {
  const argv = options.argv ?? process.argv;
  const paths = options.paths ?? appPaths();
  const log = options.log ?? defaultLog;
  const getuid = options.getuid ?? (() => process.getuid?.());
  const stderr = options.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const startHidden = argv.includes('--hidden');

  let core: Core | null = null;
  let call: Call | null = null;
  let prefs: Prefs | null = null;
  let win: BrowserWindow | null = null;
  let tray: MamoriTray | null = null;
  let notifier: AlertNotifier | null = null;
  const undo: Array<() => void> = [];
  let quitting = false;
  let shutdownDone = false;
  let shutdownPromise: Promise<void> | null = null;

  const liveWindow = (): BrowserWindow | null => (win && !win.isDestroyed() ? win : null);

  // A request to show the window (second instance) can arrive while the core is still starting:
  // it is remembered and honoured when the window is created.
  let windowStepDone = false;
  let openRequested: { route?: string } | null = null;

  const createWindow = (route?: string): BrowserWindow | null => {
    if (!app.isReady()) return null;
    win = createMainWindow(BrowserWindow, paths, !app.isPackaged, { isQuitting: () => quitting, log });
    const w = win;
    void w.loadURL(appUrl(route)).catch((err: unknown) => log('error', `cannot load the UI: ${(err as Error).message}`));
    return w;
  };

  const open = (route?: string): void => {
    if (!windowStepDone) {
      openRequested = { route: route ?? openRequested?.route };
      return;
    }
    const existing = liveWindow();
    if (existing) {
      showWindow(existing, route);
      return;
    }
    const created = createWindow(route);
    if (created) showWindow(created);
  };

  const trayIcon = (state: TrayState): NativeImage => {
    // Linux panels draw icons at 22-24 px: give them the 32 px image; macOS/Windows pick @2x themselves.
    const file = process.platform === 'linux' ? `${state}@2x.png` : `${state}.png`;
    return nativeImage.createFromPath(join(paths.trayIcons, file));
  };

  const preReady: Step[] = [
    {
      name: 'refuse to run as root',
      run: () => {
        if (getuid() !== 0) return;
        stderr('Mamori: the desktop app does not run as root; please start it as your normal user.');
        app.exit(1);
        return 'halt';
      },
    },
    {
      name: 'take the single-instance lock',
      run: () => {
        if (!app.requestSingleInstanceLock()) {
          log('info', 'Mamori is already running; showing its window');
          app.quit();
          return 'halt';
        }
        app.on('second-instance', () => open());
      },
    },
    { name: 'register the mamori:// scheme', run: () => protocol.registerSchemesAsPrivileged([appSchemePrivileges]) },
    {
      name: 'harden every web page',
      run: () => {
        app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, log));
      },
    },
    {
      name: 'wire quitting to the shut-down',
      run: () => {
        app.on('before-quit', () => {
          quitting = true;
        });
        app.on('will-quit', (event) => {
          if (shutdownDone) return;
          event.preventDefault();
          void doShutdown().finally(() => {
            shutdownDone = true;
            app.quit();
          });
        });
        // Closing the window hides it; Mamori lives on in the tray until Quit.
        app.on('window-all-closed', () => undefined);
        const onSignal = (): void => {
          quitting = true;
          app.quit();
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        undo.push(() => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        });
      },
    },
  ];

  const afterReady: Step[] = [
    { name: 'wait for Electron to be ready', run: async () => { await app.whenReady(); } },
    {
      name: 'lock down the session',
      run: () => {
        if (process.platform === 'win32') app.setAppUserModelId('jp.mamori.app');
        hardenSession(session.defaultSession, log);
      },
    },
    { name: 'serve the UI', run: () => protocol.handle(APP_SCHEME, createAppProtocolHandler(paths.renderer)) },
    {
      name: 'start the core',
      run: async () => {
        core = await createCore({ dataDir: defaultDataDir(), host: 'electron', log, ...(paths.helpers ? { helpersDir: paths.helpers } : {}),
          ...(paths.rules ? { rulesDir: paths.rules } : {}) });
        call = callerFor(core.api);
      },
    },
    {
      name: 'read the preferences',
      run: async () => {
        prefs = new Prefs(call!, app.getLocale());
        await prefs.refresh();
      },
    },
    { name: 'open the IPC bridge', run: () => { undo.push(registerIpcBridge(ipcMain, core!.api, liveWindow, log)); } },
    {
      name: 'create the window',
      run: () => {
        const w = createWindow(openRequested?.route);
        if (w && (!startHidden || openRequested)) w.once('ready-to-show', () => showWindow(w));
        windowStepDone = true;
      },
    },
    { name: 'forward core events to the window', run: () => { undo.push(forwardEvents(core!.events, liveWindow)); } },
    {
      name: 'show the tray icon',
      run: async () => {
        tray = new MamoriTray({
          createTray: (icon) => new Tray(icon),
          buildMenu: (template) => Menu.buildFromTemplate(template),
          icon: trayIcon,
          call: call!,
          language: () => prefs!.language,
          open,
          quit,
          log,
        });
        undo.push(core!.events.on('status', (status) => {
          tray?.update(status);
          // The language may have changed in Settings: re-read, then redraw the menu in it.
          void prefs?.refresh().then(() => tray?.render()).catch(() => undefined);
        }));
        await tray.start();
      },
    },
    {
      name: 'notify about alerts',
      run: () => {
        notifier = new AlertNotifier({
          isSupported: () => Notification.isSupported(),
          create: (opts) => new Notification(opts),
          prefs: prefs!,
          open: (route) => open(route),
          decide: (id, approve) => core!.api.decideAction({ id, approve }),
          log,
        });
        undo.push(core!.events.on('alert', (alert) => notifier?.onAlert(alert)));
        undo.push(core!.events.on('action', (action) => notifier?.onAction(action)));
      },
    },
  ];

  const shutdown: Step[] = [
    { name: 'stop notifications', run: () => notifier?.dispose() },
    { name: 'unhook IPC, core events and signals', run: () => { while (undo.length) undo.pop()!(); } },
    { name: 'remove the tray icon', run: () => { tray?.dispose(); tray = null; } },
    { name: 'close the window', run: () => { if (liveWindow()) win!.destroy(); win = null; } },
    { name: 'stop the core', run: async () => { await core?.stop(); } },
  ];

  function quit(): void {
    quitting = true;
    app.quit();
  }

  function doShutdown(): Promise<void> {
    quitting = true;
    shutdownPromise ??= runShutdown(shutdown, log);
    return shutdownPromise;
  }

  const fail = async (err: unknown): Promise<StartOutcome> => {
    const message = err instanceof StartupError ? err.message : `start-up failed: ${String(err)}`;
    log('error', message);
    if (app.isReady()) {
      const lang = resolveLanguage(null, app.getLocale());
      const reason = err instanceof StartupError && err.reason instanceof Error ? err.reason.message : message;
      dialog.showErrorBox(strings[lang].startFailedTitle, reason);
    }
    await doShutdown();
    shutdownDone = true;
    app.exit(1);
    return 'failed';
  };

  // Pre-ready steps run synchronously, right now: with an ES-module entry, Electron emits `ready` once
  // the entry module has been evaluated, and the scheme must be registered before that.
  let started: Promise<StartOutcome>;
  try {
    started = runStepsSync(preReady, log) === 'halt'
      ? Promise.resolve('halted')
      : runSteps(afterReady, log).then((r) => (r === 'halt' ? 'halted' : 'started'), fail);
  } catch (err) {
    started = fail(err);
  }

  return {
    started,
    startupSteps: [...preReady, ...afterReady].map((s) => s.name),
    shutdownSteps: shutdown.map((s) => s.name),
    window: liveWindow,
    core: () => core,
    tray: () => tray,
    notifier: () => notifier,
    open,
    quit,
    shutdown: doShutdown,
  };
}
