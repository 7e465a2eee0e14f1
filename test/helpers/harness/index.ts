/** The real-server test harness: see backend.ts for the overview and mocha.ts for the usual entry point. */
export {
  startNativeBackend, NATIVE_LISTEN_ADDRESS, NATIVE_LOCALHOST_ADDRESS, NATIVE_RELAY_CLIENT_ADDRESS, NATIVE_MAIL_DOMAIN,
  type Endpoint, type MailUser, type MailBackend, type NativeBackendOptions,
} from './backend.js';
export { useNativeBackend } from './mocha.js';
export {
  testCertificates, DEFAULT_CERT_NAMES, DEFAULT_CERT_IPS, WRONG_CERT_NAME,
  type TestCertificates, type PemFiles, type CertificateKind, type CertificateOptions,
} from '../certs.js';
export { freePort, freePorts } from '../ports.js';
export { startDovecot, type DovecotInstance, type DovecotOptions, type DovecotUser } from './dovecot.js';
export { startPostfix, type PostfixInstance, type PostfixOptions, type PostfixMailbox } from './postfix.js';
