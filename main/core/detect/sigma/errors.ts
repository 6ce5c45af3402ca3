// Why a Sigma rule did not load. Codes are stable (the CLI's --json prints them); messages say where.
export type SigmaErrorCode =
  | 'YAML_SYNTAX'
  | 'NOT_A_RULE'
  | 'BAD_FIELD'
  | 'BAD_DETECTION'
  | 'BAD_CONDITION'
  | 'UNKNOWN_IDENTIFIER'
  | 'UNKNOWN_MODIFIER'
  | 'BAD_MODIFIER'
  | 'BAD_VALUE'
  | 'UNSUPPORTED_LOGSOURCE'
  | 'UNMAPPED_FIELD'
  | 'BAD_CORRELATION'
  | 'UNKNOWN_RULE_REFERENCE'
  | 'DUPLICATE_ID';

export class SigmaError extends Error {
  constructor(readonly code: SigmaErrorCode, message: string) {
    super(message);
    this.name = 'SigmaError';
  }
}

export const fail = (code: SigmaErrorCode, message: string): never => {
  throw new SigmaError(code, message);
};
