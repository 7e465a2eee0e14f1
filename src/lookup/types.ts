/**
 * The lookup facts every layer shares: what a DNS query or an HTTP fetch reports, the resolvers asked, a host's
 * addresses. Discovery, network identity, the check and the report all read these; none of them defines its own.
 */
import type { ErrorCode } from '../lib/codes.js';

/** Why a lookup or a fetch did not succeed: a catalogue code (src/lib/codes.ts) and a human sentence. */
export interface DiscoveryError {
  code: ErrorCode;
  message: string;
}

/** A DNS resolver to query: an IP literal and a port. */
export interface ResolverAddress {
  host: string;
  port: number;
}

/** Where the resolver list came from. */
export type ResolverSource = 'option' | 'resolv.conf' | 'node';

/** What every DNS lookup reports besides its records. Lookups never throw for server or network failures. */
export interface LookupStatus {
  /** The name that was asked. */
  name: string;
  /** The record type that was asked. */
  type: string;
  /** A resolver answered NOERROR (the record list may still be empty: NODATA). */
  ok: boolean;
  /** The resolver's RCODE when one answered (NOERROR, NXDOMAIN, SERVFAIL, REFUSED…). */
  rcode?: string;
  /** `host:port` of the resolver whose answer (or last failure) this is. */
  server?: string;
  /** Transport of the answer: `tcp` when a truncated UDP answer forced the retry over TCP. */
  transport?: 'udp' | 'tcp';
  /** Attempts made (retries rotate through the resolvers). */
  attempts: number;
  durationMs: number;
  /** Set when `ok` is false: DNS_NOT_FOUND, DNS_SERVFAIL, DNS_TIMEOUT, DNS_RESOLVER_UNREACHABLE, DNS_MALFORMED_RESPONSE… */
  error?: DiscoveryError;
}

/** A host's A and AAAA lookups, asked in parallel. */
export interface AddressFacts {
  host: string;
  /** IPv4 then IPv6, each in resolver order. */
  addresses: string[];
  /** `resolves`: at least one address; `not-found`: NXDOMAIN or no address; `error`: no trustworthy answer. */
  status: 'resolves' | 'not-found' | 'error';
  error?: DiscoveryError;
  a: LookupStatus;
  aaaa: LookupStatus;
}

/** One HTTP fetch made by autoconfig/ISPDB. */
export interface HttpAttempt {
  url: string;
  /** HTTP status of the (last) response, when one arrived. */
  status?: number;
  ok: boolean;
  /** Fetched (or redirected) over plain HTTP. */
  insecure: boolean;
  durationMs: number;
  error?: DiscoveryError;
}

/** Per-query DNS timing knobs. */
export interface DnsTimeouts {
  /** One UDP (or TCP) exchange with one resolver. @default 1500 */
  attemptTimeoutMs: number;
  /** A whole query, retries and TCP fallback included. @default 4000 */
  queryTimeoutMs: number;
  /** Retries after the first attempt; each retry goes to the next resolver. @default 2 */
  retries: number;
}
