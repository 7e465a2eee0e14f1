/** The network provider's likely outgoing SMTP servers: its autoconfig and ISPDB entry, and two host guesses. */
import { settleBy } from '../lib/deadline.js';
import type { LookupSession } from '../lookup/session.js';
import { parseAddress } from '../discovery/address.js';
import { buildCandidates, type HostHint } from '../discovery/candidates.js';
import { configClaims, configFetcher } from '../discovery/claims.js';
import type { AddressFacts } from '../discovery/types.js';
import type { NetworkIdentity } from './types.js';

/** Host names guessed for a provider's outgoing server (`smtp.isp.example`, `mail.isp.example`). */
const PROVIDER_GUESS_PREFIXES = ['smtp.', 'mail.'];

/** The provider of `domain` and its outgoing servers, looked up through `session` under `signal`. */
export async function providerServers(domain: string, session: LookupSession, signal: AbortSignal): Promise<NonNullable<NetworkIdentity['provider']>> {
  // Autoconfig templates need an address; postmaster@ exists at every mail domain (RFC 5321 §4.5.1).
  const address = parseAddress(`postmaster@${domain}`);
  const resolve = (host: string): Promise<AddressFacts> => session.resolveHost(host, signal);
  const settled = (host: string): Promise<AddressFacts | undefined> => settleBy(resolve(host), signal, () => undefined);
  const configs = configFetcher(address, session, signal, resolve);
  const guesses = PROVIDER_GUESS_PREFIXES.map((p) => `${p}${domain}`);
  const [autoconfig, ispdb, resolved] = await Promise.all([configs.autoconfig(domain), configs.ispdb(domain), Promise.all(guesses.map(settled))]);
  const claims = [autoconfig, ispdb].flatMap((f) => configClaims(f, true));
  const hints: HostHint[] = [];
  const unresolvedGuesses: string[] = [];
  guesses.forEach((h, i) => {
    if ((resolved[i]?.addresses.length ?? 0) > 0) hints.push({ role: 'smtp', host: h, source: 'guess', evidence: `guess ${h} resolves` });
    else unresolvedGuesses.push(h);
  });
  await Promise.all(claims.map((c) => settled(c.host)));
  const hosts = new Map<string, AddressFacts>();
  for (const h of new Set([...claims.map((c) => c.host), ...hints.map((x) => x.host)])) {
    const f = await settled(h);
    if (f) hosts.set(h, f);
  }
  return { domain, smtp: buildCandidates(claims, hints, hosts).smtp, autoconfig, ispdb, unresolvedGuesses };
}
