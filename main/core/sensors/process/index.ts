export { ProcessSensor, type ProcessSensorOptions, type ProcessTierChoice } from './process-sensor.js';
export { commandLine, entityId, readProcStat } from './process-table.js';
export { HelperStream, type HelperMessage, type Hello } from './helper-stream.js';
export type { ProcInfo } from './process-table.js';
