import type { Rule } from './types.js';

export const noServersRule: Rule = (facts) => {
  const c = facts.discovery.candidates;
  const mxCode = facts.discovery.facts.mx.error?.code;
  if (mxCode === 'DNS_RESOLVER_UNREACHABLE' || mxCode === 'DNS_TIMEOUT' || facts.discovery.facts.mx.rcode === 'NXDOMAIN') return [];
  const roles = (['smtp', 'imap', 'pop3'] as const).filter((r) => c[r].filter((s) => s.resolves).length === 0);
  if (roles.length === 0) return [];
  const all = roles.length === 3;
  const names = roles.map((r) => (r === 'smtp' ? 'sending (SMTP)' : r === 'imap' ? 'IMAP' : 'POP3'));
  if (!all && !(roles.includes('smtp') || (roles.includes('imap') && roles.includes('pop3')))) return [];
  return [
    {
      code: 'NO_MAIL_SERVERS_FOUND',
      severity: 'error',
      summary: all ? `No mail server found for ${facts.domain}` : `No server found for ${names.join(' and ')}`,
      explanation: `None of the sources (DNS SRV records, autoconfig, the ISP database, MX records, the usual host names) named a server that resolves for ${names.join(', ')}.`,
      evidence: facts.discovery.sources.map((s) => `${s.source}: ${s.state}${s.error ? ` (${s.error.code})` : ''}`),
      fix: 'Ask the mailbox provider for its server names, then run `maildoctor probe` against them.',
      probes: [],
    },
  ];
};
