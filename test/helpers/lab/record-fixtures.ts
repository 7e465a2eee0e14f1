/**
 * Regenerate fixtures/reports/<scenario>.json from the lab: every scenario of test/helpers/lab/scenarios.ts is run
 * (`maildoctor check --json` in the user's namespace) and the facts of its report are saved. Run as root:
 *
 *     npx tsx test/helpers/lab/record-fixtures.ts [SCENARIO_ID…]
 *
 * Prints each scenario's exit code and findings. Refuses to write a fixture holding a password or a path of
 * this machine. After recording, review the diff and the expectations in test/helpers/check/expected.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { translator } from '../../../src/i18n/index.js';
import type { CheckReport } from '../../../src/report/types.js';
import { cleanupStaleLabs, Lab } from './lab.js';
import { factsOf, REPORTS_DIR as REPORT_FIXTURES, reportFixturePath, unfitForFixture } from '../report/fixtures.js';
import { applyState, runScenarioCheck, SCENARIOS, wrongPassword } from './scenarios.js';

const only = process.argv.slice(2);
const chosen = SCENARIOS.filter((s) => only.length === 0 || only.includes(s.id));
if (chosen.length === 0) {
  process.stderr.write(`no scenario among ${only.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}\n`);
  process.exit(2);
}

await cleanupStaleLabs();
const lab = await Lab.start();
let failed = false;
try {
  await mkdir(REPORT_FIXTURES, { recursive: true });
  for (const s of chosen) {
    await applyState(lab, s.state);
    const r = await runScenarioCheck(lab, s);
    let report: CheckReport;
    try {
      report = JSON.parse(r.stdout) as CheckReport;
    } catch {
      process.stderr.write(`${s.id}: no JSON report (exit ${r.code})\n${r.stderr}\n`);
      failed = true;
      continue;
    }
    const text = `${JSON.stringify(factsOf(report), null, 2)}\n`;
    const unfit = unfitForFixture(text, [lab.password, wrongPassword(lab)]);
    if (unfit.length) {
      process.stderr.write(`${s.id}: not written: ${unfit.join(', ')}\n`);
      failed = true;
      continue;
    }
    await writeFile(reportFixturePath(s.id), text);
    process.stdout.write(
      `${s.id}: exit ${r.code}, ${(r.durationMs / 1000).toFixed(1)} s, status ${report.status.sending}/${report.status.receiving}, hybrid ${report.recommendation.hybrid}\n` +
        report.findings.map((f) => `  ${f.severity.padEnd(7)} ${f.code}  ${translator('en').finding(f).summary}\n`).join(''),
    );
  }
} finally {
  await lab.stop();
}
process.exitCode = failed ? 1 : 0;
