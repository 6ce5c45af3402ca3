export { ScanJob, type ScanHooks } from './scanner.js';
export { inspectFile, newReadBuffers, READ_CHUNK, NotARegularFile, type InspectedFile, type ReadBuffers } from './inspect.js';
