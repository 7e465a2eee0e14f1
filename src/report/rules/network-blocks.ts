import { evidenceOf, unique } from '../analysis.js';
import { networkBlocksMail } from '../network.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * A network that lets no mail out (guest Wi-Fi that allows only the web): every mail port to every outside
 * server fails, the independent controls included, while DNS and the network's own server answer. Reported
 * once, instead of one "unreachable" per server that this network simply does not let you reach.
 */
export const networkBlocksRule: Rule = (facts) => {
  const b = networkBlocksMail(facts);
  if (!b) return [];
  const servers = unique(b.failed.filter((p) => p.purpose !== 'control').map((p) => p.host));
  const relays = b.own.filter((p) => p.result.relay?.accepted);
  const proof = [
    b.controls.length ? `the independent control servers (${unique(b.controls.map((p) => p.host)).join(', ')}) fail the same way` : '',
    b.own.length ? `this network’s own server ${unique(b.own.map((p) => `${p.host}:${p.port}`)).join(', ')} answers` : '',
  ].filter(Boolean);
  const sending = relays.length
    ? `Sending works only through this network’s own server ${relays[0]!.host} (it relays for you, see the recommendation).`
    : 'Sending is impossible from here too, unless this network has its own SMTP server that relays for you.';
  return [
    {
      code: 'NETWORK_BLOCKS_MAIL',
      severity: 'error',
      summary: `This network lets no mail traffic out: every mail port (${b.ports.join(', ')}) of every outside server fails`,
      explanation:
        `No connection to any outside server got through on any mail port: ${servers.length ? `${servers.join(', ')} and ` : ''}${b.controls.length} control endpoint${b.controls.length === 1 ? '' : 's'}, ${b.failed.length} attempts in all. Yet ${proof.join(', and ')}, and DNS answers. ` +
        `The servers are not down: this network (a guest or hotel Wi-Fi, a corporate network) lets only some traffic out, typically the web. Receiving mail is impossible from here. ${sending}`,
      evidence: [
        ...b.failed.slice(0, 4).flatMap((p) => evidenceOf(p, 0)),
        ...(b.failed.length > 4 ? [`… and ${b.failed.length - 4} more attempts that failed to connect`] : []),
        ...b.own.flatMap((p) => evidenceOf(p, 1)),
      ],
      fix: `Use your provider’s webmail, another network (mobile data) or a VPN for the mail client${relays.length ? `; to send from here, use ${relays[0]!.host}:${relays[0]!.port} as the outgoing server` : ''}. Ask the network’s administrator to allow ports 993 and 465/587.`,
      probes: b.failed.map((p) => p.id),
    },
  ];
};
