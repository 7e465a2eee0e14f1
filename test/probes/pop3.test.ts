/**
 * The POP3 probes against tiny scripted servers on 127.0.0.1 port 0: each test writes the server's side of
 * the dialogue, so every branch (refusals, missing CAPA, STLS policy, response codes) is reached on purpose.
 */
import assert from 'node:assert/strict';
import { UsageError } from '../../src/lib/errors.js';
import type { ProbeResult } from '../../src/lib/types.js';
import { probePop3 } from '../../src/probes/pop3.js';
import { probePop3s } from '../../src/probes/pop3s.js';
import { useScriptedServers, type Peer } from '../helpers/servers/scripted-server.js';

const USER = 'alice@example.test';
const PASSWORD = 'pa55 "word" \\ with spaces';
/** Every form the password could leak in: as is, and inside PLAIN's base64. */
const SECRETS = [PASSWORD, Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64')];


const credentials = { user: USER, password: PASSWORD };

function assertNoSecrets(result: ProbeResult): void {
  const json = JSON.stringify(result);
  for (const secret of SECRETS) {
    assert.ok(!json.includes(secret) && !json.includes(JSON.stringify(secret).slice(1, -1)), `a secret leaked into the result: ${secret}`);
  }
}

/** The dialogue before STLS of a typical server (Dovecot-like: no password login before TLS). */
async function greetAndCapa(peer: Peer, capa: string[]): Promise<void> {
  peer.send('+OK POP3 ready');
  await peer.expect(/^CAPA$/);
  peer.send('+OK', ...capa, '.');
}

async function quit(peer: Peer): Promise<void> {
  await peer.expect(/^QUIT$/);
  peer.send('+OK bye');
  peer.end();
}

describe('pop3 probe (scripted servers)', () => {
  const { serve, options } = useScriptedServers();

  it('STLS required: discards pre-TLS capabilities, logs in with AUTH PLAIN, STAT, QUIT; no secret in the result', async () => {
    const server = await serve(async (peer) => {
      await greetAndCapa(peer, ['TOP', 'UIDL', 'RESP-CODES', 'STLS', 'SASL']);
      await peer.expect(/^STLS$/);
      peer.send('+OK Begin TLS negotiation');
      await peer.startTls();
      await peer.expect(/^CAPA$/);
      peer.send('+OK', 'TOP', 'UIDL', 'RESP-CODES', 'USER', 'SASL PLAIN LOGIN', '.');
      const auth = await peer.expect(/^AUTH PLAIN /);
      assert.equal(Buffer.from(auth.slice('AUTH PLAIN '.length), 'base64').toString(), `\0${USER}\0${PASSWORD}`);
      peer.send('+OK Logged in.');
      await peer.expect(/^STAT$/);
      peer.send('+OK 3 4521');
      await quit(peer);
    });
    const result = await probePop3({ host: '127.0.0.1', port: server.port }, options({ starttls: 'required', credentials }));
    await server.done;
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.equal(result.ok, true);
    assert.equal(result.security, 'starttls');
    assert.deepEqual(result.capabilitiesBeforeTls, ['TOP', 'UIDL', 'RESP-CODES', 'STLS', 'SASL']);
    assert.deepEqual(result.capabilities, ['TOP', 'UIDL', 'RESP-CODES', 'USER', 'SASL']);
    assert.deepEqual(result.auth?.mechanisms, ['PLAIN', 'LOGIN', 'USER']);
    assert.equal(result.auth?.mechanism, 'PLAIN');
    assert.equal(result.auth?.ok, true);
    assert.deepEqual(result.mailbox, { messages: 3, octets: 4521 });
    assert.equal(result.tls?.trusted, true);
    assert.deepEqual(
      result.phases.map((p) => p.name),
      ['connect', 'greeting', 'capabilities', 'starttls', 'tls', 'capabilities', 'auth', 'mailbox', 'quit'],
    );
    assert.ok(result.transcript.some((e) => e.dir === 'C' && e.line === 'AUTH PLAIN <redacted>'));
    assertNoSecrets(result);
  });

  it('-ERR greeting: GREETING_REJECTED with the reply as evidence', async () => {
    const server = await serve(async (peer) => {
      peer.send('-ERR [SYS/PERM] Too many connections from your address');
      peer.end();
    });
    const result = await probePop3({ host: '127.0.0.1', port: server.port }, options());
    assert.equal(result.ok, false);
    assert.equal(result.error?.code, 'GREETING_REJECTED');
    assert.equal(result.error?.phase, 'greeting');
    assert.deepEqual(result.error?.reply, { status: '-ERR', responseCode: 'SYS/PERM', text: 'Too many connections from your address' });
    assert.deepEqual(result.greeting, result.error?.reply);
  });

  it('a server without CAPA: the -ERR is recorded, capabilities stay empty, STLS and USER/PASS are still tried', async () => {
    const server = await serve(async (peer) => {
      peer.send('+OK old server');
      await peer.expect(/^CAPA$/);
      peer.send('-ERR unknown command');
      await peer.expect(/^STLS$/);
      peer.send('-ERR unknown command');
      await peer.expect(new RegExp(`^USER ${USER}$`));
      peer.send('+OK');
      assert.equal(await peer.next(), `PASS ${PASSWORD}`);
      peer.send('+OK maildrop locked and ready');
      await peer.expect(/^STAT$/);
      peer.send('+OK 0 0');
      await quit(peer);
    });
    const result = await probePop3({ host: '127.0.0.1', port: server.port }, options({ credentials, allowPlaintextAuth: true }));
    await server.done;
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.deepEqual(result.capabilities, []);
    assert.equal(result.security, 'plain');
    assert.deepEqual(result.warnings.map((w) => [w.code, w.phase]), [['COMMAND_REJECTED', 'capabilities']]);
    assert.ok(result.skipped.some((s) => s.step === 'starttls' && /no CAPA/.test(s.reason)));
    assert.equal(result.auth?.mechanism, 'USER');
    assert.deepEqual(result.mailbox, { messages: 0, octets: 0 });
    assert.ok(result.transcript.some((e) => e.dir === 'C' && e.line === 'PASS <redacted>'));
    assertNoSecrets(result);
  });

  it('a server without CAPA and policy required: STLS refused is STARTTLS_UNAVAILABLE', async () => {
    const server = await serve(async (peer) => {
      peer.send('+OK old server');
      await peer.expect(/^CAPA$/);
      peer.send('-ERR unknown command');
      await peer.expect(/^STLS$/);
      peer.send('-ERR unknown command');
      await quit(peer);
    });
    const result = await probePop3({ host: '127.0.0.1', port: server.port }, options({ starttls: 'required' }));
    await server.done;
    assert.equal(result.error?.code, 'STARTTLS_UNAVAILABLE');
    assert.equal(result.error?.reply?.status, '-ERR');
  });

  it('STLS advertised but refused: STARTTLS_REFUSED when required, a warning when optional', async () => {
    const refusing = async (peer: Peer): Promise<void> => {
      await greetAndCapa(peer, ['USER', 'STLS']);
      await peer.expect(/^STLS$/);
      peer.send('-ERR [SYS/TEMP] TLS is not available right now');
      await quit(peer);
    };
    const required = await serve(refusing);
    const r1 = await probePop3({ host: '127.0.0.1', port: required.port }, options({ starttls: 'required' }));
    await required.done;
    assert.equal(r1.error?.code, 'STARTTLS_REFUSED');
    assert.equal(r1.error?.phase, 'starttls');
    assert.equal(r1.error?.reply?.responseCode, 'SYS/TEMP');

    const optional = await serve(refusing);
    const r2 = await probePop3({ host: '127.0.0.1', port: optional.port }, options({ starttls: 'optional' }));
    await optional.done;
    assert.equal(r2.ok, true, JSON.stringify(r2.error));
    assert.equal(r2.security, 'plain');
    assert.deepEqual(r2.warnings.map((w) => w.code), ['STARTTLS_REFUSED']);
    assert.ok(r2.skipped.some((s) => s.step === 'mailbox'));
  });

  it('STLS not advertised: STARTTLS_UNAVAILABLE when required, skipped when optional', async () => {
    const plain = async (peer: Peer): Promise<void> => {
      await greetAndCapa(peer, ['USER', 'UIDL']);
      await quit(peer);
    };
    const required = await serve(plain);
    const r1 = await probePop3({ host: '127.0.0.1', port: required.port }, options({ starttls: 'required' }));
    await required.done; // QUIT was still said
    assert.equal(r1.error?.code, 'STARTTLS_UNAVAILABLE');
    const optional = await serve(plain);
    const r2 = await probePop3({ host: '127.0.0.1', port: optional.port }, options());
    await optional.done;
    assert.equal(r2.ok, true);
    assert.ok(r2.skipped.some((s) => s.step === 'starttls'));
  });

  it('never sends credentials over plaintext unless allowed: AUTH_PLAINTEXT_REFUSED, nothing sent', async () => {
    const server = await serve(async (peer) => {
      await greetAndCapa(peer, ['USER', 'SASL PLAIN']);
      await quit(peer);
    });
    const result = await probePop3({ host: '127.0.0.1', port: server.port }, options({ starttls: 'never', credentials }));
    await server.done;
    assert.equal(result.error?.code, 'AUTH_PLAINTEXT_REFUSED');
    assert.equal(result.auth?.attempted, false);
    assert.ok(!server.received.some((l) => /^(USER|PASS|AUTH)/.test(l)), server.received.join(' | '));
  });

  it('no password login offered before TLS (Dovecot disable_plaintext_auth), policy never: AUTH_ENCRYPTION_REQUIRED', async () => {
    const server = await serve(async (peer) => {
      await greetAndCapa(peer, ['TOP', 'STLS', 'SASL']);
      await quit(peer);
    });
    const result = await probePop3({ host: '127.0.0.1', port: server.port }, options({ starttls: 'never', credentials, allowPlaintextAuth: true }));
    await server.done;
    assert.equal(result.error?.code, 'AUTH_ENCRYPTION_REQUIRED');
    assert.ok(!server.received.some((l) => /^(USER|PASS|AUTH)/.test(l)));
  });

  for (const [reply, code] of [
    ['-ERR [AUTH] Authentication failed.', 'AUTH_FAILED'],
    ['-ERR [SYS/TEMP] Temporary authentication failure.', 'AUTH_TEMP_FAILURE'],
    ['-ERR [IN-USE] Mailbox is locked by another session', 'AUTH_TEMP_FAILURE'],
    ['-ERR Authentication failed.', 'AUTH_FAILED'],
  ] as const) {
    it(`pop3s: "${reply}" is ${code}, with evidence, and the probe still says QUIT`, async () => {
      const server = await serve(
        async (peer) => {
          await greetAndCapa(peer, ['USER', 'SASL PLAIN']);
          await peer.expect(/^AUTH PLAIN \S+$/);
          peer.send(reply);
          await quit(peer);
        },
        { implicitTls: true },
      );
      const result = await probePop3s({ host: '127.0.0.1', port: server.port }, options({ credentials }));
      await server.done;
      assert.equal(result.security, 'tls');
      assert.equal(result.error?.code, code);
      assert.equal(result.error?.phase, 'auth');
      assert.equal(result.error?.reply?.status, '-ERR');
      assert.equal(result.auth?.ok, false);
      assert.equal(result.phases.at(-1)?.name, 'quit');
      assertNoSecrets(result);
    });
  }

  it('pop3s: USER/PASS when SASL has no PLAIN; a PASS refusal is AUTH_FAILED', async () => {
    const server = await serve(
      async (peer) => {
        await greetAndCapa(peer, ['USER', 'SASL CRAM-MD5']);
        await peer.expect(/^USER /);
        peer.send('+OK');
        await peer.expect(/^PASS /);
        peer.send('-ERR [AUTH] Invalid login');
        await quit(peer);
      },
      { implicitTls: true },
    );
    const result = await probePop3s({ host: '127.0.0.1', port: server.port }, options({ credentials }));
    await server.done;
    assert.equal(result.auth?.mechanism, 'USER');
    assert.deepEqual(result.auth?.mechanisms, ['CRAM-MD5', 'USER']);
    assert.equal(result.error?.code, 'AUTH_FAILED');
    assertNoSecrets(result);
  });

  it('pop3s: AUTH PLAIN too long for one line (RFC 5034 §4) sends the response after "+"', async () => {
    const long = { user: 'u'.repeat(120), password: 'p'.repeat(120) };
    const server = await serve(
      async (peer) => {
        await greetAndCapa(peer, ['SASL PLAIN']);
        await peer.expect(/^AUTH PLAIN$/);
        peer.send('+ ');
        const response = await peer.next();
        assert.equal(Buffer.from(response, 'base64').toString(), `\0${long.user}\0${long.password}`);
        peer.send('+OK');
        await peer.expect(/^STAT$/);
        peer.send('+OK 1 10');
        await quit(peer);
      },
      { implicitTls: true },
    );
    const result = await probePop3s({ host: '127.0.0.1', port: server.port }, options({ credentials: long }));
    await server.done;
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.ok(!JSON.stringify(result).includes(long.password));
  });

  it('a STAT answer that is not "count octets" is a PROTOCOL_ERROR in the mailbox phase', async () => {
    const server = await serve(
      async (peer) => {
        await greetAndCapa(peer, ['SASL PLAIN']);
        await peer.expect(/^AUTH PLAIN /);
        peer.send('+OK');
        await peer.expect(/^STAT$/);
        peer.send('+OK lots');
        await quit(peer);
      },
      { implicitTls: true },
    );
    const result = await probePop3s({ host: '127.0.0.1', port: server.port }, options({ credentials }));
    await server.done;
    assert.equal(result.error?.code, 'PROTOCOL_ERROR');
    assert.equal(result.error?.phase, 'mailbox');
  });

  it('credentials with CR, LF or NUL are a caller error, refused before dialling', async () => {
    for (const bad of [{ user: 'a\r\nQUIT', password: 'x' }, { user: 'a', password: 'x\ny' }, { user: 'a', password: 'x\0y' }]) {
      await assert.rejects(probePop3({ host: '127.0.0.1', port: 1 }, { credentials: bad }), UsageError);
    }
  });
});
