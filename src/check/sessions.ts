/**
 * One mail session per server address and port (issue 13). The plan names one probe per name, port and login,
 * because the report keeps every verdict; a server needs far fewer sessions to give them all:
 *
 * - SMTP: the relay test without AUTH and the one with AUTH on the same port are one session (EHLO, MAIL/RCPT,
 *   RSET, AUTH, MAIL/RCPT, RSET, QUIT: `RelayTest.beforeAuth`), whose result is split into the two records the
 *   report reads. A second session asks AUTH only when the server ended the first before AUTH (some do after a
 *   refusal), so no verdict is guessed.
 * - Names that resolve to the same address (`smtp.` and `mail.` of one host): one session for the first name;
 *   the others take its result when its certificate covers them too (each name checked against it, as its own
 *   handshake would have been), and get their own handshake with their own SNI only when it does not.
 *
 * Pure: the check runs the sessions (src/check/check.ts); this file decides which probes share one and turns
 * one result into each probe's.
 */
import tls from 'node:tls';
import type { ErrorCode } from '../lib/codes.js';
import type { CertificateFacts, ProbeOptions, ProbeResult, Protocol } from '../lib/types.js';
import { compareText } from '../lib/text.js';

/** What a planned probe must say for its session to be shared. */
export interface Shareable {
  id: string;
  host: string;
  port: number;
  protocol: Protocol;
  withAuth: boolean;
  relayTest: boolean;
  /** The server's first known address (its name when none is known yet). */
  server: string;
  options: Partial<ProbeOptions>;
}

/** One session to run, and the probes of the plan it answers (by index, the lead's own first). */
export interface PlannedSession {
  /** The probe whose target and options the session runs with. */
  lead: number;
  options: Partial<ProbeOptions>;
  members: number[];
}

/** Codes a probe raises on its own policy, not because the session ended: a second session would say the same. */
const OWN_STOPS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['AUTH_PLAINTEXT_REFUSED', 'AUTH_UNAVAILABLE', 'AUTH_ENCRYPTION_REQUIRED']);

/**
 * The options that make two probes of one address and port the same session, credentials by user only. Not the
 * `confirmLogin` gates: the runner asks every member's gate before the session logs in.
 */
function sessionKey(p: Shareable, merged: boolean): string {
  const { credentials, relayTest, confirmLogin: _gate, ...rest } = p.options;
  const who = merged || !credentials ? '' : credentials.user;
  const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => compareText(a, b)));
  return JSON.stringify([p.server, p.port, p.protocol, merged ? 'smtp-relay' : p.withAuth, relayTest ? [relayTest.from, relayTest.to] : null, who, sorted]);
}

/**
 * Group the plan into sessions. An SMTP relay test without AUTH and its twin with AUTH (same name, port and
 * relay test) become one session with the twin's credentials and `beforeAuth`; then probes of one address, port
 * and options share a session, led by the first of them in plan order.
 */
export function planSessions(plan: readonly Shareable[]): PlannedSession[] {
  const smtp = (p: Shareable): boolean => (p.protocol === 'smtp' || p.protocol === 'smtps') && p.relayTest;
  // Twins first: `host:port` → the indices of its relay tests without and with AUTH.
  const twinOf = new Map<number, number>();
  for (const [i, p] of plan.entries()) {
    if (!smtp(p) || !p.withAuth || !p.options.credentials) continue;
    const j = plan.findIndex((q, k) => k !== i && smtp(q) && !q.withAuth && q.host === p.host && q.port === p.port && q.protocol === p.protocol && sameRelay(p, q) && !twinOf.has(k));
    if (j >= 0) {
      twinOf.set(j, i);
      twinOf.set(i, j);
    }
  }
  const sessions: PlannedSession[] = [];
  const byKey = new Map<string, PlannedSession>();
  for (const [i, p] of plan.entries()) {
    const twin = twinOf.get(i);
    if (twin !== undefined && !p.withAuth) continue; // joins with its twin below
    const merged = twin !== undefined;
    const key = sessionKey(merged ? plan[i]! : p, merged);
    const members = merged ? [i, twin] : [i];
    const found = byKey.get(key);
    if (found) {
      found.members.push(...members);
      continue;
    }
    const options: Partial<ProbeOptions> = merged ? { ...p.options, relayTest: { ...p.options.relayTest!, beforeAuth: true } } : p.options;
    const s: PlannedSession = { lead: i, options, members };
    byKey.set(key, s);
    sessions.push(s);
  }
  // The lead first, then the other records of its name, then the other names' (each in plan order).
  for (const s of sessions) {
    const rank = (i: number): number => (i === s.lead ? 0 : plan[i]!.host === plan[s.lead]!.host ? 1 : 2);
    s.members.sort((a, b) => rank(a) - rank(b) || a - b);
  }
  return sessions;
}

function sameRelay(a: Shareable, b: Shareable): boolean {
  return a.options.relayTest?.from === b.options.relayTest?.from && a.options.relayTest?.to === b.options.relayTest?.to;
}

/** What one session's result says for each of its probes, and the probes that need a session of their own. */
export interface SessionAnswer {
  results: Map<number, ProbeResult>;
  /** Sessions still to run: another name the certificate does not cover, or AUTH after the server hung up. */
  again: PlannedSession[];
}

/**
 * Each member's result from the session's. A name the certificate does not cover (or a session whose own name
 * failed the check) is not answered: it gets its own session, with its own SNI. When the server ended the
 * merged SMTP session before AUTH, the records with AUTH get a second session; so do those whose own
 * `confirmLogin` said yes when another member's withdrew the session's login (`logins`: each gated member's
 * answer). A member whose own login was withdrawn takes the session as it went: its plan was replaced.
 */
export function answerSession(
  session: PlannedSession,
  result: ProbeResult,
  plan: readonly Shareable[],
  plannedOptions: (index: number) => Partial<ProbeOptions>,
  logins: ReadonlyMap<number, boolean> = new Map(),
): SessionAnswer {
  const lead = plan[session.lead]!;
  const results = new Map<number, ProbeResult>();
  const own = new Map<string, number[]>();
  const withdrawn = [...logins.values()].includes(false);
  const secondAuth = session.options.relayTest?.beforeAuth === true && endedBeforeAuth(result);
  const authAgain: number[] = [];
  for (const i of session.members) {
    const p = plan[i]!;
    if (p.host !== lead.host && !sharesCertificate(result, p.host)) {
      own.set(p.host, [...(own.get(p.host) ?? []), i]);
      continue;
    }
    const r = p.host === lead.host ? result : asName(result, p.host);
    if (session.options.relayTest?.beforeAuth && !p.withAuth) results.set(i, beforeAuth(r));
    else if (secondAuth || (withdrawn && logins.get(i) === true)) authAgain.push(i);
    else results.set(i, r);
  }
  const again: PlannedSession[] = [];
  if (authAgain.length) again.push({ lead: authAgain[0]!, options: plannedOptions(authAgain[0]!), members: authAgain });
  for (const members of own.values()) {
    const first = members[0]!;
    const withAuth = members.find((m) => plan[m]!.withAuth);
    const merged = session.options.relayTest?.beforeAuth && withAuth !== undefined && members.some((m) => !plan[m]!.withAuth);
    const leadIndex = merged ? withAuth! : first;
    again.push({ lead: leadIndex, options: merged ? session.options : plannedOptions(leadIndex), members: [leadIndex, ...members.filter((m) => m !== leadIndex)] });
  }
  return { results, again };
}

/** The merged session reached the relay test without AUTH, and then AUTH was never tried (not by our own choice). */
function endedBeforeAuth(r: ProbeResult): boolean {
  if (!r.relayBeforeAuth) return false;
  if (r.relayBeforeAuth.sessionEnded) return true;
  return !r.ok && r.auth?.attempted !== true && !OWN_STOPS.has(r.error.code);
}

/**
 * The same session seen from another name of its address: the name it was asked for, and the certificate's name
 * check redone for it. Only for a name the certificate covers (see {@link sharesCertificate}).
 */
function asName(r: ProbeResult, host: string): ProbeResult {
  return { ...r, target: { ...r.target, host }, ...(r.tls ? { tls: { ...r.tls, hostnameMatch: true } } : {}) };
}

/**
 * Whether another name can take this session's result: no TLS happened (nothing in it depends on the name), or
 * the certificate passed the name check for the session's own name and covers this one too.
 */
function sharesCertificate(r: ProbeResult, host: string): boolean {
  if (!r.tls) return true;
  if (!r.tls.hostnameMatch || !r.tls.certificate) return false;
  return covers(r.tls.certificate, host);
}

/** `tls.checkServerIdentity` over the recorded certificate facts: the same name rules as the handshake's check. */
export function covers(cert: CertificateFacts, host: string): boolean {
  const cn = /(?:^|,\s*)CN=([^,]+)/.exec(cert.subject)?.[1];
  const peer = { subject: cn ? { CN: cn } : {}, subjectaltname: cert.subjectAltNames.join(', ') } as unknown as tls.PeerCertificate;
  return tls.checkServerIdentity(host, peer) === undefined;
}

/**
 * The record of the relay test without AUTH, out of the merged session: what happened up to the RSET after it,
 * with the verdict it gave then; nothing of the login that came after. A session that never got that far
 * (connect, TLS, greeting, STARTTLS failed) failed for both records alike.
 */
export function beforeAuth(r: ProbeResult): ProbeResult {
  const { relayBeforeAuth, ...rest } = r;
  const auth = r.auth ? { mechanisms: r.auth.mechanisms, attempted: false, skipped: 'no credentials given' } : undefined;
  if (!relayBeforeAuth) {
    const { auth: _auth, ...base } = rest;
    return { ...base, ...(auth ? { auth } : {}) } as ProbeResult;
  }
  const { endMs, error, sessionEnded: _ended, ...relay } = relayBeforeAuth;
  const { auth: _auth, relay: _relay, sent: _sent, error: _error, ok: _ok, ...base } = rest;
  const common = {
    ...base,
    ...(auth ? { auth } : {}),
    relay,
    durationMs: endMs,
    phases: r.phases.filter((ph) => ph.startMs < endMs),
    transcript: r.transcript.filter((e) => e.t <= endMs),
  };
  return error ? { ...common, ok: false, error } : { ...common, ok: true };
}
