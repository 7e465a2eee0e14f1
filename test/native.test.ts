/**
 * The native tier: the shared conformance suite against real Postfix and Dovecot started on loopback by the
 * harness. The container tier (test/containers/conformance.test.ts) runs the same suite against containers.
 */
import { imapConformance } from './helpers/conformance/imap.js';
import { pop3Conformance } from './helpers/conformance/pop3.js';
import { smtpConformance } from './helpers/conformance/smtp.js';
import { useNativeBackend } from './helpers/harness/mocha.js';

describe('conformance: native Postfix + Dovecot', () => {
  const backend = useNativeBackend();
  smtpConformance(backend);
  pop3Conformance(backend);
  imapConformance(backend);
});
