import type { ErrorCode } from '../../lib/codes.js';
import { errorCode, evidenceOf, unique } from '../analysis.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * Receiving fails and nothing says why (issue 9): every incoming probe (IMAP/POP3) failed, and no other rule's
 * finding names any of them, because each ended with a code no rule reads (PROTOCOL_ERROR, REPLY_TIMEOUT,
 * CONNECTION_CLOSED…). The report would say "receiving fails" with no finding explaining it. This finding names
 * the codes and endpoints seen and, since a code says where a session stopped and not why, claims no cause.
 *
 * Still a pure function of the facts: it asks the other rules (`explainers`, the rest of RULES) what they say
 * about these facts, instead of keeping a list of "handled" codes that would go stale with the next rule.
 */
export function incomingUnexplainedRuleOver(explainers: readonly Rule[]): Rule {
  const incomingUnexplainedRule: Rule = (facts) => {
    const creds = facts.credentials.provided;
    const incoming = facts.probes.filter((p) => p.purpose === 'incoming');
    // What recommend() counts as receiving that works: a clean session, and with a password a login.
    if (incoming.length === 0 || incoming.some((p) => p.result.ok && (creds ? p.result.auth?.ok : true))) return [];
    const named = new Set(explainers.flatMap((rule) => rule(facts)).flatMap((f) => f.probes));
    if (incoming.some((p) => named.has(p.id))) return [];
    const failed = incoming.filter((p) => errorCode(p) !== undefined);
    if (failed.length === 0) return [];
    const codes = unique(failed.map((p) => errorCode(p)!)).sort() as ErrorCode[];
    const endpoints = unique(incoming.map((p) => `${p.host}:${p.port}`));
    // One probe per endpoint in the evidence (the login probe tells the most: it went furthest).
    const shown = endpoints.map((e) => failed.filter((p) => `${p.host}:${p.port}` === e).sort((a, b) => Number(b.withAuth) - Number(a.withAuth))[0]).filter((p) => p !== undefined);
    const finding: Finding = {
      code: 'INCOMING_FAILS_UNEXPLAINED',
      severity: 'error',
      params: { count: endpoints.length, endpoints, codes },
      evidence: shown.flatMap((p) => evidenceOf(p, 2)),
      probes: incoming.map((p) => p.id),
    };
    return [finding];
  };
  return incomingUnexplainedRule;
}
