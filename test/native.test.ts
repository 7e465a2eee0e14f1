/**
 * The native tier: the shared conformance suite against real Postfix and Dovecot started on loopback by the
 * harness. The container tier (test/containers/conformance.test.ts) runs the same suite against containers.
 */
import { imapConformance } from './conformance/imap.js';
import { pop3Conformance } from './conformance/pop3.js';
import { smtpConformance } from './conformance/smtp.js';
import { useNativeBackend } from './harness/mocha.js';

describe('conformance: native Postfix + Dovecot', () => {
  const backend = useNativeBackend();
  smtpConformance(backend);
  pop3Conformance(backend);
  imapConformance(backend);
});
