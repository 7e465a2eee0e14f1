import type { DnsClient } from '../lookup/dns-client.js';
import { dataOf, hostName, recordsOf, status } from '../lookup/records.js';
import type { MailRole, MxFacts, Security, SrvFacts, SrvService, TxtFacts } from './types.js';
import { compareText } from '../lib/text.js';

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

/** MX records in preference order; RFC 7505 null MX recognised. */
export async function lookupMx(dns: DnsClient, domain: string, signal?: AbortSignal): Promise<MxFacts> {
  const r = await dns.query(domain, 'MX', signal);
  const records = recordsOf(r, 'MX')
    .map((a) => {
      const d = dataOf(a) as { preference: number; exchange: string };
      return { preference: d.preference, exchange: hostName(d.exchange) };
    })
    .sort((x, y) => x.preference - y.preference || compareText(x.exchange, y.exchange));
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
    .sort((x, y) => x.priority - y.priority || y.weight - x.weight || compareText(x.target, y.target));
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

