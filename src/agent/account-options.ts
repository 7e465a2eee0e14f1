/**
 * One account of the agent's config as the options of one check(): its secret read now (a rotated password
 * file is picked up at the next check) and handed to the redactor before anything can print it, its CA file
 * read, the config's defaults filled in.
 */
import { readFile } from 'node:fs/promises';
import type { CheckOptions } from '../check/check.js';
import type { Redactor } from '../lib/redact.js';
import type { AccountConfig, AgentConfig } from './config.js';
import { readAccountSecret, type ReadSecretFile } from './secrets.js';

export interface AccountOptionsDeps {
  /** Where passwords of `passwordEnv` come from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Reads secret files and CA files. @default fs.readFile */
  readFile?: ReadSecretFile;
  /** Learns the secret, so that no log line, alert or state file shows it. */
  redactor: Redactor;
}

/** Throws SecretUnavailableError when the account's secret cannot be had. */
export async function accountCheckOptions(
  acc: AccountConfig,
  config: Pick<AgentConfig, 'controls'>,
  deps: AccountOptionsDeps,
  signal: AbortSignal,
): Promise<Partial<CheckOptions>> {
  const read = deps.readFile ?? ((f: string) => readFile(f));
  const secret = await readAccountSecret(acc, deps.env ?? process.env, read);
  deps.redactor.add(secret?.value);
  const ispdb = acc.ispdb === false ? false : typeof acc.ispdb === 'string' ? acc.ispdb : undefined;
  const controls = acc.controls ?? config.controls;
  return {
    signal,
    ...(acc.user && secret ? { credentials: secret.kind === 'oauth2' ? { user: acc.user, oauthToken: secret.value } : { user: acc.user, password: secret.value } } : {}),
    ...(acc.dns ? { dns: acc.dns } : {}),
    ...(acc.ca ? { ca: await read(acc.ca) } : {}),
    ...(controls ? { controls } : {}),
    ...(acc.relayRecipient ? { relayRecipient: acc.relayRecipient } : {}),
    ...(acc.allowPlaintextAuth ? { allowPlaintextAuth: true } : {}),
    ...(acc.timeoutMs ? { timeoutMs: acc.timeoutMs } : {}),
    ...(acc.probeNetworkSmtp === false ? { probeNetworkSmtp: false } : {}),
    ...(ispdb !== undefined ? { ispdbBaseUrl: ispdb } : {}),
    ...(acc.echoUrl ? { network: { echoUrl: acc.echoUrl } } : {}),
  };
}
