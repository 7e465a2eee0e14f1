import assert from 'node:assert/strict';
import { sendTestMessage } from '../../src/check/send-test.js';
import { probeSmtp } from '../../src/probes/smtp.js';
import type { CheckReport } from '../../src/report/types.js';
import { useNativeBackend } from '../helpers/harness/mocha.js';

/** --send-test: the one code path that sends a real message, and only through the recommended server. */
describe('send-test (the only real message maildoctor ever sends)', () => {
  const backend = useNativeBackend();

  it('the probe sends nothing unless asked: a relay test leaves no message anywhere', async () => {
    const b = backend();
    const alice = b.users[0]!;
    const before = await b.messageCount!(b.users[1]!.user);
    const r = await probeSmtp(b.submission, { ca: b.ca, servername: b.tlsName, starttls: 'required', credentials: { user: alice.user, password: alice.password }, relayTest: { from: alice.address, to: b.users[1]!.address } });
    assert.equal(r.ok, true, JSON.stringify(r.error));
    assert.equal(r.sent, undefined);
    assert.equal(await b.messageCount!(b.users[1]!.user), before);
    assert.equal(await b.queuedMessages(), 0);
  });

  it('sends exactly one message through the recommended outgoing setting, with the login it needs', async () => {
    const b = backend();
    const [alice, bob] = [b.users[0]!, b.users[1]!];
    const before = await b.messageCount!(bob.user);
    const report = {
      address: alice.address,
      recommendation: {
        outgoing: { role: 'smtp', host: b.tlsName, port: b.submission.port, security: 'starttls', auth: 'password', username: alice.user, verified: true, reason: '', probe: 'outgoing:x' },
        hybrid: false,
        alternatives: [],
        notes: [],
      },
      probes: [{ id: 'outgoing:x', result: { target: { host: b.tlsName, port: b.submission.port, address: b.submission.host } } }],
    } as unknown as CheckReport;
    const sent = await sendTestMessage(report, bob.address, { credentials: { user: alice.user, password: alice.password }, ca: b.ca });
    assert.equal(sent.ok, true, sent.detail);
    assert.match(sent.detail, /answered 250/);
    // Local delivery through Postfix's virtual(8) into the Maildir Dovecot serves takes a moment.
    for (let i = 0; i < 50 && (await b.messageCount!(bob.user)) === before; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await b.messageCount!(bob.user), before + 1);
  });

  it('refuses to send without the password the setting needs', async () => {
    const b = backend();
    const report = {
      address: b.users[0]!.address,
      recommendation: { outgoing: { role: 'smtp', host: 'localhost', port: b.submission.port, security: 'starttls', auth: 'password', verified: true, reason: '' }, hybrid: false, alternatives: [], notes: [] },
      probes: [],
    } as unknown as CheckReport;
    const sent = await sendTestMessage(report, b.users[1]!.address, {});
    assert.equal(sent.ok, false);
    assert.match(sent.detail, /needs a password/);
  });
});
