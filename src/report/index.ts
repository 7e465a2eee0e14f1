/**
 * The report builder: pure functions of a check's facts. Results in, findings and a recommendation out; no
 * I/O, no clock. Tested from JSON fixtures (test/report/*.test.ts).
 */
import { FINDING_CODES } from '../lib/codes.js';
import { EXIT, type VerdictExitCode } from '../lib/exit-codes.js';
import { configuredVerdicts } from './configured.js';
import { recommend } from './recommend.js';
import { authRule } from './rules/auth.js';
import { authOutcomeRule } from './rules/auth-outcome.js';
import { blocklistRule } from './rules/blocklist.js';
import { certExpiryRule } from './rules/cert-expiry.js';
import { disagreeRule } from './rules/disagree.js';
import { dnsRule } from './rules/dns.js';
import { greetingRule } from './rules/greeting.js';
import { incomingUnexplainedRuleOver } from './rules/incoming-unexplained.js';
import { inspectionRule } from './rules/inspected.js';
import { interceptionRule } from './rules/intercepted.js';
import { ipv6Rule } from './rules/ipv6.js';
import { mtuRule } from './rules/mtu.js';
import { networkBlocksRule } from './rules/network-blocks.js';
import { noServersRule } from './rules/no-servers.js';
import { oauthRule } from './rules/oauth.js';
import { plaintextAuthRule } from './rules/plaintext-auth.js';
import { portsRule } from './rules/ports.js';
import { relayRule } from './rules/relay.js';
import { tlsRule } from './rules/tls.js';
import type { Rule } from './rules/types.js';
import { REPORT_SCHEMA_VERSION, type CheckFacts, type CheckReport, type Finding, type Setting } from './types.js';

/** The rules that explain what failed, in the order their findings are shown. */
const EXPLAINING_RULES: readonly Rule[] = [
  dnsRule,
  noServersRule,
  networkBlocksRule,
  relayRule,
  blocklistRule,
  authRule,
  authOutcomeRule,
  greetingRule,
  portsRule,
  interceptionRule,
  inspectionRule,
  mtuRule,
  ipv6Rule,
  tlsRule,
  certExpiryRule,
  plaintextAuthRule,
  disagreeRule,
  oauthRule,
];

/** Every rule, in the order their findings are shown; the last one speaks when none of the others explains receiving. */
export const RULES: readonly Rule[] = [...EXPLAINING_RULES, incomingUnexplainedRuleOver(EXPLAINING_RULES)];

const SEVERITY_ORDER: Record<Finding['severity'], number> = { error: 0, warning: 1, info: 2 };

export function buildReport(facts: CheckFacts): CheckReport {
  const ruleFindings = RULES.flatMap((rule) => rule(facts));
  const { recommendation, findings: recFindings } = recommend(facts);
  const findings = [...ruleFindings, ...recFindings]
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
  for (const f of findings) if (!Object.hasOwn(FINDING_CODES, f.code)) throw new Error(`rule produced an uncatalogued code ${f.code}`);
  const servers = facts.probes
    .filter((p) => p.purpose === 'incoming' || p.purpose === 'outgoing')
    .filter((p, i, all) => all.findIndex((q) => q.host === p.host && q.port === p.port) === i)
    .map((p) => ({ role: p.role === 'tcp' ? ('smtp' as const) : p.role, host: p.host, port: p.port, security: p.security, sources: p.sources }));
  const configured = configuredVerdicts(facts, recommendation);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    ...facts,
    servers,
    findings,
    recommendation,
    ...(configured ? { configured } : {}),
    status: {
      sending: verdict(recommendation.outgoing),
      receiving: verdict(recommendation.incoming),
    },
  };
}

function verdict(s: Setting | undefined): 'works' | 'fails' | 'unverified' {
  if (!s) return 'fails';
  return s.verified ? 'works' : 'unverified';
}

/** EXIT.OK when sending and receiving work and nothing is wrong; EXIT.PROBLEMS when the report found problems. */
export function reportExitCode(report: CheckReport): VerdictExitCode {
  const { sending, receiving } = report.status;
  if (sending === 'fails' || receiving === 'fails') return EXIT.PROBLEMS;
  // The user's own settings (--thunderbird-profile) that do not work from here are a problem to fix.
  if (report.configured?.some((c) => c.works === 'no')) return EXIT.PROBLEMS;
  return report.findings.some((f) => f.severity === 'error') ? EXIT.PROBLEMS : EXIT.OK;
}

export { recommend } from './recommend.js';
export { evaluateSpf, spfTable, dmarcPolicy } from './spf.js';
export type * from './types.js';
