/** A stable hash of the network this machine is on, for change detection (the agent polls it). */
import { createHash } from 'node:crypto';
import { localNetwork } from './local.js';
import type { LocalNetwork, LocalNetworkOptions } from './types.js';

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

export function hashOf(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export function fingerprintParts(net: LocalNetwork): Record<string, unknown> {
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
