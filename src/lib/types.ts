import type { LookupFunction } from 'node:net';
import type { ErrorCode } from './codes.js';
import type { FamilyAttempt, PathTimes } from './dial.js';
import type { ReplyEvidence } from './errors.js';
import type { PhaseTiming } from './phases.js';

// The pieces below a probe (dial, phases, errors) declare the records they produce and do not import this
// file, so the types of lib/ have no cycle (issue 12); the result's shape re-exports them under their names.
export type { FamilyAttempt, PhaseTiming, ReplyEvidence };

/** Protocols maildoctor probes. `smtps`, `pop3s`, `imaps` are implicit TLS (RFC 8314). */
export type Protocol = 'smtp' | 'smtps' | 'pop3' | 'pop3s' | 'imap' | 'imaps' | 'tcp';

/** How a session is protected. */
export type Security = 'plain' | 'starttls' | 'tls';

/** STARTTLS policy of a plaintext-port probe. */
export type StartTlsPolicy = 'required' | 'optional' | 'never';

export interface ProbeTarget {
  host: string;
  /** Defaults to the protocol's well-known port. */
  port?: number;
}

/** A user name with a password, or with an OAuth2 access token (SASL OAUTHBEARER / XOAUTH2). */
export type Credentials = PasswordCredentials | OAuthCredentials;

export interface PasswordCredentials {
  user: string;
  /** Never logged, never put in a transcript or a result. */
  password: string;
  oauthToken?: undefined;
}

export interface OAuthCredentials {
  user: string;
  /** An OAuth2 access token (RFC 6750 bearer token). Never logged, never put in a transcript or a result. */
  oauthToken: string;
  password?: undefined;
}

/** The server's RFC 7628 §3.2.2 error challenge after a refused token (server data, made printable). */
export interface OAuthErrorChallenge {
  /** e.g. `invalid_token`, `insufficient_scope` (RFC 6750 §3.1). */
  status?: string;
  /** The scope the server wants. */
  scope?: string;
  /** Where the server's authorization server describes itself (OpenID discovery). */
  openidConfiguration?: string;
  /** The decoded challenge as sent. */
  raw: string;
}

export interface RelayTest {
  /** MAIL FROM: the user's own address. */
  from: string;
  /** RCPT TO: an address outside the server's domains. */
  to: string;
  /**
   * With credentials: run the relay test once before AUTH too, in the same session (EHLO, MAIL/RCPT, RSET,
   * AUTH, MAIL/RCPT, RSET, QUIT), its verdict kept in `relayBeforeAuth`. One session instead of two per port.
   * @default false
   */
  beforeAuth?: boolean;
}

/** Per-phase caps in milliseconds; each is further capped by what remains of the probe's deadline. */
export interface PhaseTimeouts {
  /** @default 5000: DNS lookup of the target through the system resolver. */
  resolve: number;
  /** @default 5000: TCP connect; a filtered port costs exactly this. */
  connect: number;
  /** @default 5000: TLS handshake (implicit or after STARTTLS). */
  tls: number;
  /** @default 8000: a silent or slow server after connect. */
  greeting: number;
  /** @default 8000: each command's complete reply. */
  command: number;
}

export interface ProbeOptions {
  /** Overall deadline of the probe. @default 20000 */
  timeoutMs: number;
  phaseTimeouts: Partial<PhaseTimeouts>;
  /** Caller's cancellation; merged with the deadline. */
  signal: AbortSignal;
  /** Plaintext-port probes only. @default 'optional' */
  starttls: StartTlsPolicy;
  /** Extra trusted CA certificates (PEM). System CAs stay trusted. */
  ca: string | Buffer | Array<string | Buffer>;
  /** SNI and certificate name; defaults to the target host when it is a name. */
  servername: string;
  credentials: Credentials;
  /**
   * Awaited just before the probe sends the credentials, the session idling meanwhile under the probe's deadline:
   * `false` withdraws the login, and the probe ends as it would without credentials (after the relay test before
   * AUTH, for SMTP). A check gives it to the probes it starts before discovery has settled the login name, so
   * that no login goes out under a name a later source (autoconfig's `<username>`) replaces.
   */
  confirmLogin: (signal: AbortSignal) => Promise<boolean>;
  /** Send credentials over an unencrypted session. @default false */
  allowPlaintextAuth: boolean;
  /** SMTP only: MAIL FROM / RCPT TO then RSET; never DATA. */
  relayTest: RelayTest;
  /**
   * SMTP only, and only when the user asks for it: send ONE real test message (MAIL, RCPT, DATA). Every other
   * probe stops at RCPT and resets.
   */
  sendTest: { from: string; to: string };
  /** SMTP EHLO/HELO name. @default 'maildoctor.invalid' */
  heloName: string;
  /** Bind the client socket to this local address. */
  localAddress: string;
  /** Injectable resolver (same shape as dns.lookup). */
  lookup: LookupFunction;
  /**
   * Round trips shared with other probes (a check passes one to all of its probes): once a path's round trip is
   * known, a SYN without an answer is given up after the adaptive deadline instead of the connect cap.
   */
  paths: PathTimes;
  /** Detect a plaintext probe against an implicit-TLS port after this much greeting silence. @default 1500 */
  tlsSniffAfterMs: number;
  /**
   * `tcp` only: after the connect, wait this long for the server's first line and record it as the greeting
   * (nothing is sent). A control on port 25 that greets shows who answers there. @default 0 (hang up at once)
   */
  bannerWaitMs: number;
}

export interface CertificateFacts {
  subject: string;
  subjectAltNames: string[];
  issuer: string;
  /** notBefore as an ISO date; absent when the certificate's notBefore cannot be read as a date. */
  validFrom?: string;
  /** notAfter as an ISO date; absent when the certificate's notAfter cannot be read as a date. */
  validTo?: string;
  /** Days until expiry (negative when expired); absent with `validTo`. */
  daysLeft?: number;
  /**
   * Set when a validity date cannot be read (an invalid time such as month 13, a malformed encoding, a date
   * out of JavaScript's range): both times as the certificate writes them (the ASN.1 UTCTime or
   * GeneralizedTime text, unescaped: renderers escape it), or Node's rendering when the encoding is unreadable.
   */
  datesAsWritten?: { notBefore: string; notAfter: string };
  fingerprint256: string;
  serialNumber: string;
  selfSigned: boolean;
}

/** One certificate of the chain, as the handshake linked it (leaf first). */
export interface ChainCertificate {
  subject: string;
  issuer: string;
  /** ISO dates; absent when the certificate's date cannot be read (see CertificateFacts.datesAsWritten). */
  validFrom?: string;
  validTo?: string;
  fingerprint256: string;
  /** Names itself as its issuer (a root, or a self-signed leaf). */
  selfSigned: boolean;
  /**
   * The server sent it. False for a certificate OpenSSL took from the trust store to complete the chain (a
   * root the server also sent is counted as the store's: the handshake cannot tell the two apart).
   */
  sentByServer: boolean;
}

export interface TlsFacts {
  /** Implicit TLS or STARTTLS upgrade. */
  mode: 'implicit' | 'starttls';
  servername?: string;
  protocol?: string;
  cipher?: string;
  /** ALPN is not used by mail protocols; kept for completeness when present. */
  alpn?: string;
  certificate?: CertificateFacts;
  /** The chain from the leaf up: what the server sent, then what the trust store added. */
  chain?: ChainCertificate[];
  /** Chain verified against system CAs plus `ca`. */
  trusted: boolean;
  /** OpenSSL's reason when not trusted (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, …). */
  trustError?: string;
  /** The certificate covers the dialled name. */
  hostnameMatch: boolean;
  /** Plaintext bytes found after the STARTTLS reply and discarded (RFC 3207 §6). */
  discardedPlaintextBytes?: number;
}

/**
 * How a TLS handshake went, in time: enough to tell a server that never answered the ClientHello (a path that
 * loses large packets) from one that answered slowly.
 */
export interface TlsHandshakeFacts {
  /** Milliseconds since the probe started when the ClientHello was sent. */
  startMs: number;
  durationMs: number;
  /** The TCP connect's duration: about one round trip (SYN, SYN-ACK). */
  tcpRttMs?: number;
  /** Bytes of the server's reply received during the handshake (0: not one byte of the server's flight came). */
  serverBytes: number;
  /** How long a handshake may go without one byte from the server before it is called stalled. */
  firstFlightCapMs: number;
  completed: boolean;
}

export interface ProbeError {
  code: ErrorCode;
  phase: string;
  message: string;
  reply?: ReplyEvidence;
}

export interface ProbeWarning {
  code: ErrorCode;
  phase: string;
  message: string;
}

export interface TranscriptEntry {
  /** Milliseconds since the probe started. */
  t: number;
  /** C: client to server, S: server to client, I: maildoctor's own note (TLS started, bytes discarded…). */
  dir: 'C' | 'S' | 'I';
  line: string;
}

export interface AuthOutcome {
  /** Mechanisms the server advertised (upper case). */
  mechanisms: string[];
  attempted: boolean;
  mechanism?: string;
  ok?: boolean;
  /** Why it was not attempted, when it was not. */
  skipped?: string;
  reply?: ReplyEvidence;
  /** OAUTHBEARER/XOAUTH2: the server's error challenge when it refused the token. */
  oauthError?: OAuthErrorChallenge;
}

export interface RelayOutcome {
  from: string;
  to: string;
  /** Whether the relay test ran after a successful AUTH. */
  authenticated: boolean;
  mailFrom?: ReplyEvidence;
  rcptTo?: ReplyEvidence;
  /** RCPT TO the external address was accepted: this server relays for this client. */
  accepted: boolean;
}

/** The relay test without AUTH of a session that logs in afterwards (`RelayTest.beforeAuth`). */
export interface RelayBeforeAuth extends RelayOutcome {
  /** Milliseconds since the probe started when that part ended (after its RSET): where AUTH begins. */
  endMs: number;
  /** What a probe without credentials would have ended with: the refusal (RELAY_DENIED…) or a session failure. */
  error?: ProbeError;
  /** The server ended the session after it (closed, or said 421): AUTH was not tried in this session. */
  sessionEnded?: boolean;
}

export interface MailboxOutcome {
  messages: number;
  /** POP3 STAT size in octets. */
  octets?: number;
}

/**
 * A probe's record while it runs (`runProbe` fills it in); callers get it as a `ProbeResult`, whose `ok`
 * says whether `error` is there.
 */
export interface ProbeRecord {
  protocol: Protocol;
  target: {
    host: string;
    port: number;
    /** The address that was dialled. */
    address?: string;
    family?: 4 | 6;
    /** Every address the name resolved to, in resolver order. */
    addresses?: string[];
    localAddress?: string;
    /** A name with A and AAAA: each family's attempt (the session used the first that connected). */
    families?: FamilyAttempt[];
  };
  /** The probe reached the end of its script without an error. */
  ok: boolean;
  /** Protection the session ended up with. */
  security: Security;
  startedAt: string;
  durationMs: number;
  phases: PhaseTiming[];
  tls?: TlsFacts;
  greeting?: ReplyEvidence;
  /**
   * SMTP: the domain the greeting names (RFC 5321 §4.2: `220 domain text`), lower case; absent when the first
   * word is not a domain or an address literal (a masked `220 ****` greeting, for instance).
   */
  greetingHost?: string;
  /** The last TLS handshake attempted (implicit or after STARTTLS), finished or not. */
  tlsHandshake?: TlsHandshakeFacts;
  /** Upper-case capability / extension names as last advertised (after TLS when TLS was started). */
  capabilities: string[];
  /** Capabilities as advertised before STARTTLS, when STARTTLS was used. */
  capabilitiesBeforeTls?: string[];
  /** SMTP SIZE limit in bytes, when advertised. */
  sizeLimit?: number;
  auth?: AuthOutcome;
  relay?: RelayOutcome;
  /** SMTP with `relayTest.beforeAuth`: the relay test's verdict before AUTH, in the same session. */
  relayBeforeAuth?: RelayBeforeAuth;
  mailbox?: MailboxOutcome;
  /** The test message's final reply, when `sendTest` was asked. */
  sent?: ReplyEvidence;
  error?: ProbeError;
  warnings: ProbeWarning[];
  /** Steps not performed, with the reason (never reported as passing). */
  skipped: Array<{ step: string; reason: string }>;
  transcript: TranscriptEntry[];
}

/**
 * What every probe resolves with, discriminated by `ok`: `if (!r.ok) r.error.code` type-checks, and a
 * successful result has no error.
 */
export type ProbeResult = Omit<ProbeRecord, 'ok' | 'error'> & ({ ok: true; error?: undefined } | { ok: false; error: ProbeError });

export type Probe = (target: ProbeTarget, options?: Partial<ProbeOptions>) => Promise<ProbeResult>;
