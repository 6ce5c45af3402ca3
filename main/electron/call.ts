// How the shell itself (tray, notifications) calls the core: through the same dispatch as the IPC bridge,
// so its inputs are validated and defaulted by the contract and failures come back as envelopes.
import { dispatch, type Envelope, type MamoriImpl, type MethodInput, type MethodName, type MethodOutput } from '../../preload/contract/index.js';

export type Call = <M extends MethodName>(name: M, input: MethodInput<M>) => Promise<Envelope<MethodOutput<M>>>;

export function callerFor(api: MamoriImpl): Call {
  return (name, input) => dispatch(api, name, input) as Promise<Envelope<MethodOutput<typeof name>>>;
}
