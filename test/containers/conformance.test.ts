/**
 * The container tier: the same conformance suite as the native tier (test/native.test.ts), against Dovecot
 * and Postfix running as containers through testcontainers. Skipped with the reason where Docker or the
 * images are absent; MAILDOCTOR_REQUIRE_CONTAINERS=1 (CI) makes that a failure.
 */
import { imapConformance } from '../conformance/imap.js';
import { pop3Conformance } from '../conformance/pop3.js';
import { smtpConformance } from '../conformance/smtp.js';
import { startContainerBackend, type ContainerMailBackend } from './backend.js';
import { containerTierUnavailable } from './runtime.js';

describe('conformance: Postfix + Dovecot containers (testcontainers)', function () {
  let backend: ContainerMailBackend | undefined;
  before(async function () {
    const reason = await containerTierUnavailable();
    if (reason) {
      if (process.env.MAILDOCTOR_REQUIRE_CONTAINERS === '1') throw new Error(reason);
      console.warn(`    skipping the container tier: ${reason}`);
      this.skip();
    }
    backend = await startContainerBackend();
  });
  after(async () => {
    await backend?.stop();
  });
  const get = (): ContainerMailBackend => {
    if (!backend) throw new Error('container backend not started');
    return backend;
  };
  smtpConformance(get);
  pop3Conformance(get);
  imapConformance(get);
});
