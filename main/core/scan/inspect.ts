// What reading a file tells the detectors. The reading itself happens in hash-worker.ts (via HashPool).
import type { FileFacts } from '../detect/index.js';

export interface InspectedFile extends FileFacts {
  dev: number;
  ino: number;
  mtimeMs: number;
}

export class NotARegularFile extends Error {
  readonly code = 'NOT_REGULAR';
}
