export { ProcessSensor, type ProcessSensorOptions, type ProcessTierChoice } from './process-sensor.js';
export { commandLine, entityId, readProcStat } from './process-table.js';
