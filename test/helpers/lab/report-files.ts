/**
 * From a `maildoctor check --json` report to the recorded facts (fixtures/reports/<scenario>.json): the report
 * minus what the report builder derives from the facts (findings, recommendation, status, servers,
 * schemaVersion). The rule tests (test/check/rules.test.ts) rebuild the report from them.
 */
import { join } from 'node:path';
import type { CheckFacts, CheckReport } from '../../../src/report/types.js';
import { REPO_ROOT } from './lab.js';

export const REPORT_FIXTURES = join(REPO_ROOT, 'fixtures', 'reports');

export function reportFixturePath(id: string): string {
  return join(REPORT_FIXTURES, `${id}.json`);
}

/** The facts of a report: everything `buildReport()` takes. */
export function factsOf(report: CheckReport): CheckFacts {
  const { findings: _f, recommendation: _r, status: _s, servers: _v, schemaVersion: _n, ...facts } = report;
  return facts;
}

/**
 * Why a text may not be written to a fixture: a secret, or a path of this machine (temp dirs, the checkout).
 * Returns the reasons; empty when the text is fine.
 */
export function unfitForFixture(text: string, secrets: string[]): string[] {
  const reasons: string[] = [];
  for (const s of secrets) if (s && text.includes(s)) reasons.push('contains a password');
  if (text.includes(REPO_ROOT.replace(/\/$/, ''))) reasons.push('contains the checkout path');
  if (/(^|[^\w])\/(tmp|home|root|var|etc|work)\//.test(text)) reasons.push('contains a machine path');
  return reasons;
}
