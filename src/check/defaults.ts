/**
 * The check's defaults, in a module with no imports so that the CLI can show them in --help without loading
 * the whole library.
 */

/** Whole check: discovery, network identity and every probe. */
export const CHECK_TIMEOUT_MS = 45_000;
/** One probe (connect, TLS, greeting, login, relay test, quit). A dropped port costs the connect cap, not this. */
export const CHECK_PROBE_TIMEOUT_MS = 12_000;
/** A filtered port answers nothing: 4 s is plenty for a live server on any continent, and bounds a blocked check. */
export const CHECK_CONNECT_TIMEOUT_MS = 4_000;
/** Between two probe starts to the same server, so that no server sees a burst of connections from one client. */
export const STAGGER_MS = 5;
/** Probes in flight at once; servers rate-limit connections per client (Postfix anvil, Dovecot's per-IP cap). */
export const MAX_CONCURRENT_PROBES = 16;
/** Hosts tried per role, best first. */
export const MAX_HOSTS_PER_ROLE = 3;
/** RFC 2606 reserves example.net: a recipient no real server is "local" for, so accepting it is relaying. */
export const DEFAULT_RELAY_RECIPIENT = 'maildoctor-relay-test@example.net';

/**
 * Well-known endpoints that answer on the mail ports from any unfiltered network: if they fail too, the
 * network is blocking the port. Only TCP connects are made to them, nothing is sent.
 */
export const DEFAULT_CONTROLS = ['gmail-smtp-in.l.google.com:25', 'smtp.gmail.com:465', 'smtp.gmail.com:587', 'imap.gmail.com:993'];

/**
 * A control on a plaintext SMTP port (25, 587) is given this long to greet after the connect (nothing is sent):
 * the name it greets with tells whether this network answers in its place (interception).
 */
export const CONTROL_BANNER_WAIT_MS = 2_000;
/** Ports where a server speaks first in plaintext (RFC 5321 §3.1 greeting). */
export const PLAINTEXT_SMTP_PORTS: readonly number[] = [25, 587];

/** The environment variable `maildoctor check` reads the password from. */
export const PASSWORD_ENV = 'MAILDOCTOR_PASSWORD';

/**
 * DNS blocklists asked about the public address (issue 11), Spamhaus ZEN first: it combines SBL, CSS, XBL and
 * PBL, and its return codes say which. A lookup tells the resolver and the list's operator this address.
 */
export const DEFAULT_DNSBLS = ['zen.spamhaus.org', 'bl.spamcop.net'];
/** All blocklist lookups together, after the probes: a slow list must not hold the report back. */
export const DNSBL_LOOKUP_TIMEOUT_MS = 4_000;
