// Desktop notifications for the headless agent when a desktop session is there (the Electron shell has its
// own). Alerts at or above the user's threshold, once per alert, questions of the response policy and
// isolations; failures are silent by design.
import type { Core } from '../core/index.js';
import { SEVERITY_ORDER } from '../../preload/contract/index.js';

export function startDesktopNotifier(core: Core): { stop(): void } {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { stop() {} };
  const seen = new Set<string>();
  const off = core.events.on('alert', (alert) => {
    if (seen.has(alert.id)) return;
    void (async () => {
      const { notifyMinSeverity } = await core.api.getSettings({});
      if (SEVERITY_ORDER.indexOf(alert.severity) < SEVERITY_ORDER.indexOf(notifyMinSeverity)) return;
      seen.add(alert.id);
      const { default: notifier } = await import('node-notifier');
      notifier.notify({ title: `Mamori: ${alert.title}`, message: alert.file?.path ?? alert.text.en.summary, wait: false }, () => undefined);
    })().catch(() => undefined);
  });
  // Questions of the response policy and isolations: the user must learn of them now, not find them later.
  const offAction = core.events.on('action', (action) => {
    const key = `${action.id}:${action.status}`;
    if (seen.has(key)) return;
    const isolated = action.kind === 'isolate' && action.status === 'succeeded' && action.changed;
    if (action.status !== 'pending' && !isolated) return;
    seen.add(key);
    void (async () => {
      const { default: notifier } = await import('node-notifier');
      const message = isolated ? 'This computer was cut off the network to stop an attack. Open Mamori to see why, and to reconnect.'
        : `${action.summary} Answer in Mamori, or: mamori respond approve|decline ${action.id}`;
      notifier.notify({ title: isolated ? 'Mamori: computer isolated' : 'Mamori asks: may it act?', message, wait: false }, () => undefined);
    })().catch(() => undefined);
  });
  return { stop: () => { off(); offAction(); } };
}
