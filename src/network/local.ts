/**
 * The local view of the network, from the OS only (no network I/O): interfaces with each address's scope,
 * default routes from Linux's /proc, the resolvers.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import { expandIpv6 } from '../lookup/records.js';
import { formatResolver, systemResolvers, type SystemResolvers } from '../lookup/resolvers.js';
import type { AddressScope, DefaultRoute, InterfaceAddress, LocalNetwork, LocalNetworkOptions, NetworkInterfaceFacts } from './types.js';
import { compareText } from '../lib/text.js';

/** /proc files read for the local snapshot; real ones are a few KB. */
const PROC_MAX_BYTES = 1024 * 1024;

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

export function isNonPrivate(scope: AddressScope): boolean {
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
// Local snapshot

/** Interfaces, default routes and resolvers, from the OS only: no network I/O, cheap enough to poll. */
export function localNetwork(options: Partial<LocalNetworkOptions> = {}, system?: SystemResolvers): LocalNetwork {
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
    .sort((a, b) => compareText(a.name, b.name));

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

  // `system`: the system's resolvers as a lookup session already read them (a check reads them once).
  const sys = system ?? systemResolvers(options.paths?.resolvConf ? { resolvConfPath: options.paths.resolvConf } : {});
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
