/**
 * OAuth2 bearer-token logins, shared by the SMTP, IMAP and POP3 probes: SASL OAUTHBEARER (RFC 7628) and
 * XOAUTH2 (Google's and Microsoft's older mechanism, same token). Getting the token is the mail client's
 * business; the probe only presents it. The token is a secret like a password: the probes write it only with a
 * redacted transcript form, and the check and the agent never put it in a result.
 */
import { UsageError } from './errors.js';
import { printable } from './lines.js';
import type { Credentials, OAuthCredentials, OAuthErrorChallenge } from './types.js';

export type OAuthMechanism = 'OAUTHBEARER' | 'XOAUTH2';

/** In order of preference: the standard first. */
export const OAUTH_MECHANISMS: readonly OAuthMechanism[] = ['OAUTHBEARER', 'XOAUTH2'];

/** RFC 6750 §2.1 b64token: the characters a bearer token may have. Anything else is not a token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Largest token accepted: real ones are a few KB (Microsoft's ~2-3 KB); more is a file given by mistake. */
export const MAX_OAUTH_TOKEN_BYTES = 16 * 1024;
/** The error challenge is server data: decode at most this much of it. */
const MAX_CHALLENGE_BYTES = 2_048;

/** A SASL mechanism name that logs in with an OAuth2 token. */
export function isOAuthMechanism(mechanism: string | undefined): mechanism is OAuthMechanism {
  return OAUTH_MECHANISMS.includes(mechanism as OAuthMechanism);
}

export function isOAuth(credentials: Credentials | undefined): credentials is OAuthCredentials {
  return credentials !== undefined && typeof (credentials as OAuthCredentials).oauthToken === 'string';
}

/** A caller mistake, refused before anything is dialled: the token would break the SASL message. */
export function assertSendableToken(token: string): void {
  if (token.length > MAX_OAUTH_TOKEN_BYTES) {
    throw new UsageError(`the OAuth2 token is longer than ${MAX_OAUTH_TOKEN_BYTES} bytes: that is not an access token`, { msg: 'usage.tokenTooLong', params: { max: MAX_OAUTH_TOKEN_BYTES } });
  }
  if (!B64TOKEN.test(token)) {
    throw new UsageError('the OAuth2 token has characters an access token cannot have (RFC 6750 §2.1); give the access token itself, not a JSON document or a refresh token file', {
      msg: 'usage.tokenBadChars',
    });
  }
}

export function chooseOAuthMechanism(advertised: readonly string[]): OAuthMechanism | undefined {
  return OAUTH_MECHANISMS.find((m) => advertised.includes(m));
}

/** RFC 5801 §4 saslname: "=" and "," are written =3D and =2C inside the GS2 header. */
function saslname(user: string): string {
  return user.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/**
 * The client's first (and, on success, only) message, base64-encoded.
 * RFC 7628 §3.1: gs2-header "n,a=user," then key=value pairs separated by %x01, ending %x01 %x01; host and
 * port name the server connected to. XOAUTH2: "user=" user %x01 "auth=Bearer " token %x01 %x01.
 */
export function oauthInitialResponse(mechanism: OAuthMechanism, c: OAuthCredentials, host: string, port: number): string {
  const message =
    mechanism === 'OAUTHBEARER'
      ? `n,a=${saslname(c.user)},\x01host=${host}\x01port=${port}\x01auth=Bearer ${c.oauthToken}\x01\x01`
      : `user=${c.user}\x01auth=Bearer ${c.oauthToken}\x01\x01`;
  return Buffer.from(message, 'utf8').toString('base64');
}

/**
 * RFC 7628 §3.2.3: after the server's error challenge the client MUST answer with a single %x01 (base64 "AQ==")
 * to get the final failure; XOAUTH2 clients send an empty response. Neither carries a secret.
 */
export function oauthDummyResponse(mechanism: OAuthMechanism): string {
  return mechanism === 'OAUTHBEARER' ? 'AQ==' : '';
}

/**
 * RFC 7628 §3.2.2: a failed token comes back as a base64 JSON challenge, e.g. {"status":"invalid_token",
 * "scope":"…","openid-configuration":"…"}. Untrusted: bounded, and every value made printable.
 */
export function decodeOAuthChallenge(base64: string): OAuthErrorChallenge {
  const text = Buffer.from(base64.trim().slice(0, Math.ceil((MAX_CHALLENGE_BYTES * 4) / 3)), 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { raw: printable(text) };
  }
  const field = (name: string): string | undefined => {
    const v = (parsed as Record<string, unknown> | null)?.[name];
    return typeof v === 'string' ? printable(v) : undefined;
  };
  const status = field('status');
  const scope = field('scope');
  const openidConfiguration = field('openid-configuration');
  return { raw: printable(text), ...(status ? { status } : {}), ...(scope ? { scope } : {}), ...(openidConfiguration ? { openidConfiguration } : {}) };
}
