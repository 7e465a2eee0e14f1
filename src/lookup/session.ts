/**
 * A lookup session: everything a check (or one discover() / networkIdentity() call) shares to look things up,
 * made once. The resolvers are resolved here and nowhere else (`--dns`, else the system's); one DNS client
 * asks them; one memoised `resolveHost` answers every A/AAAA question of discovery, network identity, the HTTP
 * client and the probes; one HTTP agent is made on the first request that needs it; one signal and deadline
 * bound it all. Callers that pass no session get one made for them, owning its own deadline.
 */
import { setMaxListeners } from 'node:events';
import type { LookupFunction } from 'node:net';
import type { Dispatcher } from 'undici';
import { usageError } from '../i18n/index.js';
import { Deadline, isTimerDelay, MAX_TIMER_MS } from '../lib/deadline.js';
import { MaildoctorError } from '../lib/errors.js';
import { DnsClient } from './dns-client.js';
import { createAgent, HTTP_REQUEST_TIMEOUT_MS, lookupThrough } from './http.js';
import { lookupAddresses } from './records.js';
import { formatResolver, resolveResolverSpecs, systemResolvers, type SystemResolvers } from './resolvers.js';
import type { AddressFacts, DiscoveryError, DnsTimeouts } from './types.js';

/** Mozilla's ISPDB, as Thunderbird queries it (`<base>/<domain>`). Only the domain is sent. */
export const DEFAULT_ISPDB_BASE_URL = 'https://autoconfig.thunderbird.net/v1.1';
/** Listeners on a session's signal: ~40 queries and fetches in flight, each with a few, plus every probe. */
export const MAX_SIGNAL_LISTENERS = 500;

/** Where and how to look things up. Every field is optional; defaults are in `@default`. */
export interface LookupOptions {
  /** Resolvers `HOST[:PORT]` (IPv6 as `[addr]:port`) instead of the system's. @default the OS configuration */
  dns: string | string[];
  /** Overall deadline of everything looked up in the session. */
  timeoutMs: number;
  /** Caller's cancellation, merged with the deadline. */
  signal: AbortSignal;
  dnsTimeouts: Partial<DnsTimeouts>;
  /** Extra trusted CA certificates (PEM) for autoconfig/ISPDB HTTPS. System CAs stay trusted. */
  ca: string | Buffer | Array<string | Buffer>;
  /**
   * Base URL of an ISPDB-style database, queried as `<base>/<domain>`; `false` turns the source off. Asked for
   * the address's domain (discovery) and for the network provider's (network identity): one setting for both.
   * Only the domain is sent, never the address.
   * @default 'https://autoconfig.thunderbird.net/v1.1' (Mozilla's ISPDB, as Thunderbird uses it)
   */
  ispdbBaseUrl: string | false;
  /** Fetch autoconfig documents (the address's domain's, the provider's). @default true */
  autoconfig: boolean;
  /** Fall back to plain HTTP when HTTPS gives no document; such a result is marked insecure. @default true */
  httpFallback: boolean;
  /**
   * Ports of the autoconfig URLs (`autoconfig.<domain>` and `<domain>/.well-known/…`), for tests and
   * non-standard deployments. @default { http: 80, https: 443 }
   */
  autoconfigPorts: Partial<{ http: number; https: number }>;
  /** Cap of one HTTP request (connect, headers and body). @default 5000 */
  httpTimeoutMs: number;
  /**
   * An undici dispatcher for autoconfig/ISPDB requests instead of the built-in Agent (which resolves names through
   * the resolvers above and trusts `ca`). When given, `ca` and name resolution are the dispatcher's business.
   */
  dispatcher: Dispatcher;
}

/** What the autoconfig and ISPDB sources of every layer ask, and how. */
export interface ConfigSources {
  ispdbBaseUrl: string | false;
  autoconfig: boolean;
  httpFallback: boolean;
  ports: { http?: number; https?: number };
}

/** How HTTP requests of the session are made. */
export interface HttpSettings {
  /** A dispatcher, or a function that makes the session's own on first use. */
  dispatcher: Dispatcher | (() => Promise<Dispatcher>);
  requestTimeoutMs: number;
  /** Set when names go through the session's resolvers (not with a caller's dispatcher). */
  resolve?: (host: string) => Promise<AddressFacts>;
  /** Whether a host name has resolved to an address; tells a DNS stall apart from a slow web server. */
  nameResolved?: (host: string) => boolean;
}

/**
 * The error of a lookup a deadline left unfinished (a placeholder stands in for it): `ABORTED` when the caller
 * aborted, else `code` ("not finished at the deadline").
 */
export function abortError(signal: AbortSignal, what: string, code: 'DNS_TIMEOUT' | 'HTTP_TIMEOUT' = 'DNS_TIMEOUT'): DiscoveryError {
  const r = signal.reason;
  if (r instanceof MaildoctorError && r.code === 'ABORTED') return { code: 'ABORTED', message: `${what}: aborted by the caller` };
  return { code, message: `${what}: not finished at the deadline` };
}

/** Throws `UsageError` for a timeout a timer cannot hold. */
export function assertTimeout(name: string, ms: number | undefined): void {
  if (ms !== undefined && !isTimerDelay(ms)) throw usageError('usage.timerRange', { name, max: String(MAX_TIMER_MS), value: String(ms) });
}

function validSources(options: Partial<LookupOptions>): ConfigSources {
  const ispdbBaseUrl = options.ispdbBaseUrl ?? DEFAULT_ISPDB_BASE_URL;
  if (ispdbBaseUrl !== false) {
    let u: URL;
    try {
      u = new URL(ispdbBaseUrl);
    } catch {
      throw usageError('usage.lookup.ispdbNotUrl', { value: ispdbBaseUrl });
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw usageError('usage.lookup.ispdbScheme', { scheme: u.protocol });
  }
  const ports = options.autoconfigPorts ?? {};
  for (const [k, v] of Object.entries(ports)) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 65_535)) throw usageError('usage.lookup.autoconfigPort', { name: k, value: String(v) });
  }
  return { ispdbBaseUrl, autoconfig: options.autoconfig ?? true, httpFallback: options.httpFallback ?? true, ports };
}

export class LookupSession {
  readonly deadline: Deadline;
  readonly resolvers: SystemResolvers;
  /** The one DNS client: every query of the session goes through it, under the session's signal. */
  readonly dns: DnsClient;
  readonly sources: ConfigSources;
  readonly http: HttpSettings;
  readonly #hosts = new Map<string, Promise<AddressFacts>>();
  readonly #resolved = new Set<string>();
  #agent: ReturnType<typeof createAgent> | undefined;

  /** Use `openSession()`: resolving `--dns` host names is asynchronous. */
  constructor(resolvers: SystemResolvers, options: Partial<LookupOptions>, deadline: Deadline, sources: ConfigSources) {
    this.deadline = deadline;
    this.resolvers = resolvers;
    this.sources = sources;
    this.dns = new DnsClient({ servers: resolvers.servers, signal: deadline.signal, ...(options.dnsTimeouts ?? {}) });
    const resolve = (host: string): Promise<AddressFacts> => this.resolveHost(host);
    this.http = {
      // Our own Agent is made on the first request that gets past name resolution, not before: most autoconfig
      // hosts do not exist, and loading undici would then only cost start-up time.
      dispatcher: options.dispatcher ?? (() => (this.#agent ??= createAgent({ ...(options.ca !== undefined ? { ca: options.ca } : {}), lookup: lookupThrough(resolve) }))),
      requestTimeoutMs: options.httpTimeoutMs ?? HTTP_REQUEST_TIMEOUT_MS,
      // Only meaningful when names go through our resolver (not with a caller's dispatcher).
      ...(options.dispatcher ? {} : { resolve, nameResolved: (host: string) => this.#resolved.has(host.toLowerCase()) }),
    };
  }

  /** Aborts at the session's deadline or when its caller aborts. */
  get signal(): AbortSignal {
    return this.deadline.signal;
  }

  /** `host:port` of each resolver asked. */
  get queriedResolvers(): string[] {
    return this.resolvers.servers.map(formatResolver);
  }

  /**
   * A and AAAA of a host, asked once per session: every later question for the same name (any case) gets the
   * same answer. `signal` (a shorter deadline of the first asker, such as discovery's) bounds the queries too.
   */
  resolveHost(host: string, signal?: AbortSignal): Promise<AddressFacts> {
    const key = host.toLowerCase();
    let p = this.#hosts.get(key);
    if (!p) {
      p = lookupAddresses(this.dns, key, signal);
      this.#hosts.set(key, p);
      void p.then((f) => f.addresses.length > 0 && this.#resolved.add(key));
    }
    return p;
  }

  /**
   * A `dns.lookup`-shaped function for the probes: names resolve through the session's resolvers (so `--dns`
   * means one view of DNS), reusing every address the session already learnt. A name the session could not
   * resolve is asked again: discovery's deadline may have cut its first lookup short.
   */
  readonly lookup: LookupFunction = ((hostname: string, _opts: unknown, callback: (err: NodeJS.ErrnoException | null, addresses: Array<{ address: string; family: number }>) => void) => {
    const answer = (list: string[]): void => callback(null, list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    const asked = this.#hosts.has(hostname.toLowerCase());
    this.resolveHost(hostname)
      .then((facts) => (facts.addresses.length || !asked ? facts : lookupAddresses(this.dns, hostname, this.signal)))
      .then(
        (facts) => {
          if (facts.addresses.length) return answer(facts.addresses);
          const code = facts.status === 'not-found' ? 'ENOTFOUND' : 'EAI_AGAIN';
          callback(Object.assign(new Error(`${hostname}: ${facts.error?.message ?? 'no address'}`), { code }), []);
        },
        (err: Error) => callback(Object.assign(err, { code: 'EAI_AGAIN' }), []),
      );
  }) as unknown as LookupFunction;

  /** Release the deadline's timer and the HTTP agent. */
  async close(): Promise<void> {
    this.deadline.dispose();
    // destroy, not close: a request the deadline abandoned must not keep the caller waiting.
    await this.#agent?.then((agent) => agent.destroy()).catch(() => undefined);
  }
}

/**
 * Open a session: validate the options that can be wrong (`UsageError`), resolve the resolver setting (the one
 * place it is resolved), start the deadline. `defaultTimeoutMs` is the owner's (a check's, discovery's…).
 * Close it with `close()` when the owner is done.
 */
export async function openSession(options: Partial<LookupOptions>, defaultTimeoutMs: number): Promise<LookupSession> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  assertTimeout('timeout', timeoutMs);
  const sources = validSources(options);
  const resolvers: SystemResolvers =
    options.dns !== undefined ? { servers: await resolveResolverSpecs(options.dns), source: 'option' } : systemResolvers();
  const deadline = new Deadline(timeoutMs, options.signal);
  // Every query, fetch and probe of the session listens on this one signal: far more than Node's default of 10
  // listeners, which would print a MaxListenersExceededWarning.
  setMaxListeners(MAX_SIGNAL_LISTENERS, deadline.signal);
  return new LookupSession(resolvers, options, deadline, sources);
}

/** Run `work` in the caller's session, or in one opened (and closed) for this call alone. */
export async function inSession<T>(session: LookupSession | undefined, options: Partial<LookupOptions>, defaultTimeoutMs: number, work: (s: LookupSession) => Promise<T>): Promise<T> {
  if (session) return work(session);
  const own = await openSession(options, defaultTimeoutMs);
  try {
    return await work(own);
  } finally {
    await own.close();
  }
}
