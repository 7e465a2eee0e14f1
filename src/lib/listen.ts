/**
 * A listen address `HOST:PORT` (the agent's `metrics.listen`, the exporter's `--listen`): the port
 * is required and numeric, IPv6 in brackets. `undefined` when it is not one; the caller names the field.
 */
export function parseListen(spec: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(spec.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65_535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}
