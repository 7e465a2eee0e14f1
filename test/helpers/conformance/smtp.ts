/**
 * SMTP conformance against a real Postfix (+ Dovecot SASL): one suite, run by the native tier and the
 * container tier alike (test/native.test.ts, test/containers/conformance.test.ts).
 */
import assert from 'node:assert/strict';
import { probeSmtp, probeSmtps } from '../../../src/index.js';
import type { MailBackend } from '../harness/backend.js';

const EXTERNAL = 'someone@elsewhere.example';

export function smtpConformance(getBackend: () => MailBackend): void {
  describe('smtp (real server)', () => {
    let b: MailBackend;
    before(() => {
      b = getBackend();
    });
    const tlsOpts = (): { ca: string; servername: string } => ({ ca: b.ca, servername: b.tlsName });

    it('greets, EHLOs, upgrades with STARTTLS and EHLOs again on the MTA port', async () => {
      const r = await probeSmtp(b.smtp, { ...tlsOpts(), starttls: 'required' });
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.equal(r.greeting?.code, 220);
      assert.equal(r.security, 'starttls');
      assert.ok(r.capabilitiesBeforeTls?.includes('STARTTLS'));
      assert.ok(r.capabilities.includes('PIPELINING'));
      assert.equal(r.tls?.trusted, true);
      assert.equal(r.tls?.hostnameMatch, true);
      assert.match(r.tls?.protocol ?? '', /^TLSv1\.[23]$/);
      assert.ok(r.tls?.certificate?.subjectAltNames.some((n) => n.includes(b.tlsName)));
      const names = r.phases.map((p) => p.name);
      for (const phase of ['connect', 'greeting', 'ehlo', 'starttls', 'tls', 'quit']) assert.ok(names.includes(phase), `phase ${phase} in ${names}`);
    });

    it('refuses relay for a client outside mynetworks, then resets (never DATA)', async () => {
      const user = b.users[0]!;
      const r = await probeSmtp(b.smtp, { ...tlsOpts(), relayTest: { from: user.address, to: EXTERNAL } });
      assert.equal(r.ok, false);
      assert.equal(r.error?.code, 'RELAY_DENIED');
      assert.equal(r.error?.phase, 'relay');
      assert.equal(r.error?.reply?.code, 554);
      assert.equal(r.error?.reply?.enhanced, '5.7.1');
      assert.match(r.error?.reply?.text ?? '', /Relay access denied/);
      assert.equal(r.relay?.accepted, false);
      const sent = r.transcript.filter((e) => e.dir === 'C').map((e) => e.line);
      assert.ok(sent.includes('RSET'), 'RSET after the refused RCPT');
      assert.ok(!sent.some((l) => /^DATA/i.test(l)), 'never DATA');
      assert.equal(await b.queuedMessages(), 0);
    });

    it('accepts relay for a client inside mynetworks', async function () {
      if (!b.relayClientAddress) this.skip();
      const user = b.users[0]!;
      const r = await probeSmtp(b.smtp, { ...tlsOpts(), localAddress: b.relayClientAddress, relayTest: { from: user.address, to: EXTERNAL } });
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.equal(r.relay?.accepted, true);
      assert.equal(r.relay?.rcptTo?.code, 250);
      assert.equal(await b.queuedMessages(), 0, 'the relay test queued nothing');
    });

    it('submission: STARTTLS then AUTH succeeds, and the authenticated relay test is accepted', async () => {
      const user = b.users[0]!;
      const r = await probeSmtp(b.submission, {
        ...tlsOpts(),
        starttls: 'required',
        credentials: { user: user.user, password: user.password },
        relayTest: { from: user.address, to: EXTERNAL },
      });
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.equal(r.auth?.ok, true);
      assert.ok(['PLAIN', 'LOGIN'].includes(r.auth?.mechanism ?? ''));
      assert.equal(r.relay?.accepted, true);
      assert.equal(r.relay?.authenticated, true);
      const json = JSON.stringify(r);
      assert.ok(!json.includes(user.password), 'password not in the result');
      assert.ok(!json.includes(Buffer.from(`\0${user.user}\0${user.password}`).toString('base64')), 'AUTH payload not in the result');
      assert.equal(await b.queuedMessages(), 0);
    });

    it('submission: a wrong password is AUTH_FAILED with 535 5.7.8', async () => {
      const user = b.users[0]!;
      const r = await probeSmtp(b.submission, { ...tlsOpts(), starttls: 'required', credentials: { user: user.user, password: 'wrong-password' } });
      assert.equal(r.ok, false);
      assert.equal(r.error?.code, 'AUTH_FAILED');
      assert.equal(r.error?.phase, 'auth');
      assert.equal(r.error?.reply?.code, 535);
      assert.equal(r.error?.reply?.enhanced, '5.7.8');
      assert.equal(r.auth?.ok, false);
    });

    it('submission: no AUTH is advertised before STARTTLS (smtpd_tls_auth_only), so policy never cannot log in', async () => {
      const user = b.users[0]!;
      const r = await probeSmtp(b.submission, { starttls: 'never', credentials: { user: user.user, password: user.password }, allowPlaintextAuth: true });
      assert.equal(r.ok, false);
      assert.equal(r.error?.code, 'AUTH_UNAVAILABLE');
      assert.equal(r.security, 'plain');
    });

    it('submission: credentials are not sent over plaintext unless allowed', async () => {
      const user = b.users[0]!;
      const r = await probeSmtp(b.submission, { starttls: 'never', credentials: { user: user.user, password: user.password } });
      assert.equal(r.error?.code, 'AUTH_PLAINTEXT_REFUSED');
      assert.ok(!r.transcript.some((e) => e.line.startsWith('AUTH')), 'no AUTH command was sent');
    });

    it('smtps: implicit TLS, AUTH and relay with a login', async () => {
      const user = b.users[0]!;
      const r = await probeSmtps(b.smtps, { ...tlsOpts(), credentials: { user: user.user, password: user.password }, relayTest: { from: user.address, to: EXTERNAL } });
      assert.equal(r.ok, true, JSON.stringify(r.error));
      assert.equal(r.security, 'tls');
      assert.equal(r.tls?.mode, 'implicit');
      assert.equal(r.auth?.ok, true);
      assert.equal(r.relay?.accepted, true);
    });

    it('a plaintext probe on the implicit-TLS port is a TLS mode mismatch, not a timeout', async () => {
      const r = await probeSmtp(b.smtps, { ...tlsOpts(), phaseTimeouts: { greeting: 6_000 } });
      assert.equal(r.error?.code, 'TLS_MODE_MISMATCH');
      assert.ok(r.durationMs < 5_000, `found by the TLS sniff in ${r.durationMs} ms`);
    });

    it('an implicit-TLS probe on a plaintext port is a TLS mode mismatch', async () => {
      const r = await probeSmtps(b.smtp, tlsOpts());
      assert.equal(r.error?.code, 'TLS_MODE_MISMATCH');
      assert.equal(r.error?.phase, 'tls');
    });
  });
}
