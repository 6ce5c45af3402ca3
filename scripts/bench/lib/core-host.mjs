// A Mamori core in its own Node process, for the telemetry benchmark: the bench's memory and CPU never count
// as the agent's, and the bench can poll the database without pausing the core. Plain JavaScript (no tsx
// loader in this process) importing the compiled core from dist/, as `mamori agent` would run it.
//
// Started with child_process.fork(thisFile, [JSON config]); talks over the IPC channel:
//   child -> parent  { type: 'ready', startMs, status } | { type: 'failed', message } | { type: 'log', level, message }
//                    { type: 'status', status, memory } | { type: 'stopped' }
//   parent -> child  { cmd: 'status' } | { cmd: 'stop' }
// It stops the core and exits when told to, on SIGTERM/SIGINT, and when the parent goes away.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(process.argv[2] ?? '{}');
const send = (message) => { if (process.connected) process.send(message); };
let core = null;
let stopping = null;

function stop(code) {
  stopping ??= (async () => {
    try { await core?.stop(); } catch (err) { send({ type: 'log', level: 'error', message: `stop failed: ${err.message}` }); }
    send({ type: 'stopped' });
    // Let the last message leave before the channel closes.
    setTimeout(() => process.exit(code), 20);
  })();
  return stopping;
}

process.on('SIGTERM', () => void stop(143));
process.on('SIGINT', () => void stop(130));
process.on('disconnect', () => void stop(0));
process.on('message', async (m) => {
  if (m?.cmd === 'stop') await stop(0);
  else if (m?.cmd === 'status' && core) send({ type: 'status', status: await core.api.getStatus({}), memory: process.memoryUsage() });
});

try {
  const { createCore } = await import(pathToFileURL(config.coreModule).href);
  const started = performance.now();
  core = await createCore({
    dataDir: config.dataDir,
    watchFolders: config.watchFolders ?? [],
    host: config.host ?? 'agent',
    processSensor: config.processSensor,
    // The files group names the file sensor and the filesystems it marks (only a tmpfs it mounted itself).
    ...(config.fileSensor ? { fileSensor: config.fileSensor } : {}),
    ...(config.fileMounts ? { fileMounts: config.fileMounts } : {}),
    ...(config.execVerdictTimeoutMs ? { execVerdictTimeoutMs: config.execVerdictTimeoutMs } : {}),
    helpersDir: config.helpersDir,
    log: (level, message) => { if (level !== 'info') send({ type: 'log', level, message }); },
  });
  // Settings applied before 'ready' (e.g. blockKnownBadExec: false restarts the file helper without the guard).
  if (config.settings) await core.api.updateSettings(config.settings);
  const startMs = performance.now() - started;
  send({ type: 'ready', startMs, status: await core.api.getStatus({}) });
} catch (err) {
  send({ type: 'failed', message: err?.stack ?? String(err) });
  setTimeout(() => process.exit(1), 20);
}
