// YARA detection: rule files compiled once by the mamori-yara helper, files and archive members scanned
// on request. The only public door of this module.
export { YaraScanner, YaraScanError, type YaraScannerOptions, type DeepScanResult } from './yara-scanner.js';
export type { CompileReport } from './helper-process.js';
export type { YaraMatch, YaraCompileProblem, MetaValue, DeepMember, DeepProblem, DeepProblemCode } from './protocol.js';
