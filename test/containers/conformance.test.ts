/**
 * The container tier: the same conformance suite as the native tier (test/native.test.ts), against Dovecot
 * and Postfix running as containers through testcontainers. Skipped with the reason where Docker or the
 * images are absent; MAILDOCTOR_REQUIRE_CONTAINERS=1 (CI) makes that a failure.
 */
import { imapConformance } from '../helpers/conformance/imap.js';
import { pop3Conformance } from '../helpers/conformance/pop3.js';
import { smtpConformance } from '../helpers/conformance/smtp.js';
import { startContainerBackend, type ContainerMailBackend } from '../helpers/containers/backend.js';
import { containerTierUnavailable } from '../helpers/containers/runtime.js';

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
