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
      params: { endpoint, reply: [reply?.code, reply?.text].filter((x) => x !== undefined && x !== '').join(' ') },
      evidence: evidenceOf(p, 2),
      probes: group.map((x) => x.id),
    });
  }
  return out;
};
