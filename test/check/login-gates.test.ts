/**
 * Early logins (issue 13): a check with a password starts the servers the DNS sources name before autoconfig and
 * the ISPDB have answered, but each login waits at its gate until the whole plan says under which name to log in
 * (src/check/runner.ts LoginGates, ProbeOptions.confirmLogin). The SMTP sessions are real ones, against the
 * gallery's scripted server on loopback; the gates are the check's own.
 */
import assert from 'node:assert/strict';
import type { LookupFunction } from 'node:net';
import { LoginGates, PlanRunner, type PlannedProbe } from '../../src/check/runner.js';
import { planSessions } from '../../src/check/sessions.js';
import { Deadline } from '../../src/lib/deadline.js';
import { probeSmtp } from '../../src/probes/smtp.js';
import type { ProbeOptions, ProbeResult } from '../../src/lib/types.js';
import type { CheckProbe } from '../../src/report/types.js';
import { smtpServer, type FaultServer } from '../helpers/servers/gallery.js';

const RELAY = { from: 'pippo@disney.test', to: 'maildoctor-relay-test@example.net' };
const CREDS = { user: 'pippo', password: 'not-a-real-password' };
const SERVER = { extensions: ['PIPELINING', 'AUTH PLAIN'], onAuth: '235 2.7.0 Authentication successful\r\n', onMail: '250 2.1.0 Ok\r\n', onRcpt: { before: '554 5.7.1 <maildoctor-relay-test@example.net>: Relay access denied\r\n', after: '250 2.1.5 Ok\r\n' } };

/** The check's two plans of one SMTP port (without and with AUTH), on the gallery server. */
function twins(host: string, port: number, user = CREDS.user): [PlannedProbe, PlannedProbe] {
  const common = { role: 'smtp' as const, protocol: 'smtp' as const, host, port, security: 'plain' as const, relayTest: true, sources: ['srv' as const], server: '127.0.0.1' };
  return [
    { ...common, id: `outgoing:${host}:${port}`, purpose: 'outgoing', withAuth: false, options: { starttls: 'never', relayTest: RELAY } },
    { ...common, id: `outgoing:${host}:${port}:auth`, purpose: 'outgoing', withAuth: true, options: { starttls: 'never', relayTest: RELAY, credentials: { ...CREDS, user } } },
  ];
}

const said = (r: ProbeResult): string[] => r.transcript.filter((e) => e.dir === 'C').map((e) => e.line.split(' ')[0]!);

describe('early logins wait at their gate for the whole plan (issue 13)', function () {
  this.timeout(10_000);
  let server: FaultServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const run = (s: FaultServer, options: Partial<ProbeOptions>): Promise<ProbeResult> =>
    probeSmtp({ host: '127.0.0.1', port: s.port }, { timeoutMs: 5_000, allowPlaintextAuth: true, ...options });

  it('a withdrawn login: the relay test without AUTH, then goodbye; no credentials on the wire', async () => {
    server = await smtpServer(SERVER);
    const [session] = planSessions(twins('127.0.0.1', server.port));
    const r = await run(server, { ...session!.options, confirmLogin: async () => false });
    assert.deepEqual(said(r), ['EHLO', 'MAIL', 'RCPT', 'RSET', 'QUIT']);
    assert.equal(r.auth?.attempted, false);
    assert.equal(r.auth?.skipped, 'login withdrawn by the caller');
    assert.equal(r.relayBeforeAuth?.error?.code, 'RELAY_DENIED', 'the verdict without AUTH is kept');
  });

  it('a confirmed login waits for the gate with the session open, then logs in', async () => {
    server = await smtpServer(SERVER);
    const [session] = planSessions(twins('127.0.0.1', server.port));
    let askedAt = -1;
    const r = await run(server, {
      ...session!.options,
      confirmLogin: (signal) => {
        assert.ok(signal instanceof AbortSignal);
        askedAt = performance.now();
        return new Promise((resolve) => setTimeout(() => resolve(true), 150));
      },
    });
    assert.ok(askedAt > 0);
    assert.equal(r.ok, true, r.error?.message);
    assert.deepEqual(said(r), ['EHLO', 'MAIL', 'RCPT', 'RSET', 'AUTH', 'MAIL', 'RCPT', 'RSET', 'QUIT']);
    const rset = r.transcript.find((e) => e.dir === 'C' && e.line.startsWith('RSET'))!;
    const auth = r.transcript.find((e) => e.dir === 'C' && e.line.startsWith('AUTH'))!;
    assert.ok(auth.t - rset.t >= 140, `AUTH ${Math.round(auth.t - rset.t)} ms after the RSET: it waited for the gate`);
    assert.equal(r.relay?.authenticated, true);
  });

  it('a gate that is never answered ends with the probe’s deadline, not a hang', async () => {
    server = await smtpServer(SERVER);
    const [session] = planSessions(twins('127.0.0.1', server.port));
    const r = await probeSmtp({ host: '127.0.0.1', port: server.port }, { ...session!.options, timeoutMs: 400, allowPlaintextAuth: true, confirmLogin: () => new Promise(() => undefined) });
    assert.equal(r.ok, false);
    assert.equal(r.auth?.attempted, false);
    assert.ok(!said(r).includes('AUTH'));
    assert.ok(r.durationMs < 2_000);
  });

  describe('LoginGates.settle: which early logins may go out', () => {
    const gateOf = (gates: LoginGates, p: PlannedProbe): (() => Promise<boolean>) => {
      const gated = gates.gate(p);
      return () => gated.options.confirmLogin!(new AbortController().signal);
    };

    it('the plan asks the same of the probe: yes; under another user name (autoconfig’s): no', async () => {
      const gates = new LoginGates();
      const [, a] = twins('smtp.disney.test', 587);
      const [, b] = twins('mail.disney.test', 587);
      const ga = gateOf(gates, a);
      const gb = gateOf(gates, b);
      gates.settle([a, twins('mail.disney.test', 587, 'pippo@disney.test')[1]]);
      assert.equal(await ga(), true);
      assert.equal(await gb(), false, 'the plan logs in there as pippo@disney.test');
    });

    it('a probe the plan no longer has: yes only when every login the plan keeps for its role uses its name', async () => {
      const [, dropped] = twins('mx9.disney.test', 587);
      const one = new LoginGates();
      const g1 = gateOf(one, dropped);
      one.settle([twins('smtp.disney.test', 587)[1]]);
      assert.equal(await g1(), true);
      const two = new LoginGates();
      const g2 = gateOf(two, dropped);
      two.settle([twins('smtp.disney.test', 587)[1], twins('smtp.disney.test', 465, 'pippo@disney.test')[1]]);
      assert.equal(await g2(), false, 'the plan logs in under two names: which one this server takes is unknown');
    });

    it('a check that failed settles with no plan: no early login goes out', async () => {
      const gates = new LoginGates();
      const g = gateOf(gates, twins('smtp.disney.test', 587)[1]);
      gates.settle([]);
      assert.equal(await g(), false);
    });
  });

  it('two names of one server in one session, one of them withdrawn: the other logs in a session of its own', async () => {
    server = await smtpServer(SERVER);
    const port = server.port;
    const gates = new LoginGates();
    const first = twins('smtp.disney.test', port);
    const second = twins('mail.disney.test', port);
    const plan = [first[0], gates.gate(first[1]), second[0], gates.gate(second[1])];
    const lookup = ((_host: string, options: unknown, cb: (...a: unknown[]) => void) => {
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      if (all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
    }) as unknown as LookupFunction;
    const deadline = new Deadline(8_000);
    const runner = new PlanRunner({ lookup, allowPlaintextAuth: true, staggerMs: 0 }, deadline, () => undefined);
    runner.add(plan);
    // The whole plan logs in on mail.disney.test under another name: that early login is withdrawn.
    gates.settle([first[1], twins('mail.disney.test', port, 'pippo@disney.test')[1]]);
    const records = new Map<string, CheckProbe>();
    for (const s of runner.all()) records.set(s.planned.id, await s.record);
    deadline.dispose();
    assert.equal(server.connections, 2, 'the shared session, then one for the login it could not do');
    const confirmed = records.get(first[1].id)!.result;
    assert.equal(confirmed.auth?.ok, true, 'smtp.disney.test logged in, in the second session');
    assert.equal(confirmed.relay?.authenticated, true);
    const withdrawn = records.get(second[1].id)!.result;
    assert.notEqual(withdrawn.auth?.attempted, true, 'no login as pippo on mail.disney.test');
    for (const p of [first[0], second[0]]) assert.equal(records.get(p.id)!.result.error?.code, 'RELAY_DENIED', `${p.id}: the verdict without AUTH`);
    assert.ok(!said(withdrawn).includes('AUTH'), 'the shared session sent no AUTH');
    assert.ok(said(confirmed).includes('AUTH'));
  });
});
