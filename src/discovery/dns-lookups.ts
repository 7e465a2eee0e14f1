import { isIP } from 'node:net';
import type * as packet from 'dns-packet';
import type { DnsClient, DnsQueryResult, QueryType } from './dns-client.js';
import type { AddressFacts, LookupStatus, MailRole, MxFacts, Security, SrvFacts, SrvService, TxtFacts } from './types.js';

/** A CNAME chain longer than this is a loop or abuse (resolvers stop around 8–16). */
const MAX_CNAME_CHAIN = 8;
/** TXT policy records are short; a longer one is cut (SPF allows 512 octets of lookups anyway). */
const MAX_TXT_CHARS = 4_096;

/** The six SRV services and what they imply (RFC 6186 §3, RFC 8314 §5.1). */
export const SRV_SERVICES: ReadonlyArray<{ service: SrvService; role: MailRole; security: Security }> = [
  { service: '_submissions._tcp', role: 'smtp', security: 'tls' },
  { service: '_submission._tcp', role: 'smtp', security: 'starttls' },
  { service: '_imaps._tcp', role: 'imap', security: 'tls' },
  { service: '_imap._tcp', role: 'imap', security: 'starttls' },
  { service: '_pop3s._tcp', role: 'pop3', security: 'tls' },
  { service: '_pop3._tcp', role: 'pop3', security: 'starttls' },
];

function status(r: DnsQueryResult): LookupStatus {
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
function dataOf(a: packet.Answer): unknown {
  return (a as { data?: unknown }).data;
}

function hostName(name: string): string {
  const n = name.toLowerCase();
  if (n === '' || n === '.') return '.';
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** MX records in preference order; RFC 7505 null MX recognised. */
export async function lookupMx(dns: DnsClient, domain: string, signal?: AbortSignal): Promise<MxFacts> {
  const r = await dns.query(domain, 'MX', signal);
  const records = recordsOf(r, 'MX')
    .map((a) => {
      const d = dataOf(a) as { preference: number; exchange: string };
      return { preference: d.preference, exchange: hostName(d.exchange) };
    })
    .sort((x, y) => x.preference - y.preference || x.exchange.localeCompare(y.exchange));
  // RFC 7505 §3: a null MX is the only MX record, with preference 0 and the root as exchange.
  const nullMx = records.length === 1 && records[0]!.exchange === '.' && records[0]!.preference === 0;
  return { ...status(r), records, nullMx };
}

/** One SRV service of RFC 6186/8314 under the domain. */
export async function lookupSrv(dns: DnsClient, domain: string, service: SrvService, signal?: AbortSignal): Promise<SrvFacts> {
  const spec = SRV_SERVICES.find((s) => s.service === service)!;
  const r = await dns.query(`${service}.${domain}`, 'SRV', signal);
  const records = recordsOf(r, 'SRV')
    .map((a) => {
      const d = dataOf(a) as { priority: number; weight: number; port: number; target: string };
      return { priority: d.priority, weight: d.weight, port: d.port, target: hostName(d.target) };
    })
    // RFC 2782: lowest priority first; within a priority, weights pick randomly — we list heaviest first, stably.
    .sort((x, y) => x.priority - y.priority || y.weight - x.weight || x.target.localeCompare(y.target));
  // RFC 6186 §3.4 / RFC 2782: a single target of "." says the service is decidedly not available.
  const notOffered = records.length === 1 && records[0]!.target === '.';
  return { ...status(r), service, role: spec.role, security: spec.security, records, notOffered };
}

/** TXT records at `name`, and those whose first tag is `tag` (e.g. `v=spf1`). */
export async function lookupTxt(dns: DnsClient, name: string, tag: RegExp, signal?: AbortSignal): Promise<TxtFacts> {
  const r = await dns.query(name, 'TXT', signal);
  const records = recordsOf(r, 'TXT').map((a) => {
    const parts = (Array.isArray(dataOf(a)) ? dataOf(a) : [dataOf(a)]) as Array<Buffer | string>;
    // RFC 7208 §3.3: the strings of one TXT record are concatenated without separator.
    return parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : String(p))).join('').slice(0, MAX_TXT_CHARS);
  });
  return { ...status(r), records, matching: records.filter((t) => tag.test(t)) };
}

export const SPF_TAG = /^v=spf1(\s|$)/i;
export const DMARC_TAG = /^v=DMARC1\s*(;|$)/i;
export const MTA_STS_TAG = /^v=STSv1\s*(;|$)/i;

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
