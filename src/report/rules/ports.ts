import { byEndpoint, connected, controlVerdict, evidenceOf, failedWith, openPortsOf } from '../analysis.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * Ports that gave no session. The question the user cannot answer alone: is it this network, or the server?
 * Control endpoints on the same port decide (see controlVerdict); other ports of the same server that answer
 * prove the server itself is up.
 */
export const portsRule: Rule = (facts) => {
  const out: Finding[] = [];
  const probes = facts.probes.filter((p) => p.purpose !== 'control');
  for (const [endpoint, group] of byEndpoint(probes)) {
    if (group.some(connected)) continue;
    const p = group[0]!;
    const control = controlVerdict(facts, p.port);
    const open = openPortsOf(facts, p.host, p.port);
    const serverUp = open.length > 0 ? ` Other ports of ${p.host} answer from here (${open.join(', ')}), so the server itself is up.` : '';
    const evidence = [...evidenceOf(p, 1), ...controlEvidence(facts, p.port)];
    if (failedWith(p, 'CONNECT_TIMEOUT') || failedWith(p, 'CONNECT_REFUSED')) {
      const filtered = failedWith(p, 'CONNECT_TIMEOUT');
      if (control === 'blocked') {
        out.push({
          code: 'PORT_BLOCKED_BY_NETWORK',
          severity: 'warning',
          summary: `This network blocks port ${p.port} (${endpoint} and the control endpoints on ${p.port} all fail)`,
          explanation: `Connections to port ${p.port} ${filtered ? 'get no answer at all' : 'are reset'}, not only to ${p.host} but also to independent control servers, while other ports work. The network you are on (or its firewall) blocks outgoing port ${p.port}.${serverUp} ${p.port === 25 ? 'Many ISPs block port 25 for their customers to stop spam; port 587 or 465 with a password is the way to send.' : ''}`.trim(),
          evidence,
          fix: p.port === 25 ? 'Use submission on port 587 (STARTTLS) or 465 (TLS) with your password, or the network’s own SMTP server.' : `Use another port, or another network; ask the network’s administrator to allow port ${p.port}.`,
          probes: group.map((x) => x.id),
        });
      } else if (filtered) {
        out.push({
          code: 'PORT_FILTERED',
          severity: 'warning',
          summary: `${endpoint} does not answer (packets dropped)`,
          explanation: `Connection attempts to ${endpoint} got no answer at all: a firewall drops them${control === 'open' ? `, on the server’s side (control servers on port ${p.port} answer from here, so this network lets the port through)` : `, on the server’s side or on the way (no control endpoint on port ${p.port} could tell which)`}.${serverUp}`,
          evidence,
          probes: group.map((x) => x.id),
        });
      } else {
        out.push({
          code: 'PORT_CLOSED',
          severity: 'warning',
          summary: `${endpoint} refuses connections`,
          explanation: `${p.host} answered with a reset on port ${p.port}: nothing listens there (or the server’s firewall rejects it). It is not this network: ${control === 'open' ? `control servers on port ${p.port} answer from here.` : 'resets come from the destination side.'}${serverUp}`,
          evidence,
          probes: group.map((x) => x.id),
        });
      }
    }
  }
  // A server none of whose ports answers, while the network works: the server (or its address) is the problem.
  const hosts = new Set(probes.map((p) => p.host));
  for (const host of hosts) {
    const mine = probes.filter((p) => p.host === host);
    if (mine.some(connected) || !mine.every((p) => failedWith(p, 'CONNECT_TIMEOUT', 'CONNECT_REFUSED', 'CONNECT_UNREACHABLE'))) continue;
    const networkWorks = facts.probes.some((p) => p.host !== host && connected(p));
    if (!networkWorks) continue;
    out.push({
      code: 'SERVER_UNREACHABLE',
      severity: 'warning',
      summary: `${host} does not answer on any port from here`,
      explanation: `Every port tried on ${host} (${mine.map((p) => p.port).join(', ')}) failed, while other servers answer from this network. The server is down, or its address in DNS is wrong.`,
      evidence: mine.slice(0, 3).flatMap((p) => evidenceOf(p, 1)),
      probes: mine.map((p) => p.id),
    });
  }
  return out;
};

function controlEvidence(facts: Parameters<Rule>[0], port: number): string[] {
  return facts.probes
    .filter((p) => p.purpose === 'control' && p.port === port)
    .map((p) => `[${p.id}] control ${p.host}:${p.port}: ${p.result.ok ? 'connected' : p.result.error?.code}`);
}
