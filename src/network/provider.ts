/** The network provider's likely outgoing SMTP servers: its autoconfig and ISPDB entry, and two host guesses. */
import { settleBy } from '../lib/deadline.js';
import type { LookupSession } from '../lookup/session.js';
import { parseAddress } from '../discovery/address.js';
import { buildCandidates, type HostHint } from '../discovery/candidates.js';
import { configClaims, configFetcher } from '../discovery/claims.js';
import type { AddressFacts, ServerCandidate } from '../discovery/types.js';
import type { NetworkIdentity } from './types.js';

/** Host names guessed for a provider's outgoing server (`smtp.isp.example`, `mail.isp.example`). */
const PROVIDER_GUESS_PREFIXES = ['smtp.', 'mail.'];

/** The provider of `domain` and its outgoing servers, looked up through `session` under `signal`. */
export async function providerServers(
  domain: string,
  session: LookupSession,
  signal: AbortSignal,
  onGuesses?: (candidates: ServerCandidate[]) => void,
): Promise<NonNullable<NetworkIdentity['provider']>> {
  // Autoconfig templates need an address; postmaster@ exists at every mail domain (RFC 5321 §4.5.1).
  const address = parseAddress(`postmaster@${domain}`);
  const resolve = (host: string): Promise<AddressFacts> => session.resolveHost(host, signal);
  const settled = (host: string): Promise<AddressFacts | undefined> => settleBy(resolve(host), signal, () => undefined);
  const configs = configFetcher(address, session, signal, resolve);
  const guesses = PROVIDER_GUESS_PREFIXES.map((p) => `${p}${domain}`);
  const resolvedP = Promise.all(guesses.map(settled));
  const hintsOf = (resolved: Array<AddressFacts | undefined>): HostHint[] =>
    guesses.flatMap((h, i) => ((resolved[i]?.addresses.length ?? 0) > 0 ? [{ role: 'smtp' as const, host: h, source: 'guess' as const, evidence: `guess ${h} resolves` }] : []));
  if (onGuesses) {
    // The guesses resolve in milliseconds, the HTTP sources much later: their servers first.
    void resolvedP.then((resolved) => {
      const hints = hintsOf(resolved);
      if (hints.length === 0 || signal.aborted) return;
      onGuesses(buildCandidates([], hints, new Map(hints.map((x) => [x.host, resolved[guesses.indexOf(x.host)]!]))).smtp);
    });
  }
  const [autoconfig, ispdb, resolved] = await Promise.all([configs.autoconfig(domain), configs.ispdb(domain), resolvedP]);
  const claims = [autoconfig, ispdb].flatMap((f) => configClaims(f, true));
  const hints = hintsOf(resolved);
  const unresolvedGuesses = guesses.filter((h) => !hints.some((x) => x.host === h));
  await Promise.all(claims.map((c) => settled(c.host)));
  const hosts = new Map<string, AddressFacts>();
  for (const h of new Set([...claims.map((c) => c.host), ...hints.map((x) => x.host)])) {
    const f = await settled(h);
    if (f) hosts.set(h, f);
  }
  return { domain, smtp: buildCandidates(claims, hints, hosts).smtp, autoconfig, ispdb, unresolvedGuesses };
}
