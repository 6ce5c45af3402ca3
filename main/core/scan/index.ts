export { ScanJob, type ScanHooks } from './scanner.js';
export { inspectFile, READ_CHUNK, NotARegularFile, type InspectedFile } from './inspect.js';
