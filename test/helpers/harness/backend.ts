/**
 * The mail backend the probes' tests run against: one provider with MTA, submission, SMTPS, POP3(S)
 * and IMAP(S), reached over loopback. `startNativeBackend()` runs real Postfix and Dovecot on this
 * machine; a container implementation can provide the same interface.
 *
 * Where the native backend listens, and why:
 * - Every endpoint is on 127.0.0.3 ({@link NATIVE_LISTEN_ADDRESS}). A client connecting there from the
 *   default source 127.0.0.1 is "remote" to Dovecot, so Dovecot applies its real policy: IMAP advertises
 *   LOGINDISABLED and POP3 refuses USER before STARTTLS/STLS. (Dovecot treats a connection whose local
 *   and remote addresses are equal as secure; on 127.0.0.1 -> 127.0.0.1 that policy would not show.)
 * - The same ports also listen on 127.0.0.1, so `tlsName` ('localhost') resolves to the servers. Through
 *   127.0.0.1 Dovecot sees a "secure" local client: use the endpoints' host for real-world behaviour.
 * - Postfix relays without AUTH only for mynetworks = 127.0.0.2/32 ({@link NATIVE_RELAY_CLIENT_ADDRESS}):
 *   a client on 127.0.0.1 gets `554 5.7.1 <rcpt>: Relay access denied`; one bound to 127.0.0.2 gets 250.
 * - Mail accepted for other domains is never delivered: it stays in the queue (see main.cf.tmpl).
 *
 * Always stop it from a mocha `after` hook (or use `useNativeBackend()` from ./mocha.js) so that a failed
 * test still cleans up; a process exit or SIGINT/SIGTERM also kills the servers as a last resort.
 */
import { testCertificates, type CertificateKind } from '../certs.js';
import { randomPassword, startDovecot, type DovecotInstance } from './dovecot.js';
import { startIntrospection, type IntrospectionServer } from './oauth.js';
import { startPostfix, type PostfixInstance } from './postfix.js';

export interface Endpoint { host: string; port: number }
export interface MailUser { user: string; password: string; address: string }
export interface MailBackend {
  name: string;                 // 'native' | 'containers'
  ca: string;                   // PEM of the CA that signed the servers' certificates
  tlsName: string;              // a DNS name the valid certificate covers and that resolves to the servers (use 'localhost')
  smtp: Endpoint;               // MTA (25-like): no AUTH, relays only for mynetworks
  submission: Endpoint;         // 587-like: STARTTLS required, AUTH PLAIN/LOGIN through Dovecot SASL
  smtps: Endpoint;              // 465-like: implicit TLS + AUTH
  pop3: Endpoint; pop3s: Endpoint; imap: Endpoint; imaps: Endpoint;
  users: MailUser[];            // at least one user with a known password; address like 'alice@example.test'
  relayClientAddress?: string;  // a local address to bind the client to so that it is inside mynetworks (127.0.0.2 natively)
  deliver(user: string, rfc822: string): Promise<void>;
  queuedMessages(): Promise<number>;
  stop(): Promise<void>;
  // ---- optional extras (native backend) ----
  /** Messages in a user's mailbox (default INBOX). */
  messageCount?(user: string, mailbox?: string): Promise<number>;
  /** The servers' log files, for failure messages. */
  logs?(): Promise<{ postfix: string; dovecot: string }>;
  /** The underlying instances, for tests that need more (config paths, PIDs). */
  native?: { postfix: PostfixInstance; dovecot: DovecotInstance };
  /** With `oauth2: true`: the introspection endpoint that issues the tokens the servers accept. */
  oauth?: IntrospectionServer;
}

/** Where the native servers listen (see the module comment for why not 127.0.0.1). */
export const NATIVE_LISTEN_ADDRESS = '127.0.0.3';
/** Also listened on, with the same ports, so that 'localhost' reaches the servers. */
export const NATIVE_LOCALHOST_ADDRESS = '127.0.0.1';
/** A client bound to this address is inside Postfix's mynetworks. */
export const NATIVE_RELAY_CLIENT_ADDRESS = '127.0.0.2';
/** The provider's mail domain. */
export const NATIVE_MAIL_DOMAIN = 'example.test';

export interface NativeBackendOptions {
  /** Login names; each gets a random password and `<user>@example.test`. @default ['alice', 'bob'] */
  userNames?: string[];
  /** Certificate both servers present. @default 'valid' */
  certificate?: CertificateKind | { certFile: string; keyFile: string };
  /** Postfix mynetworks. @default ['127.0.0.2/32'] */
  mynetworks?: string[];
  /**
   * Also accept OAuth2 bearer tokens on every port, issued by `oauth.issue(user)`: XOAUTH2 and OAUTHBEARER, or
   * only the mechanisms listed.
   */
  oauth2?: boolean | { mechanisms: Array<'xoauth2' | 'oauthbearer'> };
}

export async function startNativeBackend(options: NativeBackendOptions = {}): Promise<MailBackend> {
  const listen = { listenAddress: NATIVE_LISTEN_ADDRESS, extraListenAddresses: [NATIVE_LOCALHOST_ADDRESS] };
  const certs = await testCertificates({ extraNames: [NATIVE_LISTEN_ADDRESS, NATIVE_LOCALHOST_ADDRESS] });
  const users: MailUser[] = (options.userNames ?? ['alice', 'bob']).map((user) => ({
    user, password: randomPassword(), address: `${user}@${NATIVE_MAIL_DOMAIN}`,
  }));

  const oauth = options.oauth2 ? await startIntrospection() : undefined;
  let dovecot: DovecotInstance;
  try {
    const mechanisms = typeof options.oauth2 === 'object' ? { oauth2Mechanisms: options.oauth2.mechanisms } : {};
    dovecot = await startDovecot({ ...listen, users, certificate: options.certificate, ...(oauth ? { oauth2IntrospectionUrl: oauth.url, ...mechanisms } : {}) });
  } catch (err) {
    await oauth?.stop();
    throw err;
  }
  let postfix: PostfixInstance;
  try {
    postfix = await startPostfix({
      ...listen,
      certificate: options.certificate,
      submission: true,
      smtps: true,
      saslSocket: dovecot.authSocket,
      mynetworks: options.mynetworks ?? [`${NATIVE_RELAY_CLIENT_ADDRESS}/32`],
      myhostname: `mail.${NATIVE_MAIL_DOMAIN}`,
      mydomain: NATIVE_MAIL_DOMAIN,
      mailboxes: users.map((u) => ({ address: u.address, maildir: `${u.user}/Maildir/` })),
      mailboxBase: dovecot.mailRoot,
    });
  } catch (err) {
    await dovecot.stop().catch(() => undefined);
    await oauth?.stop();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    name: 'native',
    ca: certs.ca.cert,
    tlsName: 'localhost',
    smtp: postfix.smtp,
    submission: postfix.submission!,
    smtps: postfix.smtps!,
    pop3: dovecot.pop3,
    pop3s: dovecot.pop3s,
    imap: dovecot.imap,
    imaps: dovecot.imaps,
    users,
    relayClientAddress: NATIVE_RELAY_CLIENT_ADDRESS,
    deliver: (user, rfc822) => dovecot.deliver(user, rfc822),
    queuedMessages: () => postfix.queuedMessages(),
    messageCount: (user, mailbox) => dovecot.messageCount(user, mailbox),
    logs: async () => ({ postfix: await postfix.log(), dovecot: await dovecot.log() }),
    native: { postfix, dovecot },
    ...(oauth ? { oauth } : {}),
    stop: () => (stopping ??= (async () => {
      const results = await Promise.allSettled([postfix.stop(), dovecot.stop(), oauth?.stop()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    })()),
  };
}
