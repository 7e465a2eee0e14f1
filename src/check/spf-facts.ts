/**
 * Facts-gathering for the SPF caveat of a hybrid account (issue 11): the DNS answers RFC 7208 needs to
 * evaluate the domain's policy for the hybrid server's address, asked through the check's DNS client and
 * recorded, so that the report (src/report/spf.ts, pure) evaluates the same table. The evaluator says which
 * answers it lacks; this asks them and evaluates again, until it decides (§4.6.4 bounds the rounds).
 */
import type { DnsClient } from '../lookup/dns-client.js';
import { recordsOf } from '../lookup/records.js';
import { lookupMx, lookupTxt } from '../discovery/dns-lookups.js';
import { Deadline } from '../lib/deadline.js';
import { txtAnswer } from '../report/spf-caveat.js';
import { evaluateSpf, spfTable, type SpfDnsAnswer, type SpfQuestion, type SpfQueryType } from '../report/spf.js';

/** Every DNS-querying term plus its MX hosts, and a margin: more rounds than this is a bug, not a policy. */
const MAX_ROUNDS = 40;
/** All SPF lookups together, after the probes. */
export const SPF_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * Ask until every question decides: returns only the answers asked here (the seed is already in the facts).
 */
export async function gatherSpf(dns: DnsClient, questions: SpfQuestion[], seed: SpfDnsAnswer[], signal: AbortSignal): Promise<SpfDnsAnswer[]> {
  const asked: SpfDnsAnswer[] = [];
  const deadline = new Deadline(SPF_LOOKUP_TIMEOUT_MS, signal);
  try {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const table = spfTable([...seed, ...asked]);
      const missing = new Map<string, { name: string; type: SpfQueryType }>();
      for (const q of questions) for (const m of evaluateSpf(q, table).missing) missing.set(`${m.name} ${m.type}`, m);
      if (missing.size === 0) break;
      asked.push(...(await Promise.all([...missing.values()].map((m) => ask(dns, m.name, m.type, deadline.signal)))));
    }
  } finally {
    deadline.dispose();
  }
  return asked;
}

async function ask(dns: DnsClient, name: string, type: SpfQueryType, signal: AbortSignal): Promise<SpfDnsAnswer> {
  if (type === 'TXT') return txtAnswer(name, await lookupTxt(dns, name, /^/, signal));
  if (type === 'MX') {
    const mx = await lookupMx(dns, name, signal);
    const data = mx.nullMx ? [] : mx.records.map((r) => r.exchange);
    return { name, type, status: statusOf(mx.ok, mx.error?.code, data), data };
  }
  const r = await dns.query(name, type, signal);
  const data = recordsOf(r, type).map((a) => String((a as { data?: unknown }).data));
  return { name, type, status: statusOf(r.ok, r.error?.code, data), data };
}

function statusOf(ok: boolean, code: string | undefined, data: string[]): SpfDnsAnswer['status'] {
  if (ok) return data.length ? 'ok' : 'void';
  return code === 'DNS_NOT_FOUND' ? 'void' : 'error';
}
