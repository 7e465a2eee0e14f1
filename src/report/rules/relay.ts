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
  const finding: Finding = {
    code: 'SMTP_RELAY_DENIED',
    severity: submissionWorks ? 'info' : submissionOffered ? 'warning' : 'error',
    params: {
      endpoints,
      count: endpoints.length,
      client: who,
      // A listing found by the blocklist lookup is the likelier reason than the relay policy (blocklistRule).
      blocklisted: facts.blocklists?.answers.some((a) => a.status === 'listed') ? 'yes' : 'no',
      submission: submissionWorks ? 'works' : submissionOffered ? 'offered' : 'none',
    },
    evidence: denied.flatMap((p) => evidenceOf(p, 2)),
    probes: denied.map((p) => p.id),
  };
  return [finding];
};
