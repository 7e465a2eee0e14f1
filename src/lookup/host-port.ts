import { isIP } from 'node:net';
import { usageError } from '../i18n/index.js';
import type { UsageError } from '../lib/errors.js';
import { quoteInput } from '../lib/text.js';

/** A host name label: letters, digits, hyphens (and `_`, seen in service names), 1-63 characters (RFC 1035 §2.3.4). */
const HOST_NAME = /^(?=.{1,253}$)([a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)(\.[a-zA-Z0-9_]([a-zA-Z0-9_-]{0,61}[a-zA-Z0-9_])?)*\.?$/;

function stripZone(host: string): string {
  const i = host.indexOf('%');
  return i < 0 ? host : host.slice(0, i);
}

/**
 * THE parser of `HOST[:PORT]` (probe targets, --control, --dns): `host`, `host:587`, `192.0.2.1:25`,
 * `[2001:db8::1]:25`, or a bare IPv6 address, which has no port (`2001:db8::1`, `::1`: a bare address's last
 * group is never read as a port). The host is an IP address or a host name; the port a number 1-65535.
 * Throws `UsageError` naming `what` and quoting the input otherwise (`x:abc`, `host:99999`, `a b`, `[192.0.2.1]`).
 */
export function parseHostPort(input: string, what = 'HOST[:PORT]'): { host: string; port?: number } {
  const text = input.trim();
  const bad = (id: 'usage.hostPort.empty' | 'usage.hostPort.brackets' | 'usage.hostPort.ipv6Brackets' | 'usage.hostPort.badHost' | 'usage.hostPort.badPort'): UsageError =>
    usageError(id, { what, quoted: quoteInput(input) });
  if (text === '') throw bad('usage.hostPort.empty');
  let host = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (isIP(stripZone(host)) !== 6) throw bad('usage.hostPort.brackets');
  } else if (isIP(stripZone(text)) !== 6) {
    const colon = text.lastIndexOf(':');
    if (colon >= 0) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
    if (isIP(host) === 0 && !HOST_NAME.test(host)) {
      throw bad(host.includes(':') ? 'usage.hostPort.ipv6Brackets' : 'usage.hostPort.badHost');
    }
  }
  if (portText === undefined) return { host };
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65_535) throw bad('usage.hostPort.badPort');
  return { host, port: Number(portText) };
}
