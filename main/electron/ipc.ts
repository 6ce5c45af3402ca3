// The IPC bridge, derived from the contract: one handler per method, none written by hand.
// Every call first proves it comes from the main frame of our own window showing our own UI.
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import {
  dispatch, eventNames, ipcChannel, ipcEventChannel, methodNames,
  type Envelope, type MamoriImpl, type MamoriEvents, type Unsubscribe,
} from '../../preload/contract/index.js';
import { isAppUrl } from './protocol.js';
import type { Log } from './steps.js';

export type WindowRef = () => BrowserWindow | null;

/** The sender is the main frame (not a subframe) of our window, and it shows our UI. */
export function isTrustedSender(event: IpcMainInvokeEvent, win: BrowserWindow | null): boolean {
  if (!win || win.isDestroyed()) return false;
  const contents = win.webContents;
  if (!event.sender || event.sender.id !== contents.id) return false;
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  const main = contents.mainFrame;
  if (frame !== main && (frame.processId !== main.processId || frame.routingId !== main.routingId)) return false;
  return isAppUrl(frame.url);
}

export function forbidden(): Envelope<never> {
  return { ok: false, error: { code: 'FORBIDDEN', message: 'this page may not use the Mamori API' } };
}

/** Registers ipcMain.handle for every method; returns the undo (removes them all). */
export function registerIpcBridge(ipcMain: IpcMain, api: MamoriImpl, getWindow: WindowRef, log: Log): () => void {
  for (const name of methodNames) {
    ipcMain.handle(ipcChannel(name), async (event: IpcMainInvokeEvent, input: unknown) => {
      if (!isTrustedSender(event, getWindow())) {
        log('warn', `refused IPC call ${name} from ${String(event.senderFrame?.url ?? 'a gone frame').slice(0, 200)}`);
        return forbidden();
      }
      return dispatch(api, name, input);
    });
  }
  return () => {
    for (const name of methodNames) ipcMain.removeHandler(ipcChannel(name));
  };
}

/** Pushes every core event to our window while it shows our UI; returns the undo. */
export function forwardEvents(events: MamoriEvents, getWindow: WindowRef): () => void {
  const unsubscribers: Unsubscribe[] = eventNames.map((event) =>
    events.on(event, (payload) => {
      const win = getWindow();
      if (!win || win.isDestroyed()) return;
      const contents = win.webContents;
      if (contents.isDestroyed() || !isAppUrl(contents.getURL())) return;
      contents.send(ipcEventChannel, { event, payload });
    }));
  return () => {
    for (const off of unsubscribers) off();
  };
}
