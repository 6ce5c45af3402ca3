export { newId, nowIso } from './ids.js';
export { faultPoint } from './fault.js';
export { defaultDataDir, defaultWatchFolders } from './paths.js';
export { fsyncDir } from './fsync.js';
export { packageInfo } from './package-root.js';
export { startWorker } from './worker.js';
