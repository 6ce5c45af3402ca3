// Sensors own OS handles and have a lifecycle (start/stop); each emits plain facts, never decisions.
export { FileWatchSensor, type FileWatchSensorOptions, type SensorState } from './file-watch.js';
export { ProcessSensor, type ProcessSensorOptions, type ProcessTierChoice } from './process/index.js';
export { DEFAULT_NETWORK_POLL_MS, NetworkSensor, type NetworkSensorChoice } from './network/index.js';
export {
  BoundedPathQueue, FileSensor, localFilesystems, type ExecRequest, type ExecVerdict, type FileSensorChoice, type Writer,
} from './file/index.js';
