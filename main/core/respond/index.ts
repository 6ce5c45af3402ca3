// Responders are the only code with side effects on the user's files. Each action is recorded by the caller.
export { QuarantineVault, type QuarantineRequest, type RecoveryReport } from './quarantine-vault.js';
export { readHeader, type VaultHeader } from './vault-format.js';
