/**
 * The IMAP probes against tiny scripted servers on 127.0.0.1 port 0: greeting variants, capabilities in the
 * greeting, STARTTLS policy, LOGINDISABLED, RFC 5530 response codes, literals, and redaction.
 */
import assert from 'node:assert/strict';
import { UsageError } from '../../src/lib/errors.js';
import { MAX_REPLY_BYTES } from '../../src/lib/lines.js';
import type { ProbeResult } from '../../src/lib/types.js';
import { probeImap } from '../../src/probes/imap.js';
import { probeImaps } from '../../src/probes/imaps.js';
import { useScriptedServers, type Peer } from '../helpers/servers/scripted-server.js';

const USER = 'alice@example.test';
const PASSWORD = 'pa55 "word" \\ with spaces';
const credentials = { user: USER, password: PASSWORD };
/** Every form the password could leak in: as is, escaped for a quoted string, inside PLAIN's base64. */
const SECRETS = [PASSWORD, 'pa55 \\"word\\" \\\\ with spaces', Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64')];


function assertNoSecrets(result: ProbeResult): void {
  const json = JSON.stringify(result);
  for (const secret of SECRETS) {
    assert.ok(!json.includes(secret) && !json.includes(JSON.stringify(secret).slice(1, -1)), `a secret leaked into the result: ${secret}`);
  }
}

/** The tag of a client command line. */
const tagOf = (line: string): string => line.split(' ')[0]!;

async function reply(peer: Peer, pattern: RegExp, ...answer: Array<string | ((tag: string) => string)>): Promise<string> {
  const line = await peer.expect(pattern);
  peer.send(...answer.map((a) => (typeof a === 'function' ? a(tagOf(line)) : a)));
  return line;
}

async function logout(peer: Peer): Promise<void> {
  await reply(peer, /^a\d+ LOGOUT$/, '* BYE Logging out', (t) => `${t} OK Logout completed.`);
  peer.end();
}

describe('imap probe (scripted servers)', () => {
  const { serve, options } = useScriptedServers();

  it('capabilities in the greeting (no CAPABILITY asked), STARTTLS, CAPABILITY again, SASL-IR AUTHENTICATE, STATUS', async () => {
    const server = await serve(async (peer) => {
      peer.send('* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ STARTTLS LOGINDISABLED] Dovecot ready.');
      await reply(peer, /^a1 STARTTLS$/, 'a1 OK Begin TLS negotiation now.');
      await peer.startTls();
      await reply(peer, /^a2 CAPABILITY$/, '* CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN AUTH=login', 'a2 OK Pre-login capabilities listed, post-login capabilities have more.');
      const auth = await reply(peer, /^a3 AUTHENTICATE PLAIN \S+$/, 'a3 OK [CAPABILITY IMAP4rev1 IDLE MOVE] Logged in');
      assert.equal(Buffer.from(auth.split(' ')[3]!, 'base64').toString(), `\0${USER}\0${PASSWORD}`);
      await reply(peer, /^a4 STATUS INBOX \(MESSAGES\)$/, '* STATUS INBOX (MESSAGES 4)', 'a4 OK Status completed.');
      await logout(peer);
    });
    const result = await probeImap({ host: '127.0.0.1', port: server.port }, options({ starttls: 'required', credentials }));
    await server.done;
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.equal(result.ok, true);
    assert.equal(result.security, 'starttls');
    assert.deepEqual(result.capabilitiesBeforeTls, ['IMAP4REV1', 'SASL-IR', 'LITERAL+', 'STARTTLS', 'LOGINDISABLED']);
    assert.deepEqual(result.capabilities, ['IMAP4REV1', 'SASL-IR', 'LITERAL+', 'AUTH=PLAIN', 'AUTH=LOGIN']);
    assert.deepEqual(result.auth?.mechanisms, ['PLAIN', 'LOGIN']);
    assert.equal(result.auth?.mechanism, 'PLAIN');
    assert.equal(result.auth?.ok, true);
    assert.deepEqual(result.mailbox, { messages: 4 });
    assert.deepEqual(
      result.phases.map((p) => p.name),
      ['connect', 'greeting', 'starttls', 'tls', 'capabilities', 'auth', 'mailbox', 'quit'],
    );
    assert.ok(result.transcript.some((e) => e.dir === 'C' && e.line === 'a3 AUTHENTICATE PLAIN <redacted>'));
    assertNoSecrets(result);
  });

  it('imaps without SASL-IR: AUTHENTICATE PLAIN answers the "+" continuation; the response is redacted', async () => {
    const server = await serve(
      async (peer) => {
        peer.send('* OK IMAP ready');
        await reply(peer, /^a1 CAPABILITY$/, '* CAPABILITY IMAP4rev1 AUTH=PLAIN', 'a1 OK done');
        await reply(peer, /^a2 AUTHENTICATE PLAIN$/, '+ ');
        const response = await peer.next();
        assert.equal(Buffer.from(response, 'base64').toString(), `\0${USER}\0${PASSWORD}`);
        peer.send('a2 OK Logged in');
        await reply(peer, /^a3 STATUS INBOX/, '* STATUS "INBOX" (MESSAGES 12 UIDNEXT 40)', 'a3 OK');
        await logout(peer);
      },
      { implicitTls: true },
    );
    const result = await probeImaps({ host: '127.0.0.1', port: server.port }, options({ credentials }));
    await server.done;
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.equal(result.security, 'tls');
    assert.deepEqual(result.mailbox, { messages: 12 });
    assert.ok(result.transcript.some((e) => e.dir === 'C' && e.line === '<redacted>'));
    assertNoSecrets(result);
  });

  it('LOGIN with quoted strings when AUTH=PLAIN is not advertised: " and \\ escaped, password redacted', async () => {
    const server = await serve(
      async (peer) => {
        peer.send('* OK [CAPABILITY IMAP4rev1] ready');
        const login = await reply(peer, /^a1 LOGIN /, 'a1 OK Logged in');
        assert.equal(login, `a1 LOGIN "${USER}" "pa55 \\"word\\" \\\\ with spaces"`);
        await reply(peer, /^a2 STATUS INBOX/, '* STATUS INBOX (MESSAGES 0)', 'a2 OK');
        await logout(peer);
      },
      { implicitTls: true },
    );
    const result = await probeImaps({ host: '127.0.0.1', port: server.port }, options({ credentials }));
    await server.done;
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.equal(result.auth?.mechanism, 'LOGIN');
    assert.deepEqual(result.mailbox, { messages: 0 });
    assert.ok(result.transcript.some((e) => e.dir === 'C' && e.line === `a1 LOGIN "${USER}" <redacted>`));
    assertNoSecrets(result);
  });

  it('PREAUTH: no login, the mailbox is read; STARTTLS is skipped with the reason', async () => {
    const server = await serve(async (peer) => {
      peer.send('* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] Logged in as alice');
      await reply(peer, /^a1 STATUS INBOX/, '* STATUS INBOX (MESSAGES 2)', 'a1 OK');
      await logout(peer);
    });
    const result = await probeImap({ host: '127.0.0.1', port: server.port }, options({ credentials }));
    await server.done;
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.equal(result.greeting?.status, 'PREAUTH');
    assert.equal(result.auth?.attempted, false);
    assert.match(result.auth?.skipped ?? '', /PREAUTH/);
    assert.ok(result.skipped.some((s) => s.step === 'starttls' && /PREAUTH/.test(s.reason)));
    assert.deepEqual(result.mailbox, { messages: 2 });
    assert.ok(!server.received.some((l) => /LOGIN|AUTHENTICATE/.test(l)));
  });

  it('PREAUTH on cleartext with STARTTLS required: STARTTLS_UNAVAILABLE, and nothing more is sent', async () => {
    const server = await serve(async (peer) => {
      peer.send('* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] Logged in as alice');
      await peer.next().catch(() => undefined);
    });
    const result = await probeImap({ host: '127.0.0.1', port: server.port }, options({ starttls: 'required' }));
    await server.done;
    assert.equal(result.error?.code, 'STARTTLS_UNAVAILABLE');
    assert.equal(result.error?.reply?.status, 'PREAUTH');
    assert.deepEqual(server.received, []);
  });

  it('BYE greeting: GREETING_REJECTED with the reply as evidence', async () => {
    const server = await serve(async (peer) => {
      peer.send('* BYE [UNAVAILABLE] Too many connections');
      peer.end();
    });
    const result = await probeImap({ host: '127.0.0.1', port: server.port }, options());
    assert.equal(result.error?.code, 'GREETING_REJECTED');
    assert.equal(result.error?.phase, 'greeting');
    assert.deepEqual(result.error?.reply, { status: 'BYE', responseCode: 'UNAVAILABLE', text: 'Too many connections' });
  });

  it('a greeting that is not IMAP (a POP3 server on the port) is a PROTOCOL_ERROR', async () => {
    const server = await serve(async (peer) => {
      peer.send('+OK POP3 ready');
      await peer.next().catch(() => undefined);
    });
    const result = await probeImap({ host: '127.0.0.1', port: server.port }, options());
    assert.equal(result.error?.code, 'PROTOCOL_ERROR');
    assert.equal(result.error?.phase, 'greeting');
  });

  it('LOGINDISABLED on plaintext, policy never: AUTH_ENCRYPTION_REQUIRED even with allowPlaintextAuth; nothing sent', async () => {
    for (const allowPlaintextAuth of [false, true]) {
      const server = await serve(async (peer) => {
        peer.send('* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready');
        await logout(peer);
      });
      const result = await probeImap({ host: '127.0.0.1', port: server.port }, options({ starttls: 'never', credentials, allowPlaintextAuth }));
      await server.done;
      assert.equal(result.error?.code, 'AUTH_ENCRYPTION_REQUIRED');
      assert.equal(result.error?.phase, 'auth');
      assert.ok(!server.received.some((l) => /LOGIN|AUTHENTICATE/.test(l)), server.received.join(' | '));
    }
  });

  it('plaintext without LOGINDISABLED: AUTH_PLAINTEXT_REFUSED unless allowed, then LOGIN is sent', async () => {
    const refused = await serve(async (peer) => {
      peer.send('* OK [CAPABILITY IMAP4rev1] ready');
      await logout(peer);
    });
    const r1 = await probeImap({ host: '127.0.0.1', port: refused.port }, options({ credentials }));
    await refused.done;
    assert.equal(r1.error?.code, 'AUTH_PLAINTEXT_REFUSED');

    const allowed = await serve(async (peer) => {
      peer.send('* OK [CAPABILITY IMAP4rev1] ready');
      await reply(peer, /^a1 LOGIN /, 'a1 OK');
      await reply(peer, /^a2 STATUS/, '* STATUS INBOX (MESSAGES 1)', 'a2 OK');
      await logout(peer);
    });
    const r2 = await probeImap({ host: '127.0.0.1', port: allowed.port }, options({ credentials, allowPlaintextAuth: true }));
    await allowed.done;
    assert.equal(r2.ok, true, JSON.stringify(r2.error));
    assert.equal(r2.security, 'plain');
    assertNoSecrets(r2);
  });

  it('STARTTLS refused: STARTTLS_REFUSED when required, a warning when optional', async () => {
    const refusing = async (peer: Peer): Promise<void> => {
      peer.send('* OK ready');
      await reply(peer, /^a1 CAPABILITY$/, '* CAPABILITY IMAP4rev1 STARTTLS', 'a1 OK');
      await reply(peer, /^a2 STARTTLS$/, 'a2 NO [UNAVAILABLE] TLS is broken today');
      await logout(peer);
    };
    const required = await serve(refusing);
    const r1 = await probeImap({ host: '127.0.0.1', port: required.port }, options({ starttls: 'required' }));
    await required.done;
    assert.equal(r1.error?.code, 'STARTTLS_REFUSED');
    assert.deepEqual(r1.error?.reply, { status: 'NO', responseCode: 'UNAVAILABLE', text: 'TLS is broken today' });

    const optional = await serve(refusing);
    const r2 = await probeImap({ host: '127.0.0.1', port: optional.port }, options());
    await optional.done;
    assert.equal(r2.ok, true, JSON.stringify(r2.error));
    assert.deepEqual(r2.warnings.map((w) => w.code), ['STARTTLS_REFUSED']);
    assert.ok(r2.skipped.some((s) => s.step === 'mailbox'));
  });

  it('STARTTLS not advertised with policy required: STARTTLS_UNAVAILABLE', async () => {
    const server = await serve(async (peer) => {
      peer.send('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready');
      await logout(peer);
    });
    const result = await probeImap({ host: '127.0.0.1', port: server.port }, options({ starttls: 'required' }));
    await server.done;
    assert.equal(result.error?.code, 'STARTTLS_UNAVAILABLE');
  });

  for (const [answer, code] of [
    ['NO [AUTHENTICATIONFAILED] Authentication failed.', 'AUTH_FAILED'],
    ['NO [UNAVAILABLE] Temporary authentication failure.', 'AUTH_TEMP_FAILURE'],
    ['NO [PRIVACYREQUIRED] Plaintext authentication disallowed', 'AUTH_ENCRYPTION_REQUIRED'],
    ['NO Login failed', 'AUTH_FAILED'],
    ['BAD Invalid base64', 'COMMAND_REJECTED'],
  ] as const) {
    it(`imaps: "${answer}" is ${code}, with evidence, and the probe still logs out`, async () => {
      const server = await serve(
        async (peer) => {
          peer.send('* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready');
          await reply(peer, /^a1 AUTHENTICATE PLAIN \S+$/, `a1 ${answer}`);
          await logout(peer);
        },
        { implicitTls: true },
      );
      const result = await probeImaps({ host: '127.0.0.1', port: server.port }, options({ credentials }));
      await server.done;
      assert.equal(result.error?.code, code);
      assert.equal(result.error?.phase, 'auth');
      assert.equal(result.error?.reply?.status, answer.split(' ')[0]);
      assert.equal(result.auth?.ok, false);
      assert.equal(result.phases.at(-1)?.name, 'quit');
      assertNoSecrets(result);
    });
  }

  it('literals: a STATUS mailbox name sent as a literal, arriving in pieces, is folded into the response', async () => {
    const server = await serve(
      async (peer) => {
        peer.send('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready');
        await reply(peer, /^a1 AUTHENTICATE/, 'a1 OK');
        await peer.expect(/^a2 STATUS INBOX \(MESSAGES\)$/);
        // An unrelated untagged response whose literal holds a bare LF, a CRLF and a fake tagged line: the
        // literal's bytes must be taken exactly as sent, whatever line framing already saw of them.
        peer.raw('* LIST () "/" {16}\r\nodd\na2 OK fake\r\n\r\n');
        peer.raw('* STATUS {5}\r\nIN');
        await new Promise((r) => setTimeout(r, 20));
        peer.raw('BOX (MESSAGES 7)\r\n');
        peer.send('a2 OK Status completed.');
        await logout(peer);
      },
      { implicitTls: true },
    );
    const result = await probeImaps({ host: '127.0.0.1', port: server.port }, options({ credentials }));
    await server.done;
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.deepEqual(result.mailbox, { messages: 7 });
    assert.ok(result.transcript.some((e) => e.dir === 'S' && e.line.startsWith('{literal, 5 bytes}')));
  });

  it('a literal announced larger than the reply cap is REPLY_TOO_LARGE before any of it is read', async () => {
    const server = await serve(
      async (peer) => {
        peer.send('* OK ready');
        await peer.expect(/^a1 CAPABILITY$/);
        peer.send(`* CAPABILITY {${MAX_REPLY_BYTES + 1}}`);
        await peer.next().catch(() => undefined);
      },
      { implicitTls: true },
    );
    const result = await probeImaps({ host: '127.0.0.1', port: server.port }, options());
    assert.equal(result.error?.code, 'REPLY_TOO_LARGE');
    assert.equal(result.error?.phase, 'capabilities');
  });

  it('BYE then a hang-up in the middle of a command: the BYE is the evidence', async () => {
    const server = await serve(
      async (peer) => {
        peer.send('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready');
        await peer.expect(/^a1 AUTHENTICATE/);
        peer.send('* BYE [UNAVAILABLE] Server shutting down');
        peer.end();
      },
      { implicitTls: true },
    );
    const result = await probeImaps({ host: '127.0.0.1', port: server.port }, options({ credentials }));
    assert.equal(result.error?.code, 'CONNECTION_CLOSED');
    assert.equal(result.error?.phase, 'auth');
    assert.deepEqual(result.error?.reply, { status: 'BYE', responseCode: 'UNAVAILABLE', text: 'Server shutting down' });
  });

  it('a STATUS refusal is COMMAND_REJECTED in the mailbox phase', async () => {
    const server = await serve(
      async (peer) => {
        peer.send('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] ready');
        await reply(peer, /^a1 AUTHENTICATE/, 'a1 OK');
        await reply(peer, /^a2 STATUS/, 'a2 NO [NONEXISTENT] Mailbox does not exist');
        await logout(peer);
      },
      { implicitTls: true },
    );
    const result = await probeImaps({ host: '127.0.0.1', port: server.port }, options({ credentials }));
    await server.done;
    assert.equal(result.error?.code, 'COMMAND_REJECTED');
    assert.equal(result.error?.phase, 'mailbox');
    assert.equal(result.error?.reply?.responseCode, 'NONEXISTENT');
  });

  it('credentials with CR, LF or NUL are a caller error, refused before dialling', async () => {
    for (const bad of [{ user: 'a', password: 'x\r\na2 DELETE INBOX' }, { user: 'a\nb', password: 'x' }, { user: 'a', password: 'x\0' }]) {
      await assert.rejects(probeImap({ host: '127.0.0.1', port: 1 }, { credentials: bad }), UsageError);
      await assert.rejects(probeImaps({ host: '127.0.0.1', port: 1 }, { credentials: bad }), UsageError);
    }
  });
});
