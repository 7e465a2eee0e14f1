/**
 * What the end-to-end lab tests share (test/check/scenarios.test.ts, test/check/networks.test.ts): whether the
 * lab can run here, the report a CLI run printed, and the views of it the expectations are written in.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { CheckReport, Setting } from '../../../src/report/types.js';
import { cleanupStaleLabs, Lab, type ExecResult } from '../lab/lab.js';
import type { ExpectedSetting } from './expected.js';
import { isBuilt } from '../build.js';

/** Why the lab cannot run on this machine, or undefined when it can. */
export function canRunLab(): string | undefined {
  if (process.platform !== 'linux') return 'the lab needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'the lab needs root';
  for (const tool of ['ip', 'nft', 'postfix', 'dovecot']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed`;
    }
  }
  return undefined;
}

/**
 * One lab for a describe block: built in `before` (the block is skipped, saying why, when the lab cannot run
 * here or `needsBuild` and the CLI is not built), handed to `use`, stopped in `after`.
 */
export function useLab(use: (lab: Lab) => void, options: { needsBuild?: boolean } = {}): void {
  let lab: Lab | undefined;
  before(async function () {
    const unbuilt = options.needsBuild && !isBuilt() ? 'the CLI is not built (npm run build)' : undefined;
    const why = canRunLab() ?? unbuilt;
    if (why) {
      process.stderr.write(`      (skipped: ${why})\n`);
      this.skip();
    }
    await cleanupStaleLabs();
    lab = await Lab.start();
    use(lab);
  });

  after(async () => {
    await lab?.stop();
  });
}

export function parseReport(run: ExecResult, what: string): CheckReport {
  try {
    return JSON.parse(run.stdout) as CheckReport;
  } catch {
    assert.fail(`${what}: no JSON report on stdout (exit ${run.code})\nstderr:\n${run.stderr}\nstdout:\n${run.stdout.slice(0, 2_000)}`);
  }
}

export function findingKeys(report: CheckReport): string[] {
  return report.findings.map((f) => `${f.code}:${f.severity}`);
}

export function settingOf(s: Setting | undefined): ExpectedSetting | undefined {
  return s && { role: s.role, host: s.host, port: s.port, security: s.security, auth: s.auth, verified: s.verified };
}
