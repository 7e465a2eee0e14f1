/** Pieces the POP3 and IMAP conformance suites share. */
import assert from 'node:assert/strict';
import type { ProbeOptions, ProbeResult } from '../../../src/lib/types.js';
import type { MailBackend, MailUser } from '../harness/backend.js';

/** Dial the endpoint's address, check the certificate against the backend's CA for its TLS name, log in as `user`. */
export function backendOptions(backend: MailBackend, user: MailUser, extra: Partial<ProbeOptions> = {}): Partial<ProbeOptions> {
  return { ca: backend.ca, servername: backend.tlsName, credentials: { user: user.user, password: user.password }, ...extra };
}

/** Neither the password nor the PLAIN response (its base64 form) may appear anywhere in a result. */
export function assertNoSecret(result: ProbeResult, user: MailUser): void {
  const json = JSON.stringify(result);
  assert.ok(!json.includes(user.password), 'the password leaked into the result');
  assert.ok(!json.includes(Buffer.from(`\0${user.user}\0${user.password}`).toString('base64')), 'the PLAIN response leaked into the result');
}

/** A failed assertion's message: the error and the transcript. */
export function explain(result: ProbeResult): string {
  return `${JSON.stringify(result.error)}\n${result.transcript.map((e) => `${e.dir}: ${e.line}`).join('\n')}`;
}

/** A small RFC 5322 message to deliver before counting. */
export function testMessage(to: string, subject: string): string {
  return [
    'From: maildoctor tests <tests@example.test>',
    `To: ${to}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${Date.now()}.${Math.random().toString(36).slice(2)}@example.test>`,
    '',
    'A message delivered by the conformance suite.',
    '',
  ].join('\r\n');
}
