import { setMaxListeners } from 'node:events';
import { Deadline, settleBy } from '../lib/deadline.js';
import { MaildoctorError } from '../lib/errors.js';
import { assertTimeout, inSession, LookupSession, MAX_SIGNAL_LISTENERS, type LookupOptions } from '../lookup/session.js';
import { parseAddress } from './address.js';
import { buildCandidates, findDisagreements } from './candidates.js';
import { configClaims, configFetcher, hostHints, srvClaims } from './claims.js';
import { MTA_STS_TAG, SPF_TAG } from './dns-lookups.js';
import { hostGuesses } from './guesses.js';
import { dmarcSource, guessSource, mxDomains, mxSource, settledHosts, sourceStatuses, srvSources, txtSource } from './sources.js';
import type { AddressFacts, AutoconfigFacts, DiscoverOptions, DiscoveryResult, ParsedAddress } from './types.js';
import { compareText } from '../lib/text.js';

/** Overall deadline of discovery: every source in parallel, so this is roughly two DNS round trips plus one fetch. */
export const DISCOVERY_TIMEOUT_MS = 10_000;
/** MX hosts resolved, in preference order: a client tries a few; more is a hostile or broken zone. */
export const MAX_MX_HOSTS_RESOLVED = 10;

/**
 * Find the servers for an address: MX, the six SRV services, SPF/DMARC/MTA-STS, autoconfig, ISPDB and host
 * guesses, all in parallel under one deadline. Never probes a server. Throws only `UsageError` (a malformed
 * address or option); every DNS, network or timeout failure is data in the result.
 *
 * With a lookup session (a check's), discovery asks through it under its own deadline (`timeoutMs`, within the
 * session's); without one, a session is opened from `options` for this call and closed after it.
 */
export async function discover(address: string | ParsedAddress, options?: Partial<DiscoverOptions>): Promise<DiscoveryResult>;
export async function discover(address: string | ParsedAddress, session: LookupSession, options?: Partial<Pick<DiscoverOptions, 'timeoutMs' | 'onCandidates'>>): Promise<DiscoveryResult>;
export async function discover(
  address: string | ParsedAddress,
  sessionOrOptions: LookupSession | Partial<DiscoverOptions> = {},
  own: Partial<Pick<DiscoverOptions, 'timeoutMs' | 'onCandidates'>> = {},
): Promise<DiscoveryResult> {
  // A caller that parsed the address already (check()) passes the result: the address is parsed once.
  const parsed = typeof address === 'string' ? parseAddress(address) : address;
  const session = sessionOrOptions instanceof LookupSession ? sessionOrOptions : undefined;
  const options: Partial<LookupOptions> = session ? {} : (sessionOrOptions as Partial<DiscoverOptions>);
  const timeoutMs = (session ? own.timeoutMs : options.timeoutMs) ?? DISCOVERY_TIMEOUT_MS;
  assertTimeout('timeout', timeoutMs);
  return inSession(session, options, timeoutMs, async (s) => {
    const startedAt = new Date();
    const deadline = new Deadline(timeoutMs, s.signal);
    // Every query and fetch of this discovery listens on this one signal; dozens of listeners are expected.
    setMaxListeners(MAX_SIGNAL_LISTENERS, deadline.signal);
    try {
      return await run(parsed, s, deadline, startedAt, timeoutMs, (session ? own : (sessionOrOptions as Partial<DiscoverOptions>)).onCandidates);
    } finally {
      deadline.dispose();
    }
  });
}

async function run(
  address: ParsedAddress,
  session: LookupSession,
  deadline: Deadline,
  startedAt: Date,
  timeoutMs: number,
  onCandidates?: DiscoverOptions['onCandidates'],
): Promise<DiscoveryResult> {
  const { domain } = address;
  const { signal } = deadline;
  const { dns } = session;
  // The hosts this discovery asked (the session's memo answers them, and it may know others).
  const asked = new Map<string, Promise<AddressFacts>>();
  const resolve = (host: string): Promise<AddressFacts> => {
    const key = host.toLowerCase();
    if (!asked.has(key)) asked.set(key, session.resolveHost(key, signal));
    return asked.get(key)!;
  };
  const configs = configFetcher(address, session, signal, resolve);
  const guess = guessSource(resolve, signal);

  const mxP = mxSource(dns, domain, signal);
  const srvP = srvSources(dns, domain, signal);
  const spfP = txtSource(dns, domain, SPF_TAG, signal);
  const dmarcP = dmarcSource(dns, address, signal);
  const mtaStsP = txtSource(dns, `_mta-sts.${domain}`, MTA_STS_TAG, signal);
  const acP = configs.autoconfig(domain);
  const ispdbP = configs.ispdb(domain);
  const domainGuessesP = Promise.all(hostGuesses(domain).map((g) => guess(g.host, g.roles, 'domain')));
  // Hosted mail: guesses and the ISPDB entry under the MX hosts' domain.
  const mxDomainsP = mxP.then((mx) => mxDomains(address, mx));
  const mxGuessesP = mxDomainsP.then((doms) =>
    Promise.all(doms.flatMap((d) => hostGuesses(d).filter((g) => g.host !== d).map((g) => guess(g.host, g.roles, 'mx-domain')))),
  );
  const ispdbMxP: Promise<AutoconfigFacts | undefined> = Promise.all([mxDomainsP, ispdbP]).then(([doms, own]) => {
    if (session.sources.ispdbBaseUrl === false || own.state === 'found' || doms.length === 0 || signal.aborted) return undefined;
    return configs.ispdb(doms[0]!);
  });
  // Start resolving every named host as soon as its source answers; the memo makes repeats free.
  // The most preferred MX hosts only: a domain with 256 MX records must not start 512 lookups (they all
  // listen on the deadline's signal). Every record is still reported.
  const mxHostsP = mxP.then((mx) => Promise.all(mx.records.filter((r) => r.exchange !== '.').slice(0, MAX_MX_HOSTS_RESOLVED).map((r) => resolve(r.exchange))));
  const srvHostsP = srvP.then((all) => Promise.all(all.flatMap((f) => f.records.filter((r) => r.target !== '.').map((r) => resolve(r.target)))));
  const configHosts = (p: Promise<AutoconfigFacts | undefined>): Promise<unknown> => p.then((f) => Promise.all((f?.config?.servers ?? []).map((x) => resolve(x.hostname))));
  const bound = <T,>(p: Promise<T>): Promise<T | never[]> => settleBy<T | never[]>(p, signal, () => []);

  if (onCandidates) {
    // The DNS sources answer in milliseconds, autoconfig and the ISPDB over HTTP much later: their candidates first.
    void Promise.all([mxP, srvP, domainGuessesP, mxGuessesP, bound(mxHostsP), bound(srvHostsP)]).then(async ([mx, srv, domainGuesses, mxGuesses]) => {
      const hosts = await settledHosts(asked, signal);
      if (signal.aborted) return;
      onCandidates(buildCandidates(srvClaims(srv, domain).claims, hostHints(mx, [...domainGuesses, ...mxGuesses]), hosts));
    }).catch(() => {
      // The caller's early start is an optimisation: the result's candidates still reach it in full.
    });
  }

  const [mx, srv, spf, dmarc, mtaSts, autoconfig, ispdb, ispdbMx, domainGuesses, mxGuesses] = await Promise.all([
    mxP,
    srvP,
    spfP,
    dmarcP,
    mtaStsP,
    acP,
    ispdbP,
    ispdbMxP,
    domainGuessesP,
    mxGuessesP,
    bound(mxHostsP),
    bound(srvHostsP),
    bound(configHosts(acP)),
    bound(configHosts(ispdbP)),
    bound(configHosts(ispdbMxP)),
  ]);

  const hosts = await settledHosts(asked, signal);
  const guesses = [...domainGuesses, ...mxGuesses];
  const srvFound = srvClaims(srv, domain);
  const claims = [...srvFound.claims, ...[autoconfig, ispdb, ispdbMx].flatMap((f) => configClaims(f))];
  const reason = signal.reason;
  const aborted = signal.aborted && reason instanceof MaildoctorError && reason.code === 'ABORTED';
  return {
    address,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(deadline.elapsed()),
    timeoutMs,
    deadlineReached: signal.aborted && !aborted,
    aborted,
    resolvers: { servers: session.queriedResolvers, source: session.resolvers.source },
    candidates: buildCandidates(claims, hostHints(mx, guesses), hosts),
    disagreements: findDisagreements(claims, srvFound.notOffered),
    sources: sourceStatuses({ mx, srv, spf, dmarc, mtaSts, autoconfig, ispdb, ispdbMx, guesses }),
    facts: {
      mx,
      srv,
      spf,
      dmarc,
      mtaSts,
      autoconfig,
      ispdb,
      ...(ispdbMx ? { ispdbMx } : {}),
      guesses,
      hosts: [...hosts.values()].sort((a, b) => compareText(a.host, b.host)),
    },
  };
}
