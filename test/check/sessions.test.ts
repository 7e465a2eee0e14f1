/**
 * One session per server address and port (issue 13, src/check/sessions.ts): which planned probes share a
 * session, and what one session's result says for each of them. The SMTP sessions are real ones, against the
 * gallery's scripted server on loopback (test/helpers/servers/gallery.ts); the certificate cases read results the lab
 * recorded (fixtures/reports).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { answerSession, covers, planSessions, type Shareable } from '../../src/check/sessions.js';
import { probeSmtp } from '../../src/probes/smtp.js';
import type { ProbeOptions, ProbeResult } from '../../src/lib/types.js';
import type { CheckReport } from '../../src/report/types.js';
import { smtpServer, type FaultServer } from '../helpers/servers/gallery.js';

const RELAY = { from: 'pippo@disney.test', to: 'maildoctor-relay-test@example.net' };
const CREDS = { user: 'pippo', password: 'not-a-real-password' };

function probe(id: string, host: string, port: number, extra: Partial<Shareable> & { options?: Partial<ProbeOptions> } = {}): Shareable {
  return { id, host, port, protocol: 'smtp', withAuth: false, relayTest: false, server: '203.0.113.10', options: {}, ...extra };
}

/** The no-AUTH and AUTH relay tests of one name and port, as the check plans them. */
function twins(host: string, port: number, server = '203.0.113.10'): [Shareable, Shareable] {
  return [
    probe(`outgoing:${host}:${port}`, host, port, { server, relayTest: true, options: { starttls: 'required', relayTest: RELAY } }),
    probe(`outgoing:${host}:${port}:auth`, host, port, { server, relayTest: true, withAuth: true, options: { starttls: 'required', relayTest: RELAY, credentials: CREDS } }),
  ];
}

function recorded(scenario: string, id: string): ProbeResult {
  const report = JSON.parse(readFileSync(new URL(`../../fixtures/reports/${scenario}.json`, import.meta.url), 'utf8')) as CheckReport;
  const p = report.probes.find((x) => x.id === id);
  assert.ok(p, `${scenario}: no probe ${id}`);
  return p.result;
}

describe('one session per server address and port (issue 13)', () => {
  describe('planSessions', () => {
    it('the relay tests without and with AUTH of one port are one session, which asks both (beforeAuth)', () => {
      const plan = twins('smtp.disney.test', 587);
      const sessions = planSessions(plan);
      assert.equal(sessions.length, 1);
      assert.equal(sessions[0]!.lead, 1, 'led by the probe with the credentials');
      assert.deepEqual(sessions[0]!.members, [1, 0]);
      assert.deepEqual(sessions[0]!.options.relayTest, { ...RELAY, beforeAuth: true });
      assert.deepEqual(sessions[0]!.options.credentials, CREDS);
    });

    it('names of one address share the session of the first; another address, port or policy has its own', () => {
      const plan = [
        ...twins('smtp.disney.test', 587),
        ...twins('mail.disney.test', 587),
        ...twins('mail.disney.test', 465),
        ...twins('smtp.isp.test', 587, '198.51.100.1'),
        probe('outgoing:mail.disney.test:25', 'mail.disney.test', 25, { relayTest: true, options: { starttls: 'optional', relayTest: RELAY } }),
        probe('configured:mail.disney.test:25', 'mail.disney.test', 25, { relayTest: true, options: { starttls: 'required', relayTest: RELAY } }),
      ];
      const sessions = planSessions(plan);
      assert.deepEqual(
        sessions.map((s) => s.members),
        [[1, 0, 2, 3], [5, 4], [7, 6], [8], [9]],
      );
    });

    it('a probe without a twin keeps its own options (no relay test before AUTH is invented)', () => {
      const [, auth] = twins('smtp.disney.test', 465);
      const [session] = planSessions([auth]);
      assert.equal(session!.options, auth.options);
    });
  });

  describe('answerSession over real SMTP sessions (gallery server on loopback)', function () {
    this.timeout(10_000);
    let server: FaultServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    const serverOptions = { extensions: ['PIPELINING', 'AUTH PLAIN'], onAuth: '235 2.7.0 Authentication successful\r\n', onMail: '250 2.1.0 Ok\r\n', onRcpt: { before: '554 5.7.1 <maildoctor-relay-test@example.net>: Relay access denied\r\n', after: '250 2.1.5 Ok\r\n' } };
    const run = (s: FaultServer, options: Partial<ProbeOptions>): Promise<ProbeResult> =>
      probeSmtp({ host: s.host, port: s.port }, { timeoutMs: 5_000, starttls: 'never', allowPlaintextAuth: true, ...options });

    it('EHLO, MAIL/RCPT, RSET, AUTH, MAIL/RCPT, RSET, QUIT in one connection; split into the two verdicts', async () => {
      server = await smtpServer(serverOptions);
      const plan = twins('127.0.0.1', server.port).map((p) => ({ ...p, server: '127.0.0.1', options: { ...p.options, starttls: 'never' as const } }));
      const [session] = planSessions(plan);
      const result = await run(server, session!.options);
      assert.equal(result.ok, true, result.error?.message);
      assert.equal(server.connections, 1);
      const said = result.transcript.filter((e) => e.dir === 'C').map((e) => e.line.split(' ')[0]);
      assert.deepEqual(said, ['EHLO', 'MAIL', 'RCPT', 'RSET', 'AUTH', 'MAIL', 'RCPT', 'RSET', 'QUIT'], 'never DATA');
      assert.equal(result.relayBeforeAuth?.accepted, false);
      assert.equal(result.relayBeforeAuth?.error?.code, 'RELAY_DENIED');

      const answer = answerSession(session!, result, plan, (i) => plan[i]!.options);
      assert.deepEqual(answer.again, []);
      const without = answer.results.get(0)!;
      const withAuth = answer.results.get(1)!;
      // Without AUTH: what a probe without credentials reports, and nothing of the login after it.
      assert.equal(without.ok, false);
      assert.equal(without.error?.code, 'RELAY_DENIED');
      assert.equal(without.error?.reply?.code, 554);
      assert.deepEqual(without.relay && { authenticated: without.relay.authenticated, accepted: without.relay.accepted }, { authenticated: false, accepted: false });
      assert.deepEqual(without.auth, { mechanisms: ['PLAIN'], attempted: false, skipped: 'no credentials given' });
      assert.ok(!without.transcript.some((e) => e.line.startsWith('AUTH')), 'the AUTH line is not in the record without AUTH');
      assert.ok(!without.phases.some((ph) => ph.name === 'auth'));
      assert.equal(without.relayBeforeAuth, undefined);
      // With AUTH: the session as it went.
      assert.equal(withAuth.ok, true);
      assert.equal(withAuth.auth?.ok, true);
      assert.deepEqual(withAuth.relay && { authenticated: withAuth.relay.authenticated, accepted: withAuth.relay.accepted }, { authenticated: true, accepted: true });
    });

    it('a server that hangs up after the refusal: AUTH is asked in a second session, not read as failed', async () => {
      server = await smtpServer({ ...serverOptions, closeAfterRefusal: true });
      const plan = twins('127.0.0.1', server.port).map((p) => ({ ...p, server: '127.0.0.1', options: { ...p.options, starttls: 'never' as const } }));
      const [session] = planSessions(plan);
      const first = await run(server, session!.options);
      assert.equal(first.relayBeforeAuth?.sessionEnded, true);
      assert.notEqual(first.auth?.attempted, true, 'no AUTH over a session the server ended');

      const answer = answerSession(session!, first, plan, (i) => plan[i]!.options);
      assert.deepEqual([...answer.results.keys()], [0], 'only the verdict without AUTH is known');
      assert.equal(answer.results.get(0)!.error?.code, 'RELAY_DENIED');
      assert.equal(answer.again.length, 1);
      const again = answer.again[0]!;
      assert.deepEqual(again.members, [1]);
      assert.equal(again.options.relayTest?.beforeAuth, undefined, 'the second session logs in first, as a probe with credentials does');
      const second = await run(server, again.options);
      assert.equal(server.connections, 2);
      const final = answerSession(again, second, plan, (i) => plan[i]!.options).results.get(1)!;
      assert.equal(final.auth?.ok, true);
      assert.equal(final.relay?.accepted, true);
    });
  });

  describe('certificates and names', () => {
    it('covers() applies the handshake’s name rules to the recorded certificate', () => {
      const cert = recorded('seed-hybrid', 'incoming:imap.disney.test:993:auth').tls!.certificate!;
      assert.ok(covers(cert, 'mail.disney.test'));
      assert.ok(covers(cert, 'IMAP.disney.test'));
      assert.ok(!covers(cert, 'disney.test.evil.test'));
      assert.ok(!covers(cert, 'imap.isp.test'));
    });

    it('another name of the address takes the result when the certificate covers it: its own name, the name check redone', () => {
      const result = recorded('seed-hybrid', 'incoming:imap.disney.test:993:auth');
      const plan = ['imap.disney.test', 'mail.disney.test'].map((h) => ({ ...probe(`incoming:${h}:993:auth`, h, 993), protocol: 'imaps' as const, withAuth: true }));
      const [session] = planSessions(plan);
      assert.deepEqual(session!.members, [0, 1]);
      const answer = answerSession(session!, result, plan, (i) => plan[i]!.options);
      assert.deepEqual(answer.again, []);
      const other = answer.results.get(1)!;
      assert.equal(other.target.host, 'mail.disney.test');
      assert.equal(other.target.address, result.target.address);
      assert.equal(other.tls?.hostnameMatch, true);
      assert.equal(other.mailbox?.messages, result.mailbox?.messages);
    });

    it('a certificate that fails the name check of the first name: the other name gets its own handshake (its own SNI)', () => {
      const result = recorded('cert-wrong-name', 'incoming:imap.disney.test:993:auth');
      assert.equal(result.tls?.hostnameMatch, false);
      const plan = ['imap.disney.test', 'mail.disney.test'].map((h) => ({ ...probe(`incoming:${h}:993:auth`, h, 993), protocol: 'imaps' as const, withAuth: true }));
      const [session] = planSessions(plan);
      const answer = answerSession(session!, result, plan, (i) => plan[i]!.options);
      assert.deepEqual([...answer.results.keys()], [0]);
      assert.deepEqual(answer.again.map((s) => s.members), [[1]]);
    });

    it('a session that failed before TLS (filtered port) answers every name of the address alike', () => {
      const result = recorded('port25-dropped', 'outgoing:smtp.disney.test:25:auth');
      assert.equal(result.error?.code, 'CONNECT_TIMEOUT');
      const plan = [...twins('smtp.disney.test', 25), ...twins('mail.disney.test', 25)];
      const [session] = planSessions(plan);
      const answer = answerSession(session!, result, plan, (i) => plan[i]!.options);
      assert.deepEqual([...answer.results.keys()].sort(), [0, 1, 2, 3]);
      for (const r of answer.results.values()) assert.equal(r.error?.code, 'CONNECT_TIMEOUT');
      assert.deepEqual(answer.again, [], 'no second session for a port that never answered');
    });
  });
});
