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
      summary: 'The password could only be sent unencrypted',
      explanation: 'The servers that accept a login offer no encryption (no TLS port, no STARTTLS). Anyone on the path could read the password. maildoctor did not send it; run with --allow-plaintext-auth to test it anyway, knowing that.',
      evidence: refused.flatMap((p) => evidenceOf(p, 1)),
      fix: 'Ask the provider for encrypted access (ports 993/995/465/587 with TLS); meanwhile avoid using this account on untrusted networks.',
      probes: refused.map((p) => p.id),
    },
  ];
};
