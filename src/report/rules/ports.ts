import type { FindingCode } from '../../lib/codes.js';
import { byEndpoint, connected, controlVerdict, evidenceOf, failedWith, openPortsOf, unique } from '../analysis.js';
import { mxHosts, networkBlocksMail } from '../network.js';
import type { CheckFacts, CheckProbe, Finding } from '../types.js';
import type { Rule } from './types.js';

interface DeadEndpoint {
  host: string;
  port: number;
  code: Extract<FindingCode, 'PORT_BLOCKED_BY_NETWORK' | 'PORT_FILTERED' | 'PORT_CLOSED'>;
  filtered: boolean;
  control: 'open' | 'blocked' | 'unknown';
  /** With no control to decide: the reasons that point at this network (empty: the evidence cannot decide). */
  inferred: string[];
  probes: CheckProbe[];
}

/**
 * Ports that gave no session. The question the user cannot answer alone: is it this network, or the server?
 * Control endpoints on the same port decide (see controlVerdict); other ports of the same server that answer
 * prove the server itself is up. One finding per (verdict, port), naming every host it concerns.
 */
export const portsRule: Rule = (facts) => {
  // A network that lets no mail out at all is one finding (networkBlocksRule), not one per port and server.
  if (networkBlocksMail(facts)) return [];
  const dead: DeadEndpoint[] = [];
  const probes = facts.probes.filter((p) => p.purpose !== 'control');
  for (const group of byEndpoint(probes).values()) {
    const p = group[0]!;
    if (group.some(connected) || !failedWith(p, 'CONNECT_TIMEOUT', 'CONNECT_REFUSED')) continue;
    // The network's own SMTP server is only asked "will you relay for me?": its other ports being shut is normal.
    if (p.purpose === 'network-smtp' && openPortsOf(facts, p.host, p.port).length > 0) continue;
    const control = controlVerdict(facts, p.port);
    const filtered = failedWith(p, 'CONNECT_TIMEOUT');
    const inferred = control === 'unknown' ? blockInference(facts, p) : [];
    const code = control === 'blocked' || inferred.length ? 'PORT_BLOCKED_BY_NETWORK' : filtered ? 'PORT_FILTERED' : 'PORT_CLOSED';
    dead.push({ host: p.host, port: p.port, code, filtered, control, inferred, probes: group });
  }
  const out: Finding[] = [];
  const groups = new Map<string, DeadEndpoint[]>();
  for (const d of dead) {
    const key = `${d.code}:${d.port}:${d.inferred.length > 0}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  for (const list of groups.values()) out.push(portFinding(facts, list));
  out.push(...unreachableServers(facts, probes));
  return out;
};

function portFinding(facts: CheckFacts, list: DeadEndpoint[]): Finding {
  const { code, port, filtered, control } = list[0]!;
  const hosts = list.map((d) => d.host).join(', ');
  const probeIds = list.flatMap((d) => d.probes.map((p) => p.id));
  const evidence = [...list.flatMap((d) => evidenceOf(d.probes[0]!, 1)), ...controlEvidence(facts, port)];
  const upNote = serversUpNote(facts, list);
  const reasons = unique(list.flatMap((d) => d.inferred));
  if (code === 'PORT_BLOCKED_BY_NETWORK' && reasons.length) {
    return {
      code,
      severity: 'warning',
      summary: `This network probably blocks port ${port} (inferred: no control endpoint could check it)`,
      explanation: `Connections to port ${port} of ${hosts} ${filtered ? 'get no answer at all' : 'are refused'}. No control endpoint on port ${port} answered either way, so this is an inference, not a measurement: ${reasons.join('; ')}. A firewall of this network (many ISPs block port 25 for their customers) is the likely cause; a refusal by the server itself cannot be ruled out.`,
      evidence,
      fix: 'Use submission on port 587 (STARTTLS) or 465 (TLS) with your password, or the network’s own SMTP server. To be sure, run again with control endpoints (--control HOST:25).',
      probes: probeIds,
    };
  }
  if (code === 'PORT_BLOCKED_BY_NETWORK') {
    return {
      code,
      severity: 'warning',
      summary: `This network blocks port ${port} (${hosts} and the control endpoints on ${port} all fail)`,
      explanation: `Connections to port ${port} ${filtered ? 'get no answer at all' : 'are reset'}, not only to ${hosts} but also to independent control servers, while other ports work. The network you are on (or its firewall) blocks outgoing port ${port}.${upNote}${port === 25 ? ' Many ISPs block port 25 for their customers to stop spam; port 587 or 465 with a password is the way to send.' : ''}`,
      evidence,
      fix: port === 25 ? 'Use submission on port 587 (STARTTLS) or 465 (TLS) with your password, or the network’s own SMTP server.' : `Use another port, or another network; ask the network’s administrator to allow port ${port}.`,
      probes: probeIds,
    };
  }
  if (code === 'PORT_FILTERED') {
    return {
      code,
      severity: 'warning',
      summary: `Port ${port} of ${hosts} does not answer (packets dropped)`,
      explanation: `Connection attempts got no answer at all: a firewall drops them${control === 'open' ? `, on the server’s side (control servers on port ${port} answer from here, so this network lets the port through)` : `, on the server’s side or on the way (no control endpoint on port ${port} could tell which)`}.${upNote}`,
      evidence,
      probes: probeIds,
    };
  }
  return {
    code,
    severity: 'info',
    summary: `Port ${port} of ${hosts} refuses connections: no service there`,
    explanation:
      control === 'open'
        ? `The server answered with a reset on port ${port}: nothing listens there (or the server’s firewall rejects it). It is not this network: control servers on port ${port} answer from here.${upNote}`
        : `Connections to port ${port} were refused with a reset: by the server (nothing listens there) or by a firewall on the way, which can send the same reset. No control endpoint on port ${port} could tell which.${upNote}`,
    evidence,
    probes: probeIds,
  };
}

/**
 * Why a dead port 25 points at this network when no control can decide, as plain reasons (empty: it does not).
 * An MX must accept port 25 from the whole internet, or the domain receives no mail (RFC 5321 §5): silence or a
 * refusal there while its other ports answer is unlike the server. The network's own server answering on 25
 * while outside ones do not is what an ISP's port-25 block looks like.
 */
function blockInference(facts: CheckFacts, p: CheckProbe): string[] {
  if (p.port !== 25) return [];
  const reasons: string[] = [];
  const open = openPortsOf(facts, p.host, p.port);
  if (mxHosts(facts).has(p.host.toLowerCase()) && open.length > 0) {
    reasons.push(`${p.host} is an MX of ${facts.domain}, which must accept port 25 from anywhere to receive mail, yet its other ports (${open.join(', ')}) answer from here`);
  }
  const own = facts.probes.filter((q) => q.purpose === 'network-smtp' && q.port === 25 && connected(q));
  if (own.length) reasons.push(`port 25 of this network’s own server ${own[0]!.host} answers while outside ones do not`);
  return reasons;
}

/** " Other ports of X answer from here (…), so the server itself is up." for the hosts where that is so. */
function serversUpNote(facts: CheckFacts, list: DeadEndpoint[]): string {
  const notes = list
    .map((d) => ({ host: d.host, open: openPortsOf(facts, d.host, d.port) }))
    .filter((x) => x.open.length > 0)
    .map((x) => `${x.host} (${x.open.join(', ')})`);
  return notes.length ? ` Other ports answer from here on ${notes.join(', ')}, so the server${notes.length > 1 ? 's are' : ' is'} up.` : '';
}

/** A server none of whose ports answers, while the network works: the server (or its address) is the problem. */
function unreachableServers(facts: CheckFacts, probes: CheckProbe[]): Finding[] {
  const out: Finding[] = [];
  for (const host of new Set(probes.map((p) => p.host))) {
    const mine = probes.filter((p) => p.host === host);
    if (mine.some(connected) || !mine.every((p) => failedWith(p, 'CONNECT_TIMEOUT', 'CONNECT_REFUSED', 'CONNECT_UNREACHABLE'))) continue;
    if (!facts.probes.some((p) => p.host !== host && connected(p))) continue;
    out.push({
      code: 'SERVER_UNREACHABLE',
      severity: 'warning',
      summary: `${host} does not answer on any port from here`,
      explanation: `Every port tried on ${host} (${[...new Set(mine.map((p) => p.port))].join(', ')}) failed, while other servers answer from this network. The server is down, or its address in DNS is wrong.`,
      evidence: mine.slice(0, 3).flatMap((p) => evidenceOf(p, 1)),
      probes: mine.map((p) => p.id),
    });
  }
  return out;
}

function controlEvidence(facts: CheckFacts, port: number): string[] {
  return facts.probes
    .filter((p) => p.purpose === 'control' && p.port === port)
    .map((p) => `[${p.id}] control ${p.host}:${p.port}: ${p.result.ok ? 'connected' : p.result.error?.code}`);
}
