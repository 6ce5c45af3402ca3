// The Sigma engine's one public door: load rule folders (a coded result per rule), run rules on events.
export { loadRuleFolders, loadRules, readRuleFolders, SigmaEngine, type LoadedRules, type RuleLoadResult, type RuleSource, type SigmaFinding } from './engine.js';
export type { CompiledRule, Explanation, RuleMeta } from './rule.js';
export type { CompiledCorrelation } from './correlation.js';
export { SigmaError, type SigmaErrorCode } from './errors.js';
export { LOGSOURCES } from './fields.js';
