import { readFileSync } from 'node:fs';
import { getServers } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { usageError } from '../i18n/index.js';
import { parseHostPort } from './host-port.js';
import type { ResolverAddress, ResolverSource } from './types.js';

export const DNS_PORT = 53;
/** The file glibc's stub resolver reads (resolv.conf(5)); `ip netns exec` bind-mounts /etc/netns/NAME/resolv.conf over it. */
export const RESOLV_CONF_PATH = '/etc/resolv.conf';
/** resolv.conf(5): glibc uses at most three nameserver lines (MAXNS); we keep a few more but bound the list. */
const MAX_RESOLVERS = 8;
/** A resolv.conf larger than this is not one. */
const MAX_RESOLV_CONF_BYTES = 64 * 1024;

/**
 * A resolver `HOST[:PORT]` (port 53 by default), parsed by the one HOST[:PORT] parser: a host name is
 * resolved once through the system resolver by `resolveResolverSpecs`. Throws `UsageError` for anything else.
 */
export function parseResolverSpec(spec: string): ResolverAddress {
  const { host, port } = parseHostPort(spec, 'DNS server');
  return { host, port: port ?? DNS_PORT };
}

/** Parse and, for host names, resolve (system resolver, once) a list of `HOST[:PORT]`. */
export async function resolveResolverSpecs(specs: string | string[]): Promise<ResolverAddress[]> {
  const list = (Array.isArray(specs) ? specs : [specs]).flatMap((s) => s.split(',')).filter((s) => s.trim() !== '');
  if (list.length === 0) throw usageError('usage.dns.none');
  const out: ResolverAddress[] = [];
  for (const spec of list.slice(0, MAX_RESOLVERS)) {
    const parsed = parseResolverSpec(spec);
    if (isIP(stripZone(parsed.host)) !== 0) {
      out.push(parsed);
      continue;
    }
    try {
      const { address } = await lookup(parsed.host);
      out.push({ host: address, port: parsed.port });
    } catch (err) {
      throw usageError('usage.dns.unresolved', { host: parsed.host, code: (err as NodeJS.ErrnoException).code ?? 'error' });
    }
  }
  return out;
}

/** `nameserver` lines of a resolv.conf text, in order, as resolver addresses on port 53. */
export function parseResolvConf(text: string): ResolverAddress[] {
  const out: ResolverAddress[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const m = /^nameserver\s+(\S+)/.exec(line);
    if (!m) continue;
    const host = m[1]!;
    if (isIP(stripZone(host)) === 0) continue; // resolv.conf(5): nameserver takes an address, never a name
    out.push({ host, port: DNS_PORT });
    if (out.length >= MAX_RESOLVERS) break;
  }
  return out;
}

/** Node's `dns.getServers()` entries (`192.0.2.1`, `192.0.2.1:5353`, `[2001:db8::1]:5353`, `2001:db8::1`). */
export function parseNodeServers(servers: readonly string[]): ResolverAddress[] {
  const out: ResolverAddress[] = [];
  for (const s of servers.slice(0, MAX_RESOLVERS)) {
    try {
      const r = parseResolverSpec(s);
      if (isIP(stripZone(r.host)) !== 0) out.push(r);
    } catch {
      // an entry we cannot read is left out rather than guessed
    }
  }
  return out;
}

export interface SystemResolvers {
  servers: ResolverAddress[];
  source: ResolverSource;
}

/**
 * The OS's resolvers. Linux (and other systems with the file): `/etc/resolv.conf`; otherwise, or when it lists
 * none, the list node itself uses (`dns.getServers()`, which on Windows comes from the adapter configuration).
 */
export function systemResolvers(options: { resolvConfPath?: string } = {}): SystemResolvers {
  const path = options.resolvConfPath ?? RESOLV_CONF_PATH;
  if (process.platform !== 'win32' || options.resolvConfPath) {
    try {
      const buf = readFileSync(path);
      const servers = parseResolvConf(buf.subarray(0, MAX_RESOLV_CONF_BYTES).toString('utf8'));
      if (servers.length > 0) return { servers, source: 'resolv.conf' };
    } catch {
      // no readable resolv.conf: fall through to node's view
    }
  }
  return { servers: parseNodeServers(getServers()), source: 'node' };
}

/** `host:port`, with IPv6 in brackets. */
export function formatResolver(r: ResolverAddress): string {
  return isIP(stripZone(r.host)) === 6 ? `[${r.host}]:${r.port}` : `${r.host}:${r.port}`;
}

function stripZone(host: string): string {
  const i = host.indexOf('%');
  return i < 0 ? host : host.slice(0, i);
}
