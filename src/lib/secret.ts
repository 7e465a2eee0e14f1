/**
 * The one reader of a secret named by its source: an environment variable, or the first line of a file (kept
 * fresh by whatever writes it, mode 0600). The CLI's `--password-env`/`--oauth-token-env`/`--oauth-token-file`
 * and the config files of the agent and the exporter read through it; each says a failure in its own words
 * (the CLI in the catalogue's `usage.*` messages), so the reader reports what failed and never the secret.
 */
import { readFile } from 'node:fs/promises';
import { MAX_OAUTH_TOKEN_BYTES } from './oauth.js';

/** A password file larger than this is not a password file. */
export const MAX_SECRET_FILE_BYTES = 4_096;

export type SecretKind = 'password' | 'oauth2';

/** Reads secret files. @default fs.readFile */
export type ReadSecretFile = (file: string) => Promise<Buffer>;

/** Why a secret cannot be had. Never carries the secret, nor a line of its file. */
export type SecretFailure =
  | { reason: 'unset'; env: string }
  | { reason: 'unreadable'; file: string; error: NodeJS.ErrnoException }
  | { reason: 'tooLarge'; file: string; max: number }
  | { reason: 'empty'; file: string };

/**
 * The secret from the environment variable `source.env`, else the file `source.file`; undefined when neither
 * is named. A token loses surrounding white space (RFC 6750 §2.1: a b64token has none, and a file's editor
 * may add some); a password is kept as it is, spaces and all. A failure is thrown as `fail(failure)`.
 */
export async function readSecret(
  source: { env?: string | undefined; file?: string | undefined },
  kind: SecretKind,
  env: NodeJS.ProcessEnv,
  fail: (failure: SecretFailure) => Error,
  read: ReadSecretFile = (f) => readFile(f),
): Promise<string | undefined> {
  const clean = (s: string): string => (kind === 'oauth2' ? s.trim() : s);
  if (source.env) {
    const value = clean(env[source.env] ?? '');
    if (value === '') throw fail({ reason: 'unset', env: source.env });
    return value;
  }
  if (source.file) {
    const file = source.file;
    let buf: Buffer;
    try {
      buf = await read(file);
    } catch (err) {
      throw fail({ reason: 'unreadable', file, error: err as NodeJS.ErrnoException });
    }
    const max = kind === 'oauth2' ? MAX_OAUTH_TOKEN_BYTES : MAX_SECRET_FILE_BYTES;
    if (buf.length > max) throw fail({ reason: 'tooLarge', file, max });
    const line = clean(buf.toString('utf8').split(/\r?\n/)[0] ?? '');
    if (line === '') throw fail({ reason: 'empty', file });
    return line;
  }
  return undefined;
}
