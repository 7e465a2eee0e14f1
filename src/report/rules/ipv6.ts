import { unique } from '../analysis.js';
import { familySplits } from '../network.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * A dual-stack path with one family dead: every name was dialled over IPv6 and IPv4 (src/lib/dial.ts), and one
 * family's attempts got no answer while the other's connected. Mail clients try IPv6 first (RFC 8305): with a
 * dead IPv6 path they hang or wait before falling back, which users see as "slow" or "sometimes fails".
 */
export const ipv6Rule: Rule = (facts) =>
  familySplits(facts).map((s): Finding => {
    const hosts = unique(s.probes.map((p) => p.host));
    const [bad, good] = s.broken === 6 ? ['IPv6', 'IPv4'] : ['IPv4', 'IPv6'];
    // Several names of one address are one server: only different addresses failing alike point at this network.
    const badAddresses = unique(s.probes.map((p) => p.result.target.families!.find((a) => a.family === s.broken)!.address));
    return {
      code: 'IPV6_PATH_BROKEN',
      severity: 'warning',
      summary: `${bad} to ${hosts.join(', ')} gets no answer from here, while ${good} works`,
      explanation:
        `Each of these names has both an IPv4 and an IPv6 address. Connections over ${good} go through; over ${bad} they get no answer at all (dropped on the way). ` +
        `${s.broken === 6 ? 'Mail clients try IPv6 first (RFC 8305 Happy Eyeballs) and fall back to IPv4 only after a delay; older ones wait for a whole timeout, so mail looks slow or fails now and then.' : 'Clients that prefer IPv4 wait before trying IPv6, so mail looks slow.'} ` +
        (badAddresses.length > 1
          ? `Different servers (${badAddresses.join(', ')}) fail the same way, so the broken part is most likely this network’s ${bad} (its router or its provider).`
          : `All of them are one address (${badAddresses[0]}), so the evidence cannot tell whether this network’s ${bad} or the server’s is broken.`),
      evidence: s.probes.slice(0, 6).flatMap((p) =>
        (p.result.target.families ?? []).map((a) => `[${p.id}] IPv${a.family} ${a.address}: ${a.outcome} after ${a.durationMs} ms`),
      ),
      fix:
        s.broken === 6
          ? badAddresses.length > 1
            ? 'Fix this network’s IPv6 (router, provider), or turn IPv6 off on this interface until it is fixed; the settings below work over IPv4.'
            : 'If other dual-stack servers fail too, fix this network’s IPv6 or turn it off on this interface; otherwise tell the mail provider. The settings below work over IPv4.'
          : 'Fix the network’s IPv4, or use a client that prefers IPv6; the settings below work over IPv6.',
      probes: s.probes.map((p) => p.id),
    };
  });
