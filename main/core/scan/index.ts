export { ScanJob, type ScanHooks } from './scanner.js';
export { HashPool } from './hash-pool.js';
export { NotARegularFile, type InspectedFile } from './inspect.js';
