import { clientDescription, evidenceOf, failedWith, offersAuth } from '../analysis.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * The seed story: the mailbox provider's SMTP refuses to relay for a client that is not on its network.
 * Severity depends on whether an authenticated submission of the same provider works from here.
 */
export const relayRule: Rule = (facts) => {
  // Refusals by servers that offer AUTH are "log in first" (the auth rule's AUTH_REQUIRED), not this story.
  const denied = facts.probes.filter((p) => p.purpose === 'outgoing' && !p.withAuth && failedWith(p, 'RELAY_DENIED') && !offersAuth(p));
  if (denied.length === 0) return [];
  const submissionWorks = facts.probes.some((p) => p.purpose === 'outgoing' && p.withAuth && p.result.ok && p.result.relay?.accepted);
  // A server that offers AUTH over an encrypted session and refuses to relay without it is doing its job.
  const submissionOffered = facts.probes.some((p) => p.purpose === 'outgoing' && offersAuth(p));
  const who = clientDescription(facts, denied[0]);
  const endpoints = [...new Set(denied.map((p) => `${p.host}:${p.port}`))];
  const servers = endpoints.join(', ');
  const finding: Finding = {
    code: 'SMTP_RELAY_DENIED',
    severity: submissionWorks ? 'info' : submissionOffered ? 'warning' : 'error',
    summary: `${servers} ${endpoints.length > 1 ? 'refuse' : 'refuses'} to send mail for you from this network`,
    explanation:
      `The mailbox provider’s outgoing server accepted the connection but refused to relay a message to an outside address ` +
      `for ${who}. ` +
      // A listing found by the blocklist lookup is the likelier reason than the relay policy (blocklistRule).
      (facts.blocklists?.answers.some((a) => a.status === 'listed')
        ? 'This address is on a DNS blocklist (see that finding), which is the likely reason. '
        : 'Providers only relay for clients on their own network, or for clients that log in. ') +
      (submissionWorks
        ? 'Logging in (authenticated submission) works from here, so use that.'
        : submissionOffered
          ? 'The provider offers login (authenticated submission) on an encrypted port: that is the way to send from any network.'
          : 'Receiving is not affected: this only concerns sending.'),
    evidence: denied.flatMap((p) => evidenceOf(p, 2)),
    fix: submissionWorks || submissionOffered
      ? 'Use the authenticated submission settings below (with your user name and password).'
      : 'Send through the SMTP server of the network you are on (a hybrid account), or use authenticated submission (port 587 or 465 with your password) if your provider offers it.',
    probes: denied.map((p) => p.id),
  };
  return [finding];
};
