import { printable } from './lines.js';
import { isOAuth, oauthInitialResponse } from './oauth.js';
import type { Credentials } from './types.js';

/**
 * Scrubbing of known secrets from text that leaves maildoctor. A probe scrubs every line a server sends (a
 * server may echo what it received: in a 535, a -ERR, a NO, an [ALERT], a 334 challenge, a literal) and its
 * whole result, of every form of its credentials (`forCredentials`); the agent scrubs every string it writes
 * (log lines, alert JSON, command environment, the state file) of every password it knows. Both are a line
 * of defence behind the structural one: commands carrying secrets are recorded in redacted form.
 */

export const REDACTED = '[redacted]';
/** Every non-empty secret is scrubbed, however short: a short password is still a password. */
const MIN_SECRET_LENGTH = 1;

export class Redactor {
  readonly #secrets = new Set<string>();

  /** @param marker what a secret is replaced with */
  constructor(readonly marker = REDACTED) {}

  /**
   * A redactor for a probe's credentials, in every form they travel or may come back in: the password raw,
   * as the latin-1 reading of its UTF-8 bytes (how line framing decodes server bytes), IMAP-quoted
   * (RFC 3501 §4.3), with its bytes escaped as the transcript escapes them, base64 alone (AUTH LOGIN, RFC 4616 user/pass prompts) and base64 of each SASL PLAIN
   * message (RFC 4616: `\0user\0password`, and with the user as authorization identity). JSON-escaped
   * forms are scrubbed by `redact` itself. An OAuth2 token: raw, base64 alone, and base64 of the OAUTHBEARER
   * (for the probe's `target`) and XOAUTH2 messages.
   */
  static forCredentials(credentials: Credentials | undefined, marker?: string, target?: { host: string; port: number }): Redactor {
    const r = new Redactor(marker);
    if (isOAuth(credentials)) {
      r.add(credentials.oauthToken);
      r.add(Buffer.from(credentials.oauthToken, 'utf8').toString('base64'));
      r.add(oauthInitialResponse('XOAUTH2', credentials, '', 0));
      if (target) r.add(oauthInitialResponse('OAUTHBEARER', credentials, target.host, target.port));
      return r;
    }
    if (!credentials?.password) return r;
    const { user, password } = credentials;
    const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
    r.add(password);
    const latin1 = Buffer.from(password, 'utf8').toString('latin1');
    r.add(latin1);
    r.add(printable(latin1, Number.MAX_SAFE_INTEGER)); // as a transcript shows it, should one be escaped first
    r.add(password.replace(/[\\"]/g, (c) => `\\${c}`));
    r.add(b64(password));
    r.add(b64(`\0${user}\0${password}`));
    r.add(b64(`${user}\0${user}\0${password}`));
    return r;
  }

  /** Remember a secret. */
  add(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) this.#secrets.add(secret);
  }

  clear(): void {
    this.#secrets.clear();
  }

  get size(): number {
    return this.#secrets.size;
  }

  /** `text` with every known secret (and its JSON-escaped form) replaced. */
  redact(text: string): string {
    if (this.#secrets.size === 0) return text;
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const s of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      const escaped = JSON.stringify(s).slice(1, -1);
      out = out.split(s).join(this.marker);
      if (escaped !== s) out = out.split(escaped).join(this.marker);
    }
    return out;
  }

  /** A JSON-safe deep copy of `value` with secrets replaced in every string. */
  redactValue<T>(value: T): T {
    if (this.#secrets.size === 0) return value;
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }

  /** Whether `text` holds a known secret. */
  leaks(text: string): boolean {
    for (const s of this.#secrets) if (text.includes(s)) return true;
    return false;
  }
}
