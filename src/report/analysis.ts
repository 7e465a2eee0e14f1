/**
 * Pure questions about a check's facts that several rules ask: did this probe connect, what does the control
 * say about this port, which probes failed with which code. Rules read codes and phases, never messages.
 */
import type { MessageRef } from '../i18n/types.js';
import type { ErrorCode } from '../lib/codes.js';
import type { CheckFacts, CheckProbe } from './types.js';

export function errorCode(p: CheckProbe): ErrorCode | undefined {
  return p.result.error?.code;
}

export function failedWith(p: CheckProbe, ...codes: ErrorCode[]): boolean {
  const code = errorCode(p);
  return code !== undefined && codes.includes(code);
}

/** The TCP connection was established (whatever happened after). */
export function connected(p: CheckProbe): boolean {
  return p.result.phases.some((ph) => ph.name === 'connect' && ph.ok);
}

export function controls(facts: CheckFacts): CheckProbe[] {
  return facts.probes.filter((p) => p.purpose === 'control');
}

/**
 * What the control endpoints say about a port from this network:
 * `open`: some control on that port connected, so the network lets the port through;
 * `blocked`: every control on that port failed to connect while a control on another port connected;
 * `unknown`: no control on that port, or no control connected at all (then this network may be down).
 */
export function controlVerdict(facts: CheckFacts, port: number): 'open' | 'blocked' | 'unknown' {
  const all = controls(facts);
  const same = all.filter((p) => p.port === port);
  if (same.length === 0) return 'unknown';
  if (same.some(connected)) return 'open';
  const others = all.filter((p) => p.port !== port);
  const connectFailures = same.every((p) => failedWith(p, 'CONNECT_TIMEOUT', 'CONNECT_REFUSED', 'CONNECT_UNREACHABLE'));
  return connectFailures && others.some(connected) ? 'blocked' : 'unknown';
}

/** Other ports of the same host that accepted a connection from here. */
export function openPortsOf(facts: CheckFacts, host: string, except?: number): number[] {
  const ports = new Set<number>();
  for (const p of facts.probes) if (p.host === host && p.port !== except && connected(p)) ports.add(p.port);
  return [...ports].sort((a, b) => a - b);
}

/** Group probes by host:port, so one finding speaks for every probe of the same endpoint. */
export function byEndpoint(probes: CheckProbe[]): Map<string, CheckProbe[]> {
  const map = new Map<string, CheckProbe[]>();
  for (const p of probes) {
    const key = `${p.host}:${p.port}`;
    map.set(key, [...(map.get(key) ?? []), p]);
  }
  return map;
}

/**
 * The transcript lines that prove what happened: the command and the server's answer that decided the
 * verdict (the refusal, or the RCPT that was accepted), not whatever courtesy lines (RSET, QUIT) came last.
 */
export function evidenceOf(p: CheckProbe, lines = 4): string[] {
  const r = p.result;
  const out: string[] = [];
  const t = r.transcript.filter((e) => e.dir !== 'I');
  let end = t.length;
  const reply = r.error?.reply;
  const decisive = reply
    ? findLastIndex(t, (e) => e.dir === 'S' && (reply.code !== undefined ? e.line.startsWith(String(reply.code)) : reply.text !== '' && e.line.includes(reply.text.slice(0, 40))))
    : r.ok && r.relay?.accepted
      ? findLastIndex(t, (e) => e.dir === 'C' && /^RCPT TO/i.test(e.line)) + 1
      : -1;
  if (decisive >= 0) end = decisive + 1;
  else {
    // No deciding reply (maildoctor stopped on its own policy): leave out the courtesy goodbye at the end.
    const goodbye = findLastIndex(t, (e) => e.dir === 'C' && /^(QUIT|\S+ LOGOUT)$/i.test(e.line));
    if (goodbye >= 0) end = goodbye;
  }
  for (const e of t.slice(Math.max(0, end - lines), end)) out.push(`[${p.id}] ${e.dir}: ${e.line}`);
  if (r.error) {
    const phase = r.phases.find((ph) => ph.name === r.error!.phase);
    const after = phase ? ` after ${Math.round(phase.durationMs)} ms` : '';
    out.push(`[${p.id}] ${r.error.code} in ${r.error.phase}${after}: ${r.error.message}`);
  }
  return out;
}

function findLastIndex<T>(items: T[], pred: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (pred(items[i]!)) return i;
  return -1;
}

/** The server offered AUTH on an encrypted session: refusing to relay without it is its job, not a fault. */
export function offersAuth(p: CheckProbe): boolean {
  const r = p.result;
  return r.security !== 'plain' && (r.auth?.mechanisms.length ?? 0) > 0 && !(r.error?.code.startsWith('TLS_') ?? false);
}

/** "your address 198.51.100.77 (customer-77.isp.test, network isp.test)", as a message of the text catalogue. */
export function clientDescription(facts: CheckFacts, p?: CheckProbe): MessageRef {
  const n = facts.network;
  const address = n.publicAddress?.address ?? p?.result.target.localAddress;
  if (!address) return { msg: 'client.thisNetwork' };
  const name = n.reverseDns?.name;
  const network = n.provider?.domain;
  if (name && network) return { msg: 'client.addressNameNetwork', params: { address, name, network } };
  if (name) return { msg: 'client.addressName', params: { address, name } };
  if (network) return { msg: 'client.addressNetwork', params: { address, network } };
  return { msg: 'client.address', params: { address } };
}

export function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/**
 * Why a login that was attempted did not prove anything, as a message (`login.*`) that fits after "the login
 * could not be verified: ". Keyed by the probe's error code, so a note never tells a user who gave a password
 * to give one.
 */
const LOGIN_NOT_VERIFIED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'AUTH_FAILED',
  'AUTH_TEMP_FAILURE',
  'AUTH_MECHANISM_TOO_WEAK',
  'AUTH_ENCRYPTION_REQUIRED',
  'AUTH_REQUIRED',
  'AUTH_UNAVAILABLE',
  'AUTH_PLAINTEXT_REFUSED',
]);

/** The login probes of an endpoint and why none of them proved the login, or undefined when one did. */
export function loginNotVerified(facts: CheckFacts, host: string, port: number): MessageRef | undefined {
  const logins = facts.probes.filter((q) => q.withAuth && q.host === host && q.port === port);
  if (logins.length === 0) return { msg: 'login.notAttempted' };
  if (logins.some((q) => q.result.auth?.ok)) return undefined;
  const code = logins.map(errorCode).find((c) => c !== undefined);
  if (code && LOGIN_NOT_VERIFIED.has(code)) return { msg: `login.${code}` };
  return code ? { msg: 'login.other', params: { code } } : { msg: 'login.noVerdict' };
}

/**
 * A refusal a DNS blocklist listing typically causes: a permanent (5xx) refusal of MAIL FROM or RCPT TO on
 * port 25 (Postfix's reject_rbl_client answers 554 5.7.1 at RCPT), or a 5xx greeting on any SMTP port.
 */
export function suggestsBlocklist(p: CheckProbe): boolean {
  const e = p.result.error;
  if (!e?.reply?.code || e.reply.code < 500 || p.role !== 'smtp') return false;
  if (e.code === 'GREETING_REJECTED') return true;
  return p.port === 25 && (e.code === 'RELAY_DENIED' || e.code === 'SENDER_REJECTED');
}

/**
 * The certificate chain as evidence, one line per certificate from the leaf up: who it is, who issued it, its
 * validity, and whether the server sent it or the trust store completed the chain with it.
 */
export function chainEvidence(p: CheckProbe): string[] {
  const chain = p.result.tls?.chain ?? [];
  return chain.map((c, i) =>
    `[${p.id}] chain ${i + 1}/${chain.length} (${c.sentByServer ? 'sent by the server' : 'from the trust store'}): ${c.subject}; issuer ${c.issuer}; valid ${c.validFrom?.slice(0, 10) ?? 'unreadable'} to ${c.validTo?.slice(0, 10) ?? 'unreadable'}`,
  );
}
