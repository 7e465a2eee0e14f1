/**
 * Discovery: which servers an address should use, and which network this machine is on. Nothing here probes a
 * mail server; probes (src/probes) take the candidates from here.
 *
 * - `discover(address, options)` — MX, SRV (RFC 6186/8314), SPF/DMARC/MTA-STS, autoconfig, ISPDB and host guesses
 *   in parallel under one deadline; candidate servers per role with provenance, and where sources disagree.
 * - `networkIdentity(options)` — interfaces, default route, resolvers, public address, reverse DNS, the network
 *   provider and its outgoing SMTP servers, a fingerprint; `networkFingerprint()` is the no-I/O variant.
 * - `parseAddress`, `DnsClient` and the typed lookups are exported for other parts (and tests) that need them.
 *
 * Failures are data (catalogue codes in `error.code`); only caller mistakes throw (`UsageError`).
 */
export { discover, DISCOVERY_TIMEOUT_MS } from './discover.js';
export {
  networkIdentity,
  networkFingerprint,
  localNetwork,
  classifyAddress,
  parseEcho,
  NETWORK_IDENTITY_TIMEOUT_MS,
  type NetworkIdentity,
  type NetworkIdentityOptions,
  type LocalNetwork,
  type LocalNetworkOptions,
  type NetworkInterfaceFacts,
  type InterfaceAddress,
  type AddressScope,
  type DefaultRoute,
  type PublicAddress,
} from './network.js';
export { parseAddress, registrableDomain } from './address.js';
export { DnsClient, DNS_ATTEMPT_TIMEOUT_MS, DNS_QUERY_TIMEOUT_MS, DNS_RETRIES, type DnsQueryResult, type DnsClientOptions, type QueryType } from './dns-client.js';
export { lookupMx, lookupSrv, lookupTxt, lookupAddresses, lookupPtr, reverseName, SRV_SERVICES } from './dns-lookups.js';
export { lookupBlocklists, dnsblQueryName, type BlocklistAnswer, type BlocklistFacts } from './dnsbl.js';
export { parseResolverSpec, systemResolvers } from './resolvers.js';
export { parseClientConfig } from './client-config.js';
export { parseXml, XmlError, type XmlElement, type XmlLimits } from './xml.js';
export { DEFAULT_ISPDB_BASE_URL } from './autoconfig.js';
export { STANDARD_ENDPOINTS, GUESS_PREFIXES } from './guesses.js';
export type {
  AddressFacts,
  AutoconfigFacts,
  ClientConfig,
  ClientConfigServer,
  Disagreement,
  DiscoverOptions,
  DiscoveryError,
  DiscoveryResult,
  DnsTimeouts,
  GuessFacts,
  HttpAttempt,
  LookupStatus,
  MailRole,
  MxFacts,
  MxRecord,
  ParsedAddress,
  Provenance,
  ResolverAddress,
  ResolverSource,
  ServerCandidate,
  SourceState,
  SourceStatus,
  SrvFacts,
  SrvRecord,
  SrvService,
  TxtFacts,
} from './types.js';
