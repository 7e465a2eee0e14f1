import type { Rule } from './types.js';

export const noServersRule: Rule = (facts) => {
  const c = facts.discovery.candidates;
  const mxCode = facts.discovery.facts.mx.error?.code;
  if (mxCode === 'DNS_RESOLVER_UNREACHABLE' || mxCode === 'DNS_TIMEOUT' || facts.discovery.facts.mx.rcode === 'NXDOMAIN') return [];
  const roles = (['smtp', 'imap', 'pop3'] as const).filter((r) => c[r].filter((s) => s.resolves).length === 0);
  if (roles.length === 0) return [];
  const all = roles.length === 3;
  if (!all && !(roles.includes('smtp') || (roles.includes('imap') && roles.includes('pop3')))) return [];
  return [
    {
      code: 'NO_MAIL_SERVERS_FOUND',
      severity: 'error',
      params: { domain: facts.domain, all: all ? 'yes' : 'no', roles: roles.map((r) => ({ msg: `role.${r}` })) },
      evidence: facts.discovery.sources.map((s) => `${s.source}: ${s.state}${s.error ? ` (${s.error.code})` : ''}`),
      probes: [],
    },
  ];
};
