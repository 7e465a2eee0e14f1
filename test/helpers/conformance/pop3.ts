/**
 * The POP3 probes against a real Dovecot (any MailBackend: native or containers). Declares mocha blocks; the
 * tier's test file calls `pop3Conformance(() => backend)` inside its own `describe` once the backend is up.
 *
 * Mailbox counts are checked as differences (before and after this suite delivers), so that other suites may
 * share the backend and its users.
 */
import assert from 'node:assert/strict';
import type { ProbeOptions, ProbeResult } from '../../../src/lib/types.js';
import { probePop3 } from '../../../src/probes/pop3.js';
import { probePop3s } from '../../../src/probes/pop3s.js';
import type { MailBackend } from '../harness/backend.js';
import { assertNoSecret, backendOptions, explain, testMessage } from './common.js';

/** Messages this suite delivers before counting. */
const DELIVERED = 2;

export function pop3Conformance(getBackend: () => MailBackend): void {
  describe('pop3 / pop3s against Dovecot', () => {
    let backend: MailBackend;
    let user: MailBackend['users'][number];
    let initial = 0;

    const options = (extra: Partial<ProbeOptions> = {}): Partial<ProbeOptions> => backendOptions(backend, user, extra);
    const assertClean = (result: ProbeResult): void => assertNoSecret(result, user);

    before(async () => {
      backend = getBackend();
      user = backend.users[0]!;
      const first = await probePop3s(backend.pop3s, options());
      assert.equal(first.ok, true, explain(first));
      initial = first.mailbox!.messages;
      for (let i = 1; i <= DELIVERED; i++) await backend.deliver(user.user, testMessage(user.address, `pop3 conformance ${i}`));
    });

    it('plain port, STARTTLS required: upgrades, asks CAPA again, logs in, STAT counts the delivered messages', async () => {
      const result = await probePop3(backend.pop3, options({ starttls: 'required' }));
      assert.equal(result.ok, true, explain(result));
      assert.equal(result.security, 'starttls');
      assert.equal(result.tls?.mode, 'starttls');
      assert.equal(result.tls?.trusted, true);
      assert.equal(result.tls?.hostnameMatch, true);
      assert.ok(result.capabilitiesBeforeTls?.includes('STLS'), 'STLS advertised before TLS');
      assert.ok(!result.capabilities.includes('STLS'), 'capabilities are the post-TLS ones');
      assert.ok(result.auth?.mechanisms.includes('PLAIN'));
      assert.equal(result.auth?.ok, true);
      assert.equal(result.mailbox?.messages, initial + DELIVERED);
      assert.ok((result.mailbox?.octets ?? 0) > 0);
      assert.ok(!result.phases.some((p) => !p.ok), 'every phase passed');
      assertClean(result);
    });

    it('plain port, STARTTLS optional: upgrades when the server offers it', async () => {
      const result = await probePop3(backend.pop3, options({ starttls: 'optional' }));
      assert.equal(result.ok, true, explain(result));
      assert.equal(result.security, 'starttls');
      assert.equal(result.mailbox?.messages, initial + DELIVERED);
      assertClean(result);
    });

    it('implicit TLS (pop3s): logs in, STAT counts the delivered messages', async () => {
      const result = await probePop3s(backend.pop3s, options());
      assert.equal(result.ok, true, explain(result));
      assert.equal(result.security, 'tls');
      assert.equal(result.tls?.mode, 'implicit');
      assert.equal(result.mailbox?.messages, initial + DELIVERED);
      // The backend's own count, when it can tell (doveadm natively).
      if (backend.messageCount) assert.equal(result.mailbox?.messages, await backend.messageCount(user.user));
      assertClean(result);
    });

    it('a wrong password: AUTH_FAILED in the auth phase, with the server reply, QUIT still said', async () => {
      const result = await probePop3s(backend.pop3s, options({ credentials: { user: user.user, password: `${user.password}-wrong` } }));
      assert.equal(result.error?.code, 'AUTH_FAILED', explain(result));
      assert.equal(result.error?.phase, 'auth');
      assert.equal(result.error?.reply?.status, '-ERR');
      assert.equal(result.auth?.attempted, true);
      assert.equal(result.auth?.ok, false);
      assert.equal(result.phases.at(-1)?.name, 'quit');
      assert.ok(!JSON.stringify(result).includes(`${user.password}-wrong`));
    });

    it('plaintext with STARTTLS never: no credentials sent (AUTH_PLAINTEXT_REFUSED, or AUTH_ENCRYPTION_REQUIRED when Dovecot hides password logins)', async () => {
      const result = await probePop3(backend.pop3, options({ starttls: 'never' }));
      assert.equal(result.security, 'plain');
      // Dovecot's disable_plaintext_auth lists neither USER nor SASL PLAIN before TLS, except for connections
      // it considers secure (local address equal to the remote one).
      const offersPassword = result.auth?.mechanisms.some((m) => m === 'USER' || m === 'PLAIN');
      assert.equal(result.error?.code, offersPassword ? 'AUTH_PLAINTEXT_REFUSED' : 'AUTH_ENCRYPTION_REQUIRED', explain(result));
      assert.equal(result.auth?.attempted, false);
      assert.ok(!result.transcript.some((e) => e.dir === 'C' && /^(USER|PASS|AUTH)\b/.test(e.line)), 'no login command sent');
      assertClean(result);
    });

    it('no credentials: capabilities only, the mailbox step reported as skipped', async () => {
      const result = await probePop3(backend.pop3, { ca: backend.ca, servername: backend.tlsName });
      assert.equal(result.ok, true, explain(result));
      assert.equal(result.auth?.attempted, false);
      assert.equal(result.mailbox, undefined);
      assert.ok(result.skipped.some((s) => s.step === 'mailbox'));
    });
  });
}

