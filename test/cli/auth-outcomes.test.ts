/**
 * Every SMTP AUTH outcome is a finding, from the built CLI (`maildoctor check`) as a user runs it, against
 * scripted submission servers that give the replies no real server gives on demand (454 from a failing auth
 * backend, 534, 538), in a private network namespace (test/helpers/cli/private-world.ts). The password is given
 * (MAILDOCTOR_PASSWORD), so no advice may ask for one.
 */
import { translator } from '../../src/i18n/index.js';
import assert from 'node:assert/strict';
import type { CheckReport } from '../../src/report/types.js';
import { runInPrivateWorld, skipUnlessPrivateWorld, type WorldRun } from '../helpers/cli/private-world.js';

const PASSWORD = 'sekrit-Pa55word';
/** auth.test: MX mail.test (nothing on 25) and submission on the scripted server's port (RFC 6186 SRV), on loopback. */
const ZONE = `
auth.test                   MX   10 mail.test.
_submission._tcp.auth.test  SRV  0 1 {port:sub} mail.test.
mail.test                   A    127.0.0.1
`;

function world(authReply: string, output: 'json' | 'text'): Promise<WorldRun> {
  return runInPrivateWorld({
    zone: ZONE,
    smtp: { sub: { extensions: ['PIPELINING', 'STARTTLS', 'AUTH PLAIN LOGIN'], onAuth: `${authReply}\r\n`, onMail: '530 5.7.0 Authentication required\r\n' } },
    args: ['check', 'pippo@auth.test', '--dns', '{dns}', '--ca', '{ca}', '--user', 'pippo', ...(output === 'json' ? ['--json'] : [])],
    env: { MAILDOCTOR_PASSWORD: PASSWORD },
  });
}

function report(run: WorldRun): CheckReport {
  try {
    return JSON.parse(run.stdout) as CheckReport;
  } catch {
    assert.fail(`no JSON report (exit ${run.code})\nstderr: ${run.stderr}\nstdout: ${run.stdout.slice(0, 2_000)}`);
  }
}

describe('maildoctor check: every AUTH outcome is a finding (built CLI, scripted submission servers)', function () {
  this.timeout(120_000);
  before(function () {
    skipUnlessPrivateWorld(this);
  });

  const cases: Array<[reply: string, code: string, fix: RegExp]> = [
    ['454 4.7.0 Temporary authentication failure', 'AUTH_TEMP_FAILURE', /Try again later/],
    ['534 5.7.9 Authentication mechanism is too weak', 'AUTH_MECHANISM_TOO_WEAK', /another authentication method/],
    ['538 5.7.11 Encryption required for requested authentication mechanism', 'AUTH_ENCRYPTION_REQUIRED', /other port/],
    ['535 5.7.8 Error: authentication failed', 'AUTH_FAILED', /Check the password/],
  ];
  for (const [reply, code, fix] of cases) {
    it(`AUTH answered "${reply.slice(0, 3)}" → ${code}, and 530 at MAIL FROM without a login → AUTH_REQUIRED`, async () => {
      const run = await world(reply, 'json');
      assert.equal(run.code, 1, `exit code (nothing to receive from: auth.test has no IMAP/POP3)\n${run.stderr}`);
      const r = report(run);
      const found = r.findings.find((f) => f.code === code);
      assert.ok(found, `no ${code}: ${r.findings.map((f) => f.code).join(', ')}`);
      assert.deepEqual(found.probes, [`outgoing:mail.test:${r.probes.find((p) => p.withAuth)!.port}:auth`]);
      assert.match(translator('en').finding(found).fix ?? '', fix);
      assert.ok(found.evidence.some((e) => e.endsWith(`S: ${reply}`)), found.evidence.join('\n'));
      assert.ok(r.findings.some((f) => f.code === 'AUTH_REQUIRED'), 'the relay probe without a login got 530');
      // Advice never contradicts what the user passed: a password was given.
      assert.doesNotMatch(JSON.stringify([r.findings, r.recommendation]), /--user|no password given/);
      assert.ok(!run.stdout.includes(PASSWORD) && !run.stdout.includes(Buffer.from(`\0pippo\0${PASSWORD}`).toString('base64')), 'no password in the report');
    });
  }

  it('the text report says why the login was not verified, and does not ask for the password again', async () => {
    const run = await world('454 4.7.0 Temporary authentication failure', 'text');
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /WARNING mail\.test:\d+ could not check the login right now .*\[AUTH_TEMP_FAILURE\]/);
    // The report wraps its notes: read it with line breaks as spaces.
    const flat = run.stdout.replace(/\s+/g, ' ');
    assert.match(flat, /Sending through mail\.test:\d+ was not verified: the server could not check it right now/);
    assert.doesNotMatch(flat, /run again with --user/i);
  });
});
