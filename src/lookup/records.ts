/**
 * The records every layer asks for: A and AAAA of a host, PTR of an address, and the pieces MX/SRV/TXT lookups
 * (src/discovery/dns-lookups.ts) share: a query's status without its answers, records through a CNAME chain.
 */
import { isIP } from 'node:net';
import type * as packet from 'dns-packet';
import type { DnsClient, DnsQueryResult, QueryType } from './dns-client.js';
import type { AddressFacts, LookupStatus } from './types.js';

/** A CNAME chain longer than this is a loop or abuse (resolvers stop around 8–16). */
const MAX_CNAME_CHAIN = 8;

/** What a query reports besides its answers. */
export function status(r: DnsQueryResult): LookupStatus {
  const { answers: _answers, ...rest } = r;
  return rest;
}

/** Records of `type` for the name or any name its CNAME chain (inside the same answer) leads to. */
export function recordsOf(r: DnsQueryResult, type: QueryType): packet.Answer[] {
  const names = new Set([r.name.toLowerCase()]);
  for (let i = 0; i < MAX_CNAME_CHAIN; i++) {
    let grew = false;
    for (const a of r.answers) {
      if (a.type === 'CNAME' && names.has(a.name.toLowerCase()) && !names.has(String(dataOf(a)).toLowerCase())) {
        names.add(String(dataOf(a)).toLowerCase());
        grew = true;
      }
    }
    if (!grew) break;
  }
  return r.answers.filter((a) => a.type === type && names.has(a.name.toLowerCase()));
}

/** The record data (dns-packet's union includes OPT pseudo-records, which carry none). */
export function dataOf(a: packet.Answer): unknown {
  return (a as { data?: unknown }).data;
}

/** A record's host name, lower case, without the trailing dot; `.` for the root. */
export function hostName(name: string): string {
  const n = name.toLowerCase();
  if (n === '' || n === '.') return '.';
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** A and AAAA of a host, asked in parallel. */
export async function lookupAddresses(dns: DnsClient, host: string, signal?: AbortSignal): Promise<AddressFacts> {
  const [a, aaaa] = await Promise.all([dns.query(host, 'A', signal), dns.query(host, 'AAAA', signal)]);
  const addresses = [
    ...recordsOf(a, 'A').map((x) => String(dataOf(x))),
    ...recordsOf(aaaa, 'AAAA').map((x) => String(dataOf(x))),
  ].filter((x) => isIP(x) !== 0);
  const facts: AddressFacts = { host, addresses, status: 'resolves', a: status(a), aaaa: status(aaaa) };
  if (addresses.length > 0) return facts;
  if (a.ok && aaaa.ok) {
    facts.status = 'not-found';
    facts.error = { code: 'DNS_NOT_FOUND', message: `${host} has no A or AAAA record` };
  } else if (a.error?.code === 'DNS_NOT_FOUND' || aaaa.error?.code === 'DNS_NOT_FOUND') {
    facts.status = 'not-found';
    facts.error = { code: 'DNS_NOT_FOUND', message: `${host} does not exist (NXDOMAIN)` };
  } else {
    facts.status = 'error';
    facts.error = a.error ?? aaaa.error!;
  }
  return facts;
}

/** The reverse-lookup name of an address (RFC 1035 §3.5 in-addr.arpa, RFC 3596 §2.5 ip6.arpa). */
export function reverseName(address: string): string {
  const family = isIP(address);
  if (family === 4) return `${address.split('.').reverse().join('.')}.in-addr.arpa`;
  if (family === 6) return `${expandIpv6(address).replace(/:/g, '').split('').reverse().join('.')}.ip6.arpa`;
  throw new TypeError(`not an IP address: ${address}`);
}

/** Eight groups of four hex digits, lower case (`2001:db8::1` → `2001:0db8:0000:…:0001`). */
export function expandIpv6(address: string): string {
  let text = address.split('%')[0]!.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0')).join(':');
}

/** PTR names of an address (usually one), without trailing dot. */
export async function lookupPtr(dns: DnsClient, address: string, signal?: AbortSignal): Promise<LookupStatus & { names: string[] }> {
  const r = await dns.query(reverseName(address), 'PTR', signal);
  return { ...status(r), names: recordsOf(r, 'PTR').map((a) => hostName(String(dataOf(a)))) };
}
