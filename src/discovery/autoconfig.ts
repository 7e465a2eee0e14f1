import { isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '../lib/codes.js';
import { parseClientConfig } from './client-config.js';
import { fetchSmall, HTTP_MAX_BODY_BYTES, type FetchOutcome } from '../lookup/http.js';
import { XmlError } from '../lookup/xml.js';
import type { AutoconfigFacts, ClientConfig, DiscoveryError, ParsedAddress, AddressFacts } from './types.js';

/** Cap of an autoconfig document; also the XML parser's character cap. */
export const AUTOCONFIG_MAX_BYTES = 64 * 1024;

export interface AutoconfigContext {
  dispatcher: Dispatcher | (() => Promise<Dispatcher>);
  /** Names resolved before a request (see FetchOptions.resolve); set when names go through our resolver. */
  resolve?: (host: string) => Promise<AddressFacts>;
  signal: AbortSignal;
  /** Ports of the two autoconfig URLs; the defaults are the scheme's. */
  ports?: { http?: number; https?: number };
  httpFallback: boolean;
  requestTimeoutMs?: number;
  /** Whether a host name has resolved to an address; tells a DNS stall apart from a slow web server. */
  nameResolved?: (host: string) => boolean;
}

function hostPort(host: string, port: number | undefined, scheme: 'http' | 'https'): string {
  const standard = scheme === 'https' ? 443 : 80;
  return port === undefined || port === standard ? host : `${host}:${port}`;
}

/** The two autoconfig URLs of a domain for a scheme (Thunderbird's order: the autoconfig host first). */
export function autoconfigUrls(address: ParsedAddress, domain: string, scheme: 'http' | 'https', ports?: { http?: number; https?: number }): string[] {
  const port = ports?.[scheme];
  const q = encodeURIComponent(address.address);
  return [
    `${scheme}://${hostPort(`autoconfig.${domain}`, port, scheme)}/mail/config-v1.1.xml?emailaddress=${q}`,
    `${scheme}://${hostPort(domain, port, scheme)}/.well-known/autoconfig/mail/config-v1.1.xml`,
  ];
}

/** `<base>/<domain>`, tolerating a trailing slash on the base. */
export function ispdbUrl(base: string, domain: string): string {
  return `${base.replace(/\/+$/, '')}/${encodeURIComponent(domain)}`;
}

interface Tried {
  outcome: FetchOutcome;
  config?: ClientConfig;
}

async function tryUrl(url: string, address: ParsedAddress, ctx: AutoconfigContext): Promise<Tried> {
  const outcome = await fetchSmall(url, {
    dispatcher: ctx.dispatcher,
    ...(ctx.resolve ? { resolve: ctx.resolve } : {}),
    signal: ctx.signal,
    maxBytes: Math.min(AUTOCONFIG_MAX_BYTES, HTTP_MAX_BODY_BYTES),
    ...(ctx.requestTimeoutMs !== undefined ? { timeoutMs: ctx.requestTimeoutMs } : {}),
  });
  if (!outcome.ok && outcome.error?.code === 'HTTP_TIMEOUT' && ctx.nameResolved) {
    // The request timed out before its name resolved: that is a DNS timeout, say so.
    const host = new URL(outcome.finalUrl).hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) === 0 && !ctx.nameResolved(host)) {
      return { outcome: { ...outcome, error: { code: 'DNS_TIMEOUT', message: `${host}: no DNS answer in time (${outcome.error.message})` } } };
    }
  }
  if (!outcome.ok || outcome.body === undefined) return { outcome };
  const { body: _body, ...kept } = outcome;
  try {
    const config = parseClientConfig(outcome.body, address, { maxChars: AUTOCONFIG_MAX_BYTES });
    return { outcome: kept as FetchOutcome, config };
  } catch (err) {
    const why = err instanceof XmlError ? `${err.reason}: ${err.message}` : (err as Error).message;
    return { outcome: { ...(kept as FetchOutcome), ok: false, error: { code: 'CONFIG_MALFORMED', message: `${url}: ${why}` } } };
  }
}

/** A 404/410 or a name that does not exist: the normal "this domain publishes no autoconfig". */
function isAbsence(e: DiscoveryError | undefined, status: number | undefined): boolean {
  return e?.code === 'DNS_NOT_FOUND' || status === 404 || status === 410;
}

/** Which failure to report when all failed: the most specific and actionable first. */
const ERROR_RANK: ErrorCode[] = [
  'ABORTED',
  'CONFIG_MALFORMED',
  'HTTP_TOO_LARGE',
  'TLS_CERT_HOSTNAME_MISMATCH',
  'TLS_CERT_EXPIRED',
  'TLS_CERT_SELF_SIGNED',
  'TLS_CERT_UNTRUSTED',
  'TLS_HANDSHAKE_FAILED',
  'HTTP_TIMEOUT',
  'CONNECT_TIMEOUT',
  'DNS_TIMEOUT',
  'DNS_SERVFAIL',
  'DNS_RESOLVER_UNREACHABLE',
  'DNS_MALFORMED_RESPONSE',
  'HTTP_ERROR',
  'CONNECTION_RESET',
  'CONNECTION_CLOSED',
  'CONNECT_REFUSED',
  'CONNECT_UNREACHABLE',
  'DNS_FAILURE',
  'DNS_NOT_FOUND',
];

function summarise(facts: AutoconfigFacts, tried: Tried[]): AutoconfigFacts {
  facts.attempts.push(...tried.map((t) => t.outcome));
  const hit = tried.find((t) => t.config);
  if (hit) {
    facts.state = 'found';
    facts.url = hit.outcome.finalUrl;
    facts.insecure = hit.outcome.insecure;
    facts.config = hit.config!;
    delete facts.error;
    return facts;
  }
  const failures = facts.attempts.filter((a) => a.error);
  if (failures.length > 0 && failures.every((a) => isAbsence(a.error, a.status))) {
    facts.state = 'not-found';
    facts.error = failures[0]!.error!;
    return facts;
  }
  const rank = (a: (typeof failures)[number]): number => {
    if (isAbsence(a.error, a.status)) return ERROR_RANK.length + 1;
    const r = ERROR_RANK.indexOf(a.error!.code);
    return r < 0 ? ERROR_RANK.length : r;
  };
  const worst = [...failures].sort((x, y) => rank(x) - rank(y))[0];
  facts.error = worst?.error ?? { code: 'HTTP_ERROR', message: 'no autoconfig document' };
  facts.state = facts.error.code === 'HTTP_TIMEOUT' || facts.error.code === 'DNS_TIMEOUT' ? 'timeout' : 'error';
  return facts;
}

/**
 * The domain's own autoconfig: both HTTPS URLs in parallel (the autoconfig host preferred), then — only when
 * neither gave a document and `httpFallback` is on — the same over plain HTTP, marked insecure: anyone on the
 * path can forge a plain-HTTP answer, so its servers must not be trusted blindly.
 */
export async function fetchAutoconfig(address: ParsedAddress, domain: string, ctx: AutoconfigContext): Promise<AutoconfigFacts> {
  const facts: AutoconfigFacts = { source: 'autoconfig', domain, state: 'not-found', insecure: false, attempts: [] };
  const secure = await Promise.all(autoconfigUrls(address, domain, 'https', ctx.ports).map((u) => tryUrl(u, address, ctx)));
  summarise(facts, secure);
  if (facts.state === 'found' || !ctx.httpFallback || ctx.signal.aborted) return facts;
  const plain = await Promise.all(autoconfigUrls(address, domain, 'http', ctx.ports).map((u) => tryUrl(u, address, ctx)));
  return summarise(facts, plain);
}

/** The ISPDB entry of a domain (`<base>/<domain>`). */
export async function fetchIspdb(address: ParsedAddress, domain: string, baseUrl: string, ctx: AutoconfigContext): Promise<AutoconfigFacts> {
  const facts: AutoconfigFacts = { source: 'ispdb', domain, state: 'not-found', insecure: false, attempts: [] };
  return summarise(facts, [await tryUrl(ispdbUrl(baseUrl, domain), address, ctx)]);
}

export function skippedAutoconfig(source: 'autoconfig' | 'ispdb', domain: string, reason: string): AutoconfigFacts {
  return { source, domain, state: 'skipped', insecure: false, attempts: [], skippedReason: reason };
}
