import { evidenceOf, failedWith } from '../analysis.js';
import type { Rule } from './types.js';

/**
 * The server only takes a password over an unencrypted session: maildoctor refused to send it (the user did
 * not allow plaintext), so the login could not be verified, and a mail client would send it in clear.
 */
export const plaintextAuthRule: Rule = (facts) => {
  const refused = facts.probes.filter((p) => p.withAuth && failedWith(p, 'AUTH_PLAINTEXT_REFUSED'));
  if (refused.length === 0) return [];
  const encryptedLogin = facts.probes.some((p) => p.withAuth && p.result.security !== 'plain' && p.result.auth?.attempted);
  if (encryptedLogin) return [];
  return [
    {
      code: 'PLAINTEXT_AUTH_ONLY',
      severity: 'warning',
      params: {},
      evidence: refused.flatMap((p) => evidenceOf(p, 1)),
      probes: refused.map((p) => p.id),
    },
  ];
};
