/**
 * A real Dovecot 2.3 (IMAP, IMAPS, POP3, POP3S) from `fixtures/dovecot/dovecot.conf.tmpl`, on ports
 * chosen at run time, in a temp dir of its own. See {@link startDovecot}.
 */
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, readFile, writeFile, access } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Endpoint } from './backend.js';
import { resolveCertificate, type CertificateKind } from '../certs.js';
import { Daemon, makeRunDir, once, removeRunDir, retryPortRace, tail } from './daemon.js';
import { freePorts } from '../ports.js';
import { renderFixture } from './template.js';

const run = promisify(execFile);

/** Local delivery agent of Debian's dovecot-core. */
export const DOVECOT_LDA = '/usr/lib/dovecot/dovecot-lda';
/** uid/gid of the mail users: no /etc/passwd entry needed, above Dovecot's first_valid_uid default (500). */
export const DEFAULT_MAIL_UID = 5000;
/** Attempts when a run-time-chosen port was taken between allocation and the daemon's bind. */

export interface DovecotUser {
  /** Login name; `user@any.domain` also logs in as `user`. */
  user: string;
  password: string;
}

export interface DovecotPorts { imap: number; imaps: number; pop3: number; pop3s: number }

export interface DovecotOptions {
  /** @default [{ user: 'alice', password: <random> }] */
  users?: DovecotUser[];
  /**
   * Address the listeners bind to and the endpoints report. Keep it different from the client's source
   * address (127.0.0.1 for loopback destinations) to see LOGINDISABLED: Dovecot treats a connection
   * whose local and remote addresses are equal as secure.
   * @default '127.0.0.1'
   */
  listenAddress?: string;
  /** More addresses to listen on with the same ports (e.g. '127.0.0.1' so 'localhost' reaches the server). */
  extraListenAddresses?: string[];
  /** Run the daemon inside this existing network namespace (`ip netns exec NAME`). */
  netns?: string;
  /** Explicit ports; the rest are chosen at run time. */
  ports?: Partial<DovecotPorts>;
  /** Server certificate: a kind from certs.ts or your own files. @default 'valid' */
  certificate?: CertificateKind | { certFile: string; keyFile: string };
  /** @default 5000 */
  mailUid?: number;
  /** Dovecot's auth_failure_delay. @default 0 (Dovecot's own default is 2 s) */
  authFailureDelaySeconds?: number;
  /**
   * Keep Dovecot's per-IP auth penalty (later logins from an IP that failed are delayed 4 s, 8 s, ...
   * up to 15 s). @default false: all test clients share 127.0.0.1
   */
  authPenalty?: boolean;
  /** Owner of the SASL auth socket (the Postfix smtpd user). @default 'postfix' */
  saslClientUser?: string;
  /**
   * Also accept OAuth2 bearer tokens (XOAUTH2, OAUTHBEARER), checked by POSTing them to this RFC 7662
   * introspection URL (see oauth.ts). Passwords keep working with PLAIN and LOGIN.
   */
  oauth2IntrospectionUrl?: string;
  /** The OAuth2 mechanisms offered with `oauth2IntrospectionUrl`. @default ['xoauth2', 'oauthbearer'] */
  oauth2Mechanisms?: Array<'xoauth2' | 'oauthbearer'>;
}

export interface DovecotInstance {
  imap: Endpoint;
  imaps: Endpoint;
  pop3: Endpoint;
  pop3s: Endpoint;
  listenAddresses: string[];
  users: DovecotUser[];
  /** Absolute path of the SASL auth socket for Postfix (`smtpd_sasl_path`). */
  authSocket: string;
  configFile: string;
  logFile: string;
  runDir: string;
  /** Directory holding each user's home (`<mailRoot>/<user>/Maildir/`), owned by the mail uid. */
  mailRoot: string;
  /** Host PID of the Dovecot master. */
  pid: number;
  /** Delivers an RFC 822 message into the user's INBOX through dovecot-lda. */
  deliver(user: string, rfc822: string): Promise<void>;
  /** Number of messages in a mailbox, from `doveadm mailbox status`. */
  messageCount(user: string, mailbox?: string): Promise<number>;
  log(): Promise<string>;
  /** Stops Dovecot, checks no process of it is left, removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export function randomPassword(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * Starts Dovecot and resolves once every listener is bound and the auth socket exists.
 *
 * Use from mocha hooks so a failing test still cleans up:
 * ```ts
 * let dovecot: DovecotInstance;
 * before(async () => { dovecot = await startDovecot(); });
 * after(async () => { await dovecot?.stop(); });
 * ```
 */
export async function startDovecot(options: DovecotOptions = {}): Promise<DovecotInstance> {
  return retryPortRace(() => startOnce(options), Boolean(options.ports));
}

async function startOnce(options: DovecotOptions): Promise<DovecotInstance> {
  const listenAddress = options.listenAddress ?? '127.0.0.1';
  const listenAddresses = [...new Set([listenAddress, ...(options.extraListenAddresses ?? [])])];
  const users = options.users ?? [{ user: 'alice', password: randomPassword() }];
  const uid = options.mailUid ?? DEFAULT_MAIL_UID;
  const saslUser = options.saslClientUser ?? 'postfix';

  const names = ['imap', 'imaps', 'pop3', 'pop3s'] as const;
  const missing = names.filter((n) => options.ports?.[n] === undefined);
  // In another network namespace the host's free ports say little; a fresh namespace has none in use.
  const found = await freePorts(missing.length, options.netns ? ['127.0.0.1'] : listenAddresses);
  const ports = { ...options.ports } as DovecotPorts;
  missing.forEach((n, i) => { ports[n] = found[i]!; });

  const cert = await resolveCertificate(options.certificate, listenAddresses);
  const runDir = makeRunDir('dovecot');
  const paths = {
    base: join(runDir, 'base'),
    state: join(runDir, 'state'),
    mail: join(runDir, 'mail'),
    passwd: join(runDir, 'passwd'),
    config: join(runDir, 'dovecot.conf'),
    log: join(runDir, 'dovecot.log'),
    authSocket: join(runDir, 'auth-client'),
    oauth2: join(runDir, 'dovecot-oauth2.conf.ext'),
  };
  let daemon: Daemon | undefined;
  try {
    await Promise.all([mkdir(paths.base, { mode: 0o755 }), mkdir(paths.state), mkdir(paths.mail, { mode: 0o755 })]);
    const lines: string[] = [];
    for (const u of users) {
      if (!/^[A-Za-z0-9._-]+$/.test(u.user) || /[:\n]/.test(u.password)) throw new Error(`bad test user ${u.user}`);
      const home = join(paths.mail, u.user);
      await mkdir(home, { mode: 0o700 });
      await chown(home, uid, uid);
      lines.push(`${u.user}:{PLAIN}${u.password}:${uid}:${uid}::${home}::`);
    }
    // Read by the auth process, which runs as the unprivileged dovecot user.
    await writeFile(paths.passwd, lines.join('\n') + '\n', { mode: 0o644 });
    if (options.oauth2IntrospectionUrl) {
      // Dovecot 2.3 oauth2 passdb: POST token=… to the URL; the answer's `active` and `username` decide.
      // username_format=%n: "alice@example.test" logs in as the introspected "alice".
      await writeFile(paths.oauth2, [
        'introspection_mode = post',
        `introspection_url = ${options.oauth2IntrospectionUrl}`,
        'username_attribute = username',
        'active_attribute = active',
        'active_value = true',
        'username_format = %n',
        '',
      ].join('\n'), { mode: 0o644 });
    }
    await writeFile(paths.config, await renderFixture('dovecot/dovecot.conf.tmpl', {
      BASE_DIR: paths.base,
      STATE_DIR: paths.state,
      LOG_FILE: paths.log,
      INSTANCE_NAME: `maildoctor-${runDir.slice(-6)}`,
      LISTEN: listenAddresses.map((a) => (isIPv6(a) ? `[${a}]` : a)).join(', '),
      AUTH_FAILURE_DELAY: `${options.authFailureDelaySeconds ?? 0} secs`,
      NO_AUTH_PENALTY: !options.authPenalty,
      CERT_FILE: cert.certFile,
      KEY_FILE: cert.keyFile,
      MAIL_UID: uid,
      MAIL_GID: uid,
      PASSWD_FILE: paths.passwd,
      AUTH_SOCKET: paths.authSocket,
      OAUTH2: Boolean(options.oauth2IntrospectionUrl),
      OAUTH2_MECHANISMS: options.oauth2IntrospectionUrl ? ` ${(options.oauth2Mechanisms ?? ['xoauth2', 'oauthbearer']).join(' ')}` : '',
      OAUTH2_PASSDB_MECHANISMS: (options.oauth2Mechanisms ?? ['xoauth2', 'oauthbearer']).join(' '),
      OAUTH2_CONFIG: paths.oauth2,
      SASL_CLIENT_USER: saslUser,
      SASL_CLIENT_GROUP: saslUser,
      IMAP_PORT: ports.imap,
      IMAPS_PORT: ports.imaps,
      POP3_PORT: ports.pop3,
      POP3S_PORT: ports.pop3s,
    }));

    daemon = await Daemon.start({
      name: 'dovecot',
      argv: ['dovecot', '-F', '-c', paths.config],
      netns: options.netns,
      diagnostics: () => tail(paths.log),
    });
    const endpoint = (port: number, host = listenAddress): Endpoint => ({ host, port });
    await daemon.waitUntilReady(
      listenAddresses.flatMap((a) => names.map((n) => endpoint(ports[n], a))),
      () => access(paths.authSocket).then(() => true, () => false),
    );

    const started = daemon;
    const instance: DovecotInstance = {
      imap: endpoint(ports.imap),
      imaps: endpoint(ports.imaps),
      pop3: endpoint(ports.pop3),
      pop3s: endpoint(ports.pop3s),
      listenAddresses,
      users,
      authSocket: paths.authSocket,
      configFile: paths.config,
      logFile: paths.log,
      runDir,
      mailRoot: paths.mail,
      pid: daemon.daemonPid,
      deliver: (user, rfc822) => deliver(paths.config, user, rfc822),
      messageCount: (user, mailbox = 'INBOX') => messageCount(paths.config, user, mailbox),
      log: () => readFile(paths.log, 'utf8').catch(() => ''),
      stop: once(async () => {
        try { await started.stop(); } finally { await removeRunDir(runDir); }
      }),
    };
    return instance;
  } catch (err) {
    await daemon?.stop().catch(() => undefined);
    await removeRunDir(runDir);
    throw err;
  }
}

function deliver(configFile: string, user: string, rfc822: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // dovecot-lda runs as root here, looks the user up through the running Dovecot's auth-userdb socket
    // and switches to the mail uid. Exit code 75 (EX_TEMPFAIL) means "retry later", 67 unknown user.
    const child = spawn(DOVECOT_LDA, ['-c', configFile, '-d', user], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`dovecot-lda -d ${user} exited with ${code}: ${output.trim()}`));
    });
    child.stdin.end(rfc822);
  });
}

async function messageCount(configFile: string, user: string, mailbox: string): Promise<number> {
  const { stdout } = await run('doveadm', ['-c', configFile, 'mailbox', 'status', '-u', user, 'messages', mailbox]);
  const m = /messages=(\d+)/.exec(stdout);
  if (!m) throw new Error(`doveadm mailbox status: unexpected output ${JSON.stringify(stdout)}`);
  return Number(m[1]);
}
