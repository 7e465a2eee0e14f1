/**
 * Proves the real-server harness (test/helpers/harness/): real Postfix + Dovecot answer on every port with the
 * policies the probes will meet, TLS verifies against the per-run CA, and stop() leaves nothing behind.
 * Raw node:net/node:tls on purpose: these checks must not depend on the code under test.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { startNativeBackend, type Endpoint, type MailBackend } from './helpers/harness/backend.js';
import { testCertificates, type CertificateKind } from './helpers/certs.js';

/** Per-reply deadline: every server here is local and answers in milliseconds. */
const REPLY_TIMEOUT_MS = 5_000;

/** A line-oriented client: `until(re)` waits until the unread text matches, returns and consumes it. */
class Conn {
  private buffer = '';
  private wake = () => {};
  private readonly onData = (chunk: Buffer) => { this.buffer += chunk.toString('latin1'); this.wake(); };

  constructor(readonly socket: net.Socket) {
    socket.on('data', this.onData);
    socket.on('error', () => this.wake());
  }

  static plain(e: Endpoint, localAddress?: string): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: e.host, port: e.port, localAddress }, () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  static tls(e: Endpoint, b: MailBackend): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ host: e.host, port: e.port, ca: b.ca, servername: b.tlsName }, () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  async until(re: RegExp): Promise<string> {
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    while (!re.test(this.buffer)) {
      if (Date.now() > deadline || this.socket.destroyed) throw new Error(`no ${re} in ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((r) => { this.wake = r; setTimeout(r, 50); });
    }
    const text = this.buffer;
    this.buffer = '';
    return text;
  }

  async send(line: string, re: RegExp): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.until(re);
  }

  /** RFC 3207 §4.2 / RFC 2595: upgrade in place; nothing read in plaintext survives. */
  async starttls(b: MailBackend): Promise<Conn> {
    this.socket.off('data', this.onData);
    const secure = tls.connect({ socket: this.socket, ca: b.ca, servername: b.tlsName });
    await new Promise<void>((resolve, reject) => { secure.once('secureConnect', resolve); secure.once('error', reject); });
    assert.equal(secure.authorized, true, String(secure.authorizationError));
    return new Conn(secure);
  }

  close(): void { this.socket.destroy(); }
}

const SMTP_REPLY = /(^|\r\n)\d{3} [^\r\n]*\r\n$/; // last line of a reply is "NNN text" (not "NNN-")
const POP3_LINE = /^[+-][^\r\n]*\r\n$/;
const tagged = (tag: string) => new RegExp(`(^|\\r\\n)${tag} (OK|NO|BAD)[^\\r\\n]*\\r\\n$`);
const plainAuth = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`).toString('base64');

describe('test harness: native Postfix + Dovecot', function () {
  this.timeout(20_000);
  let backend: MailBackend;
  let startMs = 0;

  before(async function () {
    const t0 = Date.now();
    backend = await startNativeBackend();
    startMs = Date.now() - t0;
  });
  after(async () => { await backend?.stop(); });

  it('greets on every port; implicit-TLS ports verify against the run CA', async () => {
    for (const [e, re] of [[backend.smtp, /^220 /], [backend.submission, /^220 /], [backend.pop3, /^\+OK/], [backend.imap, /^\* OK/]] as const) {
      const c = await Conn.plain(e);
      await c.until(new RegExp(re.source + '[^\\r\\n]*\\r\\n$'));
      c.close();
    }
    for (const [e, re] of [[backend.smtps, /^220 /], [backend.pop3s, /^\+OK/], [backend.imaps, /^\* OK/]] as const) {
      const c = await Conn.tls(e, backend);
      assert.equal((c.socket as tls.TLSSocket).authorized, true);
      await c.until(new RegExp(re.source + '[^\\r\\n]*\\r\\n$'));
      c.close();
    }
    // The same ports answer on 127.0.0.1, where 'localhost' (tlsName) resolves.
    for (const e of [backend.smtp, backend.imap]) {
      const c = await Conn.plain({ host: 'localhost', port: e.port });
      await c.until(/^(220 |\* OK)[^\r\n]*\r\n$/);
      c.close();
    }
    // Without the run's CA the same certificate is untrusted.
    await assert.rejects(new Promise((resolve, reject) => {
      const s = tls.connect({ ...backend.imaps, servername: backend.tlsName }, () => { s.destroy(); resolve(null); });
      s.once('error', reject);
    }), /certificate/);
  });

  it('Dovecot refuses plaintext login before STARTTLS/STLS (LOGINDISABLED)', async () => {
    const imap = await Conn.plain(backend.imap);
    assert.match(await imap.until(/\r\n$/), /STARTTLS.*LOGINDISABLED/);
    imap.close();
    const pop3 = await Conn.plain(backend.pop3);
    await pop3.until(POP3_LINE);
    assert.match(await pop3.send('USER alice', POP3_LINE), /^-ERR/);
    pop3.close();
  });

  it('MTA relays only for mynetworks: 554 5.7.1 from 127.0.0.1, 250 from 127.0.0.2; nothing queued', async () => {
    for (const [local, expected] of [[undefined, /^554 5\.7\.1 <someone@example\.net>: Relay access denied/], [backend.relayClientAddress, /^250 /]] as const) {
      const c = await Conn.plain(backend.smtp, local);
      await c.until(SMTP_REPLY);
      assert.match(await c.send('EHLO client.example', SMTP_REPLY), /250[ -]STARTTLS/);
      assert.match(await c.send('MAIL FROM:<probe@client.example>', SMTP_REPLY), /^250 /);
      assert.match(await c.send('RCPT TO:<someone@example.net>', SMTP_REPLY), expected);
      assert.match(await c.send('RSET', SMTP_REPLY), /^250 /);
      await c.send('QUIT', SMTP_REPLY);
      c.close();
    }
    assert.equal(await backend.queuedMessages(), 0);
  });

  it('submission: STARTTLS required, then AUTH PLAIN gives 535 for a wrong password and 235 for the right one', async () => {
    const [alice] = backend.users;
    const c = await Conn.plain(backend.submission);
    await c.until(SMTP_REPLY);
    assert.doesNotMatch(await c.send('EHLO client.example', SMTP_REPLY), /AUTH/);
    assert.match(await c.send('MAIL FROM:<x@client.example>', SMTP_REPLY), /^530 5\.7\.0/);
    assert.match(await c.send('STARTTLS', SMTP_REPLY), /^220 /);
    const s = await c.starttls(backend);
    assert.match(await s.send('EHLO client.example', SMTP_REPLY), /250[ -]AUTH PLAIN LOGIN/);
    assert.match(await s.send(`AUTH PLAIN ${plainAuth(alice!.user, 'wrong')}`, SMTP_REPLY), /^535 /);
    assert.match(await s.send(`AUTH PLAIN ${plainAuth(alice!.user, alice!.password)}`, SMTP_REPLY), /^235 /);
    await s.send('QUIT', SMTP_REPLY);
    s.close();
  });

  it('deliver() puts a message in the mailbox: IMAP count and POP3 STAT (after STLS) go up', async () => {
    const [alice] = backend.users;
    const before = await backend.messageCount!(alice!.user);
    await backend.deliver(alice!.user, `From: sender@client.example\r\nTo: ${alice!.address}\r\nSubject: harness\r\n\r\nhello\r\n`);
    assert.equal(await backend.messageCount!(alice!.user), before + 1);

    const c = await Conn.plain(backend.pop3);
    await c.until(POP3_LINE);
    assert.match(await c.send('STLS', POP3_LINE), /^\+OK/);
    const s = await c.starttls(backend);
    assert.match(await s.send(`USER ${alice!.user}`, POP3_LINE), /^\+OK/);
    assert.match(await s.send(`PASS ${alice!.password}`, POP3_LINE), /^\+OK/);
    assert.match(await s.send('STAT', POP3_LINE), new RegExp(`^\\+OK ${before + 1} `));
    await s.send('QUIT', POP3_LINE);
    s.close();

    const imap = await Conn.tls(backend.imaps, backend);
    await imap.until(/\r\n$/);
    await imap.send(`a1 LOGIN ${alice!.address} ${alice!.password}`, tagged('a1'));
    assert.match(await imap.send('a2 STATUS INBOX (MESSAGES)', tagged('a2')), new RegExp(`MESSAGES ${before + 1}\\)`));
    imap.close();
  });

  it('stop() leaves no process, listener or temp dir behind', async () => {
    const { postfix, dovecot } = backend.native!;
    const t0 = Date.now();
    await backend.stop();
    const stopMs = Date.now() - t0;
    for (const pid of [postfix.pid, dovecot.pid]) assert.throws(() => process.kill(pid, 0), /ESRCH/);
    for (const dir of [postfix.runDir, dovecot.runDir]) assert.equal(existsSync(dir), false, dir);
    await assert.rejects(Conn.plain(backend.smtp), /ECONNREFUSED/);
    await assert.rejects(Conn.plain(backend.imap), /ECONNREFUSED/);
    console.log(`      native backend: start ${startMs} ms, stop ${stopMs} ms`);
  });
});

describe('test harness: certificates', () => {
  const expectations: Record<CertificateKind, RegExp | null> = {
    valid: null,
    expired: /CERT_HAS_EXPIRED/,
    wrongName: /ERR_TLS_CERT_ALTNAME_INVALID/,
    selfSigned: /DEPTH_ZERO_SELF_SIGNED_CERT/,
    expiresSoon: null,
    chained: null,
    // The server forgot its intermediate: the client, trusting only the CA, finds no issuer for the leaf.
    chainIncomplete: /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/,
  };
  for (const [kind, error] of Object.entries(expectations) as [CertificateKind, RegExp | null][]) {
    it(`${kind}: ${error ? error.source : 'verifies'} for 'localhost' with the run CA`, async () => {
      const certs = await testCertificates();
      const server = tls.createServer({ cert: certs[kind].cert, key: certs[kind].key }, (s) => s.end());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const port = (server.address() as net.AddressInfo).port;
        const attempt = new Promise<void>((resolve, reject) => {
          const s = tls.connect({ host: '127.0.0.1', port, ca: certs.ca.cert, servername: 'localhost' }, () => { s.destroy(); resolve(); });
          s.once('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code ?? e.message)));
        });
        if (error) await assert.rejects(attempt, error);
        else await attempt;
      } finally {
        server.close();
      }
    });
  }
});
