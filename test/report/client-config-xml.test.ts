/**
 * `--autoconfig` output read back by the project's own clientConfig parser (the one discovery uses on providers'
 * documents) and by Thunderbird's rules (test/helpers/report/thunderbird-rules.ts): what a mail client would import is what
 * the report recommends, and a document is written only when Thunderbird would accept it.
 */
import assert from 'node:assert/strict';
import { parseAddress } from '../../src/discovery/address.js';
import { parseClientConfig } from '../../src/discovery/client-config.js';
import type { ParsedAddress } from '../../src/discovery/types.js';
import { autoconfigMissing, clientConfigXml } from '../../src/report/client-config-xml.js';
import { buildReport } from '../../src/report/index.js';
import type { CheckReport, Setting } from '../../src/report/types.js';
import { ALL_FIXTURES, loadRecorded } from '../helpers/report/fixtures.js';
import { readAsThunderbird, type ThunderbirdServer } from '../helpers/report/thunderbird-rules.js';

function roundTrip(report: CheckReport, address: ParsedAddress = parseAddress(report.address)) {
  const xml = clientConfigXml(report);
  return { xml, config: parseClientConfig(xml, address) };
}

const SOCKET = { tls: 'SSL', starttls: 'STARTTLS', plain: 'plain' } as const;

/** A setting as Thunderbird reads it back. */
function asThunderbird(s: Setting, user: string): ThunderbirdServer {
  return {
    type: s.role,
    hostname: s.host,
    port: s.port,
    socketType: SOCKET[s.security],
    auth: s.auth === 'password' ? 'password-cleartext' : s.auth === 'oauth2' ? 'OAuth2' : 'none',
    ...(s.auth !== 'none' ? { username: s.username ?? user } : {}),
  };
}

describe('report/client-config-xml: --autoconfig output read back by parseClientConfig and by Thunderbird’s rules', () => {
  it('seed-hybrid: IMAP over TLS with the password in, the network’s SMTP without login out, marked hybrid', () => {
    const report = buildReport(loadRecorded('seed-hybrid'));
    const { xml, config } = roundTrip(report);
    assert.deepEqual(config.servers[0], { role: 'imap', hostname: 'imap.disney.test', port: 993, security: 'tls', authentication: ['password-cleartext'], usernameTemplate: 'pippo', username: 'pippo' });
    assert.deepEqual(config.servers.at(-1), { role: 'smtp', hostname: 'smtp.isp.test', port: 25, security: 'starttls', authentication: ['none'] });
    assert.equal(config.providerId, 'disney.test');
    assert.deepEqual(config.domains, ['disney.test']);
    assert.equal(config.displayName, 'pippo@disney.test (hybrid: outgoing through the current network)');
    assert.deepEqual(config.warnings, []);
    const tb = readAsThunderbird(xml);
    assert.deepEqual(tb.incoming[0], asThunderbird(report.recommendation.incoming!, 'pippo'));
    assert.deepEqual(tb.outgoing, [asThunderbird(report.recommendation.outgoing!, 'pippo')]);
  });

  it('the verified alternatives follow the recommended server of their role, in the report’s order; unverified ones are left out', () => {
    const report = buildReport(loadRecorded('seed-hybrid'));
    const tb = readAsThunderbird(clientConfigXml(report));
    const verified = report.recommendation.alternatives.filter((s) => s.verified);
    assert.ok(verified.length >= 3, 'seed-hybrid has verified IMAP and POP3 alternatives');
    assert.deepEqual(tb.incoming, [report.recommendation.incoming!, ...verified.filter((s) => s.role !== 'smtp')].map((s) => asThunderbird(s, 'pippo')));
    assert.deepEqual(tb.outgoing, [report.recommendation.outgoing!, ...verified.filter((s) => s.role === 'smtp')].map((s) => asThunderbird(s, 'pippo')));
    assert.ok(tb.incoming.some((s) => s.type === 'pop3' && s.socketType === 'SSL'), 'a POP3 alternative over SSL/TLS');
  });

  it('port25-dropped: authenticated submission on 465 over TLS, not hybrid; every socketType is one Thunderbird knows', () => {
    const report = buildReport(loadRecorded('port25-dropped'));
    const { xml, config } = roundTrip(report);
    assert.deepEqual(config.servers[0], { role: 'imap', hostname: 'imap.disney.test', port: 993, security: 'tls', authentication: ['password-cleartext'], usernameTemplate: 'pippo', username: 'pippo' });
    const tb = readAsThunderbird(xml);
    assert.deepEqual(tb.outgoing[0], { type: 'smtp', hostname: 'smtp.disney.test', port: 465, socketType: 'SSL', auth: 'password-cleartext', username: 'pippo' });
    assert.ok(tb.outgoing.some((s) => s.port === 587 && s.socketType === 'STARTTLS'), '587 with STARTTLS as an alternative');
    assert.equal(config.displayName, 'pippo@disney.test');
    assert.deepEqual(config.warnings, []);
  });

  it('every fixture: a document is made exactly when both roles have a setting, and Thunderbird accepts every one made', () => {
    let made = 0;
    let refused = 0;
    for (const { label, load } of ALL_FIXTURES) {
      const report = buildReport(load());
      const missing = autoconfigMissing(report);
      assert.equal(missing === undefined, Boolean(report.recommendation.incoming && report.recommendation.outgoing), label);
      if (missing) {
        refused++;
        assert.throws(() => clientConfigXml(report), RangeError, label);
        continue;
      }
      made++;
      const tb = readAsThunderbird(clientConfigXml(report));
      assert.deepEqual(tb.incoming[0], asThunderbird(report.recommendation.incoming!, report.credentials.user ?? '%EMAILADDRESS%'), label);
      assert.deepEqual(tb.outgoing[0], asThunderbird(report.recommendation.outgoing!, report.credentials.user ?? '%EMAILADDRESS%'), label);
    }
    assert.ok(made > 0 && refused > 0, `both cases are covered (made ${made}, refused ${refused})`);
  });

  it('no recommended setting (unknown domain): no document, and the reason is the missing incoming server', () => {
    const report = buildReport(loadRecorded('unknown-domain'));
    assert.equal(autoconfigMissing(report), 'incoming');
    assert.throws(() => clientConfigXml(report), /no incoming setting/);
  });

  it('Thunderbird’s rules refuse what it refuses: no outgoing server, an unknown socketType', () => {
    const xml = clientConfigXml(buildReport(loadRecorded('port25-dropped')));
    assert.throws(() => readAsThunderbird(xml.replace(/<outgoingServer[\s\S]*<\/outgoingServer>\n/, '')), /Need proper <outgoingServer>/);
    assert.throws(() => readAsThunderbird(xml.replace('<socketType>SSL</socketType>', '<socketType>tls</socketType>')), /socketType tls/);
  });

  it('escapes & < > " \' in the address, the domain and the user name', () => {
    const nasty = `a&b<c>"d'e`;
    const base = buildReport(loadRecorded('port25-dropped'));
    const report: CheckReport = {
      ...base,
      address: `${nasty}@x.test`,
      domain: `${nasty}.test`,
      credentials: { user: nasty, provided: true },
      recommendation: {
        ...base.recommendation,
        alternatives: [],
        incoming: { ...base.recommendation.incoming!, username: undefined },
        outgoing: { ...base.recommendation.outgoing!, username: undefined },
      },
    };
    // No real address has these characters, so the parser gets the placeholders' values by hand.
    const address: ParsedAddress = { input: report.address, address: report.address, localPart: nasty, domain: report.domain, unicodeDomain: report.domain, registrableDomain: null };
    const { xml, config } = roundTrip(report, address);
    assert.equal(config.displayName, report.address);
    assert.equal(config.providerId, report.domain);
    assert.deepEqual(config.domains, [report.domain.toLowerCase()]);
    assert.deepEqual(config.servers.map((s) => s.username), [nasty, nasty]);
    assert.ok(!xml.includes(nasty), 'the raw characters never reach the document');
    assert.ok(xml.includes('a&amp;b&lt;c&gt;&quot;d&apos;e'), xml);
  });
});
