import { isIP } from 'node:net';

/** A host name label: letters, digits, hyphens (and `_`, seen in service names), 1-63 characters (RFC 1035 §2.3.4). */
const HOST_NAME = /^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)*\.?$/;

function stripZone(host: string): string {
  const i = host.indexOf('%');
  return i < 0 ? host : host.slice(0, i);
}

/** Why a text is not `HOST[:PORT]`; the caller turns it into its own message. */
export type HostPortFault = 'empty' | 'brackets' | 'ipv6Brackets' | 'badHost';

/**
 * The one splitting of `HOST[:PORT]` into a host and the text of its port, shared by the target parser
 * (src/lookup/host-port.ts: probe targets, --control, --dns) and the listen-address parser (listen.ts):
 * `host`, `host:587`, `192.0.2.1:25`, `[2001:db8::1]:25`, or a bare IPv6 address, which has no port
 * (`2001:db8::1`, `::1`: a bare address's last group is never read as a port). The host must be an IP address
 * or a host name. Pure: the port's range is the caller's rule (a target needs 1-65535, a listener may ask 0).
 */
export function splitHostPort(input: string): { host: string; portText?: string } | { fault: HostPortFault } {
  const text = input.trim();
  if (text === '') return { fault: 'empty' };
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    const host = bracketed[1]!;
    if (isIP(stripZone(host)) !== 6) return { fault: 'brackets' };
    return bracketed[2] === undefined ? { host } : { host, portText: bracketed[2] };
  }
  if (isIP(stripZone(text)) === 6) return { host: text };
  const colon = text.lastIndexOf(':');
  const host = colon >= 0 ? text.slice(0, colon) : text;
  if (isIP(host) === 0 && !HOST_NAME.test(host)) return { fault: host.includes(':') ? 'ipv6Brackets' : 'badHost' };
  return colon >= 0 ? { host, portText: text.slice(colon + 1) } : { host };
}

/** A port number as written: 1-5 digits, at most 65535 and at least `min`; `undefined` otherwise. */
export function portNumber(text: string, min: 0 | 1): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= min && port <= 65_535 ? port : undefined;
}
