/**
 * Smoke test of the container backend: every endpoint greets, TLS verifies
 * against the backend's CA under its tlsName, and the relay, AUTH, queue and
 * delivery hooks behave as the MailBackend contract says. The shared
 * conformance suite goes deeper; this only proves the containers are usable.
 *
 * Skipped, with the reason printed, where Docker or the images are absent;
 * MAILDOCTOR_REQUIRE_CONTAINERS=1 (CI) turns that into a failure.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startContainerBackend, type ContainerMailBackend } from '../helpers/containers/backend.js';
import { containerTierUnavailable as unavailableReason } from '../helpers/containers/runtime.js';
import { LineClient, type TlsTrust } from '../helpers/containers/wire.js';

function plainAuth(user: string, password: string): string {
  return Buffer.from(`\0${user}\0${password}`).toString('base64');
}

describe('container backend (smoke)', function () {
  let backend: ContainerMailBackend;
  let trust: TlsTrust;

  before(async function () {
    const reason = await unavailableReason();
    if (reason) {
      if (process.env.MAILDOCTOR_REQUIRE_CONTAINERS === '1') throw new Error(reason);
      console.warn(`    skipping the container tier: ${reason}`);
      this.skip();
    }
    const t0 = performance.now();
    backend = await startContainerBackend();
    console.log(`    container backend started in ${Math.round(performance.now() - t0)} ms`);
    trust = { ca: backend.ca, servername: backend.tlsName };
  });

  after(async function () {
    if (!backend) return;
    const t0 = performance.now();
    await backend.stop();
    console.log(`    container backend stopped in ${Math.round(performance.now() - t0)} ms`);
  });

  it('MTA: greets, offers STARTTLS without AUTH, and its certificate verifies', async function () {
    const plain = await LineClient.plain(backend.smtp);
    try {
      assert.equal((await plain.smtpReply()).code, 220);
      const ehlo = await plain.smtp('EHLO client.example.test');
      assert.equal(ehlo.code, 250);
      assert.ok(ehlo.lines.some((l) => /^250[- ]STARTTLS$/.test(l)), ehlo.lines.join('\n'));
      assert.ok(!ehlo.lines.some((l) => /^250[- ]AUTH/.test(l)), 'the MTA port must not offer AUTH');
      assert.equal((await plain.smtp('STARTTLS')).code, 220);
      const tls = await plain.startTls(trust);
      assert.equal(tls.tlsSocket?.authorized, true);
      assert.equal((await tls.smtp('EHLO client.example.test')).code, 250);
      tls.close();
    } finally {
      plain.close();
    }
  });

  it('MTA: refuses relay from the host, relays for relayClientAddress, queues what it accepts', async function () {
    const before = await backend.queuedMessages();
    const session = async (localAddress?: string) => {
      const c = await LineClient.plain(backend.smtp, localAddress);
      assert.equal((await c.smtpReply()).code, 220);
      assert.equal((await c.smtp('EHLO client.example.test')).code, 250);
      assert.equal((await c.smtp('MAIL FROM:<sender@example.org>')).code, 250);
      return c;
    };

    const outsider = await session();
    try {
      const relay = await outsider.smtp('RCPT TO:<someone@example.net>');
      assert.equal(relay.code, 554);
      assert.match(relay.lines.at(-1)!, /^554 5\.7\.1 .*Relay access denied/);
      // Mail for a local mailbox is not relaying: accepted from anyone.
      assert.equal((await outsider.smtp(`RCPT TO:<${backend.users[0]!.address}>`)).code, 250);
      assert.equal((await outsider.smtp('RCPT TO:<nobody@example.test>')).code, 550);
    } finally {
      outsider.close();
    }

    assert.ok(backend.relayClientAddress, 'the container backend can express mynetworks');
    const insider = await session(backend.relayClientAddress);
    try {
      assert.equal((await insider.smtp('RCPT TO:<someone@example.net>')).code, 250);
      assert.equal((await insider.smtp('DATA')).code, 354);
      insider.send('Subject: relay smoke\r\n\r\nhello\r\n.');
      assert.equal((await insider.smtpReply()).code, 250);
      assert.equal((await insider.smtp('QUIT')).code, 221);
    } finally {
      insider.close();
    }
    assert.equal(await backend.queuedMessages(), before + 1);
  });

  it('submission: requires STARTTLS, then offers AUTH PLAIN LOGIN and accepts a user', async function () {
    const plain = await LineClient.plain(backend.submission);
    try {
      assert.equal((await plain.smtpReply()).code, 220);
      const ehlo = await plain.smtp('EHLO client.example.test');
      assert.ok(!ehlo.lines.some((l) => /^250[- ]AUTH/.test(l)), 'no AUTH before TLS');
      assert.equal((await plain.smtp('MAIL FROM:<sender@example.test>')).code, 530);
      assert.equal((await plain.smtp('STARTTLS')).code, 220);
      const tls = await plain.startTls(trust);
      assert.equal(tls.tlsSocket?.authorized, true);
      const ehloTls = await tls.smtp('EHLO client.example.test');
      assert.ok(ehloTls.lines.some((l) => /^250[- ]AUTH PLAIN LOGIN$/.test(l)), ehloTls.lines.join('\n'));
      const { user, password } = backend.users[0]!;
      assert.equal((await tls.smtp(`AUTH PLAIN ${plainAuth(user, 'wrong-password')}`)).code, 535);
      assert.equal((await tls.smtp(`AUTH PLAIN ${plainAuth(user, password)}`)).code, 235);
      tls.close();
    } finally {
      plain.close();
    }
  });

  it('submission: mail for a local user is delivered into the mailbox Dovecot serves', async function () {
    const { user, password, address } = backend.users[0]!;
    const before = await backend.messageCount(user);
    const c = await LineClient.tls(backend.smtps, trust);
    try {
      assert.equal((await c.smtpReply()).code, 220);
      assert.equal((await c.smtp('EHLO client.example.test')).code, 250);
      assert.equal((await c.smtp(`AUTH PLAIN ${plainAuth(user, password)}`)).code, 235);
      assert.equal((await c.smtp(`MAIL FROM:<${address}>`)).code, 250);
      assert.equal((await c.smtp(`RCPT TO:<${address}>`)).code, 250);
      assert.equal((await c.smtp('DATA')).code, 354);
      c.send(`Subject: local delivery smoke\r\nTo: ${address}\r\n\r\nhello\r\n.`);
      assert.equal((await c.smtpReply()).code, 250);
    } finally {
      c.close();
    }
    // virtual(8) delivers within milliseconds; poll a bounded while for it.
    const deadline = Date.now() + 10_000;
    while ((await backend.messageCount(user)) === before && Date.now() < deadline) await sleep(100);
    assert.equal(await backend.messageCount(user), before + 1);
  });

  it('smtps: implicit TLS verifies and offers AUTH', async function () {
    const c = await LineClient.tls(backend.smtps, trust);
    try {
      assert.equal(c.tlsSocket?.authorized, true);
      assert.equal((await c.smtpReply()).code, 220);
      const ehlo = await c.smtp('EHLO client.example.test');
      assert.ok(ehlo.lines.some((l) => /^250[- ]AUTH PLAIN LOGIN$/.test(l)), ehlo.lines.join('\n'));
    } finally {
      c.close();
    }
  });

  it('IMAP: greets, upgrades with STARTTLS; IMAPS verifies', async function () {
    const plain = await LineClient.plain(backend.imap);
    try {
      assert.match(await plain.readLine(), /^\* OK /);
      plain.send('a1 STARTTLS');
      assert.equal((await plain.imapTagged('a1')).status, 'OK');
      const tls = await plain.startTls(trust);
      assert.equal(tls.tlsSocket?.authorized, true);
      tls.send('a2 CAPABILITY');
      const caps = await tls.imapTagged('a2');
      assert.equal(caps.status, 'OK');
      assert.ok(caps.lines.some((l) => /AUTH=PLAIN/.test(l)), caps.lines.join('\n'));
      tls.close();
    } finally {
      plain.close();
    }
    const imaps = await LineClient.tls(backend.imaps, trust);
    try {
      assert.equal(imaps.tlsSocket?.authorized, true);
      assert.match(await imaps.readLine(), /^\* OK /);
    } finally {
      imaps.close();
    }
  });

  it('POP3: greets, upgrades with STLS; POP3S verifies', async function () {
    const plain = await LineClient.plain(backend.pop3);
    try {
      assert.match(await plain.readLine(), /^\+OK/);
      plain.send('STLS');
      assert.match(await plain.readLine(), /^\+OK/);
      const tls = await plain.startTls(trust);
      assert.equal(tls.tlsSocket?.authorized, true);
      tls.close();
    } finally {
      plain.close();
    }
    const pop3s = await LineClient.tls(backend.pop3s, trust);
    try {
      assert.equal(pop3s.tlsSocket?.authorized, true);
      assert.match(await pop3s.readLine(), /^\+OK/);
    } finally {
      pop3s.close();
    }
  });

  it('deliver(): the message shows up in the mailbox over POP3S', async function () {
    const { user, password, address } = backend.users[1]!;
    await backend.deliver(user, `From: sender@example.org\r\nTo: ${address}\r\nSubject: smoke\r\n\r\nhello\r\n`);
    const c = await LineClient.tls(backend.pop3s, trust);
    try {
      assert.match(await c.readLine(), /^\+OK/);
      c.send(`USER ${user}`);
      assert.match(await c.readLine(), /^\+OK/);
      c.send(`PASS ${password}`);
      assert.match(await c.readLine(), /^\+OK/);
      c.send('STAT');
      assert.match(await c.readLine(), /^\+OK 1 \d+$/);
      c.send('QUIT');
      assert.match(await c.readLine(), /^\+OK/);
    } finally {
      c.close();
    }
    assert.equal(await backend.messageCount(user), 1);
  });
});
