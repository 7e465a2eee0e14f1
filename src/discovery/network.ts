import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import { Deadline, isTimerDelay, MAX_TIMER_MS } from '../lib/deadline.js';
import { UsageError } from '../lib/errors.js';
import { parseAddress, registrableDomain } from './address.js';
import { DEFAULT_ISPDB_BASE_URL, fetchAutoconfig, fetchIspdb, skippedAutoconfig } from './autoconfig.js';
import { buildCandidates, type Claim, type HostHint } from './candidates.js';
import { createContext, MAX_SIGNAL_LISTENERS, settleBy } from './discover.js';
import { expandIpv6, lookupPtr } from './dns-lookups.js';
import { fetchSmall } from './http.js';
import { formatResolver, systemResolvers } from './resolvers.js';
import type { AutoconfigFacts, DiscoverOptions, DiscoveryError, LookupStatus, ResolverSource, ServerCandidate } from './types.js';

/** Overall deadline of networkIdentity(): echo, PTR, then the provider's autoconfig. */
export const NETWORK_IDENTITY_TIMEOUT_MS = 8_000;
/** An echo answer is one address; anything much longer is not. */
const ECHO_MAX_BYTES = 4_096;
/** /proc files read for the local snapshot; real ones are a few KB. */
const PROC_MAX_BYTES = 1024 * 1024;

/** How an address is classified for choosing a public address. */
export type AddressScope = 'loopback' | 'link-local' | 'private' | 'shared' | 'unique-local' | 'documentation' | 'public' | 'unspecified';

export interface InterfaceAddress {
  address: string;
  family: 4 | 6;
  /** `address/prefix`. */
  cidr: string | null;
  scope: AddressScope;
  /** IPv6 privacy address (RFC 8981); it rotates, so it is left out of the fingerprint. */
  temporary?: boolean;
}

export interface NetworkInterfaceFacts {
  name: string;
  mac?: string;
  internal: boolean;
  addresses: InterfaceAddress[];
}

export interface DefaultRoute {
  interface: string;
  /** Next hop; absent for a point-to-point default route without gateway. */
  gateway?: string;
  metric: number;
}

/** What can be learnt without network I/O (interfaces, routes, resolvers). */
export interface LocalNetwork {
  platform: NodeJS.Platform;
  interfaces: NetworkInterfaceFacts[];
  defaultRoutes: { ipv4?: DefaultRoute; ipv6?: DefaultRoute };
  /** The interface of the IPv4 default route, else of the IPv6 one. */
  defaultInterface?: string;
  /** The IPv4 gateway, else the IPv6 one. */
  gateway?: string;
  resolvers: string[];
  resolverSource: ResolverSource;
  /** What could not be learnt on this platform, one `field: reason` line each (never guessed). */
  unknown: string[];
}

export interface PublicAddress {
  address: string;
  family: 4 | 6;
  /** `echo`: as the echo service saw us; `interface`: a non-private address on the default-route interface. */
  source: 'echo' | 'interface';
}

/** Everything `networkIdentity()` learnt about the network this machine is on. */
export interface NetworkIdentity extends LocalNetwork {
  collectedAt: string;
  durationMs: number;
  publicAddress?: PublicAddress;
  /** The echo request, when an echo URL was configured. */
  echo?: { url: string; ok: boolean; status?: number; durationMs: number; error?: DiscoveryError };
  /** PTR of the public address and whether its name resolves back to it (forward-confirmed reverse DNS). */
  reverseDns?: LookupStatus & { names: string[]; name?: string; forwardConfirmed: boolean };
  /** The network provider, from the PTR name's registrable domain. */
  provider?: {
    domain: string;
    /** The provider's likely outgoing SMTP servers, best first (each with the standard port set). */
    smtp: ServerCandidate[];
    autoconfig: AutoconfigFacts;
    ispdb: AutoconfigFacts;
    /** `smtp.`/`mail.` guesses that do not resolve (left out of `smtp`). */
    unresolvedGuesses: string[];
  };
  /** Resolvers actually queried (`host:port`): the system's, or those of the `dns` option. */
  queriedResolvers: string[];
  /** sha256 of gateway, default-interface addresses, resolvers and public address. */
  fingerprint: string;
  /** `networkFingerprint()` of the same moment: the same inputs without the public address (no network I/O). */
  localFingerprint: string;
}

export interface LocalNetworkOptions {
  /** @default process.platform */
  platform: NodeJS.Platform;
  /** Files read on Linux; tests point them at fixtures. */
  paths: Partial<{ route: string; ipv6Route: string; ifInet6: string; resolvConf: string }>;
  /** @default os.networkInterfaces */
  networkInterfaces: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
}

/** Options of `networkIdentity()`: the local ones, the HTTP/DNS ones it shares with `discover()`, an echo URL. */
export interface NetworkIdentityOptions
  extends LocalNetworkOptions,
    Pick<DiscoverOptions, 'dns' | 'signal' | 'dnsTimeouts' | 'ca' | 'ispdbBaseUrl' | 'autoconfig' | 'httpFallback' | 'autoconfigPorts' | 'httpTimeoutMs' | 'dispatcher'> {
  /**
   * An HTTPS URL that answers with the caller's address, as plain text or JSON `{"ip": "…"}`. No default: a
   * third-party echo learns the user's address, so the caller opts in (the CLI's `--echo-url`).
   */
  echoUrl: string;
  /** Overall deadline. @default 8000 */
  timeoutMs: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Address classification

function v4ToInt(a: string): number {
  return a.split('.').reduce((n, o) => (n << 8) + Number(o), 0) >>> 0;
}

function inV4(a: string, net: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (v4ToInt(a) & mask) === (v4ToInt(net) & mask);
}

/**
 * Classify an address. The documentation ranges (RFC 5737, RFC 3849) are their own class and count as
 * non-private: they are never routed on the internet, so they only appear in test networks, which must behave
 * like real ones.
 */
export function classifyAddress(address: string): AddressScope {
  const fam = isIP(address.split('%')[0]!);
  if (fam === 4) {
    if (address === '0.0.0.0') return 'unspecified';
    if (inV4(address, '127.0.0.0', 8)) return 'loopback';
    if (inV4(address, '169.254.0.0', 16)) return 'link-local';
    if (inV4(address, '10.0.0.0', 8) || inV4(address, '172.16.0.0', 12) || inV4(address, '192.168.0.0', 16)) return 'private';
    if (inV4(address, '100.64.0.0', 10)) return 'shared'; // RFC 6598 carrier-grade NAT
    if (inV4(address, '192.0.2.0', 24) || inV4(address, '198.51.100.0', 24) || inV4(address, '203.0.113.0', 24)) return 'documentation';
    return 'public';
  }
  if (fam === 6) {
    const full = expandIpv6(address);
    if (full === '0000:0000:0000:0000:0000:0000:0000:0000') return 'unspecified';
    if (full === '0000:0000:0000:0000:0000:0000:0000:0001') return 'loopback';
    const first = parseInt(full.slice(0, 4), 16);
    if ((first & 0xffc0) === 0xfe80) return 'link-local';
    if ((first & 0xfe00) === 0xfc00) return 'unique-local';
    if (full.startsWith('2001:0db8:')) return 'documentation';
    if (full.startsWith('0000:0000:0000:0000:0000:ffff:')) {
      const tail = full.slice(30).replace(':', '');
      const v4 = [0, 2, 4, 6].map((i) => parseInt(tail.slice(i, i + 2), 16)).join('.');
      return classifyAddress(v4);
    }
    return 'public';
  }
  throw new TypeError(`not an IP address: ${address}`);
}

function isNonPrivate(scope: AddressScope): boolean {
  return scope === 'public' || scope === 'documentation';
}

// ---------------------------------------------------------------------------------------------------------------
// Linux /proc parsing

const RTF_UP = 0x0001;
const RTF_REJECT = 0x0200;

/** IPv4 default routes of /proc/net/route (addresses little-endian hex), lowest metric first. */
export function parseProcRoute(text: string): DefaultRoute[] {
  const out: DefaultRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [iface, dest, gw, flagsHex, , , metric, mask] = f as [string, string, string, string, string, string, string, string];
    const flags = parseInt(flagsHex, 16);
    if (dest !== '00000000' || mask !== '00000000' || !(flags & RTF_UP) || flags & RTF_REJECT) continue;
    const g = parseInt(gw, 16) >>> 0;
    const gateway = g === 0 ? undefined : [g & 0xff, (g >>> 8) & 0xff, (g >>> 16) & 0xff, g >>> 24].join('.');
    out.push({ interface: iface, ...(gateway ? { gateway } : {}), metric: Number(metric) });
  }
  return out.sort((a, b) => a.metric - b.metric);
}

/** IPv6 default routes of /proc/net/ipv6_route, lowest metric first (the `lo` reject routes are skipped). */
export function parseIpv6Route(text: string): DefaultRoute[] {
  const out: DefaultRoute[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [dest, plen, , , nextHop, metric, , , flagsHex, iface] = f as [string, string, string, string, string, string, string, string, string, string];
    const flags = parseInt(flagsHex, 16);
    if (!/^0{32}$/.test(dest) || plen !== '00' || iface === 'lo' || !(flags & RTF_UP) || flags & RTF_REJECT) continue;
    const gateway = /^0{32}$/.test(nextHop) ? undefined : compressIpv6(nextHop);
    out.push({ interface: iface, ...(gateway ? { gateway } : {}), metric: parseInt(metric, 16) });
  }
  return out.sort((a, b) => a.metric - b.metric);
}

/** Temporary (privacy) IPv6 addresses per /proc/net/if_inet6 (flag IFA_F_TEMPORARY = 0x01). */
export function parseIfInet6Temporary(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    if (parseInt(f[4]!, 16) & 0x01) out.add(compressIpv6(f[0]!));
  }
  return out;
}

function compressIpv6(hex32: string): string {
  const groups = hex32.match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16));
  // RFC 5952 §4.2: the longest run of zero groups (length > 1) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function readSmall(path: string): string | undefined {
  try {
    return readFileSync(path).subarray(0, PROC_MAX_BYTES).toString('utf8');
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Local snapshot and fingerprint

/** Interfaces, default routes and resolvers, from the OS only: no network I/O, cheap enough to poll. */
export function localNetwork(options: Partial<LocalNetworkOptions> = {}): LocalNetwork {
  const platform = options.platform ?? process.platform;
  const unknown: string[] = [];
  const paths = {
    route: '/proc/net/route',
    ipv6Route: '/proc/net/ipv6_route',
    ifInet6: '/proc/net/if_inet6',
    ...options.paths,
  };
  const temporary = platform === 'linux' ? parseIfInet6Temporary(readSmall(paths.ifInet6) ?? '') : new Set<string>();
  const raw = (options.networkInterfaces ?? os.networkInterfaces)();
  const interfaces: NetworkInterfaceFacts[] = Object.entries(raw)
    .map(([name, list]) => {
      const addrs = list ?? [];
      const mac = addrs.find((a) => a.mac && a.mac !== '00:00:00:00:00:00')?.mac;
      return {
        name,
        ...(mac ? { mac } : {}),
        internal: addrs.every((a) => a.internal),
        addresses: addrs.map((a): InterfaceAddress => {
          const family = a.family === 'IPv6' || (a.family as unknown) === 6 ? 6 : 4;
          return {
            address: a.address,
            family,
            cidr: a.cidr,
            scope: classifyAddress(a.address),
            ...(family === 6 && temporary.has(a.address.split('%')[0]!) ? { temporary: true } : {}),
          };
        }),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));

  const defaultRoutes: LocalNetwork['defaultRoutes'] = {};
  if (platform === 'linux') {
    const v4 = readSmall(paths.route);
    const v6 = readSmall(paths.ipv6Route);
    if (v4 === undefined) unknown.push(`defaultRoutes.ipv4: ${paths.route} is not readable`);
    else {
      const r = parseProcRoute(v4)[0];
      if (r) defaultRoutes.ipv4 = r;
    }
    if (v6 !== undefined) {
      const r = parseIpv6Route(v6)[0];
      if (r) defaultRoutes.ipv6 = r;
    }
  } else {
    // macOS (`route -n get default`) and Windows (`route print`) need a command and its parsing; not done yet.
    unknown.push(`defaultRoutes: reading the routing table is implemented for Linux only (this is ${platform})`);
    unknown.push(`gateway: reading the routing table is implemented for Linux only (this is ${platform})`);
  }
  const defaultInterface = defaultRoutes.ipv4?.interface ?? defaultRoutes.ipv6?.interface;
  const gateway = defaultRoutes.ipv4?.gateway ?? defaultRoutes.ipv6?.gateway;

  const sys = systemResolvers(options.paths?.resolvConf ? { resolvConfPath: options.paths.resolvConf } : {});
  const resolvers = sys.servers.map(formatResolver);
  const resolverSource = sys.source;
  if (resolvers.length === 0) unknown.push('resolvers: no resolver in resolv.conf nor in node’s configuration');
  return {
    platform,
    interfaces,
    defaultRoutes,
    ...(defaultInterface ? { defaultInterface } : {}),
    ...(gateway ? { gateway } : {}),
    resolvers,
    resolverSource,
    unknown,
  };
}

/** Addresses of the default-route interface(s) that identify the network: no link-local, no rotating privacy address. */
function identifyingAddresses(net: LocalNetwork): string[] {
  const names = new Set([net.defaultRoutes.ipv4?.interface, net.defaultRoutes.ipv6?.interface].filter(Boolean));
  return net.interfaces
    .filter((i) => names.has(i.name))
    .flatMap((i) => i.addresses)
    .filter((a) => a.scope !== 'link-local' && !a.temporary)
    .map((a) => a.cidr ?? a.address)
    .sort();
}

function hashOf(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

function fingerprintParts(net: LocalNetwork): Record<string, unknown> {
  return {
    v: 1,
    gateway4: net.defaultRoutes.ipv4?.gateway ?? null,
    gateway6: net.defaultRoutes.ipv6?.gateway ?? null,
    addresses: identifyingAddresses(net),
    resolvers: [...net.resolvers].sort(),
  };
}

/**
 * A stable hash of the local view of the network (gateways, default-interface addresses, resolvers) with no
 * network I/O, for cheap polling (an agent every 2 s). Equal to `networkIdentity().localFingerprint`.
 */
export function networkFingerprint(options: Partial<LocalNetworkOptions> = {}): string {
  return hashOf(fingerprintParts(localNetwork(options)));
}

// ---------------------------------------------------------------------------------------------------------------
// Identity (with network I/O)

/** Parse an echo answer: a bare address, or JSON `{"ip": "…"}`. */
export function parseEcho(body: string): string | undefined {
  const text = body.trim();
  if (isIP(text)) return text;
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as { ip?: unknown };
      if (typeof j.ip === 'string' && isIP(j.ip.trim())) return j.ip.trim();
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function addressFromInterface(net: LocalNetwork): PublicAddress | undefined {
  const pick = (ifname: string | undefined, family: 4 | 6): PublicAddress | undefined => {
    const i = net.interfaces.find((x) => x.name === ifname);
    const a = i?.addresses.find((x) => x.family === family && isNonPrivate(x.scope) && !x.temporary);
    return a ? { address: a.address, family, source: 'interface' } : undefined;
  };
  return pick(net.defaultRoutes.ipv4?.interface, 4) ?? pick(net.defaultRoutes.ipv6?.interface, 6);
}

/**
 * Who this network is: interfaces, default route and gateway, resolvers, the public address (echo URL, else a
 * non-private address of the default-route interface), its reverse DNS name, the provider's registrable domain,
 * the provider's likely outgoing SMTP servers, and a fingerprint for change detection. Failures are data
 * (`unknown`, `echo.error`, `reverseDns.error`); only a malformed option throws (`UsageError`).
 */
export async function networkIdentity(options: Partial<NetworkIdentityOptions> = {}): Promise<NetworkIdentity> {
  if (options.echoUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(options.echoUrl);
    } catch {
      throw new UsageError(`echo URL "${options.echoUrl}" is not a URL`);
    }
    if (u.protocol !== 'https:') throw new UsageError(`the echo URL must be https (got ${u.protocol}): a plain-HTTP answer can be forged on the path`);
  }
  const timeoutMs = options.timeoutMs ?? NETWORK_IDENTITY_TIMEOUT_MS;
  if (!isTimerDelay(timeoutMs)) throw new UsageError(`timeout must be 1 to ${MAX_TIMER_MS} milliseconds, got ${timeoutMs}`);
  const collectedAt = new Date();
  const net = localNetwork(options);
  const localFingerprint = hashOf(fingerprintParts(net));
  const deadline = new Deadline(timeoutMs, options.signal);
  setMaxListeners(MAX_SIGNAL_LISTENERS, deadline.signal);
  const ctx = await createContext(options, deadline.signal).catch((err: unknown) => {
    deadline.dispose();
    throw err;
  });
  const unknown = [...net.unknown];
  const out: Omit<NetworkIdentity, 'fingerprint' | 'localFingerprint' | 'durationMs'> = {
    ...net,
    unknown,
    collectedAt: collectedAt.toISOString(),
    queriedResolvers: ctx.resolvers.servers.map(formatResolver),
  };
  try {
    // 1. Public address.
    if (options.echoUrl) {
      const r = await fetchSmall(options.echoUrl, {
        dispatcher: ctx.autoconfig.dispatcher,
        ...(ctx.autoconfig.resolve ? { resolve: ctx.autoconfig.resolve } : {}),
        signal: deadline.signal,
        maxBytes: ECHO_MAX_BYTES,
        accept: 'application/json, text/plain;q=0.9',
        ...(options.httpTimeoutMs !== undefined ? { timeoutMs: options.httpTimeoutMs } : {}),
      });
      out.echo = { url: options.echoUrl, ok: r.ok, ...(r.status !== undefined ? { status: r.status } : {}), durationMs: r.durationMs, ...(r.error ? { error: r.error } : {}) };
      if (r.ok) {
        const ip = parseEcho(r.body ?? '');
        if (ip) out.publicAddress = { address: ip, family: isIP(ip) as 4 | 6, source: 'echo' };
        else out.echo = { ...out.echo, ok: false, error: { code: 'ECHO_MALFORMED', message: `${options.echoUrl} answered ${JSON.stringify((r.body ?? '').slice(0, 60))}` } };
      }
    }
    if (!out.publicAddress) {
      const fromIf = addressFromInterface(net);
      if (fromIf) out.publicAddress = fromIf;
      else {
        unknown.push(
          `publicAddress: ${options.echoUrl ? 'the echo URL gave no address and ' : 'no echo URL configured and '}the default-route interface has no public address (behind NAT?)`,
        );
      }
    }

    // 2. Reverse DNS and forward confirmation.
    if (out.publicAddress) {
      const pub = out.publicAddress.address;
      const ptr = await settleBy(lookupPtr(ctx.dns, pub), deadline.signal, () => ({
        name: pub,
        type: 'PTR',
        ok: false,
        attempts: 0,
        durationMs: 0,
        names: [],
        error: { code: 'DNS_TIMEOUT' as const, message: `PTR ${pub}: not finished at the deadline` },
      }));
      const name = ptr.names[0];
      let forwardConfirmed = false;
      if (name) {
        const fwd = await settleBy(ctx.resolveHost(name), deadline.signal, () => undefined);
        forwardConfirmed = fwd?.addresses.some((a) => sameAddress(a, pub)) ?? false;
      }
      out.reverseDns = { ...ptr, ...(name ? { name } : {}), forwardConfirmed };
      if (!name) unknown.push(`provider: the public address ${pub} has no reverse DNS name${ptr.error ? ` (${ptr.error.code})` : ''}`);

      // 3. The provider and its outgoing servers.
      const domain = name ? registrableDomain(name) : null;
      if (name && !domain) unknown.push(`provider: "${name}" has no registrable domain`);
      if (domain) out.provider = await providerServers(domain, ctx, options, deadline.signal);
    }
  } finally {
    deadline.dispose();
    await ctx.close();
  }
  const publicAddress = out.publicAddress?.address ?? null;
  return {
    ...out,
    durationMs: Math.round(performance.now() - deadline.startedAt),
    fingerprint: hashOf({ ...fingerprintParts(net), publicAddress }),
    localFingerprint,
  };
}

function sameAddress(a: string, b: string): boolean {
  if (isIP(a) === 6 && isIP(b) === 6) return expandIpv6(a) === expandIpv6(b);
  return a === b;
}

async function providerServers(
  domain: string,
  ctx: Awaited<ReturnType<typeof createContext>>,
  options: Partial<NetworkIdentityOptions>,
  signal: AbortSignal,
): Promise<NonNullable<NetworkIdentity['provider']>> {
  // Autoconfig templates need an address; postmaster@ exists at every mail domain (RFC 5321 §4.5.1).
  const address = parseAddress(`postmaster@${domain}`);
  const placeholder = (source: 'autoconfig' | 'ispdb') => (): AutoconfigFacts => ({
    source,
    domain,
    state: 'timeout',
    insecure: false,
    attempts: [],
    error: { code: 'HTTP_TIMEOUT', message: `${source} ${domain}: not finished at the deadline` },
  });
  const ispdbBase = options.ispdbBaseUrl ?? DEFAULT_ISPDB_BASE_URL;
  const guesses = ['smtp.', 'mail.'].map((p) => `${p}${domain}`);
  const [autoconfig, ispdb, resolved] = await Promise.all([
    options.autoconfig === false
      ? skippedAutoconfig('autoconfig', domain, 'autoconfig turned off')
      : settleBy(fetchAutoconfig(address, domain, ctx.autoconfig), signal, placeholder('autoconfig')),
    ispdbBase === false ? skippedAutoconfig('ispdb', domain, 'no ISPDB configured') : settleBy(fetchIspdb(address, domain, ispdbBase, ctx.autoconfig), signal, placeholder('ispdb')),
    Promise.all(guesses.map((h) => settleBy(ctx.resolveHost(h), signal, () => undefined))),
  ]);
  const claims: Claim[] = [];
  for (const f of [autoconfig, ispdb]) {
    for (const s of f.config?.servers ?? []) {
      if (s.role !== 'smtp') continue;
      const source = f.source === 'ispdb' ? 'ispdb' : f.insecure ? 'autoconfig-http' : 'autoconfig';
      claims.push({ role: 'smtp', host: s.hostname, port: s.port, security: s.security, source, evidence: `${f.source} ${f.url} → ${s.hostname}:${s.port} ${s.security}` });
    }
  }
  const hints: HostHint[] = [];
  const unresolvedGuesses: string[] = [];
  guesses.forEach((h, i) => {
    if ((resolved[i]?.addresses.length ?? 0) > 0) hints.push({ role: 'smtp', host: h, source: 'guess', evidence: `guess ${h} resolves` });
    else unresolvedGuesses.push(h);
  });
  await Promise.all(claims.map((c) => settleBy(ctx.resolveHost(c.host), signal, () => undefined)));
  const hosts = new Map<string, Awaited<ReturnType<typeof ctx.resolveHost>>>();
  for (const h of new Set([...claims.map((c) => c.host), ...hints.map((h) => h.host)])) {
    const f = await settleBy(ctx.resolveHost(h), signal, () => undefined);
    if (f) hosts.set(h, f);
  }
  return { domain, smtp: buildCandidates(claims, hints, hosts).smtp, autoconfig, ispdb, unresolvedGuesses };
}
