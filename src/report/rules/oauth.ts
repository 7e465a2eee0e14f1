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
  const said = statuses.length ? ` The server said: ${statuses.join(', ')}${scopes.length ? ` (it wants the scope ${scopes.join(', ')})` : ''}.` : '';
  const finding: Finding = {
    code: 'OAUTH_TOKEN_REFUSED',
    severity: 'error',
    summary: `The OAuth2 access token was refused by ${unique(refused.map((p) => p.host)).join(', ')}`,
    explanation:
      `The server refused the token for user ${facts.credentials.user ?? '(unknown)'}.${said} Access tokens live about an hour: an expired one is the usual cause; ` +
      'otherwise the token was issued for another account, for another service, or without the mail scope.',
    evidence: refused.flatMap((p) => [
      ...evidenceOf(p, 3),
      ...(p.result.auth?.oauthError ? [`[${p.id}] error challenge (RFC 7628 §3.2.2): ${p.result.auth.oauthError.raw}`] : []),
    ]),
    fix: 'Get a fresh access token for this account with the mail scope (docs/oauth2.md) and run again; the user name must be the account the token was issued to.',
    probes: refused.map((p) => p.id),
  };
  return [finding];
};
