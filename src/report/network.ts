/**
 * Pure questions about what the network on the way does to mail (issue 10), shared by the rules that report it
 * and by the rules whose findings it explains away (a certificate "mismatch" that is an interception, a server
 * "unreachable" that this network does not let you reach). Facts in, facts out: codes, names, fingerprints,
 * timings; the only server text read is the shape of an SMTP fixup's masking, which is the evidence itself.
 */
import { connected, failedWith } from './analysis.js';
import type { CheckFacts, CheckProbe } from './types.js';

const CONNECT_FAILURES = ['CONNECT_TIMEOUT', 'CONNECT_REFUSED', 'CONNECT_UNREACHABLE'] as const;

/** The network's own servers (its SMTP relay) are inside it; everything else is "outside". */
function outside(p: CheckProbe): boolean {
  return p.purpose !== 'network-smtp';
}

function endpointKey(p: CheckProbe): string {
  return `${p.host}:${p.port}`;
}

// ------------------------------------------------------------------------------------------------------------
// Interception: one foreign server answers for every destination on a port.

export interface Interception {
  port: number;
  /** The name every intercepted destination greets with. */
  name: string;
  /** SHA-256 fingerprint of the certificate they all present, when STARTTLS got that far. */
  fingerprint?: string;
  /** Mailbox probes (incoming/outgoing) answered by the interceptor. */
  victims: CheckProbe[];
  /** Control endpoints on the port that greeted with the same name. */
  controls: CheckProbe[];
  /** The network's own server, when it is the one that answers (same name, same certificate). */
  own?: CheckProbe;
  /** Certificates the same addresses present on their other ports, which do cover their names. */
  genuine: CheckProbe[];
}

/**
 * Destinations on one port that greet with the same name and, when TLS started, present the same certificate,
 * which covers none of them, while (a) an unrelated party on another address answers alike (a control
 * endpoint, or this network's own server), or (b) the same address presents another certificate, valid for
 * its name, on its other ports. Either proves that something on the
 * way answers in their place; a server misconfigured with a wrong certificate gives neither.
 */
export function interceptions(facts: CheckFacts): Interception[] {
  const out: Interception[] = [];
  const ports = new Set(facts.probes.filter((p) => p.result.greetingHost).map((p) => p.port));
  for (const port of ports) {
    // Grouped by the name they greet with; a TCP control has no certificate, so it joins by the name alone.
    const groups = new Map<string, CheckProbe[]>();
    for (const p of facts.probes.filter((x) => x.port === port && x.result.greetingHost)) {
      const key = p.result.greetingHost!;
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    for (const [name, group] of groups) {
      const foreign = (p: CheckProbe): boolean => p.host.toLowerCase() !== name && p.result.tls?.hostnameMatch !== true;
      const victims = group.filter((p) => (p.purpose === 'incoming' || p.purpose === 'outgoing') && foreign(p));
      if (victims.length === 0) continue;
      // One interceptor presents one certificate: different ones are different servers, not one answering for all.
      const fingerprints = new Set(victims.map((p) => p.result.tls?.certificate?.fingerprint256).filter((f): f is string => f !== undefined));
      if (fingerprints.size > 1) continue;
      const [fingerprint] = fingerprints;
      const controls = group.filter((p) => p.purpose === 'control' && foreign(p));
      const own = group.find((p) => p.purpose === 'network-smtp' && (fingerprint === undefined || p.result.tls?.certificate?.fingerprint256 === fingerprint));
      const addresses = new Set([...victims, ...controls, ...(own ? [own] : [])].map((p) => p.result.target.address ?? p.host));
      const victimAddresses = new Set(victims.map((p) => p.result.target.address).filter(Boolean));
      const genuine = fingerprint
        ? facts.probes.filter(
            (p) =>
              p.port !== port &&
              victimAddresses.has(p.result.target.address) &&
              p.result.tls?.hostnameMatch === true &&
              p.result.tls.certificate !== undefined &&
              p.result.tls.certificate.fingerprint256 !== fingerprint,
          )
        : [];
      // Two MX hosts of one provider may share a greeting name and an ill-fitting certificate: that alone proves
      // nothing. An unrelated party answering alike (a control, or this network's own server), or the same
      // address presenting its genuine certificate on other ports, does.
      if (!((addresses.size >= 2 && (controls.length > 0 || own)) || genuine.length > 0)) continue;
      out.push({ port, name, ...(fingerprint ? { fingerprint } : {}), victims, controls, ...(own ? { own } : {}), genuine });
    }
  }
  return out;
}

/** host:port endpoints whose certificate and greeting are the interceptor's, not the server's. */
export function interceptedEndpoints(facts: CheckFacts): Set<string> {
  return new Set(interceptions(facts).flatMap((i) => i.victims.map(endpointKey)));
}

// ------------------------------------------------------------------------------------------------------------
// Inspection: an SMTP fixup (Cisco PIX/ASA "inspect esmtp" and its imitators) rewriting the session.

/** `XXXXXXXA`: the fixed token such a fixup puts in place of each extension it strips (STARTTLS first). */
const MASKED_EXTENSION = /^X{4,}A?$/;

/** A greeting whose text is mostly asterisks: the fixup hides the server's name and software. */
function maskedGreeting(p: CheckProbe): boolean {
  const text = p.result.greeting?.text ?? '';
  const stars = text.replace(/[^*]/g, '').length;
  return stars >= 5 && stars >= text.replace(/\s/g, '').length / 2;
}

/** The signs of inspection one probe shows, as evidence lines (empty: none). */
export function inspectionSigns(p: CheckProbe): string[] {
  const r = p.result;
  const signs: string[] = [];
  if (maskedGreeting(p)) signs.push(`[${p.id}] greeting masked: ${r.greeting?.code ?? ''} ${r.greeting?.text ?? ''}`.slice(0, 160));
  const masked = [...(r.capabilitiesBeforeTls ?? []), ...r.capabilities].filter((c) => MASKED_EXTENSION.test(c));
  if (masked.length) signs.push(`[${p.id}] EHLO lists ${[...new Set(masked)].join(', ')} (an extension replaced by the fixup; STARTTLS is not offered)`);
  for (const w of r.warnings.filter((x) => x.code === 'STARTTLS_REFUSED')) signs.push(`[${p.id}] ${w.code}: ${w.message}`);
  if (r.error?.code === 'STARTTLS_REFUSED') signs.push(`[${p.id}] ${r.error.code}: ${r.error.message}`);
  // A refused STARTTLS alone is a server's choice; beside a mask it is the fixup rewriting the command.
  return signs.length > 0 && (maskedGreeting(p) || masked.length > 0) ? signs : [];
}

export interface Inspection {
  port: number;
  /** Mailbox probes and controls on the port that show the signs. */
  probes: CheckProbe[];
  /** Different addresses show the same rewriting: it is on this side of them, i.e. this network. */
  onThisNetwork: boolean;
}

export function inspections(facts: CheckFacts): Inspection[] {
  const byPort = new Map<number, CheckProbe[]>();
  for (const p of facts.probes) if ((p.protocol === 'smtp' || p.protocol === 'tcp') && inspectionSigns(p).length) byPort.set(p.port, [...(byPort.get(p.port) ?? []), p]);
  return [...byPort].map(([port, probes]) => ({
    port,
    probes,
    onThisNetwork: new Set(probes.map((p) => p.result.target.address ?? p.host)).size >= 2,
  }));
}

export function inspectedEndpoints(facts: CheckFacts): Set<string> {
  return new Set(inspections(facts).flatMap((i) => i.probes.map(endpointKey)));
}

// ------------------------------------------------------------------------------------------------------------
// Path-MTU black hole: TLS to one destination never gets the server's first flight.

export interface TlsStall {
  address: string;
  /** Probes of that address that sent a ClientHello and never got one byte back. */
  stalled: CheckProbe[];
  /** Probes of that address whose plaintext exchange (greeting, commands) worked. */
  plaintext: CheckProbe[];
  /** Handshakes that completed with other addresses from here. */
  elsewhere: CheckProbe[];
}

/** A handshake that sent the ClientHello and got not one byte of the server's flight. */
export function stalledHandshake(p: CheckProbe): boolean {
  const h = p.result.tlsHandshake;
  return failedWith(p, 'TLS_HANDSHAKE_STALLED') || (h !== undefined && !h.completed && h.serverBytes === 0 && failedWith(p, 'TLS_HANDSHAKE_FAILED', 'PROBE_TIMEOUT'));
}

/**
 * Addresses where every TLS handshake stalled with no byte from the server, on every TLS port tried, while TCP
 * connected, and TLS with some other address worked from here: the path loses large packets one way.
 */
export function tlsStalls(facts: CheckFacts): TlsStall[] {
  const tried = facts.probes.filter((p) => p.result.tlsHandshake && p.result.target.address);
  const out: TlsStall[] = [];
  for (const address of new Set(tried.map((p) => p.result.target.address!))) {
    const mine = tried.filter((p) => p.result.target.address === address);
    if (!mine.every(stalledHandshake)) continue;
    const elsewhere = tried.filter((p) => p.result.target.address !== address && p.result.tlsHandshake!.completed);
    if (elsewhere.length === 0) continue;
    const plaintext = facts.probes.filter((p) => p.result.target.address === address && p.result.greeting !== undefined);
    out.push({ address, stalled: mine, plaintext, elsewhere });
  }
  return out;
}

export function stalledEndpoints(facts: CheckFacts): Set<string> {
  return new Set(tlsStalls(facts).flatMap((s) => s.stalled.map(endpointKey)));
}

// ------------------------------------------------------------------------------------------------------------
// A network that lets no mail out (guest Wi-Fi, web only).

export interface MailBlocked {
  /** Every outside probe: none connected. */
  failed: CheckProbe[];
  controls: CheckProbe[];
  /** The network's own servers that answered. */
  own: CheckProbe[];
  ports: number[];
}

/**
 * Every mail port to every outside address failed to connect, at least two addresses and two ports among
 * them, and what proves the network itself works answered: an independent control failed alike (so it is not
 * one provider), or the network's own server answered (so it is not the link). DNS answered, or there would be
 * no addresses to dial.
 */
export function networkBlocksMail(facts: CheckFacts): MailBlocked | undefined {
  const failed = facts.probes.filter(outside);
  if (failed.length === 0 || failed.some(connected)) return undefined;
  if (!failed.every((p) => failedWith(p, ...CONNECT_FAILURES))) return undefined;
  const addresses = new Set(failed.map((p) => p.result.target.address).filter(Boolean));
  const ports = [...new Set(failed.map((p) => p.port))].sort((a, b) => a - b);
  if (addresses.size < 2 || ports.length < 2) return undefined;
  const controls = failed.filter((p) => p.purpose === 'control');
  const own = facts.probes.filter((p) => p.purpose === 'network-smtp' && connected(p));
  if (controls.length === 0 && own.length === 0) return undefined;
  return { failed, controls, own, ports };
}

/** The domain's MX hosts (lower case): they must accept port 25 from the whole internet to receive mail. */
export function mxHosts(facts: CheckFacts): Set<string> {
  return new Set(facts.discovery.facts.mx.records.filter((r) => r.exchange !== '.').map((r) => r.exchange.toLowerCase().replace(/\.$/, '')));
}

// ------------------------------------------------------------------------------------------------------------
// One address family broken where the other works (RFC 8305: clients try IPv6 first, then fall back).

export interface FamilySplit {
  /** The family that fails. */
  broken: 4 | 6;
  /** Probes whose attempt over `broken` got no answer while the other family connected. */
  probes: CheckProbe[];
}

/**
 * Names dialled over both families where one family's attempt timed out (dropped on the way) and the other
 * connected. An immediate "unreachable" is a machine without a route for that family, which clients skip at
 * no cost, so it is not counted.
 */
export function familySplits(facts: CheckFacts): FamilySplit[] {
  const out: FamilySplit[] = [];
  for (const broken of [6, 4] as const) {
    const probes = facts.probes.filter((p) => {
      const f = p.result.target.families;
      const bad = f?.find((a) => a.family === broken);
      const good = f?.find((a) => a.family !== broken);
      return bad?.outcome === 'CONNECT_TIMEOUT' && good?.outcome === 'connected';
    });
    if (probes.length) out.push({ broken, probes });
  }
  return out;
}
