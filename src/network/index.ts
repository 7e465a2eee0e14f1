/**
 * The network this machine is on: `networkIdentity()` (interfaces, default route, resolvers, public address,
 * reverse DNS, the network provider and its outgoing SMTP servers, a fingerprint), `networkFingerprint()` (the
 * no-I/O variant an agent polls), and DNS blocklist lookups of an address. Failures are data; only caller
 * mistakes throw (`UsageError`).
 */
export { networkIdentity, parseEcho, NETWORK_IDENTITY_TIMEOUT_MS } from './identity.js';
export { networkFingerprint } from './fingerprint.js';
export { localNetwork, classifyAddress } from './local.js';
export { lookupBlocklists, dnsblQueryName, type BlocklistAnswer, type BlocklistFacts } from './dnsbl.js';
export type {
  NetworkIdentity,
  NetworkIdentityOptions,
  NetworkIdentityOwnOptions,
  LocalNetwork,
  LocalNetworkOptions,
  NetworkInterfaceFacts,
  InterfaceAddress,
  AddressScope,
  DefaultRoute,
  PublicAddress,
} from './types.js';
