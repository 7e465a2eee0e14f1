/**
 * Mailpit module: runs only where the Mailpit image is already present
 * locally (it is never pulled); skipped with the reason otherwise, unless
 * MAILDOCTOR_REQUIRE_MAILPIT=1 makes its absence a failure.
 */
import assert from 'node:assert/strict';
import { mailpitAvailable, mailpitEnvironment, startMailpit, type StartedMailpit } from '../helpers/containers/mailpit.js';
import { LineClient } from '../helpers/containers/wire.js';

describe('mailpit module', function () {
  it('maps options to Mailpit environment variables', function () {
    const env = mailpitEnvironment({ auth: 'accept-any', allowedRecipients: '@example\\.test$' });
    assert.equal(env.MP_SMTP_AUTH_ACCEPT_ANY, 'true');
    assert.equal(env.MP_SMTP_AUTH_ALLOW_INSECURE, 'true'); // no TLS given: AUTH over plaintext
    assert.equal(env.MP_SMTP_ALLOWED_RECIPIENTS, '@example\\.test$');
    const listed = mailpitEnvironment({ auth: [{ user: 'a', password: 'b' }], tls: { cert: 'C', key: 'K' } });
    assert.equal(listed.MP_SMTP_AUTH, 'a:b');
    assert.equal(listed.MP_SMTP_AUTH_ALLOW_INSECURE, undefined);
    assert.equal(listed.MP_SMTP_TLS_CERT, '/etc/mailpit/cert.pem');
  });

  describe('in a container', function () {
    let mailpit: StartedMailpit | undefined;

    before(async function () {
      const availability = await mailpitAvailable();
      if (!availability.available) {
        if (process.env.MAILDOCTOR_REQUIRE_MAILPIT === '1') throw new Error(availability.reason);
        console.warn(`    skipping Mailpit: ${availability.reason}`);
        this.skip();
      }
      mailpit = await startMailpit({ auth: 'accept-any', allowedRecipients: '@example\\.test$' });
    });

    after(async function () {
      await mailpit?.stop();
    });

    it('accepts any AUTH, rejects recipients outside the allow-list, captures the message', async function () {
      const c = await LineClient.plain(mailpit!.smtp);
      try {
        assert.equal((await c.smtpReply()).code, 220);
        assert.equal((await c.smtp('EHLO client.example.test')).code, 250);
        const auth = Buffer.from('\0anyone\0anything').toString('base64');
        assert.equal((await c.smtp(`AUTH PLAIN ${auth}`)).code, 235);
        assert.equal((await c.smtp('MAIL FROM:<sender@example.org>')).code, 250);
        assert.ok((await c.smtp('RCPT TO:<someone@example.net>')).code >= 500, 'recipient outside the allow-list');
        assert.equal((await c.smtp('RCPT TO:<someone@example.test>')).code, 250);
        assert.equal((await c.smtp('DATA')).code, 354);
        c.send('Subject: mailpit smoke\r\n\r\nhello\r\n.');
        assert.equal((await c.smtpReply()).code, 250);
      } finally {
        c.close();
      }
      assert.equal(await mailpit!.messageCount(), 1);
    });
  });
});
