/**
 * Issue 10, end to end: what the network does to mail, built in the lab (test/helpers/lab/networks.ts) and diagnosed by
 * the BUILT CLI (`node bin/maildoctor.js`, run `npm run build` first) as a child process in the user's
 * namespace. For each situation: the findings and the recommendation, no false statement, a text snapshot, and
 * then the recommended settings tried from the same namespace with `maildoctor probe` (they must work), with the
 * report's own fix applied first where the fix is on the user's machine (the MTU). Needs root; skipped otherwise.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DEFAULT_RELAY_RECIPIENT } from '../../src/check/defaults.js';
import type { ProbeResult } from '../../src/lib/types.js';
import { translator } from '../../src/i18n/index.js';
import { buildReport } from '../../src/report/index.js';
import { plainColors, renderReport } from '../../src/report/render-text.js';
import type { CheckReport, Setting } from '../../src/report/types.js';
import { LAB, REPO_ROOT, type Lab } from '../helpers/lab/lab.js';
import { LAB6, lowerUserMtu, TUNNEL_MTU } from '../helpers/lab/networks.js';
import { factsOf } from '../helpers/report/fixtures.js';
import { applyState, runScenarioCheck, SCENARIOS, type Scenario } from '../helpers/lab/scenarios.js';
import { EXPECTED } from '../helpers/check/expected.js';
import { findingKeys, parseReport, settingOf, useLab } from '../helpers/check/lab-run.js';
import { matchSnapshot, normaliseReportText } from '../helpers/check/snapshot.js';

const BUILT_CLI = join(REPO_ROOT, 'bin', 'maildoctor.js');
const BUILT = [process.execPath, BUILT_CLI];

const PROBE_PROTOCOL: Record<Setting['role'], { tls: string; plain: string }> = {
  imap: { tls: 'imaps', plain: 'imap' },
  pop3: { tls: 'pop3s', plain: 'pop3' },
  smtp: { tls: 'smtps', plain: 'smtp' },
};

/** Sentences issue 10 found in reports that the evidence never supports. */
const FALSE_SENTENCES = [/It is not this network: resets come from the destination side/, /the server is down or its address in DNS is wrong/];

/** The finding of a code, with its English sentences (the catalogue's, as the report shows them). */
function only(report: CheckReport, code: string): CheckReport['findings'][number] & { summary: string; explanation: string; fix?: string } {
  const found = report.findings.filter((f) => f.code === code);
  assert.equal(found.length, 1, `one ${code} finding expected, got ${found.length}`);
  return { ...found[0]!, ...translator('en').finding(found[0]!) };
}

/** What each situation must also show, beyond codes and settings. */
const EXTRA: Record<string, (r: CheckReport) => void> = {
  'web-only': (r) => {
    const f = only(r, 'NETWORK_BLOCKS_MAIL');
    assert.match(f.explanation, /Receiving mail is impossible from here/);
    assert.match(f.explanation, /this network’s own server smtp\.isp\.test:25 answers/);
    assert.match(f.fix!, /webmail, another network \(mobile data\) or a VPN/);
    assert.ok(!r.findings.some((x) => ['SERVER_UNREACHABLE', 'PORT_FILTERED', 'PORT_CLOSED', 'PORT_BLOCKED_BY_NETWORK'].includes(x.code)), 'no per-server finding for what the network blocks');
  },
  'port25-rejected-no-controls': (r) => {
    assert.ok(!r.probes.some((p) => p.purpose === 'control'), '--no-controls: no control was asked');
    const f = only(r, 'PORT_BLOCKED_BY_NETWORK');
    assert.match(f.summary, /probably blocks port 25 \(inferred/);
    assert.match(f.explanation, /this is an inference, not a measurement/);
    assert.match(f.explanation, /mail\.disney\.test is an MX of disney\.test, which must accept port 25 from anywhere/);
  },
  intercept25: (r) => {
    const f = only(r, 'PORT_INTERCEPTED_BY_NETWORK');
    assert.match(f.summary, /smtp\.isp\.test \(this network’s own server\) answers in place of smtp\.disney\.test and mail\.disney\.test/);
    assert.match(f.explanation, /independent control server on port 25 \(192\.0\.2\.25\) greets with the same name/);
    assert.ok(!r.findings.some((x) => x.code === 'TLS_CERT_HOSTNAME_MISMATCH'), 'no certificate mismatch for what interception explains');
    for (const id of ['outgoing:mail.disney.test:25', 'control:192.0.2.25:25']) {
      assert.equal(r.probes.find((p) => p.id === id)?.result.greetingHost, 'smtp.isp.test', id);
    }
  },
  inspect25: (r) => {
    const f = only(r, 'SMTP_INSPECTED_BY_NETWORK');
    assert.match(f.summary, /on this network rewrites SMTP on port 25/);
    assert.ok(f.evidence.some((e) => /EHLO lists XXXXXXXA/.test(e)));
    assert.ok(!r.findings.some((x) => x.code === 'STARTTLS_UNAVAILABLE'), 'the server is not blamed for the stripped STARTTLS');
    // No password went over the stripped port.
    for (const p of r.probes.filter((x) => x.port === 25 && x.withAuth)) assert.equal(p.result.error?.code, 'AUTH_PLAINTEXT_REFUSED', p.id);
  },
  'mtu-blackhole': (r) => {
    const f = only(r, 'PATH_MTU_BLACKHOLE');
    assert.match(f.fix!, /Lower the MTU/);
    // Decided early: no stalled handshake waited for the whole TLS cap.
    for (const p of r.probes.filter((x) => x.result.error?.code === 'TLS_HANDSHAKE_STALLED')) {
      assert.ok(p.result.tlsHandshake!.durationMs < 4_000, `${p.id}: the stall took ${p.result.tlsHandshake!.durationMs} ms`);
      assert.equal(p.result.tlsHandshake!.serverBytes, 0);
    }
    assert.ok(r.probes.some((p) => p.purpose === 'network-smtp' && p.result.tlsHandshake?.completed), 'TLS to the local network works');
  },
  'ipv6-broken': (r) => {
    const f = only(r, 'IPV6_PATH_BROKEN');
    assert.match(f.summary, /^IPv6 to .*mail\.disney\.test.* gets no answer from here, while IPv4 works/);
    assert.match(f.explanation, /the evidence cannot tell whether this network’s IPv6 or the server’s is broken/);
    const p = r.probes.find((x) => x.id === 'incoming:imap.disney.test:993:auth')!;
    assert.equal(p.result.target.family, 4, 'the session went over IPv4, as a Happy Eyeballs client’s would');
    assert.deepEqual(
      p.result.target.families?.map((a) => [a.family, a.address, a.outcome]),
      [
        [6, LAB6.provider, 'CONNECT_TIMEOUT'],
        [4, LAB.provider, 'connected'],
      ],
    );
  },
};

describe('issue 10: what the network does to mail, diagnosed by the built CLI in the lab', function () {
  this.timeout(90_000);
  let lab: Lab;

  useLab((l) => {
    lab = l;
  }, { needsBuild: true });

  /** `maildoctor probe` of a recommended setting, from the user's namespace, with the built CLI. */
  const trySetting = async (s: Setting): Promise<ProbeResult> => {
    const protocol = PROBE_PROTOCOL[s.role][s.security === 'tls' ? 'tls' : 'plain'];
    const args = [
      'probe',
      protocol,
      `${s.host}:${s.port}`,
      '--ca',
      lab.caFile,
      '--json',
      ...(s.security === 'starttls' ? ['--starttls', 'required'] : []),
      ...(s.auth === 'password' ? ['--user', LAB.user, '--password-env', 'MAILDOCTOR_PASSWORD'] : []),
      ...(s.role === 'smtp' ? ['--relay-test', LAB.address, DEFAULT_RELAY_RECIPIENT] : []),
    ];
    const run = await lab.runCli(args, { password: lab.password, command: BUILT });
    const result = JSON.parse(run.stdout) as ProbeResult;
    assert.equal(run.code, 0, `${args.join(' ')}: exit ${run.code}, ${result.error?.code}: ${result.error?.message}`);
    assert.ok(result.ok);
    if (s.role === 'smtp') assert.equal(result.relay?.accepted, true, 'the recommended server takes mail for outside (then reset)');
    if (s.auth === 'password') assert.equal(result.auth?.ok, true, 'the login works');
    return result;
  };

  const scenarioTest = (s: Scenario): void => {
    it(`${s.title}`, async () => {
      const expected = EXPECTED[s.id];
      assert.ok(expected, `no expectations for ${s.id} in test/helpers/check/expected.ts`);
      await applyState(lab, s.state);
      const run = await runScenarioCheck(lab, s, BUILT);
      assert.ok(!run.stdout.includes(lab.password) && !run.stderr.includes(lab.password), 'the password appears in the output');
      const report = parseReport(run, s.id);
      const diagnose = `\nfindings: ${findingKeys(report).join(', ')}\nstderr: ${run.stderr}`;
      assert.equal(run.code, expected.exitCode, `exit code${diagnose}`);
      assert.deepEqual(findingKeys(report), expected.findings, `findings${diagnose}`);
      assert.deepEqual(report.status, expected.status);
      assert.equal(report.recommendation.hybrid, expected.hybrid);
      assert.deepEqual(settingOf(report.recommendation.incoming), expected.incoming);
      assert.deepEqual(settingOf(report.recommendation.outgoing), expected.outgoing);
      for (const f of report.findings) {
        const { summary, explanation } = translator('en').finding(f);
        for (const wrong of FALSE_SENTENCES) assert.doesNotMatch(`${summary} ${explanation}`, wrong, f.code);
      }
      EXTRA[s.id]?.(report);
      assert.deepEqual(buildReport(factsOf(report)), report);
      matchSnapshot(s.id, normaliseReportText(renderReport(report, plainColors, { stable: true })));

      // The report's settings, tried from the same namespace.
      for (const setting of [report.recommendation.incoming, report.recommendation.outgoing]) if (setting) await trySetting(setting);
      assert.deepEqual(await lab.queuedMessages(), { isp: 0, provider: 0 }, 'a message was left in a Postfix queue');
    });
  };

  for (const s of SCENARIOS.filter((x) => x.networkTier)) scenarioTest(s);

  it('the black hole’s fix works: with the interface MTU lowered, TLS to the provider goes through from the same machine', async () => {
    await applyState(lab, SCENARIOS.find((s) => s.id === 'mtu-blackhole')!.state);
    const imaps: Setting = { role: 'imap', host: 'imap.disney.test', port: 993, security: 'tls', auth: 'password', verified: false, reason: { msg: 'reason.loggedIn' } };
    const before = await lab.runCli(['probe', 'imaps', 'imap.disney.test:993', '--ca', lab.caFile, '--json'], { command: BUILT });
    assert.equal((JSON.parse(before.stdout) as ProbeResult).error?.code, 'TLS_HANDSHAKE_STALLED', 'the black hole is there before the fix');
    await lowerUserMtu(lab, TUNNEL_MTU);
    await trySetting(imaps);
    await trySetting({ ...imaps, role: 'smtp', host: 'smtp.disney.test', port: 465 });
  });
});
