/**
 * Secrets named by a config file, read when they are needed: an environment variable, or the first line of a
 * file (mode 0600). Never the config file itself, never argv. The agent's accounts and the exporter's module
 * logins read here, through lib/secret.ts (the reader the CLI shares); errors say which source failed, in
 * a config file's words, and never carry the secret.
 */
import { errorRef, type ConfigIssueRef } from '../lib/checker.js';
import { configError } from '../i18n/index.js';
import { UsageError } from '../lib/errors.js';
import { readSecret as readSecretFrom, type ReadSecretFile, type SecretFailure, type SecretKind } from '../lib/secret.js';
import { SECRET_FIELDS, type AccountConfig, type AgentConfig } from './config.js';

export type { ReadSecretFile, SecretKind };

/** Raised when a secret cannot be had (variable unset, file unreadable). Never carries the secret. */
export class SecretUnavailableError extends UsageError {}

/**
 * The secret from its environment variable (`env`) or file (`file`) through lib's one reader; undefined when
 * neither is named. Throws {@link SecretUnavailableError} for an unset variable, an unreadable, empty or
 * oversized file.
 */
export function readSecret(source: { env?: string; file?: string }, kind: SecretKind, env: NodeJS.ProcessEnv, read?: ReadSecretFile): Promise<string | undefined> {
  const what = kind === 'oauth2' ? 'token' : 'password';
  const fail = (f: SecretFailure): Error => {
    switch (f.reason) {
      case 'unset':
        return new SecretUnavailableError(`environment variable ${f.env} is not set or empty`, { msg: 'usage.envUnset', params: { name: f.env } });
      case 'unreadable':
        return new SecretUnavailableError(`cannot read ${what} file ${f.file}: ${f.error.code ?? 'error'}`, { msg: 'usage.secret.unreadable', params: { what, file: f.file, code: f.error.code ?? 'error' } });
      case 'tooLarge':
        return new SecretUnavailableError(`${what} file ${f.file} is larger than ${f.max} bytes`, { msg: 'usage.secret.tooLarge', params: { what, file: f.file, max: f.max } });
      case 'empty':
        return new SecretUnavailableError(`${what} file ${f.file} is empty`, { msg: 'usage.secret.empty', params: { what, file: f.file } });
    }
  };
  return readSecretFrom(source, kind, env, fail, read);
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
    throw new SecretUnavailableError(`${acc.address}: ${(err as Error).message}`, { msg: 'usage.secret.account', params: { address: acc.address, reason: errorRef(err) } });
  }
  return value === undefined ? undefined : { kind, value };
}

/** Every account's password can be had now (the CLI checks this at start-up and on reload). */
export async function checkSecrets(config: AgentConfig, env: NodeJS.ProcessEnv): Promise<void> {
  const issues: ConfigIssueRef[] = [];
  for (const [i, acc] of config.accounts.entries()) {
    try {
      await readAccountSecret(acc, env);
    } catch (err) {
      issues.push({ path: `accounts[${i}].${SECRET_FIELDS.find((f) => acc[f]) ?? 'passwordEnv'}`, msg: errorRef(err) });
    }
  }
  if (issues.length) throw configError('config', issues);
}

/** The environment of a spawned notifier: `env` less every variable that holds an account's secret. */
export function envWithoutSecrets(env: NodeJS.ProcessEnv, accounts: readonly AccountConfig[]): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const a of accounts) for (const v of [a.passwordEnv, a.oauthTokenEnv]) if (v) delete out[v];
  return out;
}
