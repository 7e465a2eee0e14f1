/**
 * The exporter's allow-list. An open `/probe` is a port scanner and a relay tester for anyone who can reach it,
 * so every target must match a pattern before anything is resolved or dialled. Patterns:
 *
 *     mail.example.com        that host, on the mail ports (25 110 143 465 587 993 995)
 *     *.example.com           any name under example.com (not example.com itself), on the mail ports
 *     *.example.com:587       ... on port 587 only
 *     mail.example.com:*      that host, on any port (what a `tcp` module needs for other ports)
 *     203.0.113.0/24          addresses of a network (CIDR), on the mail ports; `[2001:db8::/32]:25` for IPv6
 *
 * Names are matched as given, never resolved: the decision is made before any DNS query.
 */
import net from 'node:net';
import { UsageError } from '../lib/errors.js';
import { portNumber } from '../lib/host-port.js';

/** The ports a pattern without a port admits: SMTP, submission, POP3 and IMAP, plain and implicit TLS. */
export const MAIL_PORTS: readonly number[] = [25, 110, 143, 465, 587, 993, 995];

export interface AllowPattern {
  /** The pattern as written. */
  text: string;
  /** A lower-case name, `*.suffix`, an address, or a network in CIDR form. */
  host: string;
  /** `mail`: {@link MAIL_PORTS}; `any`; or one port. */
  ports: 'mail' | 'any' | number;
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const NAME = new RegExp(`^(?:\\*\\.)?(?:${LABEL}\\.)*${LABEL}$`);

/** A host name or address as the allow-list compares it: lower case, without a root dot. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * Parse one pattern; a UsageError says what is wrong with it. Not `parseHostPort` (src/lookup/host-port.ts): a pattern
 * has wildcards, `:*` and CIDR networks that a target never has.
 */
export function parseAllowPattern(input: string): AllowPattern {
  const text = input.trim();
  let host = text;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::([^:]+))?$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [host, portText] = text.split(':') as [string, string];
  }
  host = normalizeHost(host);
  const pattern = JSON.stringify(input);
  const why = (english: string, msg: string, params?: { port: string }): UsageError =>
    new UsageError(`allow pattern ${pattern}: ${english}`, { msg: 'usage.allow.pattern', params: { pattern, reason: { msg, ...(params ? { params } : {}) } } });
  if (host === '*' || host === '' || host === '*.') throw why('a pattern must name hosts or a network; "*" would allow every host (an open port scanner)', 'usage.allow.everything');
  const [addr, bits] = host.split('/');
  if (bits !== undefined) {
    const family = net.isIP(addr!);
    const max = family === 6 ? 128 : 32;
    if (!family || !/^\d{1,3}$/.test(bits) || Number(bits) > max) throw why('not a network in CIDR form (e.g. 203.0.113.0/24)', 'usage.allow.notCidr');
    if (Number(bits) === 0) throw why('a /0 network would allow every address (an open port scanner)', 'usage.allow.zeroNetwork');
  } else if (!net.isIP(host) && !NAME.test(host)) {
    throw why('not a host name, "*.domain", an address or a network', 'usage.allow.notHost');
  }
  let ports: AllowPattern['ports'] = 'mail';
  if (portText === '*') ports = 'any';
  else if (portText !== undefined) {
    const port = portNumber(portText, 1);
    if (port === undefined) throw why(`not a port number or "*": ${JSON.stringify(portText)}`, 'usage.allow.badPort', { port: JSON.stringify(portText) });
    ports = port;
  }
  return { text, host, ports };
}

/** Patterns compiled once; {@link AllowList.allows} is called for every request. */
export class AllowList {
  readonly patterns: readonly AllowPattern[];
  readonly #networks: Array<{ list: net.BlockList; ports: AllowPattern['ports'] }> = [];

  constructor(patterns: ReadonlyArray<string | AllowPattern>) {
    this.patterns = patterns.map((p) => (typeof p === 'string' ? parseAllowPattern(p) : p));
    for (const p of this.patterns) {
      const [addr, bits] = p.host.split('/');
      if (bits === undefined) continue;
      const list = new net.BlockList();
      list.addSubnet(addr!, Number(bits), net.isIP(addr!) === 6 ? 'ipv6' : 'ipv4');
      this.#networks.push({ list, ports: p.ports });
    }
  }

  get size(): number {
    return this.patterns.length;
  }

  /** Whether a target may be probed. `host` as the request gave it (a name is not resolved). */
  allows(host: string, port: number): boolean {
    const h = normalizeHost(host);
    const family = net.isIP(h);
    for (const p of this.patterns) {
      if (!portMatches(p.ports, port) || p.host.includes('/')) continue;
      if (p.host === h) return true;
      if (!family && p.host.startsWith('*.') && h.endsWith(p.host.slice(1))) return true;
    }
    if (!family) return false;
    return this.#networks.some((n) => portMatches(n.ports, port) && n.list.check(h, family === 6 ? 'ipv6' : 'ipv4'));
  }
}

function portMatches(ports: AllowPattern['ports'], port: number): boolean {
  return ports === 'any' || (ports === 'mail' ? MAIL_PORTS.includes(port) : ports === port);
}
