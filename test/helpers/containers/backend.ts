/**
 * The container backend: Dovecot and Postfix in Docker containers started with
 * testcontainers, from the locally built maildoctor-* images
 * (scripts/containers/build-images.sh). Same contract as the native backend
 * (test/helpers/harness/backend.ts), and the same provider behaviour:
 *
 * - dovecot container: IMAP 143/993, POP3 110/995 for `users`.
 * - postfix container: MTA 25, submission 587, smtps 465; Dovecot's auth
 *   service beside Postfix answers SASL on a unix socket.
 * - Mail for the users' domain is delivered by Postfix's virtual(8) into the
 *   Maildirs Dovecot serves: a Docker volume mounted at /srv/mail in both.
 *   Mail for any other domain stays queued (`queuedMessages()`), never sent.
 * - Every port is published on a random host port. The MTA is reached through
 *   a PROXY-protocol forwarder so that mynetworks sees the real client address
 *   (see proxy-protocol.ts for why the published port alone cannot do that).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import type { Endpoint, MailBackend, MailUser } from '../harness/backend.js';
import { testCertificates, type CertificateKind } from '../certs.js';
import { FIXTURES_DIR, imageNames, type ImageNames } from './images.js';
import { startProxyProtocolForwarder, type ProxyProtocolForwarder } from './proxy-protocol.js';
import {
  applyTestcontainersDefaults, missingImages, removeRunContainers, ROLE_LABEL, RUN_LABEL, TIER_LABEL,
} from './runtime.js';

export type { Endpoint, MailBackend, MailUser } from '../harness/backend.js';

/** Mail domain of the test users (RFC 2606 reserves .test). */
export const MAIL_DOMAIN = 'example.test';
/**
 * The address a client binds to in order to be inside Postfix's mynetworks
 * (as natively). Any 127/8 address works on Linux without configuration.
 */
export const RELAY_CLIENT_ADDRESS = '127.0.0.2';
/** Cold start of both containers takes 2-3 s; this bounds a wedged start on a loaded CI runner. */
export const CONTAINER_STARTUP_TIMEOUT_MS = 60_000;
/** uid/gid owning mail in both images (fixtures/containers/<server>/prepare.sh). */
const MAIL_UID = 5000;
/** Where the shared mail volume is mounted in both containers. */
const MAIL_ROOT = '/srv/mail';
/** Container log lines kept for logs() and to explain a failed start. */
const LOG_TAIL_LINES = 200;

/** Ports inside the containers; the host side is random. */
const PORTS = {
  smtp: 25,
  submission: 587,
  smtps: 465,
  pop3: 110,
  pop3s: 995,
  imap: 143,
  imaps: 993,
} as const;

export type ContainerBackendErrorCode = 'IMAGE_MISSING' | 'CONTAINER_START_FAILED' | 'CONTAINER_EXEC_FAILED';

export class ContainerBackendError extends Error {
  override readonly name = 'ContainerBackendError';
  constructor(
    readonly code: ContainerBackendErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface ContainerBackendOptions {
  /** Image names. @default imageNames() (env overrides, then fixtures/containers/images.env) */
  images?: Partial<ImageNames>;
  /** Login names; each gets a random password and `<user>@example.test`. @default ['alice', 'bob'] */
  userNames?: string[];
  /** Certificate both servers present (see test/helpers/certs.ts). @default 'valid' */
  certificate?: CertificateKind;
  /** Postfix mynetworks, as seen through the PROXY forwarder. @default ['127.0.0.2/32'] */
  mynetworks?: string[];
  /** Per-container startup deadline. @default CONTAINER_STARTUP_TIMEOUT_MS */
  startupTimeoutMs?: number;
}

/** The container backend: the MailBackend contract plus the native backend's optional extras. */
export type ContainerMailBackend = MailBackend &
  Required<Pick<MailBackend, 'messageCount' | 'logs'>> & {
    containers: { dovecot: StartedTestContainer; postfix: StartedTestContainer };
  };

/** Keeps the last lines a container logged. */
class LogTail {
  private lines: string[] = [];
  consume = (stream: Readable): void => {
    let partial = '';
    stream.on('data', (chunk: Buffer | string) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
      if (this.lines.length > LOG_TAIL_LINES) this.lines.splice(0, this.lines.length - LOG_TAIL_LINES);
    });
    stream.on('error', () => {}); // the log stream ends with the container; nothing to report
  };
  toString(): string {
    return this.lines.join('\n');
  }
}

function fixture(path: string): Promise<string> {
  return readFile(`${FIXTURES_DIR}${path}`, 'utf8');
}

function makeUsers(names: string[]): MailUser[] {
  // base64url has no ':' and no whitespace, so it is safe in a passwd-file.
  return names.map((user) => ({ user, password: randomBytes(12).toString('base64url'), address: `${user}@${MAIL_DOMAIN}` }));
}

/** Dovecot passwd-file lines: user:{scheme}password:uid:gid:gecos:home:shell:extra. */
function passwdFile(users: MailUser[]): string {
  return users.map((u) => `${u.user}:{PLAIN}${u.password}:${MAIL_UID}:${MAIL_UID}::${MAIL_ROOT}/${u.user}::\n`).join('');
}

async function execOrThrow(container: StartedTestContainer, what: string, command: string[]): Promise<string> {
  const result = await container.exec(command);
  if (result.exitCode !== 0) {
    throw new ContainerBackendError(
      'CONTAINER_EXEC_FAILED',
      `${what}: \`${command.join(' ')}\` exited with ${result.exitCode}: ${result.output.trim()}`,
    );
  }
  return result.stdout;
}

/** A labelled Docker volume for the Maildirs, shared by both containers. */
async function createMailVolume(runId: string): Promise<{ name: string; remove(): Promise<void> }> {
  const client = await getContainerRuntimeClient();
  const name = `maildoctor-mail-${runId}`;
  await client.container.dockerode.createVolume({ Name: name, Labels: { [TIER_LABEL]: 'containers', [RUN_LABEL]: runId } });
  return {
    name,
    // Only once no container uses it, so after the containers are removed.
    remove: () => client.container.dockerode.getVolume(name).remove().then(() => undefined),
  };
}

interface ContainerSpec {
  role: string;
  image: string;
  container: GenericContainer;
  logs: LogTail;
}

/** Starts every container, or none: on any failure the run's containers are removed. */
async function startAll(runId: string, specs: ContainerSpec[]): Promise<StartedTestContainer[]> {
  const results = await Promise.allSettled(specs.map((s) => s.container.start()));
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ spec: specs[i]!, reason: r.reason as unknown }] : []));
  if (failures.length === 0) return results.map((r) => (r as PromiseFulfilledResult<StartedTestContainer>).value);
  // Also catches a container that exited before testcontainers had a handle on it.
  const leftoverLogs = await removeRunContainers(runId).catch(() => new Map<string, string>());
  const detail = failures
    .map(({ spec, reason }) => {
      const log = leftoverLogs.get(spec.role) || spec.logs.toString().split('\n').slice(-40).join('\n') || '(no output)';
      return `${spec.role} (${spec.image}): ${(reason as Error)?.message ?? String(reason)}\n--- last log lines ---\n${log}`;
    })
    .join('\n');
  throw new ContainerBackendError('CONTAINER_START_FAILED', `container backend did not start:\n${detail}`, {
    cause: failures[0]!.reason,
  });
}

/**
 * Starts Dovecot and Postfix containers and returns the backend. Requires a
 * Docker engine and the images (scripts/containers/setup-docker.sh, then
 * scripts/containers/build-images.sh); throws IMAGE_MISSING rather than
 * letting testcontainers try to pull them. Always `stop()` it (an `after`
 * hook): with Ryuk disabled nothing else removes the containers.
 */
export async function startContainerBackend(options: ContainerBackendOptions = {}): Promise<ContainerMailBackend> {
  applyTestcontainersDefaults();
  const images = { ...imageNames(), ...options.images };
  const startupTimeoutMs = options.startupTimeoutMs ?? CONTAINER_STARTUP_TIMEOUT_MS;

  const missing = await missingImages([images.dovecot, images.postfix]);
  if (missing.length > 0) {
    throw new ContainerBackendError(
      'IMAGE_MISSING',
      `image(s) not present locally: ${missing.join(', ')}; build them with scripts/containers/build-images.sh ` +
        '(they are never pulled)',
    );
  }

  const users = makeUsers(options.userNames ?? ['alice', 'bob']);
  const [certs, dovecotConf, mainCf, masterCf, authConf] = await Promise.all([
    testCertificates(),
    fixture('dovecot/config/dovecot.conf'),
    fixture('postfix/config/main.cf'),
    fixture('postfix/config/master.cf'),
    fixture('postfix/config/dovecot.conf'),
  ]);
  const serverCert = certs[options.certificate ?? 'valid'];
  const tls = [
    { content: serverCert.cert, target: '/etc/maildoctor/tls/cert.pem', mode: 0o644 },
    { content: serverCert.key, target: '/etc/maildoctor/tls/key.pem', mode: 0o600 },
  ];
  // World-readable: Dovecot's auth process runs as the unprivileged `dovecot`
  // user and copied files are owned by root. The passwords are per-run test values.
  const passwd = { content: passwdFile(users), target: '/etc/maildoctor/passwd', mode: 0o644 };
  const mynetworks = options.mynetworks ?? [`${RELAY_CLIENT_ADDRESS}/32`];
  const mainCfRun =
    `${mainCf}\n# Per-run settings, appended by test/helpers/containers/backend.ts.\n` +
    // Client addresses as reported by the PROXY forwarder, i.e. the test's own.
    `mynetworks = ${mynetworks.join(', ')}\n` +
    `virtual_mailbox_domains = ${MAIL_DOMAIN}\n`;
  // Maildir paths relative to virtual_mailbox_base, the trailing '/' meaning Maildir format.
  const vmailbox = users.map((u) => `${u.address} ${u.user}/Maildir/\n`).join('');

  const runId = randomUUID();
  const labels = (role: string) => ({ [TIER_LABEL]: 'containers', [RUN_LABEL]: runId, [ROLE_LABEL]: role });
  const volume = await createMailVolume(runId);
  const mailMount = [{ source: volume.name, target: MAIL_ROOT }];

  const dovecotLogs = new LogTail();
  const dovecot = new GenericContainer(images.dovecot)
    .withLabels(labels('dovecot'))
    .withExposedPorts(PORTS.imap, PORTS.imaps, PORTS.pop3, PORTS.pop3s)
    .withBindMounts(mailMount)
    .withCopyContentToContainer([
      ...tls,
      passwd,
      { content: dovecotConf, target: '/etc/dovecot/dovecot.conf', mode: 0o644 },
    ])
    .withLogConsumer(dovecotLogs.consume)
    // Logged by the master after it has bound every listener.
    .withWaitStrategy(Wait.forLogMessage(/master: (?:Info: )?Dovecot v\S+ .*starting up/))
    .withStartupTimeout(startupTimeoutMs);

  const postfixLogs = new LogTail();
  const postfix = new GenericContainer(images.postfix)
    .withLabels(labels('postfix'))
    .withExposedPorts(PORTS.smtp, PORTS.submission, PORTS.smtps)
    .withBindMounts(mailMount)
    .withCopyContentToContainer([
      ...tls,
      passwd,
      { content: authConf, target: '/etc/dovecot/dovecot.conf', mode: 0o644 },
      { content: mainCfRun, target: '/etc/postfix/main.cf', mode: 0o644 },
      { content: masterCf, target: '/etc/postfix/master.cf', mode: 0o644 },
      { content: vmailbox, target: '/etc/postfix/vmailbox', mode: 0o644 },
    ])
    .withLogConsumer(postfixLogs.consume)
    // postfix/master logs this once its listeners are open (maillog_file = /dev/stdout).
    .withWaitStrategy(Wait.forLogMessage(/postfix\/master\[\d+\]: daemon started/))
    .withStartupTimeout(startupTimeoutMs);

  let started: StartedTestContainer[];
  let forwarder: ProxyProtocolForwarder;
  try {
    started = await startAll(runId, [
      { role: 'dovecot', image: images.dovecot, container: dovecot, logs: dovecotLogs },
      { role: 'postfix', image: images.postfix, container: postfix, logs: postfixLogs },
    ]);
    const postfixStarted = started[1]!;
    forwarder = await startProxyProtocolForwarder({
      host: hostOf(postfixStarted),
      port: postfixStarted.getMappedPort(PORTS.smtp),
    });
  } catch (err) {
    await removeRunContainers(runId).catch(() => {});
    await volume.remove().catch(() => {});
    throw err;
  }
  const [dovecotC, postfixC] = started as [StartedTestContainer, StartedTestContainer];
  const endpoint = (c: StartedTestContainer, port: number): Endpoint => ({ host: hostOf(c), port: c.getMappedPort(port) });

  let deliveries = 0;
  let stopped: Promise<void> | undefined;
  return {
    name: 'containers',
    ca: certs.ca.cert,
    tlsName: 'localhost',
    smtp: forwarder.endpoint,
    submission: endpoint(postfixC, PORTS.submission),
    smtps: endpoint(postfixC, PORTS.smtps),
    pop3: endpoint(dovecotC, PORTS.pop3),
    pop3s: endpoint(dovecotC, PORTS.pop3s),
    imap: endpoint(dovecotC, PORTS.imap),
    imaps: endpoint(dovecotC, PORTS.imaps),
    users,
    relayClientAddress: RELAY_CLIENT_ADDRESS,
    containers: { dovecot: dovecotC, postfix: postfixC },

    async deliver(user: string, rfc822: string): Promise<void> {
      // Copied as a file and passed with -p: exec has no stdin, and no shell
      // ever sees the message. Readable by the mail uid, which lda switches to.
      const path = `/tmp/maildoctor-deliver-${++deliveries}.eml`;
      await dovecotC.copyContentToContainer([{ content: rfc822, target: path, mode: 0o644 }]);
      try {
        // Exit code 75 (EX_TEMPFAIL) means "retry later", 67 unknown user.
        await execOrThrow(dovecotC, 'deliver', ['/usr/lib/dovecot/dovecot-lda', '-d', user, '-p', path]);
      } finally {
        await dovecotC.exec(['rm', '-f', path]);
      }
    },

    async messageCount(user: string, mailbox = 'INBOX'): Promise<number> {
      const out = await execOrThrow(dovecotC, 'messageCount', ['doveadm', 'mailbox', 'status', '-u', user, 'messages', mailbox]);
      const m = /messages=(\d+)/.exec(out);
      if (!m) throw new Error(`doveadm mailbox status: unexpected output ${JSON.stringify(out)}`);
      return Number(m[1]);
    },

    async queuedMessages(): Promise<number> {
      // One JSON object per queued message (Postfix >= 3.1), from every queue
      // (maildrop, incoming, active, deferred, hold).
      const out = await execOrThrow(postfixC, 'queuedMessages', ['postqueue', '-j']);
      return out.split('\n').filter((line) => line.trim() !== '').length;
    },

    async logs(): Promise<{ postfix: string; dovecot: string }> {
      return { postfix: postfixLogs.toString(), dovecot: dovecotLogs.toString() };
    },

    stop(): Promise<void> {
      // Idempotent: Ryuk is disabled, so this is the only cleanup there is.
      stopped ??= (async () => {
        const results = await Promise.allSettled([
          forwarder.close(),
          ...started.map((c) => c.stop({ remove: true, timeout: 0 })),
        ]);
        results.push(...(await Promise.allSettled([volume.remove()])));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      })();
      return stopped;
    },
  };
}

/**
 * testcontainers reports TESTCONTAINERS_HOST_OVERRIDE ('localhost'). Published
 * ports listen on every host address, and an IPv4 literal keeps clients from
 * depending on how 'localhost' resolves; tlsName stays 'localhost'.
 */
function hostOf(c: StartedTestContainer): string {
  return c.getHost() === 'localhost' ? '127.0.0.1' : c.getHost();
}
