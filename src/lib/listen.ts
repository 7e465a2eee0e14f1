import { portNumber, splitHostPort } from './host-port.js';
import { UsageError } from './errors.js';

/**
 * A listen address `HOST:PORT` (the agent's `metrics.listen`, the exporter's `--listen`): the same splitting
 * as every other HOST[:PORT] (lib/host-port.ts), but the port is required and may be 0 (the system picks one).
 * `undefined` when it is not one; the caller names the field.
 */
export function parseListen(spec: string): { host: string; port: number } | undefined {
  const split = splitHostPort(spec);
  if ('fault' in split || split.portText === undefined) return undefined;
  const port = portNumber(split.portText, 0);
  return port === undefined ? undefined : { host: split.host, port };
}

/**
 * A listener that could not start (the port taken, no such local address), as the usage error of the option
 * that named it (`metrics.listen`, `--listen`), in English and as the catalogue's `usage.listenFailed`.
 */
export function listenFailed(option: string, listen: string, err: NodeJS.ErrnoException): UsageError {
  const known = err.code === 'EADDRINUSE' || err.code === 'EADDRNOTAVAIL';
  const english = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.message;
  const reason = { msg: 'usage.listenError', params: { code: known ? err.code! : err.message } };
  return new UsageError(`${option} ${listen}: ${english}`, { msg: 'usage.listenFailed', params: { option, listen, reason } });
}
