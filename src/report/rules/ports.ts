import type { FindingCode } from '../../lib/codes.js';
import { byEndpoint, connected, controlVerdict, evidenceOf, failedWith, openPortsOf } from '../analysis.js';
import { mxHosts, networkBlocksMail } from '../network.js';
import type { CheckFacts, CheckProbe, Finding } from '../types.js';
import type { Rule } from './types.js';

interface DeadEndpoint {
  host: string;
  port: number;
  code: Extract<FindingCode, 'PORT_BLOCKED_BY_NETWORK' | 'PORT_FILTERED' | 'PORT_CLOSED'>;
  filtered: boolean;
  control: 'open' | 'blocked' | 'unknown';
  /** With no control to decide: what points at this network (both empty: the evidence cannot decide). */
  inferred: { mx?: string; mxPorts?: string; own?: string };
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
    const inferred = control === 'unknown' ? blockInference(facts, p) : {};
    const isInferred = Boolean(inferred.mx || inferred.own);
    const code = control === 'blocked' || isInferred ? 'PORT_BLOCKED_BY_NETWORK' : filtered ? 'PORT_FILTERED' : 'PORT_CLOSED';
    dead.push({ host: p.host, port: p.port, code, filtered, control, inferred, probes: group });
  }
  const out: Finding[] = [];
  const groups = new Map<string, DeadEndpoint[]>();
  for (const d of dead) {
    const key = `${d.code}:${d.port}:${Boolean(d.inferred.mx || d.inferred.own)}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  for (const list of groups.values()) out.push(portFinding(facts, list));
  out.push(...unreachableServers(facts, probes));
  return out;
};

function portFinding(facts: CheckFacts, list: DeadEndpoint[]): Finding {
  const { code, port, filtered, control } = list[0]!;
  const hosts = list.map((d) => d.host);
  const probeIds = list.flatMap((d) => d.probes.map((p) => p.id));
  const evidence = [...list.flatMap((d) => evidenceOf(d.probes[0]!, 1)), ...controlEvidence(facts, port)];
  const up = serversUp(facts, list);
  // An inferred block says so and gives its reasons (the MX; the network's own relay), never a bare verdict.
  const mx = list.find((d) => d.inferred.mx)?.inferred;
  const own = list.find((d) => d.inferred.own)?.inferred.own;
  const inferred = mx || own ? 'yes' : 'no';
  const params = { port, hosts, filtered: filtered ? 'yes' : 'no', control, up, upCount: up.length, inferred, mx: mx?.mx ?? '', mxPorts: mx?.mxPorts ?? '', domain: facts.domain, own: own ?? '', hasMx: mx?.mx ? 'yes' : 'no', hasOwn: own ? 'yes' : 'no' };
  const severity = code === 'PORT_CLOSED' ? 'info' : 'warning';
  return { code, severity, params, evidence, probes: probeIds };
}

/**
 * Why a dead port 25 points at this network when no control can decide. An MX must accept port 25 from the whole
 * internet, or the domain receives no mail (RFC 5321 §5): silence or a refusal there while its other ports
 * answer is unlike the server. The network's own server answering on 25 while outside ones do not is what an
 * ISP's port-25 block looks like.
 */
function blockInference(facts: CheckFacts, p: CheckProbe): DeadEndpoint['inferred'] {
  if (p.port !== 25) return {};
  const out: DeadEndpoint['inferred'] = {};
  const open = openPortsOf(facts, p.host, p.port);
  if (mxHosts(facts).has(p.host.toLowerCase()) && open.length > 0) Object.assign(out, { mx: p.host, mxPorts: open.join(', ') });
  const own = facts.probes.find((q) => q.purpose === 'network-smtp' && q.port === 25 && connected(q));
  if (own) out.own = own.host;
  return out;
}

/** "X (25, 110)" for each host whose other ports answer from here: the server itself is up. */
function serversUp(facts: CheckFacts, list: DeadEndpoint[]): string[] {
  return list
    .map((d) => ({ host: d.host, open: openPortsOf(facts, d.host, d.port) }))
    .filter((x) => x.open.length > 0)
    .map((x) => `${x.host} (${x.open.join(', ')})`);
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
      params: { host, ports: [...new Set(mine.map((p) => String(p.port)))] },
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
