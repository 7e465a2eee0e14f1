/**
 * DNS blocklist lookups (RFC 5782): is this address listed in a DNSBL zone? The query is the address's
 * octets (IPv4) or nibbles (IPv6) reversed, under the list's zone; an A record in 127.0.0.0/8 means listed,
 * NXDOMAIN means not listed (RFC 5782 §2.1, §5). Facts only: what each list answered. What a return code means
 * for one list (Spamhaus ZEN's SBL/CSS/XBL/PBL) is the report's business (src/report/rules/blocklist.ts).
 *
 * Privacy: every query tells the resolver and the list's name servers this address, and that someone asked.
 */
import { isIP } from 'node:net';
import type { ErrorCode } from '../lib/codes.js';
import type { DnsClient } from '../lookup/dns-client.js';
import { dataOf, recordsOf, reverseName } from '../lookup/records.js';
import { lookupTxt } from '../discovery/dns-lookups.js';

/** What one list said about the address. */
export interface BlocklistAnswer {
  zone: string;
  /** The name asked, e.g. `77.100.51.198.zen.spamhaus.org`. */
  query: string;
  /**
   * `listed`: A records in 127.0.0.0/8; `not-listed`: NXDOMAIN (or no A record); `refused`: the list answered
   * with its "query refused" codes (Spamhaus: 127.255.255.252/254/255, e.g. through a public resolver), which
   * is NOT a listing; `error`: no usable answer (timeout, SERVFAIL, or an address outside 127/8: a resolver
   * that rewrites NXDOMAIN into an advertising page's address).
   */
  status: 'listed' | 'not-listed' | 'refused' | 'error';
  /** The A records of the answer (return codes). */
  codes: string[];
  /** The list's TXT reason when listed (untrusted text, capped). */
  reason?: string;
  error?: { code: ErrorCode; message: string };
}

/** The lookup of the check's public address, and why it was made. */
export interface BlocklistFacts {
  /** `refusal`: a 5xx refusal on port 25 or a 5xx greeting suggested it; `requested`: `--dnsbl`. */
  trigger: 'refusal' | 'requested';
  /** The address looked up; absent when none was known (then `skipped` says why). */
  address?: string;
  skipped?: string;
  answers: BlocklistAnswer[];
}

/** A reason text is a sentence and a URL; more than this is not a reason we will show. */
const MAX_REASON_CHARS = 300;

/** The DNSBL query name of an address under a zone (RFC 5782 §2.1 for IPv4, §2.4 for IPv6). */
export function dnsblQueryName(address: string, zone: string): string {
  const reversed = reverseName(address).replace(/\.(in-addr|ip6)\.arpa$/, '');
  return `${reversed}.${zone}`;
}

/** Ask every zone about `address`, in parallel. Never rejects for DNS failures. */
export async function lookupBlocklists(dns: DnsClient, address: string, zones: readonly string[], signal?: AbortSignal): Promise<BlocklistAnswer[]> {
  if (isIP(address) === 0) throw new TypeError(`not an IP address: ${address}`);
  return Promise.all(zones.map((zone) => lookupOne(dns, address, zone, signal)));
}

async function lookupOne(dns: DnsClient, address: string, zone: string, signal?: AbortSignal): Promise<BlocklistAnswer> {
  const query = dnsblQueryName(address, zone);
  const a = await dns.query(query, 'A', signal);
  const codes = recordsOf(a, 'A').map((r) => String(dataOf(r)));
  const base = { zone, query, codes };
  if (!a.ok) {
    if (a.error?.code === 'DNS_NOT_FOUND') return { ...base, status: 'not-listed' };
    return { ...base, status: 'error', ...(a.error ? { error: a.error } : {}) };
  }
  if (codes.length === 0) return { ...base, status: 'not-listed' };
  if (codes.some((c) => !c.startsWith('127.'))) {
    return { ...base, status: 'error', error: { code: 'DNS_FAILURE', message: `${query} answered ${codes.join(', ')}, outside 127.0.0.0/8: not a blocklist answer (a resolver rewriting NXDOMAIN?)` } };
  }
  // Spamhaus: 127.255.255.252 typo in the zone, .254 query through a public/open resolver, .255 too many queries.
  if (codes.every((c) => c.startsWith('127.255.255.'))) return { ...base, status: 'refused' };
  const reason = (await lookupTxt(dns, query, /^/, signal)).records.join(' ').slice(0, MAX_REASON_CHARS);
  return { ...base, codes: codes.filter((c) => !c.startsWith('127.255.255.')), status: 'listed', ...(reason ? { reason } : {}) };
}
