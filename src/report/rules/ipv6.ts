import { unique } from '../analysis.js';
import { familySplits } from '../network.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * A dual-stack path with one family dead: every name was dialled over IPv6 and IPv4 (src/lib/dial.ts), and one
 * family's attempts got no answer while the other's connected. Mail clients try IPv6 first (RFC 8305): with a
 * dead IPv6 path they hang or wait before falling back, which users see as "slow" or "sometimes fails".
 * Several names of one address are one server: only different addresses failing alike point at this network.
 */
export const ipv6Rule: Rule = (facts) =>
  familySplits(facts).map((s): Finding => {
    const addresses = unique(s.probes.map((p) => p.result.target.families!.find((a) => a.family === s.broken)!.address));
    return {
      code: 'IPV6_PATH_BROKEN',
      severity: 'warning',
      params: { broken: String(s.broken), hosts: unique(s.probes.map((p) => p.host)), addresses, addressCount: addresses.length },
      evidence: s.probes.slice(0, 6).flatMap((p) => (p.result.target.families ?? []).map((a) => `[${p.id}] IPv${a.family} ${a.address}: ${a.outcome} after ${a.durationMs} ms`)),
      probes: s.probes.map((p) => p.id),
    };
  });
