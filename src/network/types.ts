/** What network identity reports: the local view of the network, the public address, the provider. */
import type os from 'node:os';
import type { AutoconfigFacts, ServerCandidate } from '../discovery/types.js';
import type { LookupOptions } from '../lookup/session.js';
import type { DiscoveryError, LookupStatus, ResolverSource } from '../lookup/types.js';

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

/** What `networkIdentity()` takes besides a lookup session's options: the local ones and an echo URL. */
export interface NetworkIdentityOwnOptions extends LocalNetworkOptions {
  /**
   * An HTTPS URL that answers with the caller's address, as plain text or JSON `{"ip": "…"}`. No default: a
   * third-party echo learns the user's address, so the caller opts in (the CLI's `--echo-url`).
   */
  echoUrl: string;
  /** Overall deadline of network identity. @default 8000 */
  timeoutMs: number;
  /**
   * Told the provider's guessed SMTP servers (`smtp.` and `mail.` under its domain) as soon as they resolve,
   * before its autoconfig and ISPDB entries answer over HTTP: a check starts probing them then (issue 13). The
   * result's `provider.smtp` still has every source's candidates.
   */
  onProviderSmtp: (candidates: ServerCandidate[]) => void;
}

/** Options of `networkIdentity()` without a session: its own, and a lookup session's (as `discover()` takes them). */
export interface NetworkIdentityOptions extends NetworkIdentityOwnOptions, LookupOptions {
  /** Overall deadline of network identity. @default 8000 */
  timeoutMs: number;
}
