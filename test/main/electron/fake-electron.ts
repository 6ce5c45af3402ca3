/* eslint-disable @typescript-eslint/no-explicit-any -- a loose stand-in for Electron objects, shaped as the shell uses them */
// A stand-in for the 'electron' module (the binary cannot run here). Tests use it with
//   vi.mock('electron', () => import('./fake-electron.js'))
// and call resetFakeElectron() before each test. It records what the shell asks Electron to do.
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export interface FakeEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
  [key: string]: unknown;
}
export function fakeEvent(extra: Record<string, unknown> = {}): FakeEvent {
  return { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; }, ...extra };
}

export const state = {
  locale: 'en-US',
  haveLock: true,
  ready: false,
  notificationsSupported: true,
  quitted: false,
  exitCode: null as number | null,
};

// ---------------------------------------------------------------- app
class FakeApp extends EventEmitter {
  isPackaged = false;
  requestSingleInstanceLock = vi.fn(() => state.haveLock);
  getLocale = vi.fn(() => state.locale);
  isReady = vi.fn(() => state.ready);
  whenReady = vi.fn(async () => { state.ready = true; });
  setAppUserModelId = vi.fn();
  exit = vi.fn((code?: number) => { state.exitCode = code ?? 0; });
  /** Like Electron: before-quit, windows close, will-quit (preventable), then the app ends. */
  quit = vi.fn(() => {
    const before = fakeEvent();
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    for (const w of [...FakeBrowserWindow.instances]) if (!w.isDestroyed()) w.close();
    if (FakeBrowserWindow.instances.some((w) => !w.isDestroyed())) return;
    const will = fakeEvent();
    this.emit('will-quit', will);
    if (!will.defaultPrevented) state.quitted = true;
  });
}
export const app = new FakeApp();

// ---------------------------------------------------------------- windows
export interface FakeFrame { url: string; parent: FakeFrame | null; processId: number; routingId: number }

let nextId = 1;
export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  url = '';
  readonly mainFrame: FakeFrame = { url: '', parent: null, processId: 7, routingId: this.id };
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  send = vi.fn();
  destroyed = false;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void { this.windowOpenHandler = handler; }
  getURL(): string { return this.url; }
  isDestroyed(): boolean { return this.destroyed; }
  /** Simulates the page navigating to `url` (what loadURL ends in). */
  navigated(url: string): void { this.url = url; this.mainFrame.url = url; }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  visible = false;
  minimized = false;
  destroyed = false;
  focused = false;
  loadURL = vi.fn(async (url: string) => { this.webContents.navigated(url); });
  constructor(readonly options: Record<string, any>) {
    super();
    FakeBrowserWindow.instances.push(this);
    app.emit('web-contents-created', fakeEvent(), this.webContents);
  }
  show(): void { this.visible = true; }
  hide(): void { this.visible = false; this.focused = false; }
  focus(): void { this.focused = true; }
  restore(): void { this.minimized = false; }
  isMinimized(): boolean { return this.minimized; }
  isVisible(): boolean { return this.visible; }
  isDestroyed(): boolean { return this.destroyed; }
  destroy(): void { this.destroyed = true; this.visible = false; this.webContents.destroyed = true; this.emit('closed'); }
  /** Like a click on the window's close button. */
  close(): void {
    const e = fakeEvent();
    this.emit('close', e);
    if (!e.defaultPrevented) this.destroy();
  }
}
export const BrowserWindow = FakeBrowserWindow;

// ---------------------------------------------------------------- tray and menu
export interface FakeMenu { template: Array<Record<string, any>> }
export const Menu = { buildFromTemplate: vi.fn((template: Array<Record<string, any>>): FakeMenu => ({ template })) };

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  tooltip = '';
  menu: FakeMenu | null = null;
  destroyed = false;
  constructor(public image: { path: string }) {
    super();
    FakeTray.instances.push(this);
  }
  setImage(image: { path: string }): void { this.image = image; }
  setToolTip(text: string): void { this.tooltip = text; }
  setContextMenu(menu: FakeMenu): void { this.menu = menu; }
  destroy(): void { this.destroyed = true; }
  isDestroyed(): boolean { return this.destroyed; }
  item(id: string): Record<string, any> | undefined { return this.menu?.template.find((i) => i.id === id); }
  labels(): string[] { return (this.menu?.template ?? []).filter((i) => i.label).map((i) => String(i.label)); }
}
export const Tray = FakeTray;

export const nativeImage = {
  createFromPath: vi.fn((path: string) => ({ path, isEmpty: () => false })),
};

// ---------------------------------------------------------------- notifications
export class FakeNotification extends EventEmitter {
  static instances: FakeNotification[] = [];
  static isSupported = vi.fn(() => state.notificationsSupported);
  shown = false;
  closed = false;
  constructor(readonly options: { title?: string; body?: string; urgency?: string; actions?: { type: string; text: string }[] }) {
    super();
    FakeNotification.instances.push(this);
  }
  show(): void { this.shown = true; }
  close(): void { this.closed = true; this.emit('close'); }
  click(): void { this.emit('click'); }
  /** The user pressed the notification's button number `index` (macOS/Windows show them). */
  press(index: number): void { this.emit('action', {}, index); }
}
export const Notification = FakeNotification;

// ---------------------------------------------------------------- IPC
type Handler = (event: unknown, ...args: unknown[]) => unknown;
class FakeIpcMain {
  handlers = new Map<string, Handler>();
  handle = vi.fn((channel: string, handler: Handler) => {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  });
  removeHandler = vi.fn((channel: string) => { this.handlers.delete(channel); });
  /** What ipcRenderer.invoke(channel, input) from `event.sender`/`event.senderFrame` would get. */
  async invoke(channel: string, event: unknown, input: unknown): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`No handler registered for '${channel}'`);
    return h(event, input);
  }
}
export const ipcMain = new FakeIpcMain();

class FakeIpcRenderer {
  listeners = new Map<string, Array<(event: unknown, ...args: unknown[]) => void>>();
  invoke = vi.fn(async (_channel: string, _input: unknown): Promise<unknown> => ({ ok: true, value: null }));
  on = vi.fn((channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
    return this;
  });
  send = vi.fn();
  /** Delivers a message from the main process. */
  emit(channel: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(channel) ?? []) l({ sender: this, senderId: 0, ports: [] }, ...args);
  }
}
export const ipcRenderer = new FakeIpcRenderer();

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld: vi.fn((key: string, api: unknown) => { contextBridge.exposed.set(key, api); }),
};

// ---------------------------------------------------------------- session, protocol, dialog
type HeadersListener = (details: Record<string, any>, callback: (response: Record<string, any>) => void) => void;
export const session = {
  defaultSession: {
    webRequest: {
      headersListener: null as HeadersListener | null,
      beforeRequestListener: null as HeadersListener | null,
      onHeadersReceived: vi.fn((l: HeadersListener) => { session.defaultSession.webRequest.headersListener = l; }),
      onBeforeRequest: vi.fn((l: HeadersListener) => { session.defaultSession.webRequest.beforeRequestListener = l; }),
    },
    permissionRequestHandler: null as ((...args: any[]) => void) | null,
    permissionCheckHandler: null as ((...args: any[]) => boolean) | null,
    setPermissionRequestHandler: vi.fn((h: (...args: any[]) => void) => { session.defaultSession.permissionRequestHandler = h; }),
    setPermissionCheckHandler: vi.fn((h: (...args: any[]) => boolean) => { session.defaultSession.permissionCheckHandler = h; }),
  },
};

export const protocol = {
  handlers: new Map<string, (request: Request) => Promise<Response> | Response>(),
  registerSchemesAsPrivileged: vi.fn(),
  handle: vi.fn((scheme: string, handler: (request: Request) => Promise<Response> | Response) => { protocol.handlers.set(scheme, handler); }),
};

export const dialog = { showErrorBox: vi.fn() };

export function resetFakeElectron(): void {
  Object.assign(state, { locale: 'en-US', haveLock: true, ready: false, notificationsSupported: true, quitted: false, exitCode: null });
  app.removeAllListeners();
  FakeBrowserWindow.instances = [];
  FakeTray.instances = [];
  FakeNotification.instances = [];
  ipcMain.handlers.clear();
  ipcRenderer.listeners.clear();
  contextBridge.exposed.clear();
  protocol.handlers.clear();
  session.defaultSession.webRequest.headersListener = null;
  session.defaultSession.webRequest.beforeRequestListener = null;
  session.defaultSession.permissionRequestHandler = null;
  session.defaultSession.permissionCheckHandler = null;
  vi.clearAllMocks();
}

export default {
  app, BrowserWindow, Menu, Tray, nativeImage, Notification, ipcMain, ipcRenderer, contextBridge, session, protocol, dialog,
};
