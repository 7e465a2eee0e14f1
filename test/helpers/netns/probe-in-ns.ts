/**
 * Runs probes from INSIDE a network namespace made by test/netns/filtered.test.ts and prints their results
 * as one JSON array on stdout. Started as `ip netns exec CLIENT node --import tsx test/helpers/netns/probe-in-ns.ts
 * '<request json>'`; never run it by hand from the host's own namespace.
 *
 * Safety: before dialling anything it checks that it is in the namespace it was told about (its only
 * interfaces are `lo` and the named veth end) and that every target is a documentation address (RFC 5737
 * TEST-NET-1/TEST-NET-2). Otherwise it exits 3 without a single connect.
 */
import { networkInterfaces } from 'node:os';
import { PathTimes } from '../../../src/lib/dial.js';
import { probeSmtp } from '../../../src/probes/smtp.js';
import { probeTcp } from '../../../src/probes/tcp.js';
import type { ProbeResult } from '../../../src/lib/types.js';

export interface NsProbeRequest {
  /** The veth end this namespace must have (and nothing else but `lo`). */
  iface: string;
  connectMs: number;
  /** `paths`: the probes of one group share one PathTimes, as the probes of one check do. */
  probes: Array<{ id: string; protocol: 'tcp' | 'smtp'; host: string; port: number; paths?: string }>;
}

export interface NsProbeOutcome {
  id: string;
  result: ProbeResult;
}

const DOCUMENTATION_ONLY = /^(192\.0\.2|198\.51\.100)\.\d{1,3}$/;

function refuse(why: string): never {
  process.stderr.write(`probe-in-ns: refusing to dial: ${why}\n`);
  process.exit(3);
}

const request = JSON.parse(process.argv[2] ?? '{}') as NsProbeRequest;
const ifaces = Object.keys(networkInterfaces());
const foreign = ifaces.filter((n) => n !== 'lo' && n !== request.iface);
if (!request.iface || foreign.length > 0 || !ifaces.includes(request.iface)) {
  refuse(`not inside the test namespace (interfaces: ${ifaces.join(', ')}; expected lo and ${request.iface})`);
}
for (const p of request.probes ?? []) {
  if (!DOCUMENTATION_ONLY.test(p.host)) refuse(`${p.host} is not an RFC 5737 documentation address`);
}

const options = {
  timeoutMs: 10_000,
  tlsSniffAfterMs: 60_000,
  starttls: 'never' as const,
  phaseTimeouts: { connect: request.connectMs, greeting: 2_000, command: 2_000 },
};
const groups = new Map<string, PathTimes>();
const pathsOf = (name: string): PathTimes => groups.get(name) ?? groups.set(name, new PathTimes()).get(name)!;
const outcomes: NsProbeOutcome[] = await Promise.all(
  request.probes.map(async (p) => ({
    id: p.id,
    result: await (p.protocol === 'smtp' ? probeSmtp : probeTcp)({ host: p.host, port: p.port }, { ...options, ...(p.paths ? { paths: pathsOf(p.paths) } : {}) }),
  })),
);
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
