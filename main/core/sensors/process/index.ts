export { ProcessSensor, type ProcessSensorOptions, type ProcessTierChoice } from './process-sensor.js';
export { commandLine, entityId } from './process-table.js';
