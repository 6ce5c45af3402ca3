// Server side of every transport: validate the input against the contract, call the implementation,
// wrap the result in an envelope. IPC (Electron) and HTTP (agent) both go through here.
import { methods, type MethodName } from './api.js';
import { MamoriError, toErrorEnvelope, type Envelope } from './errors.js';

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}

/** Anything with one function per method: the core's API, or a test double. */
export type Dispatchable = { [M in MethodName]: (input: never) => unknown };

export async function dispatch(impl: Dispatchable, name: string, rawInput: unknown): Promise<Envelope<unknown>> {
  if (!isMethodName(name)) return toErrorEnvelope(new MamoriError('NOT_FOUND', `unknown method "${name.slice(0, 80)}"`));
  const parsed = methods[name].input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? `${first.path.join('.')}: ` : '';
    return toErrorEnvelope(new MamoriError('BAD_INPUT', `${name}: ${where}${first?.message ?? 'invalid input'}`));
  }
  try {
    const fn = impl[name] as (input: unknown) => unknown;
    const value = await fn(parsed.data);
    return { ok: true, value };
  } catch (err) {
    return toErrorEnvelope(err);
  }
}

/** HTTP status for an envelope, so curl users and proxies see failures as failures. */
export function httpStatusFor(envelope: Envelope<unknown>): number {
  if (envelope.ok) return 200;
  switch (envelope.error.code) {
    case 'BAD_INPUT': return 400;
    case 'UNAUTHORIZED': return 401;
    case 'FORBIDDEN': return 403;
    case 'NOT_FOUND': return 404;
    case 'CONFLICT': case 'TARGET_EXISTS': return 409;
    default: return 500;
  }
}
