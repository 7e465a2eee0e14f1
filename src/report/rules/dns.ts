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
        summary: `The domain ${facts.domain} does not exist`,
        explanation: `DNS says there is no domain ${facts.domain} (NXDOMAIN), so no server can receive or send mail for ${facts.address}. Check the spelling of the address.`,
        evidence: [`MX ${facts.domain}: NXDOMAIN from ${mx.server ?? 'the resolver'}`],
        fix: 'Check the address for a typo; if it is right, the domain has expired or was never registered.',
        probes: [],
      },
    ];
  }
  if (code === 'DNS_RESOLVER_UNREACHABLE' || code === 'DNS_TIMEOUT') {
    const servers = facts.discovery.resolvers.servers.join(', ') || 'none configured';
    return [
      {
        code: 'DNS_RESOLVER_UNREACHABLE',
        severity: 'error',
        summary: 'No DNS resolver answers from this network',
        explanation: `The DNS resolvers (${servers}) did not answer, so server names cannot be looked up. Mail (and most of the internet) will not work until name resolution does.`,
        evidence: [`MX ${facts.domain}: ${code}: ${mx.error?.message ?? ''}`.trim()],
        fix: 'Check the network connection; if it is up, set a working DNS resolver (the router, or your provider’s) or use --dns.',
        probes: [],
      },
    ];
  }
  return [];
};
