/**
 * The one catalogue of stable codes. Probes, discovery and report rules speak in these strings; rules match
 * codes and phases, never message text. A test (test/codes.test.ts) checks that every code used in `src/` is
 * listed here and every code listed here is used.
 *
 * Adding a code: add it here with a one-line description, then use it. Renaming one is a breaking change of
 * the JSON output.
 */

/** Why a probe, a lookup or a discovery step did not succeed. */
export const ERROR_CODES = {
  // Name resolution (system resolver, or our DNS client).
  DNS_NOT_FOUND: 'the name does not exist (NXDOMAIN) or has no address of the asked type',
  DNS_SERVFAIL: 'the resolver answered SERVFAIL or REFUSED: it could not or would not resolve the name',
  DNS_TIMEOUT: 'the resolver did not answer in time',
  DNS_RESOLVER_UNREACHABLE: 'the resolver could not be reached (refused, unreachable or no resolver configured)',
  DNS_MALFORMED_RESPONSE: 'the resolver sent a packet that could not be decoded or did not match the query',
  DNS_FAILURE: 'name resolution failed for another reason',

  // TCP connection.
  CONNECT_REFUSED: 'the host answered with a reset: nothing listens on that port, or a firewall rejects it',
  CONNECT_TIMEOUT: 'no answer to the connection attempt: the port is filtered (packets dropped) or the host is down',
  CONNECT_UNREACHABLE: 'the network or host is unreachable from here (no route, or an ICMP unreachable)',
  CONNECTION_RESET: 'the peer reset the connection in the middle of the session',
  CONNECTION_CLOSED: 'the peer closed the connection before the expected reply',

  // TLS.
  TLS_HANDSHAKE_FAILED: 'the TLS handshake failed (protocol or cipher disagreement, or the peer hung up)',
  TLS_HANDSHAKE_STALLED: 'the ClientHello was sent but not one byte of the server’s reply arrived, long after the TCP round trip',
  TLS_MODE_MISMATCH: 'the port speaks implicit TLS where plaintext was expected, or the reverse',
  TLS_CERT_EXPIRED: 'the server certificate has expired (or is not yet valid)',
  TLS_CERT_UNTRUSTED: 'the server certificate does not chain to a trusted CA',
  TLS_CERT_SELF_SIGNED: 'the server certificate is self-signed',
  TLS_CERT_HOSTNAME_MISMATCH: 'the server certificate is valid but not for the name that was dialled',
  STARTTLS_UNAVAILABLE: 'the server does not offer STARTTLS/STLS, and it was required',
  STARTTLS_REFUSED: 'the server advertised STARTTLS/STLS but refused the command',
  STARTTLS_PLAINTEXT_INJECTION: 'plaintext bytes arrived after the STARTTLS reply and before the handshake (RFC 3207 §6)',
  // Issue 9.
  STARTTLS_BROKEN: 'the server accepted STARTTLS, then went on in plaintext or hung up instead of a TLS handshake',

  // Line protocol.
  GREETING_TIMEOUT: 'the server accepted the connection but sent no complete greeting in time',
  GREETING_REJECTED: 'the server greeted with a refusal (SMTP 4xx/5xx, POP3 -ERR, IMAP BYE)',
  REPLY_TIMEOUT: 'the server sent no complete reply to a command in time',
  LINE_TOO_LONG: 'the server sent a line longer than the protocol cap',
  REPLY_TOO_LARGE: 'the server sent a reply larger than the cap (an endless multi-line reply)',
  PROTOCOL_ERROR: 'the server sent something the protocol does not allow here',
  COMMAND_REJECTED: 'the server refused a command that a working server accepts (EHLO, CAPA, CAPABILITY, STAT...)',

  // Authentication.
  AUTH_UNAVAILABLE: 'the server offers no authentication mechanism that maildoctor can use',
  AUTH_REQUIRED: 'the server requires authentication for this (SMTP 530, IMAP/POP3 refusal before login)',
  AUTH_FAILED: 'the credentials were refused (SMTP 535, IMAP NO [AUTHENTICATIONFAILED], POP3 -ERR)',
  AUTH_TEMP_FAILURE: 'authentication failed temporarily on the server side (SMTP 454, [UNAVAILABLE])',
  AUTH_ENCRYPTION_REQUIRED: 'the server requires TLS before authentication (SMTP 538, IMAP LOGINDISABLED)',
  AUTH_MECHANISM_TOO_WEAK: 'the server refused the mechanism as too weak (SMTP 534)',
  AUTH_PLAINTEXT_REFUSED: 'maildoctor did not send credentials over an unencrypted connection (allow it explicitly)',

  // SMTP envelope (relay test).
  SENDER_REJECTED: 'MAIL FROM was refused',
  RELAY_DENIED: 'RCPT TO an external address was refused with a permanent error: the server does not relay for this client',
  RELAY_TEMP_FAILURE: 'RCPT TO an external address was refused with a temporary error',

  // Deadlines and callers.
  PROBE_TIMEOUT: 'the probe reached its overall deadline',
  ABORTED: 'the caller aborted the probe',

  // HTTP (autoconfig, public-address echo).
  HTTP_ERROR: 'an HTTP request failed or answered with an error status',
  HTTP_TOO_LARGE: 'an HTTP response was larger than the cap',
  HTTP_TIMEOUT: 'an HTTP server accepted the connection but sent no complete response in time',
  ECHO_MALFORMED: 'the public-address echo service answered with something that is not an IP address',
  CONFIG_MALFORMED: 'a configuration document (autoconfig XML) could not be parsed or was refused as hostile',

  // The agent (src/agent): logged with this `code`; none of them stops the agent.
  STATE_CORRUPT: 'the agent state file is not valid; it was set aside and the agent started with an empty memory',
  STATE_UNREADABLE: 'the agent state file could not be read (permissions, I/O error)',
  STATE_UNWRITABLE: 'the agent state file could not be written; the memory is kept in the process until a write succeeds',
  SECRET_UNAVAILABLE: 'an account password could not be had (environment variable unset, secret file unreadable)',
  CHECK_CRASHED: 'a check threw instead of returning a report (a bug, or an unusable option)',
  NOTIFY_FAILED: 'an alert could not be delivered by a notifier (webhook, command, desktop) after its retries',
  NOTIFY_QUEUE_FULL: 'a notifier’s queue was full: the oldest waiting alert was dropped',
  NETWORK_EVENTS_UNAVAILABLE: 'OS network change events are not available here; the agent relies on polling alone',
  FINGERPRINT_FAILED: 'the network fingerprint could not be computed; the network is taken as unchanged',
  CONFIG_RELOAD_FAILED: 'a reloaded config was refused; the agent keeps running with the previous one',

  // Issue 11 (certificates, OAuth2 logins).
  TLS_CERT_CHAIN_INCOMPLETE: 'the chain the server sent stops before a trusted root: the certificate that issued its last one was not sent',
  TLS_CERT_EXPIRES_SOON: 'a probe warning: the server certificate is trusted but expires within 14 days (CERT_EXPIRY_WARNING_DAYS)',
  // Issue 9.
  TLS_CERT_DATES_INVALID: 'the server certificate’s validity dates cannot be read (an invalid time, a malformed encoding, a date out of range)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** What the report builder concludes. One code per rule outcome; see src/report/rules. */
export const FINDING_CODES = {
  SMTP_RELAY_DENIED: 'the outgoing server refuses to relay for a client on this network',
  AUTH_REQUIRED: 'the server requires authentication to send',
  AUTH_FAILED: 'the server refused the user name or password',
  PORT_BLOCKED_BY_NETWORK: 'this network blocks the port: other destinations on it fail while other ports of the server answer',
  PORT_FILTERED: 'the port gives no answer at all (dropped), on the server side or on the way',
  PORT_CLOSED: 'the server refuses connections on the port',
  TLS_MODE_MISMATCH: 'the port speaks implicit TLS where STARTTLS/plaintext was configured, or the reverse',
  STARTTLS_UNAVAILABLE: 'the server does not offer encryption on this port',
  TLS_CERT_EXPIRED: 'the server certificate has expired',
  TLS_CERT_HOSTNAME_MISMATCH: 'the server certificate is for another name',
  TLS_CERT_UNTRUSTED: 'the server certificate is not trusted (self-signed or unknown CA)',
  PLAINTEXT_AUTH_ONLY: 'the server only accepts passwords over an unencrypted connection',
  GREETING_REJECTED: 'the server refuses this client at connection time',
  DNS_DOMAIN_NOT_FOUND: 'the mail domain does not exist in DNS',
  DNS_RESOLVER_UNREACHABLE: 'no DNS resolver answers from this network',
  NO_MAIL_SERVERS_FOUND: 'no server for this address could be found',
  CONFIG_SOURCES_DISAGREE: 'the configuration sources name different servers or security',
  SERVER_UNREACHABLE: 'the server does not answer on any port from here',
  STARTTLS_PLAINTEXT_INJECTION: 'the server (or something on the path) injected plaintext into the STARTTLS upgrade',
  // Issue 9.
  STARTTLS_BROKEN: 'the server says yes to STARTTLS but then does not speak TLS: encryption on this port does not work',
  SPF_HYBRID_FAIL: 'mail sent through the hybrid server is likely to fail SPF/DMARC at recipients',
  HYBRID_RECOMMENDED: 'send through the network provider’s server, receive from the mailbox provider',
  NOTHING_WORKS: 'no way to send or receive was verified from this network',
  NOT_VERIFIED: 'something could not be verified (no credentials, or a step was skipped)',

  // Issue 11 (i11a): every AUTH outcome, blocklisted client addresses.
  AUTH_TEMP_FAILURE: 'the server could not check the login right now (SMTP 454, IMAP [UNAVAILABLE]): its authentication backend is failing',
  AUTH_MECHANISM_TOO_WEAK: 'the server refused the login mechanism as too weak for this connection (SMTP 534)',
  AUTH_ENCRYPTION_REQUIRED: 'the server takes a login only over an encrypted connection (SMTP 538, IMAP LOGINDISABLED, POP3 STLS only)',
  CLIENT_ADDRESS_BLOCKLISTED: 'this network’s public address is listed on a DNS blocklist (Spamhaus ZEN…), which mail servers use to refuse it',

  // Issue 10: what the network itself does to mail.
  PORT_INTERCEPTED_BY_NETWORK: 'this network answers in place of every server on the port (same greeting name and certificate for all)',
  SMTP_INSPECTED_BY_NETWORK: 'a firewall on the way rewrites SMTP on the port (masked greeting, XXXXXXXA, STARTTLS stripped)',
  PATH_MTU_BLACKHOLE: 'TLS handshakes to a server stall after the ClientHello while small exchanges work: large packets are lost on the way',
  NETWORK_BLOCKS_MAIL: 'this network lets no mail port out to any outside server (a web-only network)',
  IPV6_PATH_BROKEN: 'one address family (IPv6 or IPv4) fails to a server where the other works',

  // Issue 11 (certificates, OAuth2 logins).
  TLS_CERT_EXPIRES_SOON: 'the server certificate is valid but expires within 14 days',
  TLS_CERT_CHAIN_INCOMPLETE: 'the server does not send the intermediate certificate(s) its certificate needs',
  OAUTH_TOKEN_REFUSED: 'the server refused the OAuth2 access token (expired, revoked, wrong scope or another account)',

  // Issue 9.
  TLS_CERT_DATES_INVALID: 'the server certificate’s validity dates cannot be read: no mail client accepts it',
  INCOMING_FAILS_UNEXPLAINED: 'every incoming server probe (IMAP/POP3) failed with codes no other finding explains',
} as const;

export type FindingCode = keyof typeof FINDING_CODES;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}
