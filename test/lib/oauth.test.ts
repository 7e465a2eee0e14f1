import assert from 'node:assert/strict';
import { UsageError } from '../../src/lib/errors.js';
import { assertSendableToken, chooseOAuthMechanism, decodeOAuthChallenge, oauthDummyResponse, oauthInitialResponse } from '../../src/lib/oauth.js';
import { assertSendableCredentials } from '../../src/lib/probe-input.js';
import { Redactor } from '../../src/lib/redact.js';

describe('lib/oauth: SASL OAUTHBEARER (RFC 7628) and XOAUTH2', () => {
  it('OAUTHBEARER initial response: byte for byte the example of RFC 7628 §4.1', () => {
    const c = { user: 'user@example.com', oauthToken: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==' };
    assert.equal(
      oauthInitialResponse('OAUTHBEARER', c, 'server.example.com', 143),
      'bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB',
    );
  });

  it('XOAUTH2 initial response: byte for byte the example of Google’s XOAUTH2 protocol page', () => {
    const c = { user: 'someuser@example.com', oauthToken: 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg' };
    assert.equal(
      oauthInitialResponse('XOAUTH2', c, 'imap.gmail.com', 993),
      'dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==',
    );
  });

  it('escapes "=" and "," of the user name in the GS2 header (RFC 5801 saslname)', () => {
    const decoded = Buffer.from(oauthInitialResponse('OAUTHBEARER', { user: 'a,b=c', oauthToken: 't' }, 'h', 1), 'base64').toString();
    assert.ok(decoded.startsWith('n,a=a=2Cb=3Dc,\x01'), JSON.stringify(decoded));
  });

  it('the dummy reply after an error challenge: %x01 for OAUTHBEARER (§3.2.3), empty for XOAUTH2', () => {
    assert.equal(Buffer.from(oauthDummyResponse('OAUTHBEARER'), 'base64').toString('latin1'), '\x01');
    assert.equal(oauthDummyResponse('XOAUTH2'), '');
  });

  it('prefers the standard mechanism, and uses XOAUTH2 when that is all the server has', () => {
    assert.equal(chooseOAuthMechanism(['PLAIN', 'XOAUTH2', 'OAUTHBEARER']), 'OAUTHBEARER');
    assert.equal(chooseOAuthMechanism(['PLAIN', 'XOAUTH2']), 'XOAUTH2');
    assert.equal(chooseOAuthMechanism(['PLAIN', 'LOGIN']), undefined);
  });

  it('decodes the error challenge of RFC 7628 §3.2.2, as untrusted data', () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    assert.deepEqual(decodeOAuthChallenge(b64('{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}')), {
      raw: '{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}',
      status: 'invalid_token',
      scope: 'example_scope',
      openidConfiguration: 'https://example.com/.well-known/openid-configuration',
    });
    // Not JSON, control bytes, a non-string status, an endless challenge: kept printable and bounded, never thrown.
    assert.deepEqual(decodeOAuthChallenge(b64('nope\x1b[2J')), { raw: 'nope\\x1b[2J' });
    assert.deepEqual(decodeOAuthChallenge(b64('{"status":401}')), { raw: '{"status":401}' });
    assert.equal(decodeOAuthChallenge(b64('{"status":"x\\u001b[31m"}')).status, 'x\\x1b[31m');
    assert.ok(decodeOAuthChallenge(b64(`{"status":"${'a'.repeat(100_000)}"}`)).raw.length < 300);
  });

  it('refuses what is not a bearer token (RFC 6750 §2.1 b64token) before anything is dialled', () => {
    for (const ok of ['ya29.a0AfH6SM-x_y~z+/', 'eyJ0eXAi.eyJhdWQi.sig==']) assertSendableToken(ok);
    for (const bad of ['', 'two words', 'line\r\nbreak', '{"access_token":"x"}', 'a=b', 'x'.repeat(20_000)]) {
      assert.throws(() => assertSendableToken(bad), UsageError, JSON.stringify(bad.slice(0, 20)));
    }
    assert.throws(() => assertSendableCredentials({ user: 'a\x01auth=Bearer forged', oauthToken: 'ok' }), UsageError);
    assert.throws(() => assertSendableCredentials({ user: 'a', oauthToken: 'not a token' }), UsageError);
    assertSendableCredentials({ user: 'a@example.test', oauthToken: 'ok.token' });
  });

  it('a probe scrubs an echoed token in every form it travels in: raw, base64, the OAUTHBEARER and XOAUTH2 messages', () => {
    const c = { user: 'alice@example.test', oauthToken: 'ya29.a0-echoed_token' };
    const r = Redactor.forCredentials(c, '<redacted>', { host: 'imap.example.test', port: 993 });
    const echoes = [c.oauthToken, Buffer.from(c.oauthToken).toString('base64'), oauthInitialResponse('OAUTHBEARER', c, 'imap.example.test', 993), oauthInitialResponse('XOAUTH2', c, 'x', 1)];
    for (const e of echoes) assert.equal(r.redact(`NO server said ${e} here`), 'NO server said <redacted> here');
  });
});
