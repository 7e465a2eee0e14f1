import type { Rule } from './types.js';

export const disagreeRule: Rule = (facts) => {
  const d = facts.discovery.disagreements;
  if (d.length === 0) return [];
  return [
    {
      code: 'CONFIG_SOURCES_DISAGREE',
      severity: 'warning',
      params: {},
      evidence: d.map((x) => `${x.role}: ${x.sources.join(' vs ')}: ${x.detail}`),
      probes: [],
    },
  ];
};
