import { usageError } from '../i18n/index.js';
import type { UsageError } from '../lib/errors.js';
import { portNumber, splitHostPort, type HostPortFault } from '../lib/host-port.js';
import { quoteInput } from '../lib/text.js';

/**
 * THE parser of `HOST[:PORT]` (probe targets, --control, --dns): `host`, `host:587`, `192.0.2.1:25`,
 * `[2001:db8::1]:25`, or a bare IPv6 address, which has no port (`2001:db8::1`, `::1`: a bare address's last
 * group is never read as a port). The host is an IP address or a host name; the port a number 1-65535.
 * Throws `UsageError` naming `what` and quoting the input otherwise (`x:abc`, `host:99999`, `a b`, `[192.0.2.1]`).
 */
export function parseHostPort(input: string, what = 'HOST[:PORT]'): { host: string; port?: number } {
  const bad = (id: `usage.hostPort.${HostPortFault | 'badPort'}`): UsageError => usageError(id, { what, quoted: quoteInput(input) });
  const split = splitHostPort(input);
  if ('fault' in split) throw bad(`usage.hostPort.${split.fault}`);
  if (split.portText === undefined) return { host: split.host };
  const port = portNumber(split.portText, 1);
  if (port === undefined) throw bad('usage.hostPort.badPort');
  return { host: split.host, port };
}
