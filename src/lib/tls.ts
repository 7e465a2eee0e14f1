import net from 'node:net';
import tls from 'node:tls';
import type { ErrorCode } from './codes.js';
import { MaildoctorError } from './errors.js';
import { socketReady } from './events.js';
import type { PhaseRecorder } from './phases.js';
import type { CertificateFacts, ChainCertificate, TlsFacts, TlsHandshakeFacts } from './types.js';

export interface TlsUpgradeRequest {
  /** A connected TCP socket: freshly dialled (implicit TLS) or handed over after STARTTLS. */
  socket: net.Socket;
  mode: TlsFacts['mode'];
  /** The name that was dialled; used for SNI (unless an IP literal) and the hostname check. */
  host: string;
  servername?: string;
  /** Extra CAs, trusted in addition to the system's. */
  ca?: string | Buffer | Array<string | Buffer>;
  phases: PhaseRecorder;
  capMs: number;
  /** The TCP connect's duration (about one round trip): sets how long a silent server is waited for. */
  tcpRttMs?: number;
  /** Told how the handshake went in time, whether it succeeded or not. */
  onHandshake?: (facts: TlsHandshakeFacts) => void;
}

export interface TlsUpgraded {
  socket: tls.TLSSocket;
  facts: TlsFacts;
  /** Set when the certificate does not pass: the caller must not go on with credentials. */
  verdict?: MaildoctorError;
}

const DAY_MS = 86_400_000;
/** A trusted certificate with this many days left or fewer is reported (TLS_CERT_EXPIRES_SOON). */
export const CERT_EXPIRY_WARNING_DAYS = 14;
/** Longest chain read from a handshake: real ones have 2-4 certificates; a hostile server sends what it likes. */
const MAX_CHAIN_LENGTH = 10;

/**
 * A server's first TLS flight (ServerHello…) follows the ClientHello after one round trip plus its own work,
 * milliseconds on any live path. When not one byte of it has come this long after the ClientHello, while the
 * TCP round trip was far shorter, the flight is lost on the way (a path-MTU black hole: the flight fills
 * full-size packets that a smaller link drops, and the ICMP "fragmentation needed" that would say so is
 * filtered, RFC 1191 §1 / RFC 2923 §2.1), and waiting for the whole TLS cap only makes the check slow.
 */
export const TLS_FIRST_FLIGHT_MIN_MS = 2_500;
/**
 * Round trips a server gets to start its flight, when the path is slow enough that this exceeds the floor. The
 * "round trip" is the TCP connect's duration, which a busy event loop inflates, so a small multiple suffices.
 */
export const TLS_FIRST_FLIGHT_RTTS = 4;

/** How long a handshake may go without one byte from the server: bounded by the TLS cap itself. */
export function firstFlightCapMs(tcpRttMs: number | undefined, tlsCapMs: number): number {
  return Math.min(tlsCapMs, Math.max(TLS_FIRST_FLIGHT_MIN_MS, (tcpRttMs ?? 0) * TLS_FIRST_FLIGHT_RTTS));
}

/** Secure contexts already built, by their extra CAs: parsing the ~150 bundled roots costs tens of ms each time. */
const secureContexts = new Map<string, tls.SecureContext>();
const MAX_CACHED_CONTEXTS = 8;

/**
 * A secure context trusting the system's CAs plus `ca` (a bare `ca` option would replace the system's), built
 * once per CA set. Shared by the probes and the HTTP client.
 */
export function secureContextFor(ca: string | Buffer | Array<string | Buffer>): tls.SecureContext {
  const extra = Array.isArray(ca) ? ca : [ca];
  const key = extra.map((c) => c.toString()).join('\n');
  let ctx = secureContexts.get(key);
  if (!ctx) {
    // Not `{ ca: [...tls.rootCertificates, ...extra] }`: Node parses every PEM of a `ca` option, and the ~150
    // bundled roots cost 50-150 ms of one core per context, paid by the first handshake of every check (issue
    // 13). A default context holds the process's root store, parsed once; adding a CA to it makes Node copy
    // that store (by reference, SecureContext::AddCACert) before adding, so the shared store stays as it was.
    ctx = tls.createSecureContext();
    for (const c of extra) (ctx.context as { addCACert(cert: string | Buffer): void }).addCACert(c);
    if (secureContexts.size >= MAX_CACHED_CONTEXTS) secureContexts.delete(secureContexts.keys().next().value!);
    secureContexts.set(key, ctx);
  }
  return ctx;
}

/**
 * Build now what the first handshake would otherwise build while every other probe waits behind it: the
 * secure context (over the process's root store, parsed once) and the trust store's certificates, ~25 ms of
 * one core. A check calls it once its discovery questions are on the wire, so that it costs a wait, not a probe.
 */
export function prepareTls(ca?: string | Buffer | Array<string | Buffer>): void {
  try {
    if (ca === undefined) tls.createSecureContext();
    else secureContextFor(ca);
    trustStoreCertificates(ca);
  } catch {
    // A CA that does not parse fails again in the first handshake, where the probe reports it.
  }
}

/**
 * The handshake, with certificate verification ON: we keep the connection long enough to read the peer's
 * certificate and report why it fails (expired, self-signed, wrong name…), then the caller stops the session
 * using `verdict`. Node's own `rejectUnauthorized` would tear the socket down before we could see the
 * certificate, so the check is done here instead, explicitly: chain trust from OpenSSL (`authorized`), the
 * name from `tls.checkServerIdentity`. Nothing is sent over a connection whose verdict is set.
 */
export async function upgradeToTls(req: TlsUpgradeRequest): Promise<TlsUpgraded> {
  const servername = req.servername ?? (net.isIP(req.host) ? undefined : req.host);
  const secureContext = req.ca === undefined ? undefined : secureContextFor(req.ca);
  const flightCap = firstFlightCapMs(req.tcpRttMs, req.capMs);
  // bytesRead of the raw socket counts what the kernel delivered under the TLS layer: the server's flight.
  const bytesBefore = req.socket.bytesRead;
  const started = performance.now();
  let startMs = -1;
  let built: tls.DetailedPeerCertificate | undefined;
  const record = (completed: boolean): void =>
    req.onHandshake?.({
      startMs,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      ...(req.tcpRttMs !== undefined ? { tcpRttMs: req.tcpRttMs } : {}),
      serverBytes: req.socket.bytesRead - bytesBefore,
      firstFlightCapMs: flightCap,
      completed,
    });
  const socket = await req.phases.run('tls', req.capMs, 'TLS_HANDSHAKE_FAILED', (signal) => {
    startMs = req.phases.phases.at(-1)?.startMs ?? 0;
    const local = new AbortController();
    const onAbort = (): void => local.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const stall = setTimeout(() => {
      if (req.socket.bytesRead !== bytesBefore) return; // the server answers: give it the whole cap
      local.abort(
        new MaildoctorError('TLS_HANDSHAKE_STALLED', 'tls', `No byte of the server's TLS reply ${Math.round(flightCap)} ms after the ClientHello (TCP round trip ${req.tcpRttMs !== undefined ? `${Math.round(req.tcpRttMs)} ms` : 'unknown'})`),
      );
    }, flightCap);
    const s = tls.connect({
      socket: req.socket,
      servername,
      ...(secureContext ? { secureContext } : {}),
      // Verification is performed below (see the function comment); this only defers the decision to us.
      // Node builds the detailed certificate for this callback when the chain verifies: kept, not built twice.
      rejectUnauthorized: false,
      checkServerIdentity: (_name, cert) => {
        built = cert as tls.DetailedPeerCertificate;
        return undefined;
      },
      minVersion: 'TLSv1',
    });
    return socketReady(s, 'secureConnect', local.signal, classifyHandshakeError).finally(() => {
      clearTimeout(stall);
      signal.removeEventListener('abort', onAbort);
    });
  }).then(
    (done) => {
      record(true);
      return done;
    },
    (err: unknown) => {
      record(false);
      throw err;
    },
  );

  // The detailed form links each certificate to its issuer: the ones the server sent, then the trust store's.
  const peer = built ?? socket.getPeerCertificate(true);
  const hasPeer = peer && Object.keys(peer).length > 0;
  const certificate = hasPeer ? certificateFacts(peer, socket.authorizationError) : undefined;
  const nameToCheck = req.servername ?? req.host;
  const identityError = hasPeer ? tls.checkServerIdentity(nameToCheck, peer) : new Error('no certificate');
  const facts: TlsFacts = {
    mode: req.mode,
    servername,
    protocol: socket.getProtocol() ?? undefined,
    cipher: socket.getCipher()?.name,
    certificate,
    ...(hasPeer ? { chain: chainFacts(peer, req.ca) } : {}),
    trusted: socket.authorized,
    trustError: socket.authorized ? undefined : String(socket.authorizationError ?? 'UNKNOWN'),
    hostnameMatch: identityError === undefined,
  };
  return { socket, facts, verdict: certificateVerdict(facts, nameToCheck) };
}

function certificateVerdict(facts: TlsFacts, name: string): MaildoctorError | undefined {
  const written = facts.certificate?.datesAsWritten;
  if (written) {
    // Checked before trust: OpenSSL's own verdict on such a certificate is ERROR_IN_CERT_NOT_*_FIELD, and a
    // certificate without a readable validity period cannot be judged valid by any client.
    return new MaildoctorError('TLS_CERT_DATES_INVALID', 'tls', `The certificate's validity dates cannot be read: notBefore ${JSON.stringify(written.notBefore)}, notAfter ${JSON.stringify(written.notAfter)}`);
  }
  if (!facts.trusted) {
    const code = trustErrorCode(facts.trustError, facts.chain);
    return new MaildoctorError(code, 'tls', `Certificate not trusted: ${facts.trustError}`);
  }
  if (!facts.hostnameMatch) {
    const names = facts.certificate?.subjectAltNames.join(', ') || facts.certificate?.subject || 'none';
    return new MaildoctorError('TLS_CERT_HOSTNAME_MISMATCH', 'tls', `Certificate is not valid for ${name} (it covers: ${names})`);
  }
  return undefined;
}

/**
 * OpenSSL found no issuer for the last certificate it had. When that certificate is not self-signed, the chain
 * stops short of any root: the server did not send the certificate that issued it (RFC 8446 §4.4.2 and RFC 5246
 * §7.4.2: the server sends its chain; only the root may be left out).
 */
const ISSUER_NOT_FOUND = new Set(['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT']);

function trustErrorCode(reason: string | undefined, chain: ChainCertificate[] | undefined): ErrorCode {
  if (reason && ISSUER_NOT_FOUND.has(reason) && chain?.length && !chain[chain.length - 1]!.selfSigned) return 'TLS_CERT_CHAIN_INCOMPLETE';
  switch (reason) {
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'TLS_CERT_EXPIRED';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'TLS_CERT_SELF_SIGNED';
    default:
      return 'TLS_CERT_UNTRUSTED';
  }
}

/** OpenSSL's words for "the other side is not speaking TLS": a plaintext greeting read as a record header. */
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_RECORD_LAYER_FAILURE',
  'ERR_SSL_UNEXPECTED_RECORD',
]);

export function classifyHandshakeError(err: NodeJS.ErrnoException): MaildoctorError {
  if (err instanceof MaildoctorError) return err;
  if (err.code && NOT_TLS.has(err.code)) {
    return new MaildoctorError('TLS_MODE_MISMATCH', 'tls', `The server answered the TLS handshake in plaintext (${err.code}): this port does not speak implicit TLS`, undefined, { cause: err });
  }
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
    return new MaildoctorError('TLS_HANDSHAKE_FAILED', 'tls', `The server hung up during the TLS handshake (${err.code})`, undefined, { cause: err });
  }
  return new MaildoctorError('TLS_HANDSHAKE_FAILED', 'tls', `TLS handshake failed: ${err.code ?? ''} ${err.message}`.trim(), undefined, { cause: err });
}

export function certificateFacts(cert: tls.PeerCertificate, trustError?: Error | string | null): CertificateFacts {
  const validFrom = readableDate(cert.valid_from);
  const validTo = readableDate(cert.valid_to);
  // OpenSSL's verdict when it gave one; else a certificate that names itself as its issuer.
  const selfSigned = String(trustError ?? '') === 'DEPTH_ZERO_SELF_SIGNED_CERT' || dn(cert.issuer) === dn(cert.subject);
  const unreadable = !validFrom || !validTo || DATE_FIELD_ERRORS.has(String(trustError ?? ''));
  return {
    subject: dn(cert.subject),
    subjectAltNames: (cert.subjectaltname ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    issuer: dn(cert.issuer),
    ...(validFrom ? { validFrom } : {}),
    ...(validTo ? { validTo, daysLeft: Math.floor((Date.parse(validTo) - Date.now()) / DAY_MS) } : {}),
    ...(unreadable ? { datesAsWritten: validityAsWritten(cert) } : {}),
    fingerprint256: cert.fingerprint256,
    serialNumber: cert.serialNumber,
    selfSigned,
  };
}

/**
 * OpenSSL's verdicts on a validity time it cannot read (RFC 5280 §4.1.2.5: UTCTime YYMMDDHHMMSSZ or
 * GeneralizedTime YYYYMMDDHHMMSSZ, valid values only).
 */
const DATE_FIELD_ERRORS = new Set(['ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD']);

/**
 * Node's rendering of a certificate time ("Jan  1 02:08:22 2027 GMT") as an ISO date, or undefined when it is
 * not a date: OpenSSL renders an invalid time (month 13, Feb 30, a stray byte) as "Bad time value", and a date
 * outside JavaScript's range has no ISO form. Either used to throw a RangeError mid-probe (PROTOCOL_ERROR in
 * "internal", issue 9).
 */
function readableDate(text: string | undefined): string | undefined {
  const ms = Date.parse(text ?? '');
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** The validity times as the certificate writes them, read from its DER; Node's renderings when that fails. */
function validityAsWritten(cert: tls.PeerCertificate): { notBefore: string; notAfter: string } {
  const times = cert.raw ? derValidity(cert.raw) : undefined;
  return times ?? { notBefore: String(cert.valid_from ?? ''), notAfter: String(cert.valid_to ?? '') };
}

/** Longest time text kept: a valid one has 13 or 15 characters; a hostile one may be any length. */
const MAX_TIME_TEXT = 64;

/**
 * notBefore and notAfter from a certificate's DER (RFC 5280 §4.1: Certificate → TBSCertificate → [version],
 * serialNumber, signature, issuer, validity { notBefore, notAfter }), as latin-1 text. Undefined when the
 * structure is not that.
 */
function derValidity(der: Buffer): { notBefore: string; notAfter: string } | undefined {
  const tlv = (at: number): { tag: number; start: number; end: number } | undefined => {
    if (at + 2 > der.length) return undefined;
    const tag = der[at]!;
    let len = der[at + 1]!;
    let start = at + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || start + n > der.length) return undefined;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
      start += n;
    }
    const end = start + len;
    return end <= der.length ? { tag, start, end } : undefined;
  };
  const certificate = tlv(0);
  const tbs = certificate?.tag === 0x30 ? tlv(certificate.start) : undefined;
  if (tbs?.tag !== 0x30) return undefined;
  let field = tlv(tbs.start);
  if (field?.tag === 0xa0) field = tlv(field.end); // [0] version
  // serialNumber, signature, issuer: skipped; then validity.
  for (let i = 0; i < 3 && field; i++) field = tlv(field.end);
  if (field?.tag !== 0x30) return undefined;
  const notBefore = tlv(field.start);
  const notAfter = notBefore ? tlv(notBefore.end) : undefined;
  const text = (t: { tag: number; start: number; end: number } | undefined): string | undefined =>
    t && (t.tag === 0x17 || t.tag === 0x18) ? der.subarray(t.start, Math.min(t.end, t.start + MAX_TIME_TEXT)).toString('latin1') : undefined;
  const before = text(notBefore);
  const after = text(notAfter);
  return before !== undefined && after !== undefined ? { notBefore: before, notAfter: after } : undefined;
}

function dn(name: tls.Certificate | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

/**
 * The chain as the handshake linked it, leaf first. Node follows issuer links through the certificates the
 * server sent, then through the trust store; a certificate that is in the store is counted as the
 * store's. The last one of a complete chain links to itself.
 */
export function chainFacts(leaf: tls.DetailedPeerCertificate, ca: TlsUpgradeRequest['ca']): ChainCertificate[] {
  const store = trustStoreCertificates(ca);
  const chain: ChainCertificate[] = [];
  const seen = new Set<string>();
  for (let c: tls.DetailedPeerCertificate | undefined = leaf; c && Object.keys(c).length > 0 && chain.length < MAX_CHAIN_LENGTH; c = c.issuerCertificate) {
    if (seen.has(c.fingerprint256)) break;
    seen.add(c.fingerprint256);
    chain.push({
      subject: dn(c.subject),
      issuer: dn(c.issuer),
      ...optional('validFrom', readableDate(c.valid_from)),
      ...optional('validTo', readableDate(c.valid_to)),
      fingerprint256: c.fingerprint256,
      selfSigned: dn(c.issuer) === dn(c.subject),
      sentByServer: chain.length === 0 || !(c.raw && store.has(c.raw.toString('base64'))),
    });
  }
  return chain;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return (value === undefined ? {} : { [key]: value }) as Partial<Record<K, string>>;
}

/** The trusted CAs as base64 DER (how `raw` compares), once per CA set: a decode, not a parse or a hash. */
const storeCertificates = new Map<string, Set<string>>();

function trustStoreCertificates(ca: TlsUpgradeRequest['ca']): Set<string> {
  const extra = ca === undefined ? [] : Array.isArray(ca) ? ca : [ca];
  const key = extra.map((c) => c.toString()).join('\n');
  let set = storeCertificates.get(key);
  if (!set) {
    set = new Set<string>();
    for (const pem of [...tls.rootCertificates, ...extra.map((c) => c.toString())]) {
      for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)) {
        // Decoded and encoded again: the one spelling Node gives `raw` (a PEM may wrap lines or pad differently).
        set.add(Buffer.from(m[1]!, 'base64').toString('base64'));
      }
    }
    if (storeCertificates.size >= MAX_CACHED_CONTEXTS) storeCertificates.delete(storeCertificates.keys().next().value!);
    storeCertificates.set(key, set);
  }
  return set;
}
