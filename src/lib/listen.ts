import { portNumber, splitHostPort } from './host-port.js';

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
