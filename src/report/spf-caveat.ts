/**
 * The SPF/DMARC caveat of a hybrid account: mail from the user's domain leaves through the network
 * provider's server, which the domain's SPF may not allow (RFC 7208) and whose mail carries no DKIM signature
 * of the domain, so under DMARC (RFC 7489 §4.2) the SPF result alone decides. Pure over the recorded answers.
 */
import type { TxtFacts } from '../discovery/types.js';
import { dmarcPolicy, evaluateSpf, spfTable, type SpfDnsAnswer, type SpfEvaluation, type SpfQuestion } from './spf.js';
import type { CheckFacts, CheckProbe, Finding } from './types.js';

/** The answer discovery already has for the domain's TXT records, in the evaluator's terms. */
export function txtAnswer(name: string, txt: TxtFacts): SpfDnsAnswer {
  const status = txt.ok ? (txt.records.length ? 'ok' : 'void') : txt.error?.code === 'DNS_NOT_FOUND' ? 'void' : 'error';
  return { name, type: 'TXT', status, data: txt.records };
}

/** Would a recipient's MX, receiving mail from `facts.address` sent by the hybrid server `p`, pass SPF? */
export function hybridSpfQuestion(facts: Pick<CheckFacts, 'address' | 'domain'>, p: CheckProbe): SpfQuestion | undefined {
  const ip = p.result.target.address;
  return ip ? { domain: facts.domain, ip, sender: facts.address, helo: p.host } : undefined;
}

/** Discovery's TXT answer for the domain plus every answer the check asked for SPF (CheckFacts.spf). */
export function spfAnswers(facts: CheckFacts): SpfDnsAnswer[] {
  return [txtAnswer(facts.domain, facts.discovery.facts.spf), ...(facts.spf?.answers ?? [])];
}

export function spfCaveat(facts: CheckFacts, p: CheckProbe): Finding[] {
  const q = hybridSpfQuestion(facts, p);
  if (!q) return [];
  const ev = evaluateSpf(q, spfTable(spfAnswers(facts)));
  const dmarcRecord = facts.discovery.facts.dmarc.matching[0];
  const dmarc = dmarcPolicy(dmarcRecord);
  const strict = dmarc === 'reject' || dmarc === 'quarantine';
  const undecided = ev.result === 'temperror' || ev.result === 'incomplete';
  const severity = severityOf(ev, strict);
  if (!severity) return [];
  const d = facts.domain;
  return [
    {
      code: 'SPF_HYBRID_FAIL',
      severity,
      params: {
        domain: d,
        host: p.host,
        ip: q.ip,
        result: ev.result,
        undecided: undecided ? 'yes' : 'no',
        fate: strict && !undecided ? (dmarc === 'reject' ? 'rejected' : 'spam') : 'suspicious',
        // The evaluator's reason is a message of the catalogue (said in the reader's language); the deciding
        // term is RFC 7208 data (a mechanism, a DNS name), not prose.
        reason: ev.reasonMsg ?? 'none',
        decidedBy: ev.decidedBy ?? 'none',
        dmarc: dmarc ?? 'absent',
      },
      evidence: [
        `SPF ${d}: ${facts.discovery.facts.spf.matching[0] ?? '(none)'}`,
        `SPF result for ${q.ip}: ${ev.result}${ev.decidedBy ? ` (${ev.decidedBy})` : ''}${ev.reason ? ` (${ev.reason})` : ''}; ${ev.dnsTerms} DNS-querying terms, ${ev.voidLookups} void lookups`,
        `DMARC _dmarc.${d}: ${dmarcRecord ?? '(none)'}`,
        `hybrid server ${p.host} = ${q.ip}`,
      ],
      probes: [p.id],
    },
  ];
}

/**
 * Under DMARC p=reject/quarantine anything but an SPF pass fails (the hybrid server signs nothing for the
 * domain); without it, a fail is a refusal at many receivers, a softfail a spam signal, neutral and none nothing.
 */
function severityOf(ev: SpfEvaluation, strict: boolean): Finding['severity'] | undefined {
  switch (ev.result) {
    case 'pass':
      return undefined;
    case 'fail':
      return 'warning';
    case 'softfail':
    case 'permerror':
      return strict ? 'warning' : 'info';
    case 'neutral':
    case 'none':
      return strict ? 'warning' : undefined;
    default:
      return 'info'; // temperror, incomplete: the evidence cannot decide
  }
}
