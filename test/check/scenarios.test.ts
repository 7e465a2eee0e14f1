/**
 * `maildoctor check` end to end, in the lab (test/helpers/lab/lab.ts): network namespaces, a router with nftables,
 * real Postfix and Dovecot, a test resolver and a control endpoint. Each scenario brings the lab to its state
 * (restarting only what changes), runs the CLI inside the user's namespace as a new process, and checks the
 * JSON report, the exit code, a snapshot of the text report, that no password leaked and that no message was
 * left in any Postfix queue. One lab for the whole file. Needs root; skipped otherwise.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECK_CONNECT_TIMEOUT_MS } from '../../src/check/check.js';
import { translator } from '../../src/i18n/index.js';
import { buildReport } from '../../src/report/index.js';
import { plainColors, renderReport } from '../../src/report/render-text.js';
import type { CheckReport } from '../../src/report/types.js';
import { LAB, REPO_ROOT, type ExecResult, type Lab } from '../helpers/lab/lab.js';
import { factsOf } from '../helpers/report/fixtures.js';
import { leaksOf } from '../helpers/harness/leaks.js';
import { applyState, issuedTokens, runScenarioCheck, SCENARIOS, wrongOAuthToken, wrongPassword, type Scenario } from '../helpers/lab/scenarios.js';
import { EXPECTED } from '../helpers/check/expected.js';
import { findingKeys, parseReport, settingOf, useLab } from '../helpers/check/lab-run.js';
import { readAsThunderbird } from '../helpers/report/thunderbird-rules.js';
import { matchSnapshot, normaliseReportText } from '../helpers/check/snapshot.js';

/** Mailbox domains on the provider's MX with SPF policies for test (i): the hybrid server is 198.51.100.1. */
const SPF_ZONE = `
spf-pass.test            MX   10 mail.disney.test.
spf-pass.test            TXT  "v=spf1 include:_spf.spf-pass.test -all"
_spf.spf-pass.test       TXT  "v=spf1 redirect=_spf.isp.test"
_spf.isp.test            TXT  "v=spf1 a:relay.isp.test mx:isp.test -all"
isp.test                 MX   10 smtp.isp.test.
_dmarc.spf-pass.test     TXT  "v=DMARC1; p=reject"
spf-loop.test            MX   10 mail.disney.test.
spf-loop.test            TXT  "v=spf1 include:_a.spf-loop.test -all"
_a.spf-loop.test         TXT  "v=spf1 include:_b.spf-loop.test ~all"
_b.spf-loop.test         TXT  "v=spf1 include:_a.spf-loop.test ~all"
_dmarc.spf-loop.test     TXT  "v=DMARC1; p=reject"
spf-fail.test            MX   10 mail.disney.test.
spf-fail.test            TXT  "v=spf1 mx -all"
`;
const THUNDERBIRD_ROOT = fileURLToPath(new URL('../../fixtures/thunderbird/root/', import.meta.url));

function probe(report: CheckReport, id: string): CheckReport['probes'][number] {
  const p = report.probes.find((x) => x.id === id);
  assert.ok(p, `no probe ${id} in the report (probes: ${report.probes.map((x) => x.id).join(', ')})`);
  return p;
}

/** Scenario-specific facts beyond codes and settings. */
const EXTRA: Record<string, (r: CheckReport) => void> = {
  'seed-hybrid': (r) => {
    const denied = r.findings.find((f) => f.code === 'SMTP_RELAY_DENIED')!;
    assert.deepEqual(denied.probes, ['outgoing:mail.disney.test:25', 'outgoing:smtp.disney.test:25']);
    assert.equal(probe(r, 'outgoing:mail.disney.test:25').result.relay?.rcptTo?.code, 554);
    assert.equal(probe(r, 'network-smtp:smtp.isp.test:25').result.relay?.accepted, true);
    const spf = r.findings.find((f) => f.code === 'SPF_HYBRID_FAIL')!;
    assert.ok(spf.evidence.includes('hybrid server smtp.isp.test = 198.51.100.1'), spf.evidence.join('\n'));
    assert.equal(r.network.provider?.domain, 'isp.test');
    assert.equal(r.network.reverseDns?.name, 'customer-77.dsl.isp.test');
    assert.equal(r.network.reverseDns?.forwardConfirmed, true);
    assert.equal(r.network.provider?.ispdb.state, 'skipped', '--no-ispdb must also keep networkIdentity() from asking the ISPDB');
    assert.equal(r.discovery.facts.ispdb.state, 'skipped');
    // Pipelined (issue 13): the control endpoints depend on nothing, so the first starts with discovery, not after
    // it (the others of the same server follow it staggered).
    const discoveryEnd = Date.parse(r.discovery.startedAt) + r.discovery.durationMs;
    const firstControl = Math.min(...r.probes.filter((x) => x.purpose === 'control').map((p) => Date.parse(p.result.startedAt)));
    assert.ok(firstControl <= discoveryEnd, `the first control started ${firstControl - discoveryEnd} ms after discovery ended`);
  },
  'port25-dropped': (r) => {
    for (const id of ['outgoing:mail.disney.test:25', 'outgoing:smtp.disney.test:25', 'control:192.0.2.25:25']) {
      assert.equal(probe(r, id).result.error?.code, 'CONNECT_TIMEOUT', id);
    }
    assert.ok(probe(r, 'control:192.0.2.25:587').result.ok);
    assert.ok(r.findings.filter((f) => f.code === 'PORT_BLOCKED_BY_NETWORK').every((f) => translator('en').finding(f).summary.includes('port 25')));
    assert.ok(probe(r, 'outgoing:smtp.disney.test:587:auth').result.relay?.accepted, '587 with a login relays too');
    // Issue 13: both relay tests of 587 in one session, shared by the other name of the address.
    const session = probe(r, 'outgoing:smtp.disney.test:587:auth');
    assert.equal(probe(r, 'outgoing:smtp.disney.test:587').session, session.id);
    assert.equal(probe(r, 'outgoing:mail.disney.test:587:auth').session, session.id);
    const said = session.result.transcript.filter((e) => e.dir === 'C').map((e) => e.line.split(' ')[0]);
    assert.deepEqual(said, ['EHLO', 'STARTTLS', 'EHLO', 'MAIL', 'RCPT', 'RSET', 'AUTH', 'MAIL', 'RCPT', 'RSET', 'QUIT']);
    assert.equal(probe(r, 'outgoing:smtp.disney.test:587').result.error?.code, 'RELAY_DENIED', 'the verdict without AUTH, kept');
  },
  'port25-rejected': (r) => {
    for (const id of ['outgoing:mail.disney.test:25', 'outgoing:smtp.disney.test:25', 'control:192.0.2.25:25']) {
      assert.equal(probe(r, id).result.error?.code, 'CONNECT_REFUSED', id);
    }
    // A reset is immediate: no probe of port 25 waited for the connect cap.
    for (const p of r.probes.filter((x) => x.port === 25 && x.result.error?.code === 'CONNECT_REFUSED')) {
      const connect = p.result.phases.find((ph) => ph.name === 'connect')!;
      assert.ok(connect.durationMs < CHECK_CONNECT_TIMEOUT_MS / 2, `${p.id}: connect took ${connect.durationMs} ms`);
    }
  },
  'wrong-password': (r) => {
    const failed = r.findings.find((f) => f.code === 'AUTH_FAILED')!;
    assert.ok(failed.probes.includes('outgoing:smtp.disney.test:465:auth'));
    assert.ok(failed.probes.includes('incoming:imap.disney.test:993:auth'));
    assert.ok(!r.probes.some((p) => p.withAuth && p.result.auth?.ok), 'no login may succeed');
  },
  'cert-expires-soon': (r) => {
    const [soon] = r.findings.filter((f) => f.code === 'TLS_CERT_EXPIRES_SOON');
    assert.equal(soon!.params.days, 5);
    assert.ok(soon!.evidence.some((e) => /: 5 days left$/.test(e)), soon!.evidence.join('\n'));
    const tls = probe(r, 'incoming:imap.disney.test:993:auth').result.tls!;
    assert.deepEqual(tls.chain?.map((c) => c.sentByServer), [true, false], 'the leaf as sent, the test CA from the trust store (--ca)');
  },
  'cert-chain-incomplete': (r) => {
    const p = probe(r, 'incoming:imap.disney.test:993:auth');
    assert.equal(p.result.error?.code, 'TLS_CERT_CHAIN_INCOMPLETE');
    assert.equal(p.result.tls?.chain?.length, 1, 'the server sent the leaf alone');
    assert.match(p.result.tls!.chain![0]!.issuer, /intermediate/);
    assert.ok(!p.result.transcript.some((e) => e.dir === 'C'), 'nothing sent over an unverified chain');
  },
  'oauth2-login': (r) => {
    for (const p of r.probes.filter((x) => x.withAuth && x.port !== 25)) assert.equal(p.result.auth?.mechanism, 'OAUTHBEARER', p.id);
    assert.equal(r.credentials.kind, 'oauth2');
  },
  'oauth2-wrong-token': (r) => {
    const refused = r.findings.find((f) => f.code === 'OAUTH_TOKEN_REFUSED')!;
    assert.ok(refused.probes.includes('incoming:pop.disney.test:995:auth') && refused.probes.includes('outgoing:smtp.disney.test:587:auth'));
    // RFC 7628 §3.2.3: the error challenge, then the client's dummy reply, then the refusal.
    const t = probe(r, 'outgoing:smtp.disney.test:465:auth').result.transcript.map((e) => `${e.dir}: ${e.line}`);
    const i = t.findIndex((l) => l.startsWith('C: AUTH OAUTHBEARER'));
    assert.deepEqual([t[i], t[i + 1]?.slice(0, 7), t[i + 2], t[i + 3]?.slice(0, 6)], ['C: AUTH OAUTHBEARER <redacted>', 'S: 334 ', 'C: AQ==', 'S: 535']);
    assert.equal(probe(r, 'incoming:imap.disney.test:993:auth').result.auth?.oauthError?.status, 'invalid_token');
    assert.ok(!r.findings.some((f) => f.code === 'AUTH_FAILED'), 'no password advice for a token');
  },
  'provider-network': (r) => {
    // From inside 203.0.113.0/24 the MTA relays without a login: the seed story's other half.
    assert.equal(probe(r, 'outgoing:mail.disney.test:25').result.relay?.accepted, true);
    assert.equal(probe(r, 'outgoing:mail.disney.test:25').result.target.localAddress, LAB.userOnProvider);
    assert.equal(r.network.provider?.domain, 'disney.test');
    assert.ok(!r.probes.some((p) => p.purpose === 'network-smtp'), 'the network provider is the mailbox provider: no separate hybrid probe');
  },
  'dnsbl-pbl': (r) => {
    // Looked up because 25 refused with a 5xx; ZEN says PBL (127.0.0.11), SpamCop knows nothing (NXDOMAIN).
    assert.equal(r.blocklists?.trigger, 'refusal');
    assert.equal(r.blocklists?.address, LAB.userAddress);
    assert.deepEqual(r.blocklists?.answers.map((a) => `${a.zone} ${a.status} ${a.codes.join(',')}`), ['zen.spamhaus.org listed 127.0.0.11', 'bl.spamcop.net not-listed ']);
    assert.match(probe(r, 'outgoing:mail.disney.test:25').result.relay?.rcptTo?.text ?? '', /blocked using zen\.spamhaus\.org/);
    const f = r.findings.find((x) => x.code === 'CLIENT_ADDRESS_BLOCKLISTED')!;
    assert.deepEqual(f.probes, ['outgoing:mail.disney.test:25', 'outgoing:smtp.disney.test:25']);
    assert.match(translator('en').finding(f).explanation, /not meant to send mail directly/);
    assert.match(translator('en').finding(f).fix!, /submission service with your password .* or through your ISP’s relay/);
  },
  'unknown-domain': (r) => {
    assert.equal(r.discovery.facts.mx.rcode, 'NXDOMAIN');
    assert.ok(!r.probes.some((p) => p.purpose === 'incoming' || p.purpose === 'outgoing'), 'nothing to probe for a domain that does not exist');
  },
};

/**
 * Issue 13: one mail session per server address and port. A probe that names another's session shares its
 * address and port; a second session of one address, port and protocol is there only for a name the first
 * session's certificate failed.
 */
function assertOneSessionPerPort(r: CheckReport): void {
  const byId = new Map(r.probes.map((p) => [p.id, p]));
  for (const p of r.probes.filter((x) => x.session)) {
    const lead = byId.get(p.session!);
    assert.ok(lead && !lead.session, `${p.id}: its session ${p.session} is not a probe's own`);
    assert.deepEqual([p.result.target.address, p.port, p.protocol], [lead.result.target.address, lead.port, lead.protocol], `${p.id} shares ${lead.id}'s session`);
  }
  const own = new Map<string, CheckReport['probes']>();
  for (const p of r.probes.filter((x) => !x.session && (x.purpose === 'incoming' || x.purpose === 'outgoing'))) {
    const key = `${p.result.target.address ?? p.host}:${p.port}:${p.protocol}`;
    own.set(key, [...(own.get(key) ?? []), p]);
  }
  for (const [key, group] of own) {
    if (group.length > 1) assert.equal(group[0]!.result.tls?.hostnameMatch, false, `${key}: ${group.length} sessions (${group.map((p) => p.id).join(', ')})`);
  }
}

describe('maildoctor check in the lab (namespaces, Postfix, Dovecot, nftables)', function () {
  this.timeout(60_000);
  let lab: Lab;
  const secrets = (): string[] => [lab.password, wrongPassword(lab), wrongOAuthToken(lab), ...issuedTokens];
  const assertNoSecret = (run: ExecResult, what: string): void => {
    // As is, JSON-escaped, or inside any base64 (SASL PLAIN, LOGIN, OAUTHBEARER, XOAUTH2 responses).
    assert.deepEqual([...leaksOf(run.stdout, secrets()), ...leaksOf(run.stderr, secrets())], [], `${what}: a password or token appears in the output`);
  };
  const assertQueuesEmpty = async (what: string): Promise<void> => {
    assert.deepEqual(await lab.queuedMessages(), { isp: 0, provider: 0 }, `${what}: a message was left in a Postfix queue`);
  };

  useLab((l) => {
    lab = l;
  });

  const scenarioTest = (s: Scenario): void => {
    it(s.title, async () => {
      const expected = EXPECTED[s.id];
      assert.ok(expected, `no expectations for ${s.id} in test/helpers/check/expected.ts`);
      await applyState(lab, s.state);
      const run = await runScenarioCheck(lab, s);
      assertNoSecret(run, s.id);
      assert.ok(!/internal error/.test(run.stderr), run.stderr);
      assert.doesNotMatch(run.stderr, /Warning/, 'no runtime warning (e.g. MaxListenersExceededWarning) on stderr');
      const report = parseReport(run, s.id);
      const diagnose = `\nfindings: ${findingKeys(report).join(', ')}\nstderr: ${run.stderr}`;

      assert.equal(run.code, expected.exitCode, `exit code${diagnose}`);
      assert.deepEqual(findingKeys(report), expected.findings, `findings${diagnose}`);
      assert.deepEqual(report.status, expected.status);
      assert.equal(report.recommendation.hybrid, expected.hybrid);
      assert.deepEqual(settingOf(report.recommendation.incoming), expected.incoming);
      assert.deepEqual(settingOf(report.recommendation.outgoing), expected.outgoing);
      EXTRA[s.id]?.(report);
      assertOneSessionPerPort(report);
      // The CLI's JSON is exactly the report builder's output for the facts it holds.
      assert.deepEqual(buildReport(factsOf(report)), report);
      matchSnapshot(s.id, normaliseReportText(renderReport(report, plainColors, { stable: true })));
      await assertQueuesEmpty(s.id);
    });
  };

  for (const s of SCENARIOS.filter((x) => !x.networkTier)) {
    scenarioTest(s);
    if (s.id === 'seed-hybrid') {
      it('(a) the seed story as a person sees it: the CLI’s text output matches the stable snapshot', async () => {
        await applyState(lab, s.state);
        const run = await lab.runCheck({ json: false });
        assertNoSecret(run, 'text mode');
        assert.equal(run.code, 1, run.stderr);
        matchSnapshot(s.id, normaliseReportText(run.stdout));
        await assertQueuesEmpty('text mode');
      });

      it('(a) under LANG=it_IT.UTF-8 the same story in Italian; --html and --autoconfig written and announced on stderr', async () => {
        await applyState(lab, s.state);
        const dir = mkdtempSync(join(tmpdir(), 'maildoctor-lab-'));
        try {
          const html = join(dir, 'report.html');
          const xml = join(dir, 'config.xml');
          const run = await lab.runCheck({ json: false, env: { LANG: 'it_IT.UTF-8' }, extra: ['--html', html, '--autoconfig', xml] });
          assertNoSecret(run, 'Italian text mode');
          assert.equal(run.code, 1, run.stderr);
          matchSnapshot(`${s.id}.it`, normaliseReportText(run.stdout));
          assert.match(run.stderr, /Pagina del rapporto scritta in .*report\.html\./);
          assert.match(run.stderr, /Impostazioni scritte in .*config\.xml/);
          const page = readFileSync(html, 'utf8');
          assert.match(page, /<html lang="it">/);
          for (const s of secrets()) assert.ok(!page.includes(s), 'a password (or its base64) in the HTML page');
          const tb = readAsThunderbird(readFileSync(xml, 'utf8'));
          assert.deepEqual([tb.incoming[0]?.hostname, tb.outgoing[0]?.hostname], ['imap.disney.test', 'smtp.isp.test']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
    if (s.id === 'seed-hybrid') {
      it('(a) --thunderbird-profile without an address: the profile’s IMAP, POP3 and SMTP servers tried as configured; the SMTP one refuses, change it to the hybrid server', async () => {
        await applyState(lab, s.state);
        // The profile names the address; the check's own line without it, the password from the environment.
        const args = lab.checkArgs({ login: false, extra: ['--thunderbird-profile', THUNDERBIRD_ROOT] }).filter((a) => a !== LAB.address);
        const run = await lab.runCli(args, { password: lab.password });
        assertNoSecret(run, 'thunderbird profile');
        assert.equal(run.code, 1, run.stderr);
        const report = parseReport(run, 'thunderbird profile');
        assert.equal(report.address, LAB.address);
        assert.deepEqual(
          report.configured?.map((c) => [c.role, c.host, c.port, c.security, c.auth, c.works, c.codes]),
          [
            ['imap', 'imap.disney.test', 993, 'tls', 'password', 'yes', []],
            ['smtp', 'smtp.disney.test', 25, 'starttls', 'none', 'no', ['RELAY_DENIED']],
            ['pop3', 'pop.disney.test', 110, 'starttls', 'password', 'yes', []],
          ],
        );
        const smtp = report.configured![1]!;
        assert.deepEqual([smtp.changeTo?.host, smtp.changeTo?.port, smtp.changeTo?.security, smtp.changeTo?.auth], ['smtp.isp.test', 25, 'starttls', 'none']);
        // Exactly the configured servers, as configured: the IMAP login with the profile's user name.
        const ids = report.probes.filter((p) => p.purpose === 'configured').map((p) => p.id);
        assert.deepEqual(ids, ['configured:imap.disney.test:993:auth', 'configured:smtp.disney.test:25', 'configured:pop.disney.test:110:auth']);
        assert.equal(probe(report, 'configured:imap.disney.test:993:auth').result.auth?.ok, true);
        assert.deepEqual(buildReport(factsOf(report)), report);
        await assertQueuesEmpty('thunderbird profile');

        const text = await lab.runCli(args.filter((a) => a !== '--json'), { password: lab.password, env: { LANG: 'it_IT.UTF-8' } });
        assert.equal(text.code, 1, text.stderr);
        matchSnapshot('seed-hybrid.thunderbird.it', normaliseReportText(text.stdout));
        assert.match(
          text.stdout.replace(/\s+/g, ' '),
          /Il tuo server in uscita \(SMTP\) smtp\.disney\.test:25 \(STARTTLS, nessuna autenticazione\): rifiuta di spedire da qui \(non spedisce per te\): cambialo in smtp\.isp\.test, porta 25, STARTTLS, nessuna autenticazione \(Impostazioni account → Server in uscita \(SMTP\)\)\./,
        );
      });
    }
    if (s.id === 'unknown-domain') {
      it('(g) --autoconfig with nothing that works: exit 1, the reason on stderr, no file written', async () => {
        await applyState(lab, s.state);
        const dir = mkdtempSync(join(tmpdir(), 'maildoctor-lab-'));
        try {
          const xml = join(dir, 'config.xml');
          const run = await lab.runCheck({ address: s.check.address, login: false, json: false, extra: ['--autoconfig', xml] });
          assert.equal(run.code, 1, run.stderr);
          assert.match(run.stderr, /^maildoctor: no settings file written: no incoming server \(IMAP or POP3\) works from this network/m);
          assert.ok(!existsSync(xml), 'nothing written');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }

  it('(a) check --password-env VAR from the built CLI: the logins work, and the password is in no argv, stdout, stderr or JSON', async () => {
    // Issue 9: the password from a variable the user names, not MAILDOCTOR_PASSWORD (not set here).
    const s = SCENARIOS.find((x) => x.id === 'seed-hybrid')!;
    await applyState(lab, s.state);
    const built = [process.execPath, join(REPO_ROOT, 'bin', 'maildoctor.js')];
    for (const json of [true, false]) {
      const args = lab.checkArgs({ json, extra: ['--password-env', 'MD_MAIL_PW'] });
      assert.deepEqual(leaksOf(args.join(' '), [lab.password]), [], 'argv');
      const run = await lab.runCli(args, { command: built, env: { MD_MAIL_PW: lab.password } });
      assertNoSecret(run, `--password-env${json ? ' --json' : ''}`);
      assert.equal(run.stderr, '', run.stderr);
      if (!json) {
        assert.match(run.stdout, /Incoming server \(IMAP\): imap\.disney\.test, port 993, SSL\/TLS, normal password, user name pippo — verified from here/);
        continue;
      }
      const r = parseReport(run, '--password-env');
      assert.equal(r.credentials.provided, true);
      const logins = r.probes.filter((p) => p.purpose === 'incoming' && p.withAuth);
      assert.ok(logins.length > 0 && logins.every((p) => p.result.auth?.ok === true), logins.map((p) => `${p.id} ${p.result.error?.code ?? 'ok'}`).join(', '));
      assert.deepEqual(settingOf(r.recommendation.incoming), EXPECTED['seed-hybrid']!.incoming);
      assert.equal(r.status.receiving, 'works');
    }
  });

  it('(h) blocklists from the built CLI: the text report names PBL; --dnsbl always asks, --no-dnsbl never', async () => {
    const s = SCENARIOS.find((x) => x.id === 'dnsbl-pbl')!;
    await applyState(lab, s.state);
    const built = [process.execPath, join(REPO_ROOT, 'bin', 'maildoctor.js')];
    const text = await lab.runCheck({ json: false, command: built });
    assertNoSecret(text, 'dnsbl text');
    assert.equal(text.code, 1, text.stderr);
    matchSnapshot(s.id, normaliseReportText(text.stdout));
    const never = parseReport(await lab.runCheck({ extra: ['--no-dnsbl'], command: built }), '--no-dnsbl');
    assert.equal(never.blocklists, undefined);
    assert.ok(!never.findings.some((f) => f.code === 'CLIENT_ADDRESS_BLOCKLISTED'));
    assert.ok(never.findings.some((f) => f.code === 'SMTP_RELAY_DENIED'), 'the refusal itself is still reported');
    const always = parseReport(await lab.runCheck({ extra: ['--dnsbl'], command: built }), '--dnsbl');
    assert.equal(always.blocklists?.trigger, 'requested');
    assert.ok(always.findings.some((f) => f.code === 'CLIENT_ADDRESS_BLOCKLISTED'));
    await assertQueuesEmpty('dnsbl');
  });

  it('(i) SPF of the hybrid server through include, redirect, a and mx; a loop; a fail without DMARC (built CLI)', async () => {
    // Mailbox domains whose MX is the provider (which refuses to relay from here): the hybrid is smtp.isp.test
    // (198.51.100.1), and each domain's SPF decides whether the caveat is given.
    await applyState(lab, SCENARIOS[0]!.state);
    await lab.setExtraZone(SPF_ZONE);
    const built = [process.execPath, join(REPO_ROOT, 'bin', 'maildoctor.js')];
    try {
      const check = async (domain: string): Promise<CheckReport> => {
        const r = parseReport(await lab.runCheck({ address: `pippo@${domain}`, login: false, command: built }), domain);
        assert.equal(r.recommendation.hybrid, true, `${domain}: hybrid through smtp.isp.test\n${findingKeys(r).join(', ')}`);
        return r;
      };
      const pass = await check('spf-pass.test');
      assert.ok(!pass.findings.some((f) => f.code === 'SPF_HYBRID_FAIL'), 'SPF passes through include → redirect → mx: no caveat');
      assert.deepEqual(pass.spf?.answers.map((a) => `${a.name} ${a.type} ${a.status}`), [
        '_spf.spf-pass.test TXT ok',
        '_spf.isp.test TXT ok',
        'relay.isp.test A void',
        'isp.test MX ok',
        'smtp.isp.test A ok',
      ]);
      const loop = (await check('spf-loop.test')).findings.find((f) => f.code === 'SPF_HYBRID_FAIL');
      assert.equal(loop?.severity, 'warning', 'permerror under DMARC p=reject');
      assert.match(translator('en').finding(loop!).explanation, /broken \(more than 10 DNS-querying terms/);
      assert.match(translator('en').finding(loop!).explanation, /DMARC p=reject/);
      // The evaluator's reason is a catalogue message: inside the Italian sentence it is Italian too (issue 14).
      const italian = await lab.runCheck({ address: 'pippo@spf-loop.test', login: false, json: false, command: built, env: { LANG: 'it_IT.UTF-8' } });
      assert.match(italian.stdout.replace(/\s+/g, ' '), /La regola SPF di spf-loop\.test è sbagliata \(più di 10 termini che interrogano il DNS \(RFC 7208 §4\.6\.4\)\): i destinatari/, italian.stdout);
      const fail = (await check('spf-fail.test')).findings.find((f) => f.code === 'SPF_HYBRID_FAIL');
      assert.equal(fail?.severity, 'warning', 'a fail is a caveat even without DMARC');
      assert.match(translator('en').finding(fail!).explanation, /SPF result "fail", decided by -all in spf-fail\.test\. spf-fail\.test publishes no DMARC policy/);
    } finally {
      await lab.setExtraZone('');
    }
  });

  it('(g) a malformed address: exit 2, one clear line on stderr, no stack, nothing probed', async () => {
    for (const [address, message] of [
      ['pippo.disney.test', /^maildoctor: "pippo\.disney\.test" is not an e-mail address: expected local@domain\n$/],
      ['pippo@@disney.test', /^maildoctor: "pippo@" is not a valid local part/],
    ] as const) {
      const run = await lab.runCli(lab.checkArgs({ address, login: false }));
      assert.equal(run.code, 2, `${address}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(run.stdout, '');
    }
    await assertQueuesEmpty('malformed address');
  });
});
