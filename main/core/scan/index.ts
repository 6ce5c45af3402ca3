export { ScanJob, type ScanHooks } from './scanner.js';
export { HashPool } from './hash-pool.js';
export { NotARegularFile, type InspectedFile } from './inspect.js';
export { CpuBudget } from './cpu-budget.js';
export { isDue, nextSlot, previousSlot } from './schedule.js';
export { fullScan, quickScanPaths, skippedMounts, homeFolders, type ScanProfile } from './profiles.js';
export { ContentScanner, type ContentScannerStatus } from './content-scanner.js';
