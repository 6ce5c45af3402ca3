// Network response: block remote addresses and isolate the host through an nftables table owned by
// Mamori. Every action is idempotent, undoable, and fails with a coded NetworkGuardError.
export {
  NetworkGuard, type AddressChange, type Availability, type ChangeResult, type NetworkGuardOptions, type NetworkStatus,
} from './network-guard.js';
export type { NetworkState } from './ruleset.js';
export { NetworkGuardError, type NetworkErrorCode } from './errors.js';
export { canonicalAddress } from './addresses.js';
