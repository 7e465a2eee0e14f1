/**
 * Secrets named by a config file, read when they are needed: an environment variable, or the first line of a
 * file (mode 0600). Never the config file itself, never argv. The one reader behind the agent's accounts and
 * the exporter's module logins; errors say which source failed and never carry the secret.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError, type ConfigIssue } from '../lib/checker.js';
import { UsageError } from '../lib/errors.js';
import { MAX_OAUTH_TOKEN_BYTES } from '../lib/oauth.js';
import { SECRET_FIELDS, type AccountConfig, type AgentConfig } from './config.js';

/** A secret file larger than this is not a password file. */
const MAX_SECRET_FILE_BYTES = 4_096;

/** Raised when a secret cannot be had (variable unset, file unreadable). Never carries the secret. */
export class SecretUnavailableError extends UsageError {}

export type SecretKind = 'password' | 'oauth2';

/** Reads secret files. @default fs.readFile */
export type ReadSecretFile = (file: string) => Promise<Buffer>;

/**
 * The secret from its environment variable (`env`) or file (`file`); undefined when neither is named. Throws
 * {@link SecretUnavailableError} for an unset variable, an unreadable, empty or oversized file.
 */
export async function readSecret(
  source: { env?: string; file?: string },
  kind: SecretKind,
  env: NodeJS.ProcessEnv,
  read: ReadSecretFile = (f) => readFile(f),
): Promise<string | undefined> {
  const what = kind === 'oauth2' ? 'token' : 'password';
  if (source.env) {
    const v = env[source.env];
    if (v === undefined || v === '') throw new SecretUnavailableError(`environment variable ${source.env} is not set or empty`);
    return v;
  }
  if (source.file) {
    const file = source.file;
    let buf: Buffer;
    try {
      buf = await read(file);
    } catch (err) {
      throw new SecretUnavailableError(`cannot read ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    const max = kind === 'oauth2' ? MAX_OAUTH_TOKEN_BYTES : MAX_SECRET_FILE_BYTES;
    if (buf.length > max) throw new SecretUnavailableError(`${what} file ${file} is larger than ${max} bytes`);
    const line = buf.toString('utf8').split(/\r?\n/)[0] ?? '';
    if (line === '') throw new SecretUnavailableError(`${what} file ${file} is empty`);
    return line;
  }
  return undefined;
}

/** The account's password or OAuth2 token from its environment variable or secret file; undefined when it has none. */
export async function readAccountSecret(
  acc: AccountConfig,
  env: NodeJS.ProcessEnv,
  read?: ReadSecretFile,
): Promise<{ kind: SecretKind; value: string } | undefined> {
  const kind = acc.oauthTokenEnv || acc.oauthTokenFile ? 'oauth2' : 'password';
  const source = { env: acc.passwordEnv ?? acc.oauthTokenEnv, file: acc.passwordFile ?? acc.oauthTokenFile };
  let value: string | undefined;
  try {
    value = await readSecret(source, kind, env, read);
  } catch (err) {
    throw new SecretUnavailableError(`${acc.address}: ${(err as Error).message}`);
  }
  return value === undefined ? undefined : { kind, value };
}

/** Every account's password can be had now (the CLI checks this at start-up and on reload). */
export async function checkSecrets(config: AgentConfig, env: NodeJS.ProcessEnv): Promise<void> {
  const issues: ConfigIssue[] = [];
  for (const [i, acc] of config.accounts.entries()) {
    try {
      await readAccountSecret(acc, env);
    } catch (err) {
      issues.push({ path: `accounts[${i}].${SECRET_FIELDS.find((f) => acc[f]) ?? 'passwordEnv'}`, message: (err as Error).message });
    }
  }
  if (issues.length) throw new ConfigError('config', issues);
}

/** The environment of a spawned notifier: `env` less every variable that holds an account's secret. */
export function envWithoutSecrets(env: NodeJS.ProcessEnv, accounts: readonly AccountConfig[]): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const a of accounts) for (const v of [a.passwordEnv, a.oauthTokenEnv]) if (v) delete out[v];
  return out;
}
