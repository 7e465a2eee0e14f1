import { evidenceOf, unique } from '../analysis.js';
import { networkBlocksMail } from '../network.js';
import type { Rule } from './types.js';

/**
 * A network that lets no mail out (guest Wi-Fi that allows only the web): every mail port of every outside
 * server fails, the independent controls included, while DNS and the network's own server answer. Reported
 * once, instead of one "unreachable" per server that this network simply does not let you reach.
 */
export const networkBlocksRule: Rule = (facts) => {
  const b = networkBlocksMail(facts);
  if (!b) return [];
  const relay = b.own.find((p) => p.result.relay?.accepted);
  return [
    {
      code: 'NETWORK_BLOCKS_MAIL',
      severity: 'error',
      params: {
        ports: b.ports.map(String),
        servers: unique(b.failed.filter((p) => p.purpose !== 'control').map((p) => p.host)),
        controls: unique(b.controls.map((p) => p.host)),
        controlCount: b.controls.length,
        attempts: b.failed.length,
        own: unique(b.own.map((p) => `${p.host}:${p.port}`)),
        ownCount: b.own.length,
        relay: relay ? `${relay.host}:${relay.port}` : '',
        relayHost: relay?.host ?? '',
        hasRelay: relay ? 'yes' : 'no',
      },
      evidence: [
        ...b.failed.slice(0, 4).flatMap((p) => evidenceOf(p, 0)),
        ...(b.failed.length > 4 ? [`… and ${b.failed.length - 4} more attempts that failed to connect`] : []),
        ...b.own.flatMap((p) => evidenceOf(p, 1)),
      ],
      probes: b.failed.map((p) => p.id),
    },
  ];
};
