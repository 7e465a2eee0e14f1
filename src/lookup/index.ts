/**
 * Lookups every layer shares: a lookup session (the resolvers resolved once, one DNS client, one memoised A/AAAA
 * lookup, one HTTP agent, one deadline), the DNS client and its A/AAAA/PTR lookups, the resolvers, the one
 * `HOST[:PORT]` parser, and the small XML parser of autoconfig documents.
 */
export { openSession, LookupSession, DEFAULT_ISPDB_BASE_URL, type LookupOptions } from './session.js';
export { DnsClient, DNS_ATTEMPT_TIMEOUT_MS, DNS_QUERY_TIMEOUT_MS, DNS_RETRIES, type DnsQueryResult, type DnsClientOptions, type QueryType } from './dns-client.js';
export { lookupAddresses, lookupPtr, reverseName } from './records.js';
export { parseResolverSpec, systemResolvers } from './resolvers.js';
export { parseHostPort } from './host-port.js';
export { parseXml, XmlError, type XmlElement, type XmlLimits } from './xml.js';
export type { AddressFacts, DiscoveryError, DnsTimeouts, HttpAttempt, LookupStatus, ResolverAddress, ResolverSource } from './types.js';
