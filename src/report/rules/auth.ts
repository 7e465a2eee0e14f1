import { evidenceOf, failedWith, unique } from '../analysis.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

export const authRule: Rule = (facts) => {
  const out: Finding[] = [];
  const required = facts.probes.filter((p) => p.purpose === 'outgoing' && !p.withAuth && failedWith(p, 'AUTH_REQUIRED'));
  if (required.length > 0) {
    const authWorks = facts.probes.some((p) => p.withAuth && p.purpose === 'outgoing' && p.result.auth?.ok);
    out.push({
      code: 'AUTH_REQUIRED',
      severity: authWorks || !facts.credentials.provided ? 'info' : 'warning',
      summary: `${unique(required.map((p) => `${p.host}:${p.port}`)).join(', ')} requires you to log in to send`,
      explanation: 'This outgoing server only takes mail from clients that log in with the mailbox’s user name and password (SMTP AUTH). That is the modern, network-independent way to send.',
      evidence: required.flatMap((p) => evidenceOf(p, 2)),
      fix: facts.credentials.provided ? undefined : 'Turn on "my outgoing server requires authentication" in the mail client; run maildoctor with --user to verify the password.',
      probes: required.map((p) => p.id),
    });
  }
  const failed = facts.probes.filter((p) => p.withAuth && failedWith(p, 'AUTH_FAILED'));
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
