import type { ErrorCode } from './schemas.js';

/** The error every transport rebuilds on the caller's side, so callers can branch on `code`. */
export class MamoriError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'MamoriError';
    this.code = code;
  }
}

/** The envelope every transport carries: a result or a coded error, never a bare exception. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string } };

export function toErrorEnvelope(err: unknown): Envelope<never> {
  if (err instanceof MamoriError) return { ok: false, error: { code: err.code, message: err.message } };
  return { ok: false, error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } };
}

export function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.value;
  throw new MamoriError(envelope.error.code, envelope.error.message);
}
