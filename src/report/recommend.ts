/**
 * From probes to settings: what works from this network, ranked (implicit TLS, then STARTTLS, then
 * plaintext; authenticated submission preferred), and whether the answer is a hybrid account.
 * Pure: facts in, recommendation and the findings that belong to it out.
 */
import type { Security } from '../lib/types.js';
import { isOAuthMechanism } from '../lib/oauth.js';
import { clientDescription, connected, evidenceOf, loginNotVerified, offersAuth } from './analysis.js';
import { spfCaveat } from './spf-caveat.js';
import type { CheckFacts, CheckProbe, Finding, Recommendation, Setting } from './types.js';

const SECURITY_RANK: Record<Security, number> = { tls: 0, starttls: 1, plain: 2 };
const SMTP_PORT_RANK: Record<number, number> = { 465: 0, 587: 1, 25: 2 };

function securityRank(p: CheckProbe): number {
  return SECURITY_RANK[p.result.security];
}

function byBest(a: CheckProbe, b: CheckProbe): number {
  return (
    securityRank(a) - securityRank(b) ||
    (a.role === b.role ? 0 : a.role === 'imap' ? -1 : 1) ||
    (SMTP_PORT_RANK[a.port] ?? 3) - (SMTP_PORT_RANK[b.port] ?? 3)
  );
}

function setting(p: CheckProbe, auth: Setting['auth'], verified: boolean, reason: string, username?: string): Setting {
  return {
    role: p.role === 'tcp' ? 'smtp' : p.role,
    host: p.host,
    port: p.port,
    security: p.result.security,
    auth,
    ...(username ? { username } : {}),
    verified,
    reason,
    probe: p.id,
  };
}

/**
 * How a login setting logs in: the mechanism that was used decides; untried, an OAuth2 token given for a server
 * that offers an OAuth2 mechanism means the setting is OAuth2 (the recommendation says what was verified).
 */
function loginAuth(p: CheckProbe, facts: CheckFacts): 'password' | 'oauth2' {
  const used = p.result.auth?.mechanism;
  if (used) return isOAuthMechanism(used) ? 'oauth2' : 'password';
  return facts.credentials.kind === 'oauth2' && (p.result.auth?.mechanisms ?? []).some(isOAuthMechanism) ? 'oauth2' : 'password';
}

export interface RecommendationOutcome {
  recommendation: Recommendation;
  findings: Finding[];
}

export function recommend(facts: CheckFacts): RecommendationOutcome {
  const creds = facts.credentials.provided;
  const user = facts.credentials.user;
  const secret = facts.credentials.kind === 'oauth2' ? 'token' : 'password';
  const findings: Finding[] = [];
  const notes: string[] = [];

  // Receiving: with a password, only a login proves it; without, a clean session with TLS is the best we know.
  const incoming = facts.probes
    .filter((p) => p.purpose === 'incoming' && p.result.ok && (creds ? p.result.auth?.ok : true))
    .sort(byBest);
  const incomingSettings = incoming.map((p) =>
    setting(p, loginAuth(p, facts), creds, creds ? 'logged in from this network' : 'the server answers from this network; the login was not tested (no password given)', user),
  );

  // Sending, in order of preference.
  const outgoing = facts.probes.filter((p) => p.purpose === 'outgoing');
  const authSubmission = outgoing.filter((p) => p.withAuth && p.result.ok && p.result.auth?.ok && p.result.relay?.accepted).sort(byBest);
  const openRelayForUs = outgoing.filter((p) => !p.withAuth && p.result.ok && p.result.relay?.accepted).sort(byBest);
  // Submission that offers AUTH over an encrypted session, not verified: no password was given, or the one
  // given was refused (then the fix is the password, not another server).
  const verifiedEndpoints = new Set(authSubmission.map((p) => `${p.host}:${p.port}`));
  const authOffered = outgoing
    .filter((p) => offersAuth(p) && connected(p) && !verifiedEndpoints.has(`${p.host}:${p.port}`))
    .filter((p, i, all) => all.findIndex((q) => q.host === p.host && q.port === p.port) === i)
    .sort(byBest);
  const refused = (p: CheckProbe): boolean =>
    outgoing.some((q) => q.withAuth && q.host === p.host && q.port === p.port && q.result.error?.code === 'AUTH_FAILED');
  const hybridRelays = facts.probes.filter((p) => p.purpose === 'network-smtp' && p.result.ok && p.result.relay?.accepted).sort(byBest);

  const outgoingSettings: Setting[] = [
    ...authSubmission.map((p) => setting(p, loginAuth(p, facts), true, 'logged in and the server accepted a recipient outside its domain (then reset: no message sent)', user)),
    ...openRelayForUs.map((p) => setting(p, 'none', true, 'the server relays for this network without a login (this only works while you are on this network)')),
    ...authOffered.map((p) =>
      setting(
        p,
        loginAuth(p, facts),
        false,
        creds
          ? `the server offers login over an encrypted connection; the login could not be verified: ${loginNotVerified(facts, p.host, p.port) ?? 'no verdict'}`
          : 'the server offers login over an encrypted connection; not verified (no password given)',
        user,
      ),
    ),
  ];
  const hybridSettings = hybridRelays.map((p) =>
    setting(p, 'none', true, `the SMTP server of the network you are on relays for you (verified up to RCPT, then reset)`),
  );

  let outgoingChoice = outgoingSettings[0];
  let hybrid = false;
  // Hybrid only where the mailbox's own SMTP servers were tried and none will send for us.
  if (!outgoingChoice && outgoing.length > 0 && hybridSettings[0]) {
    outgoingChoice = hybridSettings[0];
    hybrid = true;
  }

  if (hybrid && outgoingChoice) {
    const p = hybridRelays[0]!;
    notes.push(
      `Hybrid account: keep receiving from ${incomingSettings[0]?.host ?? 'your mailbox provider'}, and send through ${p.host}:${p.port}, the SMTP server of the network you are on (${facts.network.provider?.domain ?? 'this network'}).`,
      'This works only while you are connected to this network: when you change network (home, office, mobile), the outgoing server has to change too.',
    );
    findings.push({
      code: 'HYBRID_RECOMMENDED',
      severity: 'info',
      summary: `Send through ${p.host} (this network’s server); keep receiving from your mailbox provider`,
      explanation: `Your mailbox provider’s server does not send for you from here and no authenticated submission was verified, but the SMTP server of the network you are on (${facts.network.provider?.domain ?? 'this network'}) accepts mail from ${clientDescription(facts)}. A hybrid account uses it for sending only.`,
      evidence: evidenceOf(p, 3),
      fix: `Outgoing server: ${p.host}, port ${p.port}, ${p.result.security === 'plain' ? 'no encryption' : p.result.security === 'tls' ? 'SSL/TLS' : 'STARTTLS'}, no authentication. Change it again when you change network.`,
      probes: [p.id],
    });
    findings.push(...spfCaveat(facts, p));
  } else if (outgoingChoice && !outgoingChoice.verified) {
    const p = authOffered[0];
    // With a password given, say why the login proved nothing; never ask for the password the user gave.
    const why = p && creds ? loginNotVerified(facts, p.host, p.port) : undefined;
    notes.push(
      p && refused(p)
        ? `${p.host} refused the ${secret}: fix it (see the findings), then this setting works from any network.`
        : p && why
          ? `Sending through ${p.host}:${p.port} was not verified: ${why} (see the findings).`
          : 'Sending with your password was not verified: run again with --user and a password (MAILDOCTOR_PASSWORD, --password-stdin or the prompt).',
    );
  }

  const incomingChoice = incomingSettings[0];
  if (!creds && (incomingChoice || outgoingChoice)) {
    findings.push({
      code: 'NOT_VERIFIED',
      severity: 'info',
      summary: 'Logins were not tested (no password given)',
      explanation: 'Without a password maildoctor can check servers, ports, encryption and whether the server relays for this network, but not that your user name and password work.',
      evidence: [],
      fix: 'Run again with --user NAME and the password in MAILDOCTOR_PASSWORD, on stdin (--password-stdin) or at the prompt.',
      probes: [],
    });
  }

  if (!incomingChoice && !outgoingChoice && facts.probes.some((p) => p.purpose === 'incoming' || p.purpose === 'outgoing')) {
    findings.push({
      code: 'NOTHING_WORKS',
      severity: 'error',
      summary: 'Nothing works from this network: neither sending nor receiving could be verified',
      explanation: 'No server of this address answered in a usable way from here. The findings above say why for each server.',
      evidence: [],
      probes: [],
    });
  }

  return {
    recommendation: {
      ...(incomingChoice ? { incoming: incomingChoice } : {}),
      ...(outgoingChoice ? { outgoing: outgoingChoice } : {}),
      hybrid,
      alternatives: [...incomingSettings.slice(1), ...[...outgoingSettings, ...hybridSettings].filter((s) => s !== outgoingChoice)],
      notes,
    },
    findings,
  };
}
