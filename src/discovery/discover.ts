import { setMaxListeners } from 'node:events';
import type { Dispatcher } from 'undici';
import { Deadline, isTimerDelay, MAX_TIMER_MS } from '../lib/deadline.js';
import { MaildoctorError, UsageError } from '../lib/errors.js';
import { parseAddress, registrableDomain } from './address.js';
import { DEFAULT_ISPDB_BASE_URL, fetchAutoconfig, fetchIspdb, skippedAutoconfig, type AutoconfigContext } from './autoconfig.js';
import { buildCandidates, findDisagreements, type Claim, type HostHint, type NotOffered } from './candidates.js';
import { DnsClient } from './dns-client.js';
import { DMARC_TAG, lookupAddresses, lookupMx, lookupSrv, lookupTxt, MTA_STS_TAG, SPF_TAG, SRV_SERVICES } from './dns-lookups.js';
import { hostGuesses } from './guesses.js';
import { createAgent, HTTP_REQUEST_TIMEOUT_MS, lookupThrough } from './http.js';
import { formatResolver, resolveResolverSpecs, systemResolvers } from './resolvers.js';
import type {
  AddressFacts,
  AutoconfigFacts,
  DiscoverOptions,
  DiscoveryError,
  DiscoveryResult,
  GuessFacts,
  MailRole,
  MxFacts,
  ParsedAddress,
  ResolverAddress,
  ResolverSource,
  SourceStatus,
  SrvFacts,
  TxtFacts,
} from './types.js';

/** Overall deadline of discovery: every source in parallel, so this is roughly two DNS round trips plus one fetch. */
export const DISCOVERY_TIMEOUT_MS = 10_000;
/** MX hosts resolved, in preference order: a client tries a few; more is a hostile or broken zone. */
export const MAX_MX_HOSTS_RESOLVED = 10;
/** Listeners on the deadline's signal: ~40 queries and fetches in flight, each with a few. */
export const MAX_SIGNAL_LISTENERS = 500;
/** After the deadline, how long sources get to settle their own abort before placeholders stand in for them. */
const SETTLE_GRACE_MS = 200;

/** Resolved options with defaults applied. */
export interface DiscoveryContext {
  dns: DnsClient;
  resolvers: { servers: ResolverAddress[]; source: ResolverSource };
  /** Memoised A+AAAA lookups, shared by every source and by the HTTP client. */
  resolveHost: (host: string) => Promise<AddressFacts>;
  hostCache: Map<string, Promise<AddressFacts>>;
  autoconfig: AutoconfigContext;
  signal: AbortSignal;
  close(): Promise<void>;
}

/** Validate the options that can be wrong (UsageError) and build the shared machinery. */
export async function createContext(
  options: Partial<Omit<DiscoverOptions, 'timeoutMs' | 'signal'>>,
  signal: AbortSignal,
): Promise<DiscoveryContext> {
  const resolvers =
    options.dns !== undefined ? { servers: await resolveResolverSpecs(options.dns), source: 'option' as const } : systemResolvers();
  const dns = new DnsClient({ servers: resolvers.servers, signal, ...(options.dnsTimeouts ?? {}) });
  const hostCache = new Map<string, Promise<AddressFacts>>();
  const resolved = new Set<string>();
  const resolveHost = (host: string): Promise<AddressFacts> => {
    const key = host.toLowerCase();
    let p = hostCache.get(key);
    if (!p) {
      p = lookupAddresses(dns, key);
      hostCache.set(key, p);
      void p.then((f) => f.addresses.length > 0 && resolved.add(key));
    }
    return p;
  };
  const ports = options.autoconfigPorts ?? {};
  for (const [k, v] of Object.entries(ports)) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 65_535)) throw new UsageError(`autoconfigPorts.${k} must be a port number, got ${v}`);
  }
  const httpTimeoutMs = options.httpTimeoutMs ?? HTTP_REQUEST_TIMEOUT_MS;
  // Our own Agent is made on the first request that gets past name resolution, not before: most autoconfig
  // hosts do not exist, and loading undici would then only cost start-up time.
  let own: ReturnType<typeof createAgent> | undefined;
  const dispatcher: Dispatcher | (() => Promise<Dispatcher>) =
    options.dispatcher ?? (() => (own ??= createAgent({ ...(options.ca !== undefined ? { ca: options.ca } : {}), lookup: lookupThrough(resolveHost) })));
  return {
    dns,
    resolvers,
    resolveHost,
    hostCache,
    autoconfig: {
      dispatcher,
      signal,
      ports,
      httpFallback: options.httpFallback ?? true,
      requestTimeoutMs: httpTimeoutMs,
      // Only meaningful when names go through our resolver (not with a caller's dispatcher).
      ...(options.dispatcher ? {} : { nameResolved: (host: string) => resolved.has(host.toLowerCase()), resolve: resolveHost }),
    },
    signal,
    close: async () => {
      // destroy, not close: a request the deadline abandoned must not keep discovery waiting.
      await own?.then((agent) => agent.destroy()).catch(() => undefined);
    },
  };
}

/** Resolve `p`, or `fallback()` if it has not settled `SETTLE_GRACE_MS` after `signal` aborted. */
export function settleBy<T>(p: Promise<T>, signal: AbortSignal, fallback: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      // Ref'd: after the deadline fired, this grace timer is all that keeps the awaiting caller alive.
      timer = setTimeout(() => resolve(fallback()), SETTLE_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}

function abortError(signal: AbortSignal, what: string, code: 'DNS_TIMEOUT' | 'HTTP_TIMEOUT' = 'DNS_TIMEOUT'): DiscoveryError {
  const r = signal.reason;
  if (r instanceof MaildoctorError && r.code === 'ABORTED') return { code: 'ABORTED', message: `${what}: aborted by the caller` };
  return { code, message: `${what}: not finished at the deadline` };
}

function placeholderLookup(name: string, type: string, signal: AbortSignal): { name: string; type: string; ok: false; attempts: number; durationMs: number; error: DiscoveryError } {
  return { name, type, ok: false, attempts: 0, durationMs: 0, error: abortError(signal, `${type} ${name}`) };
}

/**
 * Find the servers for an address: MX, the six SRV services, SPF/DMARC/MTA-STS, autoconfig, ISPDB and host
 * guesses, all in parallel under one deadline. Never probes a server. Throws only `UsageError` (a malformed
 * address or option); every DNS, network or timeout failure is data in the result.
 */
export async function discover(address: string, options: Partial<DiscoverOptions> = {}): Promise<DiscoveryResult> {
  const parsed = parseAddress(address);
  const timeoutMs = options.timeoutMs ?? DISCOVERY_TIMEOUT_MS;
  if (!isTimerDelay(timeoutMs)) throw new UsageError(`timeout must be 1 to ${MAX_TIMER_MS} milliseconds, got ${timeoutMs}`);
  const ispdbBase = options.ispdbBaseUrl ?? DEFAULT_ISPDB_BASE_URL;
  if (ispdbBase !== false) {
    let u: URL;
    try {
      u = new URL(ispdbBase);
    } catch {
      throw new UsageError(`ispdbBaseUrl "${ispdbBase}" is not a URL`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError(`ispdbBaseUrl must be http(s), got ${u.protocol}`);
  }
  const startedAt = new Date();
  const deadline = new Deadline(timeoutMs, options.signal);
  const signal = deadline.signal;
  // Every query and fetch of this discovery listens on this one signal; dozens of listeners are expected.
  setMaxListeners(MAX_SIGNAL_LISTENERS, signal);
  let ctx: DiscoveryContext | undefined;
  try {
    ctx = await createContext(options, signal);
    return await run(parsed, ctx, { ispdbBase, autoconfigOn: options.autoconfig ?? true, timeoutMs, startedAt, deadline });
  } finally {
    deadline.dispose();
    await ctx?.close();
  }
}

interface RunSettings {
  ispdbBase: string | false;
  autoconfigOn: boolean;
  timeoutMs: number;
  startedAt: Date;
  deadline: Deadline;
}

async function run(address: ParsedAddress, ctx: DiscoveryContext, s: RunSettings): Promise<DiscoveryResult> {
  const { domain } = address;
  const signal = ctx.signal;
  const bound = <T>(p: Promise<T>, fallback: () => T): Promise<T> => settleBy(p, signal, fallback);
  const acPlaceholder = (source: 'autoconfig' | 'ispdb', d: string) => (): AutoconfigFacts => ({
    source,
    domain: d,
    state: 'timeout',
    insecure: false,
    attempts: [],
    error: abortError(signal, `${source} ${d}`, 'HTTP_TIMEOUT'),
  });

  const mxP = bound(lookupMx(ctx.dns, domain), (): MxFacts => ({ ...placeholderLookup(domain, 'MX', signal), records: [], nullMx: false }));
  const srvP = Promise.all(
    SRV_SERVICES.map(({ service, role, security }) =>
      bound(lookupSrv(ctx.dns, domain, service), (): SrvFacts => ({
        ...placeholderLookup(`${service}.${domain}`, 'SRV', signal),
        service,
        role,
        security,
        records: [],
        notOffered: false,
      })),
    ),
  );
  const txt = (name: string, tag: RegExp): Promise<TxtFacts> =>
    bound(lookupTxt(ctx.dns, name, tag), (): TxtFacts => ({ ...placeholderLookup(name, 'TXT', signal), records: [], matching: [] }));
  const spfP = txt(domain, SPF_TAG);
  // RFC 7489 §6.6.3: with no record at the domain, the policy of the organizational domain applies.
  const dmarcP = txt(`_dmarc.${domain}`, DMARC_TAG).then(async (r) => {
    const org = address.registrableDomain;
    if (r.matching.length > 0 || !org || org === domain || signal.aborted) return r;
    const orgRes = await txt(`_dmarc.${org}`, DMARC_TAG);
    return orgRes.matching.length > 0 ? orgRes : r;
  });
  const mtaStsP = txt(`_mta-sts.${domain}`, MTA_STS_TAG);
  const acP = s.autoconfigOn
    ? bound(fetchAutoconfig(address, domain, ctx.autoconfig), acPlaceholder('autoconfig', domain))
    : Promise.resolve(skippedAutoconfig('autoconfig', domain, 'autoconfig turned off'));
  const ispdbP =
    s.ispdbBase !== false
      ? bound(fetchIspdb(address, domain, s.ispdbBase, ctx.autoconfig), acPlaceholder('ispdb', domain))
      : Promise.resolve(skippedAutoconfig('ispdb', domain, 'no ISPDB configured'));

  const guess = (host: string, roles: MailRole[], basis: GuessFacts['basis']): Promise<GuessFacts> =>
    bound(
      ctx.resolveHost(host).then((f) => ({
        host,
        roles,
        basis,
        resolves: f.addresses.length > 0,
        addresses: f.addresses,
        ...(f.error && f.addresses.length === 0 ? { error: f.error } : {}),
      })),
      () => ({ host, roles, basis, resolves: false, addresses: [], error: abortError(signal, `A/AAAA ${host}`) }),
    );
  const domainGuessesP = Promise.all(hostGuesses(domain).map((g) => guess(g.host, g.roles, 'domain')));

  // Hosted mail: the MX host's registrable domain (mx1.provider.test → provider.test) is the provider's.
  const mxDomainsP = mxP.then((mx) => {
    const own = address.registrableDomain ?? domain;
    const set = new Set<string>();
    for (const r of mx.records) {
      if (r.exchange === '.') continue;
      const reg = registrableDomain(r.exchange);
      if (reg && reg !== own && reg !== domain) set.add(reg);
    }
    return [...set].slice(0, 3);
  });
  const mxGuessesP = mxDomainsP.then((doms) =>
    Promise.all(doms.flatMap((d) => hostGuesses(d).filter((g) => g.host !== d).map((g) => guess(g.host, g.roles, 'mx-domain')))),
  );
  const ispdbMxP: Promise<AutoconfigFacts | undefined> = Promise.all([mxDomainsP, ispdbP]).then(([doms, own]) => {
    if (s.ispdbBase === false || own.state === 'found' || doms.length === 0 || signal.aborted) return undefined;
    return bound(fetchIspdb(address, doms[0]!, s.ispdbBase, ctx.autoconfig), acPlaceholder('ispdb', doms[0]!));
  });
  // Start resolving every named host as soon as its source answers; the cache makes repeats free.
  // The most preferred MX hosts only: a domain with 256 MX records must not start 512 lookups (they all
  // listen on the deadline's signal). Every record is still reported.
  const mxHostsP = mxP.then((mx) =>
    Promise.all(mx.records.filter((r) => r.exchange !== '.').slice(0, MAX_MX_HOSTS_RESOLVED).map((r) => ctx.resolveHost(r.exchange))),
  );
  const srvHostsP = srvP.then((all) => Promise.all(all.flatMap((f) => f.records.filter((r) => r.target !== '.').map((r) => ctx.resolveHost(r.target)))));
  const configHosts = (p: Promise<AutoconfigFacts | undefined>): Promise<unknown> =>
    p.then((f) => Promise.all((f?.config?.servers ?? []).map((x) => ctx.resolveHost(x.hostname))));

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
    bound(mxHostsP, () => []),
    bound(srvHostsP, () => []),
    bound(configHosts(acP), () => []),
    bound(configHosts(ispdbP), () => []),
    bound(configHosts(ispdbMxP), () => []),
  ]);

  // Every host's address facts (all lookups are settled or abandoned by now).
  const hosts = new Map<string, AddressFacts>();
  await Promise.all(
    [...ctx.hostCache.entries()].map(async ([h, p]) => {
      hosts.set(h, await bound(p, () => ({ host: h, addresses: [], status: 'error', error: abortError(signal, `A/AAAA ${h}`), a: placeholderLookup(h, 'A', signal), aaaa: placeholderLookup(h, 'AAAA', signal) })));
    }),
  );

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
  for (const facts of [autoconfig, ispdb, ispdbMx]) {
    if (!facts?.config) continue;
    const source = facts.source === 'ispdb' ? 'ispdb' : facts.insecure ? 'autoconfig-http' : 'autoconfig';
    const label = facts.source === 'ispdb' ? `ISPDB entry for ${facts.domain}` : `autoconfig ${facts.url}${facts.insecure ? ' (plain HTTP: unauthenticated)' : ''}`;
    for (const x of facts.config.servers) {
      claims.push({
        role: x.role,
        host: x.hostname,
        port: x.port,
        security: x.security,
        source,
        evidence: `${label} → ${x.hostname}:${x.port} ${x.security}`,
        ...(x.username !== undefined ? { username: x.username } : {}),
        ...(x.authentication.length ? { authentication: x.authentication } : {}),
      });
    }
  }
  const hints: HostHint[] = [];
  if (!mx.nullMx) {
    for (const r of mx.records) hints.push({ role: 'smtp', host: r.exchange, source: 'mx', evidence: `MX ${r.preference} ${r.exchange}` });
  }
  const guesses = [...domainGuesses, ...mxGuesses];
  for (const g of guesses) {
    if (!g.resolves) continue;
    for (const role of g.roles) {
      hints.push({ role, host: g.host, source: 'guess', evidence: `guess ${g.host} (${g.basis === 'mx-domain' ? "under the MX host's domain" : 'under the domain'}) resolves` });
    }
  }

  const candidates = buildCandidates(claims, hints, hosts);
  const disagreements = findDisagreements(claims, notOffered);
  const sources = sourceStatuses({ mx, srv, spf, dmarc, mtaSts, autoconfig, ispdb, ispdbMx, guesses });
  const reason = signal.reason;
  const aborted = signal.aborted && reason instanceof MaildoctorError && reason.code === 'ABORTED';
  return {
    address,
    startedAt: s.startedAt.toISOString(),
    durationMs: Math.round(s.deadline.elapsed()),
    timeoutMs: s.timeoutMs,
    deadlineReached: signal.aborted && !aborted,
    aborted,
    resolvers: { servers: ctx.resolvers.servers.map(formatResolver), source: ctx.resolvers.source },
    candidates,
    disagreements,
    sources,
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
      hosts: [...hosts.values()].sort((a, b) => a.host.localeCompare(b.host)),
    },
  };
}

function lookupState(ok: boolean, found: boolean, error: DiscoveryError | undefined): SourceStatus['state'] {
  if (found) return 'found';
  if (ok || error?.code === 'DNS_NOT_FOUND') return 'not-found';
  return error?.code === 'DNS_TIMEOUT' ? 'timeout' : 'error';
}

function sourceStatuses(f: Omit<DiscoveryResult['facts'], 'hosts' | 'ispdbMx'> & { ispdbMx: AutoconfigFacts | undefined }): SourceStatus[] {
  const out: SourceStatus[] = [];
  const withError = (st: SourceStatus, e: DiscoveryError | undefined): SourceStatus => (e && st.state !== 'found' ? { ...st, error: e } : st);
  out.push(
    withError(
      {
        source: 'mx',
        state: lookupState(f.mx.ok, f.mx.records.length > 0, f.mx.error),
        ...(f.mx.nullMx ? { detail: 'null MX (RFC 7505): the domain accepts no mail' } : f.mx.records.length > 0 ? { detail: f.mx.records.map((r) => `${r.preference} ${r.exchange}`).join(', ') } : {}),
      },
      f.mx.error,
    ),
  );
  const srvFound = f.srv.filter((x) => x.records.length > 0);
  const srvError = f.srv.find((x) => !x.ok && x.error?.code !== 'DNS_NOT_FOUND')?.error;
  out.push(
    withError(
      {
        source: 'srv',
        state: srvFound.length > 0 ? 'found' : srvError ? (srvError.code === 'DNS_TIMEOUT' ? 'timeout' : 'error') : 'not-found',
        ...(srvFound.length > 0 ? { detail: srvFound.map((x) => (x.notOffered ? `${x.service} not offered` : x.service)).join(', ') } : {}),
      },
      srvError,
    ),
  );
  for (const [source, t] of [
    ['spf', f.spf],
    ['dmarc', f.dmarc],
    ['mta-sts', f.mtaSts],
  ] as const) {
    out.push(withError({ source, state: lookupState(t.ok, t.matching.length > 0, t.error), ...(t.matching.length > 0 ? { detail: t.matching.join(' | ') } : {}) }, t.error));
  }
  for (const [source, a] of [
    ['autoconfig', f.autoconfig],
    ['ispdb', f.ispdb],
    ['ispdb-mx', f.ispdbMx],
  ] as const) {
    if (!a) continue;
    const detail = a.state === 'found' ? `${a.url}${a.insecure ? ' (insecure: plain HTTP)' : ''}` : a.skippedReason;
    out.push(withError({ source, state: a.state, ...(detail ? { detail } : {}) }, a.error));
  }
  const resolving = f.guesses.filter((g) => g.resolves);
  const guessError = f.guesses.find((g) => !g.resolves && g.error && g.error.code !== 'DNS_NOT_FOUND')?.error;
  out.push(
    withError(
      {
        source: 'guess',
        state: resolving.length > 0 ? 'found' : guessError ? (guessError.code === 'DNS_TIMEOUT' ? 'timeout' : 'error') : 'not-found',
        detail: `${resolving.length} of ${f.guesses.length} resolve${resolving.length > 0 ? `: ${resolving.map((g) => g.host).join(', ')}` : ''}`,
      },
      guessError,
    ),
  );
  return out;
}
