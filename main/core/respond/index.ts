// Responders are the only code with side effects on the user's files, processes and network. Each action is
// recorded by the caller.
export { QuarantineVault, type QuarantineRequest, type RecoveryReport } from './quarantine-vault.js';
export { readHeader, type VaultHeader } from './vault-format.js';
export {
  NetworkGuard, NetworkGuardError, canonicalAddress, type AddressChange, type Availability, type ChangeResult, type NetworkErrorCode,
  type NetworkGuardOptions, type NetworkState, type NetworkStatus,
} from './network/index.js';
export {
  ProcessControl, ProcessControlError, type ProcessControlCode, type ProcessControlOptions, type ProcessActionEntry, type TreeResult, type Undo,
} from './process/index.js';
export { Responder, ResponseError, type ActionRequest, type ResponderDeps } from './responder/index.js';
