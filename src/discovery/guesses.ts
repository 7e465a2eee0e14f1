import type { MailRole, Security } from './types.js';

/** Conventional host names, Thunderbird's guesses among them, and the roles each usually plays. */
export const GUESS_PREFIXES: ReadonlyArray<{ prefix: string; roles: MailRole[] }> = [
  { prefix: 'smtp.', roles: ['smtp'] },
  { prefix: 'mail.', roles: ['smtp', 'imap', 'pop3'] },
  { prefix: 'imap.', roles: ['imap'] },
  { prefix: 'pop.', roles: ['pop3'] },
  { prefix: 'pop3.', roles: ['pop3'] },
  { prefix: '', roles: ['smtp', 'imap', 'pop3'] },
];

/** Host guesses under a domain, in the order above (the bare domain last). */
export function hostGuesses(domain: string): Array<{ host: string; roles: MailRole[] }> {
  return GUESS_PREFIXES.map(({ prefix, roles }) => ({ host: `${prefix}${domain}`, roles: [...roles] }));
}

export interface StandardEndpoint {
  port: number;
  security: Security;
  /** Worth a try, but last: SMTP port 25 is for relay between servers and is often blocked for clients. */
  optional: boolean;
}

/**
 * The ports to try on a host for a role, best first: implicit TLS (RFC 8314 §3.3 prefers it), then STARTTLS.
 * Port 25 is listed for SMTP because a misconfigured client often uses it, marked optional.
 */
export const STANDARD_ENDPOINTS: Readonly<Record<MailRole, readonly StandardEndpoint[]>> = {
  smtp: [
    { port: 465, security: 'tls', optional: false },
    { port: 587, security: 'starttls', optional: false },
    { port: 25, security: 'starttls', optional: true },
  ],
  imap: [
    { port: 993, security: 'tls', optional: false },
    { port: 143, security: 'starttls', optional: false },
  ],
  pop3: [
    { port: 995, security: 'tls', optional: false },
    { port: 110, security: 'starttls', optional: false },
  ],
};
