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
      summary: `${unique(required.map((p) => `${p.host}:${p.port}`)).join(', ')} ${required.length > 1 ? 'require' : 'requires'} you to log in to send`,
      explanation: 'This outgoing server only takes mail from clients that log in with the mailbox’s user name and password (SMTP AUTH). That is the modern, network-independent way to send.',
      evidence: required.flatMap((p) => evidenceOf(p, 2)),
      ...(facts.credentials.provided ? {} : { fix: 'Turn on "my outgoing server requires authentication" in the mail client; run maildoctor with --user to verify the password.' }),
      probes: required.map((p) => p.id),
    });
  }
  // A refused OAuth2 token is the oauth rule's: a password advice would not apply.
  const failed = facts.probes.filter((p) => p.withAuth && failedWith(p, 'AUTH_FAILED') && !triedOAuth(p));
  if (failed.length > 0) {
    out.push({
      code: 'AUTH_FAILED',
      severity: 'error',
      summary: `The user name or password was refused by ${unique(failed.map((p) => p.host)).join(', ')}`,
      explanation: `The server refused the login for user ${facts.credentials.user ?? '(unknown)'}. Either the password is wrong, the user name has another form (often the whole address), or the account needs an app password because of two-factor authentication.`,
      evidence: failed.flatMap((p) => evidenceOf(p, 2)),
      fix: 'Check the password; try the whole address as user name; if the provider uses two-step verification, create an app password.',
      probes: failed.map((p) => p.id),
    });
  }
  return out;
};
