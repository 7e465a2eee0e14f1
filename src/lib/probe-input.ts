/**
 * What runProbe checks before anything is dialled: the caller's input. A mistake here is a caller's (a
 * TypeError, RangeError or UsageError thrown), never a ProbeResult.
 */
import { UsageError } from './errors.js';
import { assertSendableToken, isOAuth } from './oauth.js';
import type { Credentials, ProbeTarget, Protocol } from './types.js';

/** The IANA port of each protocol (RFC 8314 for the implicit-TLS ones); a `tcp` probe names its own. */
export const DEFAULT_PORTS: Record<Protocol, number | undefined> = {
  smtp: 25,
  smtps: 465,
  pop3: 110,
  pop3s: 995,
  imap: 143,
  imaps: 993,
  tcp: undefined,
};

/**
 * Credentials travel inside one command line (USER/PASS, IMAP LOGIN quoted strings) or PLAIN's NUL-separated
 * message (RFC 4616), so CR, LF and NUL cannot be part of them: CR/LF would end the line early and let the
 * rest be read as another command, NUL would shift PLAIN's fields. No real account has such a name or
 * password, so this is a caller mistake, refused before anything is dialled.
 */
export function assertSendableCredentials(credentials: Credentials | undefined): void {
  if (credentials === undefined) return;
  const oauth = isOAuth(credentials);
  if (typeof credentials.user !== 'string' || (!oauth && typeof credentials.password !== 'string')) {
    throw new TypeError('credentials need a string user and a string password or oauthToken');
  }
  // eslint-disable-next-line no-control-regex
  const unsendable = /[\r\n\0]/;
  // RFC 7628 §3.1 and XOAUTH2 separate their fields with %x01: a user name holding one would forge a field.
  // eslint-disable-next-line no-control-regex
  if (unsendable.test(credentials.user) || (oauth && /\x01/.test(credentials.user))) throw new UsageError('the user name contains CR, LF or NUL, which cannot be sent', { msg: 'usage.userUnsendable' });
  if (oauth) assertSendableToken(credentials.oauthToken);
  else if (unsendable.test(credentials.password)) throw new UsageError('the password contains CR, LF or NUL, which cannot be sent', { msg: 'usage.passwordUnsendable' });
}

/** The port to dial: the target's, else the protocol's default (a `tcp` probe has none). */
export function validateTarget(protocol: Protocol, target: ProbeTarget): number {
  if (!target || typeof target.host !== 'string' || target.host.trim() === '') {
    throw new TypeError('probe target needs a host');
  }
  const port = target.port ?? DEFAULT_PORTS[protocol];
  if (port === undefined) throw new TypeError(`a ${protocol} probe needs an explicit port`);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new RangeError(`port must be 1-65535, got ${port}`);
  return port;
}
