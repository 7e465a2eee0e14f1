import type { Rule } from './types.js';

export const disagreeRule: Rule = (facts) => {
  const d = facts.discovery.disagreements;
  if (d.length === 0) return [];
  return [
    {
      code: 'CONFIG_SOURCES_DISAGREE',
      severity: 'warning',
      summary: 'The configuration sources disagree about the servers',
      explanation: 'Different sources (DNS SRV, the domain’s autoconfig, the ISP database) name different servers or security for the same role. One of them is out of date; maildoctor tried them all and recommends what it verified.',
      evidence: d.map((x) => `${x.role}: ${x.sources.join(' vs ')}: ${x.detail}`),
      probes: [],
    },
  ];
};
