/**
 * From probes to settings: what works from this network, ranked (implicit TLS, then STARTTLS, then
 * plaintext; authenticated submission preferred), and whether the answer is a hybrid account.
 * Pure: facts in, recommendation and the findings that belong to it out.
 */
import type { MessageRef, MessageValue } from '../i18n/types.js';
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

function setting(p: CheckProbe, auth: Setting['auth'], verified: boolean, reason: MessageRef, username?: string): Setting {
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
  const notes: MessageRef[] = [];

  // Receiving: with a password, only a login proves it; without, a clean session with TLS is the best we know.
  const incoming = facts.probes
    .filter((p) => p.purpose === 'incoming' && p.result.ok && (creds ? p.result.auth?.ok : true))
    .sort(byBest);
  const incomingSettings = incoming.map((p) =>
    setting(p, loginAuth(p, facts), creds, { msg: creds ? 'reason.loggedIn' : 'reason.answersLoginUntested' }, user),
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
    ...authSubmission.map((p) => setting(p, loginAuth(p, facts), true, { msg: 'reason.submissionVerified' }, user)),
    ...openRelayForUs.map((p) => setting(p, 'none', true, { msg: 'reason.relaysForNetwork' })),
    ...authOffered.map((p) =>
      setting(p, loginAuth(p, facts), false, creds ? { msg: 'reason.loginUnverified', params: { why: loginNotVerified(facts, p.host, p.port) ?? { msg: 'login.noVerdict' } } } : { msg: 'reason.loginOffered' }, user),
    ),
  ];
  const hybridSettings = hybridRelays.map((p) => setting(p, 'none', true, { msg: 'reason.networkRelays' }));

  let outgoingChoice = outgoingSettings[0];
  let hybrid = false;
  // Hybrid only where the mailbox's own SMTP servers were tried and none will send for us.
  if (!outgoingChoice && outgoing.length > 0 && hybridSettings[0]) {
    outgoingChoice = hybridSettings[0];
    hybrid = true;
  }

  if (hybrid && outgoingChoice) {
    const p = hybridRelays[0]!;
    const network: MessageValue = facts.network.provider?.domain ?? { msg: 'word.thisNetwork' };
    notes.push(
      { msg: 'note.hybrid', params: { incoming: incomingSettings[0]?.host ?? { msg: 'word.mailboxProvider' }, host: p.host, port: p.port, network } },
      { msg: 'note.hybridOnlyHere' },
    );
    findings.push({
      code: 'HYBRID_RECOMMENDED',
      severity: 'info',
      params: { host: p.host, port: p.port, network, client: clientDescription(facts), security: { msg: `security.${p.result.security}` } },
      evidence: evidenceOf(p, 3),
      probes: [p.id],
    });
    findings.push(...spfCaveat(facts, p));
  } else if (outgoingChoice && !outgoingChoice.verified) {
    const p = authOffered[0];
    // With a password given, say why the login proved nothing; never ask for the password the user gave.
    const why = p && creds ? loginNotVerified(facts, p.host, p.port) : undefined;
    notes.push(
      p && refused(p)
        ? { msg: 'note.passwordRefused', params: { host: p.host, secret } }
        : p && why
          ? { msg: 'note.loginUnverified', params: { host: p.host, port: p.port, why } }
          : { msg: 'note.passwordUntested' },
    );
  }

  const incomingChoice = incomingSettings[0];
  if (!creds && (incomingChoice || outgoingChoice)) {
    findings.push({
      code: 'NOT_VERIFIED',
      severity: 'info',
      params: { what: 'logins', address: '', zones: [], refused: 'no' },
      evidence: [],
      probes: [],
    });
  }

  if (!incomingChoice && !outgoingChoice && facts.probes.some((p) => p.purpose === 'incoming' || p.purpose === 'outgoing')) {
    findings.push({
      code: 'NOTHING_WORKS',
      severity: 'error',
      params: {},
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
