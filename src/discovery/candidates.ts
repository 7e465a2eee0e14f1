import { STANDARD_ENDPOINTS } from './guesses.js';
import type { AddressFacts, Disagreement, MailRole, Provenance, Security, ServerCandidate } from './types.js';

/** A source naming an exact endpoint (SRV, autoconfig, ISPDB). */
export interface Claim {
  role: MailRole;
  host: string;
  port: number;
  security: Security;
  source: Provenance;
  evidence: string;
  username?: string;
  authentication?: string[];
}

/** A source naming only a host (an MX host, a guess that resolves). */
export interface HostHint {
  role: MailRole;
  host: string;
  source: Provenance;
  evidence: string;
}

/** A domain's SRV says a role is not offered (target "."). */
export interface NotOffered {
  role: MailRole;
  service: string;
}

/**
 * How much a source's word counts when ordering hosts. The domain's own statements (SRV, autoconfig over HTTPS)
 * first, the curated database next, unauthenticated HTTP below that, guesses, and MX hosts last: an MX host
 * receives mail from other servers and rarely accepts submission, but clients are often pointed at it.
 */
const WEIGHT: Record<Provenance, number> = { srv: 8, autoconfig: 8, ispdb: 6, 'autoconfig-http': 3, guess: 2, mx: 1 };
const CONFIG_SOURCES: Provenance[] = ['srv', 'autoconfig', 'autoconfig-http', 'ispdb'];
const ROLES: MailRole[] = ['smtp', 'imap', 'pop3'];

interface HostEntry {
  host: string;
  order: number;
  sources: Set<Provenance>;
  evidence: string[];
  claims: Claim[];
}

/** Candidate servers per role: every claimed endpoint, then the standard port set of each host. */
export function buildCandidates(claims: Claim[], hints: HostHint[], hosts: ReadonlyMap<string, AddressFacts>): Record<MailRole, ServerCandidate[]> {
  const out: Record<MailRole, ServerCandidate[]> = { smtp: [], imap: [], pop3: [] };
  for (const role of ROLES) {
    const entries = new Map<string, HostEntry>();
    const entry = (host: string): HostEntry => {
      let e = entries.get(host);
      if (!e) entries.set(host, (e = { host, order: entries.size, sources: new Set(), evidence: [], claims: [] }));
      return e;
    };
    for (const c of claims.filter((x) => x.role === role)) {
      const e = entry(c.host);
      e.sources.add(c.source);
      e.claims.push(c);
      if (!e.evidence.includes(c.evidence)) e.evidence.push(c.evidence);
    }
    for (const h of hints.filter((x) => x.role === role)) {
      const e = entry(h.host);
      e.sources.add(h.source);
      if (!e.evidence.includes(h.evidence)) e.evidence.push(h.evidence);
    }
    const resolves = (host: string): boolean => (hosts.get(host)?.addresses.length ?? 0) > 0;
    const score = (e: HostEntry): number => [...e.sources].reduce((s, p) => s + WEIGHT[p], 0);
    const ordered = [...entries.values()].sort(
      (a, b) => Number(resolves(b.host)) - Number(resolves(a.host)) || score(b) - score(a) || a.order - b.order,
    );
    for (const e of ordered) {
      const addresses = hosts.get(e.host)?.addresses ?? [];
      const sources = sortProvenance([...e.sources]);
      const withLogin = e.claims.find((c) => c.username !== undefined || (c.authentication?.length ?? 0) > 0);
      const base = {
        role,
        host: e.host,
        sources,
        addresses,
        resolves: addresses.length > 0,
        ...(withLogin?.username !== undefined ? { username: withLogin.username } : {}),
        ...(withLogin?.authentication?.length ? { authentication: withLogin.authentication } : {}),
        evidence: e.evidence,
      };
      const seen = new Map<string, ServerCandidate>();
      for (const c of e.claims) {
        const key = `${c.port}/${c.security}`;
        const known = seen.get(key);
        if (known) {
          if (!known.endpointSources.includes(c.source)) known.endpointSources = sortProvenance([...known.endpointSources, c.source]);
          continue;
        }
        const cand: ServerCandidate = {
          ...base,
          port: c.port,
          security: c.security,
          endpointSources: [c.source],
          optional: role === 'smtp' && c.port === 25,
          ...(c.username !== undefined ? { username: c.username } : {}),
          ...(c.authentication?.length ? { authentication: c.authentication } : {}),
          evidence: [...base.evidence],
        };
        seen.set(key, cand);
        out[role].push(cand);
      }
      const claimedPorts = new Set(e.claims.map((c) => c.port));
      for (const std of STANDARD_ENDPOINTS[role]) {
        if (claimedPorts.has(std.port)) continue;
        out[role].push({ ...base, port: std.port, security: std.security, endpointSources: [], optional: std.optional, evidence: [...base.evidence] });
      }
    }
  }
  return out;
}

function sortProvenance(list: Provenance[]): Provenance[] {
  const order: Provenance[] = ['srv', 'autoconfig', 'autoconfig-http', 'ispdb', 'mx', 'guess'];
  return [...new Set(list)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

/** Where the configuration sources (SRV, autoconfig, ISPDB) contradict each other, per role. */
export function findDisagreements(claims: Claim[], notOffered: NotOffered[]): Disagreement[] {
  const out: Disagreement[] = [];
  for (const role of ROLES) {
    const bySource = new Map<Provenance, Claim[]>();
    for (const c of claims) {
      if (c.role !== role || !CONFIG_SOURCES.includes(c.source)) continue;
      bySource.set(c.source, [...(bySource.get(c.source) ?? []), c]);
    }
    const sources = CONFIG_SOURCES.filter((s) => bySource.has(s));
    for (let i = 0; i < sources.length; i++) {
      for (let j = i + 1; j < sources.length; j++) {
        const a = sources[i]!;
        const b = sources[j]!;
        const ca = bySource.get(a)!;
        const cb = bySource.get(b)!;
        const hostsA = new Set(ca.map((c) => c.host));
        const hostsB = new Set(cb.map((c) => c.host));
        const shared = [...hostsA].filter((h) => hostsB.has(h));
        if (shared.length === 0) {
          out.push({ role, kind: 'host', sources: [a, b], detail: `${a} names ${[...hostsA].join(', ')}; ${b} names ${[...hostsB].join(', ')}` });
          continue;
        }
        for (const host of shared) {
          const ea = ca.filter((c) => c.host === host);
          const eb = cb.filter((c) => c.host === host);
          let commonPort = false;
          for (const x of ea) {
            for (const y of eb) {
              if (x.port !== y.port) continue;
              commonPort = true;
              if (x.security !== y.security) {
                out.push({ role, kind: 'security', sources: [a, b], detail: `${host}:${x.port} is ${x.security} for ${a} but ${y.security} for ${b}` });
              }
            }
          }
          if (!commonPort) {
            const fmt = (l: Claim[]): string => l.map((c) => `${c.port}/${c.security}`).join(', ');
            out.push({ role, kind: 'endpoint', sources: [a, b], detail: `${host}: ${a} says ${fmt(ea)}; ${b} says ${fmt(eb)}` });
          }
        }
      }
    }
    // SRV "not offered" (target ".") against another source that names a server for the same role.
    const denied = notOffered.filter((n) => n.role === role);
    if (denied.length > 0 && !bySource.has('srv')) {
      for (const other of sources) {
        out.push({
          role,
          kind: 'offered',
          sources: ['srv', other],
          detail: `SRV ${denied.map((d) => d.service).join(', ')} says ${role} is not offered; ${other} names ${[...new Set(bySource.get(other)!.map((c) => c.host))].join(', ')}`,
        });
      }
    }
  }
  return out;
}
