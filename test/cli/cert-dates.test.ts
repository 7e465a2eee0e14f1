/**
 * A certificate whose validity dates cannot be read (issue 9), from the built CLI (`maildoctor check`) as a
 * user runs it: a scripted submission server in a private network namespace (test/helpers/cli/private-world.ts)
 * presents the test CA's certificate with a notAfter that is not a date, and bytes a terminal would obey. The
 * probe ends with TLS_CERT_DATES_INVALID in "tls" (it used to be PROTOCOL_ERROR in "internal"), and the report
 * has a certificate finding quoting the dates as written: escaped in the text report, exact in --json.
 */
import assert from 'node:assert/strict';
import type { CheckReport } from '../../src/report/types.js';
import { runInPrivateWorld, skipUnlessPrivateWorld, type WorldRun } from '../helpers/cli/private-world.js';

/** Month 13, then ESC [2J (clear the screen) and BEL: 13 bytes, a UTCTime's length. */
const NOT_AFTER = '2613320\x1b[2J\x07Z';
const ZONE = `
dates.test                   MX   10 mail.test.
_submission._tcp.dates.test  SRV  0 1 {port:sub} mail.test.
mail.test                    A    127.0.0.1
`;

function world(output: 'json' | 'text'): Promise<WorldRun> {
  return runInPrivateWorld({
    zone: ZONE,
    notAfter: NOT_AFTER,
    smtp: { sub: { extensions: ['PIPELINING', 'STARTTLS', 'AUTH PLAIN LOGIN'] } },
    args: ['check', 'pippo@dates.test', '--dns', '{dns}', '--ca', '{ca}', '--no-ispdb', ...(output === 'json' ? ['--json'] : ['--verbose'])],
  });
}

describe('maildoctor check: a certificate whose dates are not dates (built CLI, scripted server)', function () {
  this.timeout(120_000);
  before(function () {
    skipUnlessPrivateWorld(this);
  });

  it('--json: the submission probe ends TLS_CERT_DATES_INVALID/tls with the dates as written, and a TLS_CERT_DATES_INVALID finding', async () => {
    const run = await world('json');
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, '');
    const r = JSON.parse(run.stdout) as CheckReport;
    // The SRV record's port is the scripted server; 25, 465 and 587 (guesses) refuse.
    const sub = r.probes.filter((p) => p.purpose === 'outgoing' && ![25, 465, 587].includes(p.port));
    assert.ok(sub.length > 0, r.probes.map((p) => p.id).join(' '));
    for (const p of sub) {
      assert.deepEqual([p.result.error?.code, p.result.error?.phase], ['TLS_CERT_DATES_INVALID', 'tls'], JSON.stringify(p.result.error));
      assert.equal(p.result.tls?.certificate?.datesAsWritten?.notAfter, NOT_AFTER);
    }
    assert.ok(!r.probes.some((p) => p.result.error?.phase === 'internal'), 'no internal error');
    const f = r.findings.find((x) => x.code === 'TLS_CERT_DATES_INVALID');
    assert.ok(f, r.findings.map((x) => x.code).join(', '));
    assert.equal(f.severity, 'error');
    assert.equal(f.params.notAfter, NOT_AFTER);
    assert.deepEqual(f.probes.sort(), sub.map((p) => p.id).sort());
    assert.ok(run.stdout.includes('2613320\\u001b[2J\\u0007Z'), 'the JSON escapes the control bytes');
  });

  it('text: the finding quotes the dates with every control byte escaped', async () => {
    const run = await world('text');
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr, '');
    assert.doesNotMatch(run.stdout, /[\x07\x1b]/, 'no control byte reaches the terminal');
    const flat = run.stdout.replace(/\s+/g, ' ');
    assert.match(flat, /ERROR The certificate of mail\.test:\d+ has validity dates that cannot be read \[TLS_CERT_DATES_INVALID\]/);
    assert.match(flat, /ends at “2613320\\x1b\[2J\\x07Z”, and at least one of these is not a valid date/);
    assert.match(flat, /✗ mail\.test:\d+ SMTP STARTTLS without password: certificate dates unreadable/);
  });
});
