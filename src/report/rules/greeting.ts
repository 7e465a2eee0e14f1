import { byEndpoint, evidenceOf, failedWith } from '../analysis.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

export const greetingRule: Rule = (facts) => {
  const out: Finding[] = [];
  for (const [endpoint, group] of byEndpoint(facts.probes.filter((p) => p.purpose !== 'control'))) {
    const p = group.find((x) => failedWith(x, 'GREETING_REJECTED'));
    if (!p) continue;
    const reply = p.result.greeting;
    out.push({
      code: 'GREETING_REJECTED',
      severity: 'error',
      summary: `${endpoint} refuses this client as soon as it connects`,
      explanation: `The server answered the connection with a refusal${reply?.code ? ` (${reply.code})` : ''}: "${reply?.text ?? ''}". Servers do this to addresses on block lists (dynamic/residential ranges, or an address that sent spam) or when they are overloaded.`,
      evidence: evidenceOf(p, 2),
      fix: 'Use authenticated submission on another port, or the network’s own SMTP server; if your address is on a block list, the network provider can tell you why.',
      probes: group.map((x) => x.id),
    });
  }
  return out;
};
