/**
 * The second line of defence for passwords. The first is structural: reports, summaries and alerts are built
 * from fields that never hold one. This one scrubs every string that leaves the agent (log lines, alert JSON,
 * command environment, the state file) of any password the agent knows, raw or JSON-escaped.
 */

export const REDACTED = '[redacted]';
/** Every non-empty secret is scrubbed, however short: a short password is still a password. */
const MIN_SECRET_LENGTH = 1;

export class Redactor {
  readonly #secrets = new Set<string>();

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
      out = out.split(s).join(REDACTED);
      if (escaped !== s) out = out.split(escaped).join(REDACTED);
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
