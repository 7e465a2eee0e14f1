/**
 * The gallery: each case points a real probe at a deliberately broken in-process server (./servers.ts) and
 * asserts that the probe RESOLVES (never throws) with the exact `error.code` and `error.phase` a report rule
 * would match on, in a sensible time. Phase caps are small so the whole file runs in seconds; each timing
 * assertion says which cap it is about.
 */
import assert from 'node:assert/strict';
import { probeSmtp } from '../../src/probes/smtp.js';
import { probeSmtps } from '../../src/probes/smtps.js';
import { probeTcp } from '../../src/probes/tcp.js';
import { probePop3 } from '../../src/probes/pop3.js';
import { probeImap } from '../../src/probes/imap.js';
import { MAX_LINE_BYTES, MAX_REPLY_BYTES, MAX_REPLY_LINES } from '../../src/lib/lines.js';
import type { ProbeOptions, ProbeResult } from '../../src/lib/types.js';
import { WRONG_CERT_NAME, testCertificates, withNotAfter, type TestCertificates } from '../helpers/certs.js';
import { renderProbeResult } from '../../src/cli/render-probe.js';
import { translator } from '../../src/i18n/index.js';
import { plainColors } from '../../src/report/render-text.js';
import {
  INJECTED_AFTER_STARTTLS,
  STARTTLS_FLOOD_BYTES,
  brokenTlsServer,
  closedPort,
  endlessWriter,
  flood,
  imapServer,
  pop3Server,
  oneShotServer,
  silentServer,
  smtpServer,
  tlsSmtpServer,
  tricklingServer,
  type FaultServer,
} from '../helpers/servers/gallery.js';

/** A name the harness's valid/expired/self-signed certificates cover; probes dial 127.0.0.1 with it as `servername`. */
const CERT_NAME = 'mail.test';

/** Greeting cap of the timeout cases: long enough to be measured, short enough for a fast suite. */
const GREETING_CAP_MS = 800;
/** Timer slack allowed on a loaded 2-core box. */
const SLACK_MS = 400;
/** "Fast" means well under any cap in play. */
const FAST_MS = 1_000;

/** Small caps; the implicit-TLS sniff pushed out of the way unless a case is about it. */
function opts(extra: Partial<ProbeOptions> = {}): Partial<ProbeOptions> {
  return {
    timeoutMs: 10_000,
    tlsSniffAfterMs: 60_000,
    ...extra,
    phaseTimeouts: { resolve: 1_000, connect: 1_000, tls: 1_500, greeting: GREETING_CAP_MS, command: 1_500, ...extra.phaseTimeouts },
  };
}

/** The probe resolved with exactly this code and phase; the transcript is the failure message. */
function expectError(result: ProbeResult, code: string, phase: string): void {
  const why = `expected ${code}/${phase}, got ${result.error ? `${result.error.code}/${result.error.phase}: ${result.error.message}` : 'ok'}\n${transcriptText(result)}`;
  assert.equal(result.ok, false, why);
  assert.equal(result.error?.code, code, why);
  assert.equal(result.error?.phase, phase, why);
}

function expectOk(result: ProbeResult): void {
  assert.equal(result.ok, true, `expected ok, got ${result.error?.code}/${result.error?.phase}: ${result.error?.message}\n${transcriptText(result)}`);
  assert.equal(result.error, undefined);
}

function transcriptText(result: ProbeResult): string {
  return result.transcript.map((e) => `  ${e.t}ms ${e.dir}: ${e.line}`).join('\n');
}

function between(ms: number, min: number, max: number, what: string): void {
  assert.ok(ms >= min && ms <= max, `${what}: ${ms}ms not in [${min}, ${max}]`);
}

describe('gallery of broken servers', function () {
  this.timeout(10_000);
  const servers: FaultServer[] = [];
  /** Start a server and have it closed after the case, pass or fail. */
  async function start(s: Promise<FaultServer>): Promise<FaultServer> {
    const server = await s;
    servers.push(server);
    return server;
  }
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  describe('caller mistakes throw (they are not findings)', () => {
    it('an empty host rejects with TypeError', async () => {
      await assert.rejects(probeSmtp({ host: '' }), TypeError);
      await assert.rejects(probeSmtp({ host: '   ' }), TypeError);
    });

    it('an invalid port rejects with RangeError', async () => {
      for (const port of [0, -1, 65_536, 25.5, Number.NaN]) {
        await assert.rejects(probeSmtp({ host: '127.0.0.1', port }), RangeError, `port ${port}`);
      }
    });

    it('a tcp probe without a port rejects with TypeError', async () => {
      await assert.rejects(probeTcp({ host: '127.0.0.1' }), TypeError);
    });
  });

  describe('connect', () => {
    it('closed port → CONNECT_REFUSED/connect, at once', async () => {
      const port = await closedPort();
      const result = await probeSmtp({ host: '127.0.0.1', port }, opts());
      expectError(result, 'CONNECT_REFUSED', 'connect');
      assert.ok(result.durationMs < FAST_MS, `refusal took ${result.durationMs}ms`);
      assert.equal(result.target.address, '127.0.0.1');
    });
  });

  describe('greeting', () => {
    it('silent after connect → GREETING_TIMEOUT/greeting at the greeting cap', async () => {
      const server = await start(silentServer());
      const result = await probeSmtp({ host: server.host, port: server.port }, opts());
      expectError(result, 'GREETING_TIMEOUT', 'greeting');
      const greeting = result.phases.find((p) => p.name === 'greeting')!;
      between(greeting.durationMs, GREETING_CAP_MS - 5, GREETING_CAP_MS + SLACK_MS, 'greeting phase');
      assert.match(result.error!.message, /greeting.*800ms/);
      assert.equal(server.connections, 1, 'no sniff connection with tlsSniffAfterMs pushed out');
    });

    it('silent plaintext server: the implicit-TLS sniff runs but does not misfire', async () => {
      const server = await start(silentServer());
      const result = await probeSmtp({ host: server.host, port: server.port }, opts({ tlsSniffAfterMs: 150 }));
      expectError(result, 'GREETING_TIMEOUT', 'greeting');
      assert.equal(server.connections, 2, 'the sniff opened its side connection');
      assert.ok(!result.transcript.some((e) => /implicit TLS/.test(e.line)), 'no mode-mismatch note');
      between(result.durationMs, GREETING_CAP_MS - 5, GREETING_CAP_MS + SLACK_MS, 'probe');
      await server.closed(2); // the sniff's connection is torn down too, not leaked
    });

    it('a multi-line 220- greeting paused mid-way (postscreen) → ok, and no implicit-TLS sniff connection', async () => {
      // Postfix postscreen sends `220-` and waits: a client that talks (or a second connection's ClientHello)
      // before the last line is a pregreet violation, and may get the address blocked (issue 9).
      const server = await start(smtpServer({ greeting: '220-mail.gallery.test postscreen, please wait\r\n', greetingRest: { afterMs: 600, text: '220 mail.gallery.test ESMTP\r\n' }, extensions: ['PIPELINING'] }));
      const result = await probeSmtp({ host: server.host, port: server.port }, opts({ tlsSniffAfterMs: 150, starttls: 'never' }));
      expectOk(result);
      assert.equal(server.connections, 1, 'no side connection while the greeting was in progress');
    });

    it('554 greeting → GREETING_REJECTED/greeting with the reply as evidence', async () => {
      const server = await start(smtpServer({ greeting: '554 5.7.1 mail.gallery.test: your network is listed\r\n' }));
      const result = await probeSmtp({ host: server.host, port: server.port }, opts());
      expectError(result, 'GREETING_REJECTED', 'greeting');
      assert.equal(result.error!.reply?.code, 554);
      assert.equal(result.error!.reply?.enhanced, '5.7.1');
      assert.match(result.error!.reply!.text, /listed/);
      assert.equal(result.greeting?.code, 554);
      assert.ok(result.durationMs < FAST_MS);
      // RFC 5321 §3.1: after a 554 greeting the client SHOULD still send QUIT.
      assert.deepEqual(result.transcript.filter((e) => e.dir === 'C').map((e) => e.line), ['QUIT']);
    });

    it('multi-line 421 greeting → GREETING_REJECTED/greeting, all lines assembled', async () => {
      const server = await start(smtpServer({ greeting: '421-mail.gallery.test busy\r\n421 try again later\r\n' }));
      const result = await probeSmtp({ host: server.host, port: server.port }, opts());
      expectError(result, 'GREETING_REJECTED', 'greeting');
      assert.equal(result.error!.reply?.code, 421);
      assert.equal(result.error!.reply?.text, 'mail.gallery.test busy try again later');
    });

    it('one byte per second → GREETING_TIMEOUT/greeting at the cap, not hanging', async () => {
      const server = await start(tricklingServer('220 mail.gallery.test ESMTP slowly\r\n', 1_000));
      const cap = 1_500;
      const result = await probeSmtp({ host: server.host, port: server.port }, opts({ phaseTimeouts: { greeting: cap } }));
      expectError(result, 'GREETING_TIMEOUT', 'greeting');
      between(result.durationMs, cap - 5, cap + SLACK_MS, 'probe');
    });

    it('connection closed mid-greeting → CONNECTION_CLOSED/greeting', async () => {
      const server = await start(oneShotServer('220-mail.gallery.test first line of two\r\n', 'end'));
      const result = await probeSmtp({ host: server.host, port: server.port }, opts());
      expectError(result, 'CONNECTION_CLOSED', 'greeting');
      assert.ok(result.durationMs < FAST_MS);
    });
  });

  describe('STARTTLS', () => {
    let certs: TestCertificates;
    before(async () => {
      certs = await testCertificates();
    });

    it('advertised but refused (454), required → STARTTLS_REFUSED/starttls with the reply', async () => {
      const server = await start(smtpServer({ starttls: 'refuse' }));
      const result = await probeSmtp({ host: server.host, port: server.port }, opts({ starttls: 'required' }));
      expectError(result, 'STARTTLS_REFUSED', 'starttls');
      assert.equal(result.error!.reply?.code, 454);
      assert.equal(result.error!.reply?.enhanced, '4.7.0');
      assert.equal(result.security, 'plain');
    });

    it('advertised but refused (454), optional → ok with a STARTTLS_REFUSED warning', async () => {
      const server = await start(smtpServer({ starttls: 'refuse' }));
      const result = await probeSmtp({ host: server.host, port: server.port }, opts({ starttls: 'optional' }));
      expectOk(result);
      assert.deepEqual(result.warnings.map((w) => [w.code, w.phase]), [['STARTTLS_REFUSED', 'starttls']]);
      assert.equal(result.security, 'plain');
      assert.equal(result.tls, undefined);
    });

    it('not advertised, required → STARTTLS_UNAVAILABLE/starttls', async () => {
      const server = await start(smtpServer({ extensions: ['PIPELINING', '8BITMIME'] }));
      const result = await probeSmtp({ host: server.host, port: server.port }, opts({ starttls: 'required' }));
      expectError(result, 'STARTTLS_UNAVAILABLE', 'starttls');
    });

    it('a working upgrade (control case) → ok, security starttls, capabilities asked again', async () => {
      const server = await start(smtpServer({ starttls: 'accept', tls: certs.valid }));
      const result = await probeSmtp({ host: server.host, port: server.port }, opts({ starttls: 'required', servername: CERT_NAME, ca: certs.ca.cert }));
      expectOk(result);
      assert.equal(result.security, 'starttls');
      assert.equal(result.tls?.trusted, true);
      assert.equal(result.tls?.hostnameMatch, true);
      assert.deepEqual(result.capabilitiesBeforeTls, ['PIPELINING', 'STARTTLS']);
      assert.deepEqual(result.capabilities, ['PIPELINING']);
      assert.deepEqual(result.warnings, []);
    });

    it('plaintext injected after the STARTTLS reply → STARTTLS_PLAINTEXT_INJECTION warning, injected line discarded', async () => {
      const server = await start(smtpServer({ starttls: 'inject', tls: certs.valid }));
      const result = await probeSmtp({ host: server.host, port: server.port }, opts({ starttls: 'required', servername: CERT_NAME, ca: certs.ca.cert }));
      expectOk(result);
      assert.deepEqual(result.warnings.map((w) => [w.code, w.phase]), [['STARTTLS_PLAINTEXT_INJECTION', 'starttls']]);
      const injected = INJECTED_AFTER_STARTTLS.slice(INJECTED_AFTER_STARTTLS.indexOf('\n') + 1);
      assert.equal(result.tls?.discardedPlaintextBytes, injected.length);
      assert.equal(result.security, 'starttls');
      // "250 injected" was never read as a reply: not in the transcript as a server line, and the EHLO after
      // TLS got the real (TLS) capability list.
      assert.ok(!result.transcript.some((e) => e.dir === 'S' && e.line.includes('injected')), transcriptText(result));
      assert.deepEqual(result.capabilities, ['PIPELINING']);
      const ehlos = result.phases.filter((p) => p.name === 'ehlo');
      assert.equal(ehlos.length, 2);
      assert.ok(ehlos.every((p) => p.ok));
    });
  });

  describe('STARTTLS answered, then no TLS (issue 9: the upgrade waited for events a destroyed socket never sends)', () => {
    let certs: TestCertificates;
    before(async () => {
      certs = await testCertificates();
    });
    for (const [mode, what] of [
      ['flood', `220 then ${STARTTLS_FLOOD_BYTES} bytes of plaintext without a line end`],
      ['close', '220 then a close'],
      ['plaintext', '220 then a plaintext line in answer to the ClientHello'],
    ] as const) {
      it(`${what} → STARTTLS_BROKEN/tls at once (not TLS_MODE_MISMATCH, whose advice is the wrong fix)`, async () => {
        const server = await start(smtpServer({ starttls: mode, tls: certs.valid }));
        const t0 = performance.now();
        const result = await probeSmtp({ host: server.host, port: server.port }, opts({ starttls: 'required', servername: CERT_NAME, ca: certs.ca.cert }));
        assert.ok(performance.now() - t0 < FAST_MS, `took ${Math.round(performance.now() - t0)} ms (the tls cap is 1500 ms)`);
        expectError(result, 'STARTTLS_BROKEN', 'tls');
      });
    }
  });

  describe('TLS', () => {
    let certs: TestCertificates;
    before(async () => {
      certs = await testCertificates();
    });

    const tlsOpts = (extra: Partial<ProbeOptions> = {}): Partial<ProbeOptions> => opts({ servername: CERT_NAME, ca: certs.ca.cert, ...extra });

    it('implicit TLS with a valid certificate (control case) → ok', async () => {
      const server = await start(tlsSmtpServer(certs.valid));
      const result = await probeSmtps({ host: server.host, port: server.port }, tlsOpts());
      expectOk(result);
      assert.equal(result.security, 'tls');
      assert.equal(result.tls?.mode, 'implicit');
      assert.equal(result.tls?.trusted, true);
    });

    it('--ca adds a CA for its probes only: the process’s shared root store does not trust it afterwards', async () => {
      const server = await start(tlsSmtpServer(certs.valid));
      // The extra CA is trusted through the cached context (secureContextFor, built on the shared root store)…
      assert.equal((await probeSmtps({ host: server.host, port: server.port }, tlsOpts())).tls?.trusted, true);
      // …and a default context, after it, still does not trust the test CA: the shared store was not changed.
      const without = await probeSmtps({ host: server.host, port: server.port }, opts({ servername: CERT_NAME }));
      assert.equal(without.tls?.trusted, false);
      assert.equal(without.tls?.trustError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    it('TLS alert during the handshake → TLS_HANDSHAKE_FAILED/tls', async () => {
      const server = await start(brokenTlsServer('alert'));
      const result = await probeSmtps({ host: server.host, port: server.port }, tlsOpts());
      expectError(result, 'TLS_HANDSHAKE_FAILED', 'tls');
      assert.ok(result.durationMs < FAST_MS);
    });

    it('reset during the handshake → TLS_HANDSHAKE_FAILED/tls', async () => {
      const server = await start(brokenTlsServer('reset'));
      const result = await probeSmtps({ host: server.host, port: server.port }, tlsOpts());
      expectError(result, 'TLS_HANDSHAKE_FAILED', 'tls');
      assert.ok(result.durationMs < FAST_MS);
    });

    it('silent during the handshake → TLS_HANDSHAKE_FAILED/tls at the tls cap', async () => {
      const server = await start(silentServer());
      const cap = 600;
      const result = await probeSmtps({ host: server.host, port: server.port }, tlsOpts({ phaseTimeouts: { tls: cap } }));
      expectError(result, 'TLS_HANDSHAKE_FAILED', 'tls');
      between(result.durationMs, cap - 5, cap + SLACK_MS, 'probe');
    });

    const certCases: Array<{ name: string; pair: (c: TestCertificates) => TestCertificates['valid']; code: string; check: (r: ProbeResult) => void }> = [
      {
        name: 'expired certificate → TLS_CERT_EXPIRED/tls',
        pair: (c) => c.expired,
        code: 'TLS_CERT_EXPIRED',
        check: (r) => {
          assert.equal(r.tls?.trustError, 'CERT_HAS_EXPIRED');
          assert.ok(r.tls!.certificate!.daysLeft! < 0, `daysLeft ${r.tls!.certificate!.daysLeft}`);
          assert.ok(Date.parse(r.tls!.certificate!.validTo!) < Date.now());
          assert.equal(r.tls?.hostnameMatch, true);
        },
      },
      {
        name: 'certificate for another name → TLS_CERT_HOSTNAME_MISMATCH/tls',
        pair: (c) => c.wrongName,
        code: 'TLS_CERT_HOSTNAME_MISMATCH',
        check: (r) => {
          // The chain is fine; only the name is wrong.
          assert.equal(r.tls?.trusted, true);
          assert.equal(r.tls?.trustError, undefined);
          assert.equal(r.tls?.hostnameMatch, false);
          assert.deepEqual(r.tls?.certificate?.subjectAltNames, [`DNS:${WRONG_CERT_NAME}`]);
          assert.match(r.error!.message, new RegExp(WRONG_CERT_NAME.replace(/\./g, '\\.')));
        },
      },
      {
        name: 'self-signed certificate → TLS_CERT_SELF_SIGNED/tls',
        pair: (c) => c.selfSigned,
        code: 'TLS_CERT_SELF_SIGNED',
        check: (r) => {
          assert.equal(r.tls?.trustError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
          assert.equal(r.tls?.certificate?.selfSigned, true);
          assert.equal(r.tls?.certificate?.issuer, r.tls?.certificate?.subject);
        },
      },
    ];

    for (const c of certCases) {
      for (const [probeName, run] of [
        ['smtps', (s: FaultServer) => probeSmtps({ host: s.host, port: s.port }, tlsOpts())],
        ['smtp+STARTTLS', (s: FaultServer) => probeSmtp({ host: s.host, port: s.port }, tlsOpts({ starttls: 'required' }))],
      ] as const) {
        it(`${probeName}: ${c.name}, with the certificate facts`, async () => {
          const server = await start(probeName === 'smtps' ? tlsSmtpServer(c.pair(certs)) : smtpServer({ starttls: 'accept', tls: c.pair(certs) }));
          const result = await run(server);
          expectError(result, c.code, 'tls');
          const facts = result.tls!;
          assert.ok(facts, 'tls facts recorded even though the certificate failed');
          assert.equal(facts.mode, probeName === 'smtps' ? 'implicit' : 'starttls');
          assert.equal(facts.servername, CERT_NAME);
          assert.match(facts.protocol ?? '', /^TLSv1\.[23]$/);
          assert.ok(facts.cipher);
          const cert = facts.certificate!;
          assert.match(cert.subject, /CN=/);
          assert.ok(cert.subjectAltNames.length > 0);
          assert.ok(!Number.isNaN(Date.parse(cert.validFrom!)) && !Number.isNaN(Date.parse(cert.validTo!)));
          assert.match(cert.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
          if (c.code !== 'TLS_CERT_HOSTNAME_MISMATCH') {
            assert.equal(facts.trusted, false);
            assert.ok(facts.trustError);
          }
          c.check(result);
          // Nothing is sent over a connection whose certificate failed (no EHLO after the handshake).
          const tlsAt = result.transcript.findIndex((e) => e.dir === 'I' && e.line.startsWith('TLS '));
          assert.ok(tlsAt >= 0);
          assert.ok(!result.transcript.slice(tlsAt).some((e) => e.dir === 'C'), transcriptText(result));
        });
      }
    }

    // Issue 9: a notAfter that is not a date (month 13; bytes a terminal would obey) used to throw a RangeError
    // in certificateFacts and end the probe as PROTOCOL_ERROR in "internal". Re-signed by the test CA: the
    // date is the only fault.
    for (const [what, notAfter] of [
      ['month 13', '261332010203Z'],
      ['ESC and BEL bytes', '2613320\x1b[2J\x07Z'],
    ] as const) {
      for (const [probeName, run] of [
        ['smtps', (s: FaultServer) => probeSmtps({ host: s.host, port: s.port }, tlsOpts())],
        ['smtp+STARTTLS', (s: FaultServer) => probeSmtp({ host: s.host, port: s.port }, tlsOpts({ starttls: 'required' }))],
      ] as const) {
        it(`${probeName}: certificate whose notAfter is not a date (${what}) → TLS_CERT_DATES_INVALID/tls, the dates as written`, async () => {
          const pair = withNotAfter(certs.valid, certs.ca, notAfter);
          const server = await start(probeName === 'smtps' ? tlsSmtpServer(pair) : smtpServer({ starttls: 'accept', tls: pair }));
          const result = await run(server);
          expectError(result, 'TLS_CERT_DATES_INVALID', 'tls');
          const cert = result.tls!.certificate!;
          assert.equal(cert.datesAsWritten?.notAfter, notAfter);
          assert.match(cert.datesAsWritten!.notBefore, /^\d{12}Z$/, 'the readable date as written too');
          assert.equal(cert.validTo, undefined, 'no date made up for an unreadable one');
          assert.equal(cert.daysLeft, undefined);
          assert.ok(Date.parse(cert.validFrom!) <= Date.now(), 'the readable notBefore is kept as a date');
          assert.equal(result.tls?.trustError, 'ERROR_IN_CERT_NOT_AFTER_FIELD', 'OpenSSL agrees');
          assert.match(result.error!.message, /validity dates cannot be read: notBefore "\d{12}Z", notAfter "/);
          // Nothing is sent over a connection whose certificate failed.
          const tlsAt = result.transcript.findIndex((e) => e.dir === 'I' && e.line.startsWith('TLS '));
          assert.ok(tlsAt >= 0 && !result.transcript.slice(tlsAt).some((e) => e.dir === 'C'), transcriptText(result));
          const text = renderProbeResult(result, plainColors, translator('en'));
          assert.doesNotMatch(text, /[\x07\x1b]/, 'no control byte reaches a terminal');
          assert.match(text, /validity unreadable \(notBefore "\d{12}Z", notAfter "2613/);
        });
      }
    }

    it('plaintext server on an implicit-TLS probe (smtps vs a 220 greeting) → TLS_MODE_MISMATCH/tls', async () => {
      const server = await start(smtpServer());
      const result = await probeSmtps({ host: server.host, port: server.port }, tlsOpts());
      expectError(result, 'TLS_MODE_MISMATCH', 'tls');
      assert.ok(result.durationMs < FAST_MS);
    });

    it('TLS-only server on a plaintext probe (smtp) → TLS_MODE_MISMATCH/greeting, found by the sniff', async () => {
      const server = await start(tlsSmtpServer(certs.valid));
      const sniffAfter = 200;
      const cap = 5_000;
      const result = await probeSmtp({ host: server.host, port: server.port }, tlsOpts({ tlsSniffAfterMs: sniffAfter, phaseTimeouts: { greeting: cap } }));
      expectError(result, 'TLS_MODE_MISMATCH', 'greeting');
      between(result.durationMs, sniffAfter, sniffAfter + FAST_MS, 'probe (well before the greeting cap)');
      assert.equal(server.connections, 2);
    });
  });

  describe('framing and size caps', () => {
    it('a greeting line that never ends → LINE_TOO_LONG/greeting, fast, client hangs up early', async () => {
      const server = await start(endlessWriter('220 ', () => 'x'.repeat(4_096)));
      const result = await probeSmtp({ host: server.host, port: server.port }, opts());
      expectError(result, 'LINE_TOO_LONG', 'greeting');
      assert.ok(result.durationMs < FAST_MS, `took ${result.durationMs}ms`);
      await server.closed();
      // Bounded: the client hung up on the first chunk past the cap. What the server got written is what the
      // loopback socket buffers absorb (about 4 MB here); a client that kept reading until the greeting cap
      // would have taken hundreds of megabytes.
      assert.ok(server.bytesWritten < 32 * 1024 * 1024, `server wrote ${server.bytesWritten} bytes before the client left`);
    });

    it('a 1 MB line in the EHLO reply → LINE_TOO_LONG/ehlo', async () => {
      const server = await start(smtpServer({ onEhlo: `250 ${'a'.repeat(1024 * 1024)}\r\n` }));
      const before = process.memoryUsage().arrayBuffers;
      const result = await probeSmtp({ host: server.host, port: server.port }, opts());
      expectError(result, 'LINE_TOO_LONG', 'ehlo');
      assert.match(result.error!.message, new RegExp(String(MAX_LINE_BYTES)));
      assert.ok(result.durationMs < FAST_MS);
      // The transcript keeps a bounded preview, never the megabyte.
      assert.ok(JSON.stringify(result).length < 64 * 1024);
      assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
    });

    it('a multi-line EHLO reply that never terminates (250-… forever) → REPLY_TOO_LARGE/ehlo', async () => {
      let n = 0;
      const server = await start(smtpServer({ onEhlo: (socket, t) => flood(socket, t, () => `250-EXTENSION-${n++}\r\n`.repeat(64)) }));
      const result = await probeSmtp({ host: server.host, port: server.port }, opts());
      expectError(result, 'REPLY_TOO_LARGE', 'ehlo');
      assert.match(result.error!.message, new RegExp(String(MAX_REPLY_LINES)));
      assert.ok(result.durationMs < FAST_MS);
    });

    it('connection closed mid EHLO reply → CONNECTION_CLOSED/ehlo', async () => {
      const server = await start(
        smtpServer({
          onEhlo: (socket) => socket.end('250-mail.gallery.test\r\n250-PIPELINING\r\n'),
        }),
      );
      const result = await probeSmtp({ host: server.host, port: server.port }, opts());
      expectError(result, 'CONNECTION_CLOSED', 'ehlo');
    });

    it('connection reset mid EHLO reply → CONNECTION_RESET/ehlo', async () => {
      const server = await start(
        smtpServer({
          // Reset a moment after the first line: an RST arriving in the same instant as the data reads as a
          // plain EOF on Linux (the kernel hands over the data, then end-of-stream), which is the case above.
          onEhlo: (socket, t) => {
            socket.write('250-mail.gallery.test\r\n');
            t.later(50, () => socket.resetAndDestroy());
          },
        }),
      );
      const result = await probeSmtp({ host: server.host, port: server.port }, opts());
      expectError(result, 'CONNECTION_RESET', 'ehlo');
    });

    it('no reply to EHLO → REPLY_TIMEOUT/ehlo at the command cap', async () => {
      const server = await start(smtpServer({ onEhlo: () => {} }));
      const cap = 500;
      const result = await probeSmtp({ host: server.host, port: server.port }, opts({ phaseTimeouts: { command: cap } }));
      expectError(result, 'REPLY_TIMEOUT', 'ehlo');
      const ehlo = result.phases.find((p) => p.name === 'ehlo')!;
      between(ehlo.durationMs, cap - 5, cap + SLACK_MS, 'ehlo phase');
    });
  });

  describe('POP3 and IMAP', () => {
    it('POP3 -ERR greeting → GREETING_REJECTED/greeting with status and response code', async () => {
      const server = await start(pop3Server('-ERR [SYS/TEMP] too many connections from your address\r\n'));
      const result = await probePop3({ host: server.host, port: server.port }, opts());
      expectError(result, 'GREETING_REJECTED', 'greeting');
      assert.deepEqual(result.error!.reply, { status: '-ERR', responseCode: 'SYS/TEMP', text: 'too many connections from your address' });
      assert.ok(result.durationMs < FAST_MS);
    });

    it('POP3 CAPA that never ends → REPLY_TOO_LARGE/capabilities', async () => {
      let n = 0;
      const server = await start(
        pop3Server('+OK POP3 gallery ready\r\n', (line, socket, t) => {
          if (/^CAPA/i.test(line)) {
            socket.write('+OK Capability list follows\r\n');
            flood(socket, t, () => `X-CAPA-${n++}\r\n`.repeat(64));
          }
        }),
      );
      const result = await probePop3({ host: server.host, port: server.port }, opts());
      expectError(result, 'REPLY_TOO_LARGE', 'capabilities');
      assert.ok(result.durationMs < FAST_MS);
    });

    it('IMAP BYE greeting → GREETING_REJECTED/greeting with the BYE as evidence', async () => {
      const server = await start(imapServer('* BYE [UNAVAILABLE] Server shutting down\r\n'));
      const result = await probeImap({ host: server.host, port: server.port }, opts());
      expectError(result, 'GREETING_REJECTED', 'greeting');
      assert.deepEqual(result.error!.reply, { status: 'BYE', responseCode: 'UNAVAILABLE', text: 'Server shutting down' });
    });

    it('IMAP endless untagged responses to CAPABILITY → REPLY_TOO_LARGE/capabilities', async () => {
      let n = 0;
      const server = await start(
        imapServer('* OK IMAP gallery ready\r\n', (line, socket, t) => {
          if (/^\S+ CAPABILITY/i.test(line)) flood(socket, t, () => `* OK still thinking ${n++}\r\n`.repeat(64));
        }),
      );
      const result = await probeImap({ host: server.host, port: server.port }, opts());
      expectError(result, 'REPLY_TOO_LARGE', 'capabilities');
      assert.match(result.error!.message, new RegExp(String(MAX_REPLY_LINES)));
      assert.ok(result.durationMs < FAST_MS);
    });

    it('IMAP literal announced larger than the reply cap → REPLY_TOO_LARGE/capabilities, before reading it', async () => {
      const server = await start(
        imapServer('* OK IMAP gallery ready\r\n', (line, socket) => {
          const tag = line.split(' ')[0];
          if (/^\S+ CAPABILITY/i.test(line)) socket.write(`* CAPABILITY {${MAX_REPLY_BYTES + 1}}\r\n`);
          else if (/LOGOUT/i.test(line)) socket.end(`* BYE\r\n${tag} OK\r\n`);
        }),
      );
      const result = await probeImap({ host: server.host, port: server.port }, opts());
      expectError(result, 'REPLY_TOO_LARGE', 'capabilities');
      assert.ok(result.durationMs < FAST_MS, 'failed on the announcement, not after waiting for the bytes');
    });

    for (const [how, size] of [['in the same chunk as', 0], ['in 997-byte pieces after', 997]] as const) {
      it(`IMAP literal over the line cap ${how} its {n} line → no error, capabilities read`, async () => {
        const big = 'x\n'.repeat(MAX_LINE_BYTES * 2); // bare LFs inside: a literal is bytes, not lines
        const server = await start(
          imapServer('* OK IMAP gallery ready\r\n', (line, socket) => {
            const tag = line.split(' ')[0];
            if (/^\S+ CAPABILITY/i.test(line)) {
              const reply = `* ID ("x" {${big.length}}\r\n${big})\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`;
              if (size === 0) return void socket.write(reply);
              const pieces = Array.from({ length: Math.ceil(reply.length / size) }, (_, i) => reply.slice(i * size, (i + 1) * size));
              const next = (): void => void (pieces.length && socket.write(pieces.shift()!, () => setImmediate(next)));
              next();
            } else if (/LOGOUT/i.test(line)) socket.end(`* BYE\r\n${tag} OK\r\n`);
          }),
        );
        const result = await probeImap({ host: server.host, port: server.port }, opts());
        assert.equal(result.error, undefined, JSON.stringify(result.error));
        assert.ok(result.capabilities?.some((c) => /IMAP4rev1/i.test(c)), JSON.stringify(result.capabilities));
      });
    }

    it('a chain of {0} literals flooding in → REPLY_TOO_LARGE/capabilities within the probe deadline', async () => {
      const deadline = 3_000;
      const server = await start(
        imapServer('* OK IMAP gallery ready\r\n', (line, socket, t) => {
          if (/^\S+ CAPABILITY/i.test(line)) {
            socket.write('* CAPABILITY {0}\r\n');
            flood(socket, t, () => '{0}\r\n'.repeat(4096));
          }
        }),
      );
      const result = await probeImap({ host: server.host, port: server.port }, opts({ timeoutMs: deadline }));
      expectError(result, 'REPLY_TOO_LARGE', 'capabilities');
      assert.ok(result.durationMs < deadline + SLACK_MS, `took ${result.durationMs} ms`);
    });
  });

  describe('deadlines and the caller', () => {
    it('caller AbortSignal mid-greeting → ABORTED, in the phase that was running', async () => {
      const server = await start(silentServer());
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error('user pressed ^C')), 150);
      try {
        const result = await probeSmtp({ host: server.host, port: server.port }, opts({ signal: controller.signal }));
        expectError(result, 'ABORTED', 'greeting');
        between(result.durationMs, 140, 150 + SLACK_MS, 'probe');
      } finally {
        clearTimeout(timer);
      }
    });

    it('an already aborted signal → ABORTED before anything is sent', async () => {
      const server = await start(smtpServer());
      const result = await probeSmtp({ host: server.host, port: server.port }, opts({ signal: AbortSignal.abort() }));
      expectError(result, 'ABORTED', 'connect');
      assert.ok(!result.transcript.some((e) => e.dir === 'C'));
    });

    it('overall deadline inside the greeting → PROBE_TIMEOUT/greeting (not the greeting cap’s GREETING_TIMEOUT)', async () => {
      const server = await start(silentServer());
      const deadline = 600;
      const result = await probeSmtp(
        { host: server.host, port: server.port },
        opts({ timeoutMs: deadline, phaseTimeouts: { greeting: 5_000 } }),
      );
      expectError(result, 'PROBE_TIMEOUT', 'greeting');
      assert.match(result.error!.message, /600ms/);
      between(result.durationMs, deadline - 5, deadline + SLACK_MS, 'probe');
    });

    it('overall deadline inside a stalled resolver → PROBE_TIMEOUT/resolve; the resolve cap alone → DNS_TIMEOUT/resolve', async () => {
      const never = (() => {}) as unknown as ProbeOptions['lookup'];
      const cut = await probeSmtp({ host: 'mail.gallery.invalid' }, opts({ timeoutMs: 300, lookup: never, phaseTimeouts: { resolve: 5_000 } }));
      expectError(cut, 'PROBE_TIMEOUT', 'resolve');
      between(cut.durationMs, 295, 300 + SLACK_MS, 'probe');
      const capped = await probeSmtp({ host: 'mail.gallery.invalid' }, opts({ timeoutMs: 5_000, lookup: never, phaseTimeouts: { resolve: 300 } }));
      expectError(capped, 'DNS_TIMEOUT', 'resolve');
      between(capped.durationMs, 295, 300 + SLACK_MS, 'probe');
    });
  });
});
