// The file sensor (fanotify helper, chokidar fallback) and what the engine needs around it.
export {
  FileSensor, type ExecRequest, type ExecVerdict, type FileSensorChoice, type FileSensorOptions, type FileSensorStatus, type Writer,
} from './file-sensor.js';
export { localFilesystems, mountOf, readMounts } from './mounts.js';
export { BoundedPathQueue } from './write-queue.js';
export { COALESCE_MS } from './file-events.js';
