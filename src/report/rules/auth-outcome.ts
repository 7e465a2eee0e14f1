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
  ...outcome(facts, 'AUTH_TEMP_FAILURE', (ps) => ({
    severity: 'warning',
    summary: `${hosts(ps)} could not check the login right now (a temporary failure on the server’s side)`,
    explanation:
      'The server answered the login with a temporary failure: its authentication service is failing, overloaded or unreachable from the mail server. The password was not judged, right or wrong; nothing on this network or in your settings causes it.',
    fix: 'Try again later. If it lasts, tell the provider that logins fail with a temporary error. Do not change the password because of this.',
  })),
  ...outcome(facts, 'AUTH_MECHANISM_TOO_WEAK', (ps) => {
    const mechs = unique(ps.map((p) => p.result.auth?.mechanism).filter((m): m is string => Boolean(m)));
    const offered = unique(ps.flatMap((p) => p.result.auth?.mechanisms ?? []));
    const plain = ps.some((p) => p.result.security === 'plain');
    return {
      severity: 'warning',
      summary: `${hosts(ps)} refused the login mechanism${mechs.length ? ` ${mechs.join(', ')}` : ''} as too weak`,
      explanation: `The server will not take a login with this mechanism${plain ? ' on an unencrypted connection' : ''} (SMTP 534, RFC 4954 §6). Servers say this when a password would travel in a form they do not accept here; it says nothing about the password itself.${offered.length ? ` The server offers: ${offered.join(' ')}.` : ''}`,
      fix: plain
        ? 'Turn on encryption for this server: SSL/TLS (port 465) or STARTTLS (port 587).'
        : 'Choose another authentication method in the mail client (for example "encrypted password", or OAuth2 where the provider uses it).',
    };
  }),
  ...outcome(facts, 'AUTH_ENCRYPTION_REQUIRED', (ps) => {
    const plain = ps.filter((p) => p.result.security === 'plain');
    const elsewhere = loggedInElsewhere(facts, ps);
    return {
      severity: elsewhere ? 'info' : 'warning',
      summary: `${hosts(ps)} takes a login only over an encrypted connection`,
      explanation: plain.length
        ? `The server refuses passwords on this unencrypted connection (SMTP 538, IMAP LOGINDISABLED, or POP3 offering only STLS), which protects the password: maildoctor sent none.${elsewhere ? ' A login over an encrypted connection to this provider worked.' : ''}`
        : 'The server asked for encryption although the session was already encrypted: its configuration is inconsistent.',
      fix: plain.length
        ? 'Set the connection security to SSL/TLS (ports 465, 993, 995) or STARTTLS (ports 587, 143, 110) for this server.'
        : 'Use the server’s other port (465 or 587), and tell the provider that logins over TLS are refused.',
    };
  }),
];

type Words = Pick<Finding, 'severity' | 'summary' | 'explanation' | 'fix'>;

function outcome(facts: CheckFacts, code: ErrorCode & Finding['code'], words: (ps: CheckProbe[]) => Words): Finding[] {
  const ps = facts.probes.filter((p) => p.withAuth && failedWith(p, code) && p.result.error?.phase === 'auth');
  if (ps.length === 0) return [];
  return [{ code, ...words(ps), evidence: ps.flatMap((p) => evidenceOf(p, 2)), probes: ps.map((p) => p.id) }];
}

function hosts(ps: CheckProbe[]): string {
  return unique(ps.map((p) => `${p.host}:${p.port}`)).join(', ');
}

/** A login of the same role (IMAP, POP3, SMTP) went through on another endpoint. */
function loggedInElsewhere(facts: CheckFacts, ps: CheckProbe[]): boolean {
  const roles = new Set(ps.map((p) => p.role));
  return facts.probes.some((q) => q.withAuth && roles.has(q.role) && q.result.auth?.ok === true);
}
