import { ERROR_CODES, type ErrorCode } from './codes.js';
import type { MessageRef } from './message.js';

/** A server reply, kept as evidence. */
export interface ReplyEvidence {
  /** SMTP code (e.g. 535), or undefined for POP3/IMAP. */
  code?: number;
  /** RFC 3463 enhanced status (e.g. '5.7.8'). */
  enhanced?: string;
  /** POP3 `+OK`/`-ERR`, IMAP `OK`/`NO`/`BAD`/`BYE`. */
  status?: string;
  /** Response code in brackets (IMAP `[AUTHENTICATIONFAILED]`, POP3 `[AUTH]`). */
  responseCode?: string;
  text: string;
}

/**
 * The one error class of maildoctor's internals: a literal `code` from the catalogue, the `phase` it happened
 * in, and the server's reply when there was one. Probes catch it and turn it into `ProbeResult.error`; it
 * never escapes a probe. Caller mistakes are plain `TypeError`/`RangeError`/`UsageError`.
 */
export class MaildoctorError extends Error {
  override readonly name = 'MaildoctorError';
  constructor(
    readonly code: ErrorCode,
    readonly phase: string,
    message?: string,
    readonly reply?: ReplyEvidence,
    options?: { cause?: unknown },
  ) {
    super(message ?? ERROR_CODES[code], options);
  }
}

/** A mistake of the caller (bad option, malformed address): the CLI maps it to exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /**
   * @param message the English sentence (logs, library callers)
   * @param msg the same sentence as a message of the text catalogue (src/i18n: a `usage.*` id and its
   *   parameters), which the CLI prints in the reader's language. Modules that must load fast (the probes, the
   *   exporter) write the English here and the id beside it; the others may call `usageError` in
   *   src/i18n/index.ts, which formats the English from the catalogue. test/i18n/usage-errors.test.ts checks
   *   that every UsageError of src/ names a message of the catalogue.
   */
  constructor(
    message: string,
    readonly msg?: MessageRef,
  ) {
    super(message);
  }
}

/**
 * By class or by name: a second copy of this module (two installed versions of maildoctor, or a test runner
 * that loads one graph as CommonJS and another as ESM) makes `instanceof` fail for the same error.
 */
export function isMaildoctorError(err: unknown): err is MaildoctorError {
  return err instanceof MaildoctorError || (err instanceof Error && err.name === 'MaildoctorError' && typeof (err as MaildoctorError).code === 'string');
}

export function isUsageError(err: unknown): err is UsageError {
  return err instanceof UsageError || (err instanceof Error && err.name === 'UsageError');
}
