import type { ErrorCode } from '../../lib/codes.js';
import { evidenceOf, failedWith, unique } from '../analysis.js';
import type { CheckFacts, CheckProbe, Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * The login outcomes that are neither "wrong password" (authRule) nor "log in first": the server's auth
 * backend failing (SMTP 454, IMAP [UNAVAILABLE], POP3 [SYS/TEMP]; RFC 4954 §6, RFC 5530, RFC 3206), a
 * mechanism refused as too weak (534), a login refused without encryption (538, LOGINDISABLED, STLS only).
 * None of them says anything about the password, and the advice must not pretend it does.
 */
export const authOutcomeRule: Rule = (facts) => [
  ...outcome(facts, 'AUTH_TEMP_FAILURE', (ps) => ({ severity: 'warning', params: { endpoints: endpoints(ps) } })),
  ...outcome(facts, 'AUTH_MECHANISM_TOO_WEAK', (ps) => {
    const mechs = unique(ps.map((p) => p.result.auth?.mechanism).filter((m): m is string => Boolean(m)));
    const offered = unique(ps.flatMap((p) => p.result.auth?.mechanisms ?? []));
    const plain = ps.some((p) => p.result.security === 'plain');
    return {
      severity: 'warning',
      params: { endpoints: endpoints(ps), mechanisms: mechs.length ? mechs.join(', ') : 'none', offered: offered.length ? offered.join(' ') : 'none', plain: plain ? 'yes' : 'no' },
    };
  }),
  ...outcome(facts, 'AUTH_ENCRYPTION_REQUIRED', (ps) => {
    const plain = ps.some((p) => p.result.security === 'plain');
    const elsewhere = loggedInElsewhere(facts, ps);
    return { severity: elsewhere ? 'info' : 'warning', params: { endpoints: endpoints(ps), plain: plain ? 'yes' : 'no', elsewhere: elsewhere ? 'yes' : 'no' } };
  }),
];

type Words = Pick<Finding, 'severity' | 'params'>;

function outcome(facts: CheckFacts, code: ErrorCode & Finding['code'], words: (ps: CheckProbe[]) => Words): Finding[] {
  const ps = facts.probes.filter((p) => p.withAuth && failedWith(p, code) && p.result.error?.phase === 'auth');
  if (ps.length === 0) return [];
  return [{ code, ...words(ps), evidence: ps.flatMap((p) => evidenceOf(p, 2)), probes: ps.map((p) => p.id) }];
}

function endpoints(ps: CheckProbe[]): string[] {
  return unique(ps.map((p) => `${p.host}:${p.port}`));
}

/** A login of the same role (IMAP, POP3, SMTP) went through on another endpoint. */
function loggedInElsewhere(facts: CheckFacts, ps: CheckProbe[]): boolean {
  const roles = new Set(ps.map((p) => p.role));
  return facts.probes.some((q) => q.withAuth && roles.has(q.role) && q.result.auth?.ok === true);
}
