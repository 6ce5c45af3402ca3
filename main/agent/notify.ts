// Desktop notifications for the headless agent when a desktop session is there (the Electron shell has its
// own). Only alerts at or above the user's threshold, once per alert; failures are silent by design.
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
  return { stop: off };
}
