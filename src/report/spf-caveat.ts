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
  const fate = strict && !undecided ? (dmarc === 'reject' ? 'rejected' : 'put in spam') : 'marked as suspicious';
  return [
    {
      code: 'SPF_HYBRID_FAIL',
      severity,
      summary: undecided ? `maildoctor could not tell whether mail from ${d} sent through ${p.host} passes SPF` : `Mail from ${d} sent through ${p.host} may be ${fate} by recipients`,
      explanation: `${spfSentence(ev, d, p.host, q.ip)} ${dmarcSentence(dmarc, d, ev.result)}`,
      evidence: [
        `SPF ${d}: ${facts.discovery.facts.spf.matching[0] ?? '(none)'}`,
        `SPF result for ${q.ip}: ${ev.result}${ev.decidedBy ? ` (${ev.decidedBy})` : ''}${ev.reason ? ` (${ev.reason})` : ''}; ${ev.dnsTerms} DNS-querying terms, ${ev.voidLookups} void lookups`,
        `DMARC _dmarc.${d}: ${dmarcRecord ?? '(none)'}`,
        `hybrid server ${p.host} = ${q.ip}`,
      ],
      fix: 'Prefer authenticated submission to your mailbox provider if it offers it; if you manage the domain, allow the hybrid server in its SPF record; otherwise expect some recipients to refuse mail sent this way.',
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

function spfSentence(ev: SpfEvaluation, d: string, host: string, ip: string): string {
  const server = `${host} (${ip})`;
  switch (ev.result) {
    case 'none':
      return `${d} publishes no SPF policy, so recipients cannot tell that ${server} may send for it.`;
    case 'permerror':
      return `The SPF policy of ${d} is broken (${ev.reason ?? 'permerror'}): recipients get "permerror" for any server, ${server} included.`;
    case 'temperror':
    case 'incomplete':
      return `The SPF policy of ${d} could not be evaluated for ${server}: ${ev.reason ?? 'some of the DNS answers it needs could not be had'}.`;
    case 'neutral':
      return `The SPF policy of ${d} makes no statement about ${server} (result "neutral"${ev.reason ? `: ${ev.reason}` : ''}).`;
    default:
      return `The SPF policy of ${d} does not allow ${server}: SPF result "${ev.result}"${ev.decidedBy ? `, decided by ${ev.decidedBy}` : ''}.`;
  }
}

function dmarcSentence(dmarc: ReturnType<typeof dmarcPolicy>, d: string, result: SpfEvaluation['result']): string {
  if (dmarc === 'reject' || dmarc === 'quarantine') {
    return `${d} publishes DMARC p=${dmarc}: recipients ${dmarc === 'reject' ? 'reject' : 'put in spam'} mail from ${d} that neither passes SPF for ${d} (aligned with the From address) nor carries a valid DKIM signature of ${d}, and the hybrid server signs nothing for ${d}: SPF alone decides.`;
  }
  if (dmarc === 'none') return `${d} publishes DMARC p=none: recipients are only asked to report, but many still count an SPF ${result} against the message.`;
  return `${d} publishes no DMARC policy: each recipient decides on the SPF result alone${result === 'fail' ? ', and a "fail" is often refused' : ''}.`;
}
