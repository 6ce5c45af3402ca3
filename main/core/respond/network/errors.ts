// Why a network action did not happen. Codes are stable (callers record them and the UI explains them);
// messages say what to do, and `detail` carries nft's own words when nft refused.
export type NetworkErrorCode =
  | 'NFT_MISSING' // the nft program is not installed (Debian/Ubuntu package nftables)
  | 'IP_MISSING' // a network namespace was asked for but the ip program is not installed
  | 'NETNS_MISSING' // the named network namespace does not exist
  | 'PERMISSION_DENIED' // not root / no CAP_NET_ADMIN
  | 'INVALID_ADDRESS' // not an IPv4/IPv6 address or CIDR prefix we accept
  | 'INVALID_OPTION' // a bad table name, namespace name or program path
  | 'NFT_FAILED'; // nft ran and refused, timed out, or printed something we cannot read

export class NetworkGuardError extends Error {
  constructor(readonly code: NetworkErrorCode, message: string, readonly detail: string | null = null) {
    super(detail ? `${message}: ${detail}` : message);
    this.name = 'NetworkGuardError';
  }
}
