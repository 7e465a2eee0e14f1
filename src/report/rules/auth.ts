import { evidenceOf, failedWith, offersAuth, unique } from '../analysis.js';
import type { Finding } from '../types.js';
import { triedOAuth } from './oauth.js';
import type { Rule } from './types.js';

export const authRule: Rule = (facts) => {
  const out: Finding[] = [];
  // 530 at MAIL/RCPT, or a relay refusal from a server that offers AUTH (Postfix submission says 554 5.7.1).
  const required = facts.probes.filter(
    (p) => p.purpose === 'outgoing' && !p.withAuth && (failedWith(p, 'AUTH_REQUIRED') || (failedWith(p, 'RELAY_DENIED') && offersAuth(p))),
  );
  if (required.length > 0) {
    // Requiring a login is how submission should work: never a problem by itself (a refused login is AUTH_FAILED).
    out.push({
      code: 'AUTH_REQUIRED',
      severity: 'info',
      params: { endpoints: unique(required.map((p) => `${p.host}:${p.port}`)), count: unique(required.map((p) => `${p.host}:${p.port}`)).length, credentials: facts.credentials.provided ? 'yes' : 'no' },
      evidence: required.flatMap((p) => evidenceOf(p, 2)),
      probes: required.map((p) => p.id),
    });
  }
  // A refused OAuth2 token is the oauth rule's: a password advice would not apply.
  const failed = facts.probes.filter((p) => p.withAuth && failedWith(p, 'AUTH_FAILED') && !triedOAuth(p));
  if (failed.length > 0) {
    out.push({
      code: 'AUTH_FAILED',
      severity: 'error',
      params: { hosts: unique(failed.map((p) => p.host)), user: facts.credentials.user ?? '?' },
      evidence: failed.flatMap((p) => evidenceOf(p, 2)),
      probes: failed.map((p) => p.id),
    });
  }
  return out;
};
