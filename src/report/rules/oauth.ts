import { evidenceOf, failedWith, unique } from '../analysis.js';
import { isOAuthMechanism } from '../../lib/oauth.js';
import type { CheckProbe, Finding } from '../types.js';
import type { Rule } from './types.js';

/** The login was tried with an OAuth2 token (OAUTHBEARER or XOAUTH2). */
export function triedOAuth(p: CheckProbe): boolean {
  return isOAuthMechanism(p.result.auth?.mechanism);
}

/**
 * A refused OAuth2 token: the password advice of AUTH_FAILED does not apply. The server's RFC 7628 §3.2.2 error
 * challenge (`invalid_token`, `insufficient_scope`…) says why, when it sent one.
 */
export const oauthRule: Rule = (facts) => {
  const refused = facts.probes.filter((p) => p.withAuth && triedOAuth(p) && failedWith(p, 'AUTH_FAILED'));
  if (refused.length === 0) return [];
  const statuses = unique(refused.map((p) => p.result.auth?.oauthError?.status).filter((s): s is string => Boolean(s)));
  const scopes = unique(refused.map((p) => p.result.auth?.oauthError?.scope).filter((s): s is string => Boolean(s)));
  const finding: Finding = {
    code: 'OAUTH_TOKEN_REFUSED',
    severity: 'error',
    params: {
      hosts: unique(refused.map((p) => p.host)),
      user: facts.credentials.user ?? '?',
      // The server's own words (RFC 6750 §3.1 error codes, scope names): data, not translated.
      status: statuses.join(', ') || 'none',
      scope: scopes.join(', ') || 'none',
    },
    evidence: refused.flatMap((p) => [
      ...evidenceOf(p, 3),
      ...(p.result.auth?.oauthError ? [`[${p.id}] error challenge (RFC 7628 §3.2.2): ${p.result.auth.oauthError.raw}`] : []),
    ]),
    probes: refused.map((p) => p.id),
  };
  return [finding];
};
