import type { Rule } from './types.js';

/** The domain does not exist, or no resolver answers: nothing else can be learnt, so say that first. */
export const dnsRule: Rule = (facts) => {
  const mx = facts.discovery.facts.mx;
  const code = mx.error?.code;
  if (code === 'DNS_NOT_FOUND' && mx.rcode === 'NXDOMAIN') {
    return [
      {
        code: 'DNS_DOMAIN_NOT_FOUND',
        severity: 'error',
        params: { domain: facts.domain, address: facts.address },
        evidence: [`MX ${facts.domain}: NXDOMAIN from ${mx.server ?? 'the resolver'}`],
        probes: [],
      },
    ];
  }
  if (code === 'DNS_RESOLVER_UNREACHABLE' || code === 'DNS_TIMEOUT') {
    const servers = facts.discovery.resolvers.servers;
    return [
      {
        code: 'DNS_RESOLVER_UNREACHABLE',
        severity: 'error',
        params: { resolvers: servers.length ? servers : { msg: 'word.noneConfigured' } },
        evidence: [`MX ${facts.domain}: ${code}: ${mx.error?.message ?? ''}`.trim()],
        probes: [],
      },
    ];
  }
  return [];
};
