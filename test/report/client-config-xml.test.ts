/**
 * `--autoconfig` output read back by the project's own clientConfig parser (the one discovery uses on providers'
 * documents): what a mail client would import is what the report recommends.
 */
import assert from 'node:assert/strict';
import { parseAddress } from '../../src/discovery/address.js';
import { parseClientConfig } from '../../src/discovery/client-config.js';
import type { ClientConfigServer, ParsedAddress } from '../../src/discovery/types.js';
import { clientConfigXml } from '../../src/report/client-config-xml.js';
import { buildReport } from '../../src/report/index.js';
import type { CheckReport, Setting } from '../../src/report/types.js';
import { loadRecorded } from './fixtures.js';

/** What a recommended setting must read back as. */
function asServer(s: Setting, user: string): ClientConfigServer {
  return {
    role: s.role,
    hostname: s.host,
    port: s.port,
    security: s.security,
    authentication: [s.auth === 'password' ? 'password-cleartext' : 'none'],
    ...(s.auth === 'password' ? { usernameTemplate: s.username ?? user, username: s.username ?? user } : {}),
  };
}

function roundTrip(report: CheckReport, address: ParsedAddress = parseAddress(report.address)) {
  const xml = clientConfigXml(report);
  return { xml, config: parseClientConfig(xml, address) };
}

describe('report/client-config-xml: --autoconfig output read back by parseClientConfig', () => {
  it('seed-hybrid: IMAP over TLS with the password in, the network’s SMTP without login out, marked hybrid', () => {
    const report = buildReport(loadRecorded('seed-hybrid'));
    const { config } = roundTrip(report);
    assert.deepEqual(config.servers, [
      { role: 'imap', hostname: 'imap.disney.test', port: 993, security: 'tls', authentication: ['password-cleartext'], usernameTemplate: 'pippo', username: 'pippo' },
      { role: 'smtp', hostname: 'smtp.isp.test', port: 25, security: 'starttls', authentication: ['none'] },
    ]);
    assert.deepEqual(config.servers, [asServer(report.recommendation.incoming!, 'pippo'), asServer(report.recommendation.outgoing!, 'pippo')]);
    assert.equal(config.providerId, 'disney.test');
    assert.deepEqual(config.domains, ['disney.test']);
    assert.equal(config.displayName, 'pippo@disney.test (hybrid: outgoing through the current network)');
    assert.deepEqual(config.warnings, []);
  });

  it('port25-dropped: authenticated submission on 465 over TLS, not hybrid', () => {
    const report = buildReport(loadRecorded('port25-dropped'));
    const { config } = roundTrip(report);
    assert.deepEqual(config.servers, [
      { role: 'imap', hostname: 'imap.disney.test', port: 993, security: 'tls', authentication: ['password-cleartext'], usernameTemplate: 'pippo', username: 'pippo' },
      { role: 'smtp', hostname: 'smtp.disney.test', port: 465, security: 'tls', authentication: ['password-cleartext'], usernameTemplate: 'pippo', username: 'pippo' },
    ]);
    assert.equal(config.displayName, 'pippo@disney.test');
    assert.deepEqual(config.warnings, []);
  });

  it('no recommended setting: a document with no server, still well-formed', () => {
    const { config } = roundTrip(buildReport(loadRecorded('unknown-domain')));
    assert.deepEqual(config.servers, []);
    assert.deepEqual(config.domains, ['nonexistent.test']);
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
