/**
 * The IMAP probes against a real Dovecot (any MailBackend: native or containers). Declares mocha blocks; the
 * tier's test file calls `imapConformance(() => backend)` inside its own `describe` once the backend is up.
 *
 * Mailbox counts are checked as differences (before and after this suite delivers), so that other suites may
 * share the backend and its users.
 */
import assert from 'node:assert/strict';
import type { ProbeOptions, ProbeResult } from '../../../src/lib/types.js';
import { probeImap } from '../../../src/probes/imap.js';
import { probeImaps } from '../../../src/probes/imaps.js';
import type { MailBackend } from '../harness/backend.js';
import { assertNoSecret, backendOptions, explain, testMessage } from './common.js';

/** Messages this suite delivers before counting. */
const DELIVERED = 2;

export function imapConformance(getBackend: () => MailBackend): void {
  describe('imap / imaps against Dovecot', () => {
    let backend: MailBackend;
    let user: MailBackend['users'][number];
    let initial = 0;

    const options = (extra: Partial<ProbeOptions> = {}): Partial<ProbeOptions> => backendOptions(backend, user, extra);
    const assertClean = (result: ProbeResult): void => assertNoSecret(result, user);

    before(async () => {
      backend = getBackend();
      user = backend.users[0]!;
      const first = await probeImaps(backend.imaps, options());
      assert.equal(first.ok, true, explain(first));
      initial = first.mailbox!.messages;
      for (let i = 1; i <= DELIVERED; i++) await backend.deliver(user.user, testMessage(user.address, `imap conformance ${i}`));
    });

    it('plain port, STARTTLS required: upgrades, asks CAPABILITY again, logs in, STATUS counts the delivered messages', async () => {
      const result = await probeImap(backend.imap, options({ starttls: 'required' }));
      assert.equal(result.ok, true, explain(result));
      assert.equal(result.security, 'starttls');
      assert.equal(result.tls?.mode, 'starttls');
      assert.equal(result.tls?.trusted, true);
      assert.equal(result.tls?.hostnameMatch, true);
      assert.ok(result.capabilitiesBeforeTls?.includes('STARTTLS'), 'STARTTLS advertised before TLS');
      assert.ok(!result.capabilities.includes('STARTTLS'), 'capabilities are the post-TLS ones');
      assert.ok(!result.capabilities.includes('LOGINDISABLED'), 'login allowed over TLS');
      assert.ok(result.auth?.mechanisms.includes('PLAIN'));
      assert.equal(result.auth?.mechanism, 'PLAIN');
      assert.equal(result.auth?.ok, true);
      assert.equal(result.mailbox?.messages, initial + DELIVERED);
      assert.ok(!result.phases.some((p) => !p.ok), 'every phase passed');
      // Dovecot puts its capabilities in the greeting: the probe must not have asked for them before TLS.
      const beforeTls = result.transcript.slice(0, result.transcript.findIndex((e) => e.dir === 'I' && e.line.startsWith('TLS ')));
      assert.ok(!beforeTls.some((e) => e.dir === 'C' && / CAPABILITY$/.test(e.line)), 'no CAPABILITY before TLS');
      assert.ok(result.transcript.some((e) => e.dir === 'C' && / CAPABILITY$/.test(e.line)), 'CAPABILITY asked again after TLS');
      assertClean(result);
    });

    it('plain port, STARTTLS optional: upgrades when the server offers it', async () => {
      const result = await probeImap(backend.imap, options({ starttls: 'optional' }));
      assert.equal(result.ok, true, explain(result));
      assert.equal(result.security, 'starttls');
      assert.equal(result.mailbox?.messages, initial + DELIVERED);
      assertClean(result);
    });

    it('implicit TLS (imaps): logs in, STATUS counts the delivered messages', async () => {
      const result = await probeImaps(backend.imaps, options());
      assert.equal(result.ok, true, explain(result));
      assert.equal(result.security, 'tls');
      assert.equal(result.tls?.mode, 'implicit');
      assert.equal(result.mailbox?.messages, initial + DELIVERED);
      // The backend's own count, when it can tell (doveadm natively).
      if (backend.messageCount) assert.equal(result.mailbox?.messages, await backend.messageCount(user.user));
      assertClean(result);
    });

    it('a wrong password: AUTH_FAILED in the auth phase, with [AUTHENTICATIONFAILED] as evidence, LOGOUT still said', async () => {
      const result = await probeImaps(backend.imaps, options({ credentials: { user: user.user, password: `${user.password}-wrong` } }));
      assert.equal(result.error?.code, 'AUTH_FAILED', explain(result));
      assert.equal(result.error?.phase, 'auth');
      assert.equal(result.error?.reply?.status, 'NO');
      assert.equal(result.error?.reply?.responseCode, 'AUTHENTICATIONFAILED');
      assert.equal(result.auth?.ok, false);
      assert.equal(result.phases.at(-1)?.name, 'quit');
      assert.ok(!JSON.stringify(result).includes(`${user.password}-wrong`));
    });

    it('plaintext with STARTTLS never: no credentials sent (AUTH_ENCRYPTION_REQUIRED on LOGINDISABLED, else AUTH_PLAINTEXT_REFUSED)', async () => {
      const result = await probeImap(backend.imap, options({ starttls: 'never' }));
      assert.equal(result.security, 'plain');
      // Dovecot's disable_plaintext_auth advertises LOGINDISABLED before TLS, except for connections it
      // considers secure (local address equal to the remote one).
      const loginDisabled = result.capabilities.includes('LOGINDISABLED');
      assert.equal(result.error?.code, loginDisabled ? 'AUTH_ENCRYPTION_REQUIRED' : 'AUTH_PLAINTEXT_REFUSED', explain(result));
      assert.equal(result.auth?.attempted, false);
      assert.ok(!result.transcript.some((e) => e.dir === 'C' && /^a\d+ (LOGIN|AUTHENTICATE)\b/.test(e.line)), 'no login command sent');
      assertClean(result);
    });

    it('no credentials: capabilities only, the mailbox step reported as skipped', async () => {
      const result = await probeImap(backend.imap, { ca: backend.ca, servername: backend.tlsName });
      assert.equal(result.ok, true, explain(result));
      assert.equal(result.auth?.attempted, false);
      assert.equal(result.mailbox, undefined);
      assert.ok(result.skipped.some((s) => s.step === 'mailbox'));
    });
  });
}

