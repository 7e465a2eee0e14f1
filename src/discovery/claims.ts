/**
 * What the sources say, as claims (an exact endpoint) and hints (a host only), shared by discovery and by the
 * network provider's servers (src/network/provider.ts): the autoconfig/ISPDB fetches of a domain bounded by a
 * deadline (a timeout placeholder when it cuts one short, a skipped result when the source is turned off), and
 * the claims their documents make.
 */
import { settleBy } from '../lib/deadline.js';
import { abortError, type LookupSession } from '../lookup/session.js';
import { fetchAutoconfig, fetchIspdb, skippedAutoconfig, type AutoconfigContext } from './autoconfig.js';
import type { Claim, HostHint, NotOffered } from './candidates.js';
import type { AddressFacts, AutoconfigFacts, GuessFacts, MxFacts, ParsedAddress, SrvFacts } from './types.js';

/** The autoconfig and ISPDB documents of a domain, fetched through a session under one deadline. */
export interface ConfigFetcher {
  autoconfig(domain: string): Promise<AutoconfigFacts>;
  ispdb(domain: string): Promise<AutoconfigFacts>;
}

/**
 * Fetch autoconfig/ISPDB documents for `address` through `session`, each bounded by `signal`. Names resolve
 * through `resolve` (the caller's record of the hosts it asked), unless a caller's dispatcher resolves them.
 */
export function configFetcher(address: ParsedAddress, session: LookupSession, signal: AbortSignal, resolve: (host: string) => Promise<AddressFacts>): ConfigFetcher {
  const { sources } = session;
  const ctx = autoconfigContext(session, signal, resolve);
  const placeholder = (source: 'autoconfig' | 'ispdb', domain: string) => (): AutoconfigFacts => ({
    source,
    domain,
    state: 'timeout',
    insecure: false,
    attempts: [],
    error: abortError(signal, `${source} ${domain}`, 'HTTP_TIMEOUT'),
  });
  return {
    autoconfig: (domain) =>
      sources.autoconfig
        ? settleBy(fetchAutoconfig(address, domain, ctx), signal, placeholder('autoconfig', domain))
        : Promise.resolve(skippedAutoconfig('autoconfig', domain, 'autoconfig turned off')),
    ispdb: (domain) =>
      sources.ispdbBaseUrl !== false
        ? settleBy(fetchIspdb(address, domain, sources.ispdbBaseUrl, ctx), signal, placeholder('ispdb', domain))
        : Promise.resolve(skippedAutoconfig('ispdb', domain, 'no ISPDB configured')),
  };
}

/** How autoconfig/ISPDB requests go through `session` under `signal`, their names resolved by `resolve`. */
export function autoconfigContext(session: LookupSession, signal: AbortSignal, resolve: (host: string) => Promise<AddressFacts>): AutoconfigContext {
  const { sources, http } = session;
  return {
    dispatcher: http.dispatcher,
    signal,
    ports: sources.ports,
    httpFallback: sources.httpFallback,
    requestTimeoutMs: http.requestTimeoutMs,
    ...(http.resolve && http.nameResolved ? { resolve, nameResolved: http.nameResolved } : {}),
  };
}

/**
 * The endpoints an autoconfig or ISPDB document claims, with the login it names. `provider`: the network
 * provider's SMTP servers only, named by source and URL and without login (they are probed without one).
 */
export function configClaims(facts: AutoconfigFacts | undefined, provider = false): Claim[] {
  if (!facts?.config) return [];
  const source = facts.source === 'ispdb' ? 'ispdb' : facts.insecure ? 'autoconfig-http' : 'autoconfig';
  if (provider) {
    return facts.config.servers
      .filter((s) => s.role === 'smtp')
      .map((s) => ({ role: 'smtp', host: s.hostname, port: s.port, security: s.security, source, evidence: `${facts.source} ${facts.url} → ${s.hostname}:${s.port} ${s.security}` }));
  }
  const label = facts.source === 'ispdb' ? `ISPDB entry for ${facts.domain}` : `autoconfig ${facts.url}${facts.insecure ? ' (plain HTTP: unauthenticated)' : ''}`;
  return facts.config.servers.map((x) => ({
    role: x.role,
    host: x.hostname,
    port: x.port,
    security: x.security,
    source,
    evidence: `${label} → ${x.hostname}:${x.port} ${x.security}`,
    ...(x.username !== undefined ? { username: x.username } : {}),
    ...(x.authentication.length ? { authentication: x.authentication } : {}),
  }));
}

/** The endpoints the domain's SRV records claim (RFC 6186), and the roles a "." target says are not offered. */
export function srvClaims(srv: SrvFacts[], domain: string): { claims: Claim[]; notOffered: NotOffered[] } {
  const claims: Claim[] = [];
  const notOffered: NotOffered[] = [];
  for (const f of srv) {
    if (f.notOffered) {
      notOffered.push({ role: f.role, service: f.service });
      continue;
    }
    for (const r of f.records) {
      if (r.target === '.' || r.port === 0) continue;
      claims.push({ role: f.role, host: r.target, port: r.port, security: f.security, source: 'srv', evidence: `SRV ${f.service}.${domain} → ${r.target}:${r.port} (priority ${r.priority}, weight ${r.weight})` });
    }
  }
  return { claims, notOffered };
}

/** Hosts named without a port: the MX hosts (unless null MX) and the guesses that resolve. */
export function hostHints(mx: MxFacts, guesses: GuessFacts[]): HostHint[] {
  const hints: HostHint[] = [];
  if (!mx.nullMx) {
    for (const r of mx.records) hints.push({ role: 'smtp', host: r.exchange, source: 'mx', evidence: `MX ${r.preference} ${r.exchange}` });
  }
  for (const g of guesses) {
    if (!g.resolves) continue;
    for (const role of g.roles) {
      hints.push({ role, host: g.host, source: 'guess', evidence: `guess ${g.host} (${g.basis === 'mx-domain' ? "under the MX host's domain" : 'under the domain'}) resolves` });
    }
  }
  return hints;
}
