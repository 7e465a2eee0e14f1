/**
 * A real Postfix 3.7 from `fixtures/postfix/*.tmpl` on ports chosen at run time, in a temp dir of its
 * own. See {@link startPostfix}.
 */
import { chown, mkdir, readFile, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Endpoint } from './backend.js';
import { resolveCertificate, type CertificateKind } from '../certs.js';
import { Daemon, makeRunDir, once, removeRunDir, retryPortRace, tail } from './daemon.js';
import { DEFAULT_MAIL_UID } from './dovecot.js';
import { freePorts } from '../ports.js';
import { renderFixture } from './template.js';

const run = promisify(execFile);

/** Attempts when a run-time-chosen port was taken between allocation and the daemon's bind. */
/** Queue directories that hold messages (the others hold logs, sockets, pids). */
/** How far config files are backdated so Postfix does not wait for them to "cool down" (ms). */
const CONFIG_BACKDATE_MS = 60_000;
const MESSAGE_QUEUES = ['maildrop', 'incoming', 'active', 'deferred', 'hold', 'corrupt'] as const;

export interface PostfixPorts { smtp: number; submission: number; smtps: number }

export interface PostfixMailbox {
  /** e.g. 'alice@example.test'; its domain becomes one of the provider's (virtual mailbox) domains. */
  address: string;
  /** Maildir relative to `mailboxBase`, ending in '/', e.g. 'alice/Maildir/'. */
  maildir: string;
}

export interface PostfixOptions {
  /** Address every listener binds to and the endpoints report. @default '127.0.0.1' */
  listenAddress?: string;
  /** More addresses to listen on with the same ports. */
  extraListenAddresses?: string[];
  /** Run the daemon inside this existing network namespace (`ip netns exec NAME`). */
  netns?: string;
  /** Explicit ports; the rest are chosen at run time. */
  ports?: Partial<PostfixPorts>;
  /** Add a 587-like submission listener (needs `saslSocket`). @default false */
  submission?: boolean;
  /** Add a 465-like implicit-TLS listener (needs `saslSocket`). @default false */
  smtps?: boolean;
  /** Dovecot's auth socket (DovecotInstance.authSocket) for AUTH on submission/smtps. */
  saslSocket?: string;
  /** Clients allowed to relay without AUTH. @default ['127.0.0.2/32'] */
  mynetworks?: string[];
  /** @default 'mail.example.test' */
  myhostname?: string;
  /** @default 'example.test' */
  mydomain?: string;
  /** @default ['$myhostname', 'localhost.$mydomain', 'localhost'] */
  mydestination?: string[];
  /** The provider's mailboxes, delivered by virtual(8) as `mailUid` into `mailboxBase`. */
  mailboxes?: PostfixMailbox[];
  mailboxBase?: string;
  /** @default 5000 */
  mailUid?: number;
  /** Server certificate: a kind from certs.ts or your own files. @default 'valid' */
  certificate?: CertificateKind | { certFile: string; keyFile: string };
  /** DNS blocklists whose listed clients smtpd refuses (`reject_rbl_client ZONE`); needs a resolver in the namespace. */
  rblClients?: string[];
  /** smtpd_error_sleep_time: delay before each 4xx/5xx reply. @default 0 (Postfix's own default is 1 s) */
  errorSleepSeconds?: number;
}

export interface PostfixInstance {
  smtp: Endpoint;
  submission?: Endpoint;
  smtps?: Endpoint;
  listenAddresses: string[];
  configDir: string;
  queueDir: string;
  logFile: string;
  runDir: string;
  /** Host PID of the Postfix master. */
  pid: number;
  /**
   * Complete messages in the instance's queues (maildrop, incoming, active, deferred, hold, corrupt).
   * An open or aborted SMTP transaction is not counted.
   */
  queuedMessages(): Promise<number>;
  log(): Promise<string>;
  /** Stops Postfix, checks no process of it is left, removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

let daemonDirectoryCache: Promise<string> | undefined;
/** Where master(8) lives (Debian: /usr/lib/postfix/sbin), from the installed Postfix itself. */
function daemonDirectory(): Promise<string> {
  daemonDirectoryCache ??= run('postconf', ['-dh', 'daemon_directory']).then((r) => r.stdout.trim());
  return daemonDirectoryCache;
}

async function idOf(file: '/etc/passwd' | '/etc/group', name: string): Promise<number> {
  const line = (await readFile(file, 'utf8')).split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`${name} not found in ${file} (is the postfix package installed?)`);
  return Number(line.split(':')[2]);
}

/**
 * The queue layout `postfix post-install create-missing` would make. Done here because the harness runs
 * the master directly, without postfix-script (whose start-up checks take ~2 s).
 */
async function createQueue(queueDir: string, dataDir: string): Promise<void> {
  const [postfixUid, postfixGid, postdropGid] = await Promise.all([
    idOf('/etc/passwd', 'postfix'), idOf('/etc/group', 'postfix'), idOf('/etc/group', 'postdrop'),
  ]);
  await mkdir(queueDir, { mode: 0o755 });
  await mkdir(join(queueDir, 'pid'), { mode: 0o755 });
  for (const d of ['active', 'bounce', 'corrupt', 'defer', 'deferred', 'flush', 'hold', 'incoming', 'private', 'saved', 'trace']) {
    await mkdir(join(queueDir, d), { mode: 0o700 });
    await chown(join(queueDir, d), postfixUid, 0);
  }
  await mkdir(join(queueDir, 'maildrop'), { mode: 0o730 });
  await chown(join(queueDir, 'maildrop'), postfixUid, postdropGid);
  await mkdir(join(queueDir, 'public'), { mode: 0o710 });
  await chown(join(queueDir, 'public'), postfixUid, postdropGid);
  await mkdir(dataDir, { mode: 0o700 });
  await chown(dataDir, postfixUid, postfixGid);
}

/**
 * Queue files under `dir` (recursively: deferred/ and active/ are hashed into subdirectories). With
 * `completeOnly`, only files with the owner-execute bit: Postfix sets it when a queue file is complete,
 * and a file without it in incoming/ is a transaction still open or being aborted (e.g. after RSET,
 * cleanup removes it asynchronously), which the queue manager never picks up either.
 */
async function countQueueFiles(dir: string, completeOnly: boolean): Promise<number> {
  let n = 0;
  let entries;
  try { entries = await readdir(dir, { withFileTypes: true }); } catch { return 0; }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) n += await countQueueFiles(path, completeOnly);
    else if (e.isFile()) {
      if (!completeOnly) n++;
      else n += await stat(path).then((st) => (st.mode & 0o100 ? 1 : 0), () => 0);
    }
  }
  return n;
}

/**
 * Starts Postfix and resolves once every listener is bound.
 *
 * Use from mocha hooks so a failing test still cleans up:
 * ```ts
 * let postfix: PostfixInstance;
 * before(async () => { postfix = await startPostfix(); });
 * after(async () => { await postfix?.stop(); });
 * ```
 */
export async function startPostfix(options: PostfixOptions = {}): Promise<PostfixInstance> {
  return retryPortRace(() => startOnce(options), Boolean(options.ports));
}

async function startOnce(options: PostfixOptions): Promise<PostfixInstance> {
  const listenAddress = options.listenAddress ?? '127.0.0.1';
  const listenAddresses = [...new Set([listenAddress, ...(options.extraListenAddresses ?? [])])];
  if ((options.submission || options.smtps) && !options.saslSocket) {
    throw new Error('startPostfix: submission/smtps need saslSocket (a Dovecot auth socket)');
  }
  const names = (['smtp', 'submission', 'smtps'] as const).filter((n) => n === 'smtp' || options[n]);
  const missing = names.filter((n) => options.ports?.[n] === undefined);
  const found = await freePorts(missing.length, options.netns ? ['127.0.0.1'] : listenAddresses);
  const ports = { ...options.ports } as PostfixPorts;
  missing.forEach((n, i) => { ports[n] = found[i]!; });

  const cert = await resolveCertificate(options.certificate, listenAddresses);
  const runDir = makeRunDir('postfix');
  const paths = {
    config: join(runDir, 'conf'),
    queue: join(runDir, 'queue'),
    data: join(runDir, 'data'),
    log: join(runDir, 'maillog'),
    mailboxMap: join(runDir, 'conf', 'mailboxes'),
  };
  const mailboxes = options.mailboxes ?? [];
  let daemon: Daemon | undefined;
  try {
    await mkdir(paths.config, { mode: 0o755 });
    await createQueue(paths.queue, paths.data);
    await writeFile(paths.mailboxMap, mailboxes.map((m) => `${m.address} ${m.maildir}\n`).join(''));
    const domains = [...new Set(mailboxes.map((m) => m.address.split('@')[1]!.toLowerCase()))];
    const values = {
      QUEUE_DIR: paths.queue,
      DATA_DIR: paths.data,
      LOG_FILE: paths.log,
      RUN_DIR: runDir,
      MYHOSTNAME: options.myhostname ?? 'mail.example.test',
      MYDOMAIN: options.mydomain ?? 'example.test',
      MYDESTINATION: (options.mydestination ?? ['$myhostname', 'localhost.$mydomain', 'localhost']).join(', '),
      INET_PROTOCOLS: listenAddresses.some((a) => isIPv6(a)) ? 'all' : 'ipv4',
      ERROR_SLEEP_TIME: `${options.errorSleepSeconds ?? 0}s`,
      MYNETWORKS: (options.mynetworks ?? ['127.0.0.2/32']).join(', '),
      CLIENT_RESTRICTIONS: ['permit_mynetworks', ...(options.rblClients ?? []).map((z) => `reject_rbl_client ${z}`)].join(', '),
      MAILBOX_DOMAINS: domains.join(', '),
      MAILBOX_BASE: options.mailboxBase ?? join(runDir, 'mail'),
      MAILBOX_MAP: paths.mailboxMap,
      MAIL_UID: options.mailUid ?? DEFAULT_MAIL_UID,
      CERT_FILE: cert.certFile,
      KEY_FILE: cert.keyFile,
      // Unused unless a listener enables AUTH; a path that does not exist keeps the template total.
      SASL_PATH: options.saslSocket ?? join(runDir, 'no-sasl-socket'),
      SUBMISSION: Boolean(options.submission),
      SMTPS: Boolean(options.smtps),
      SMTP_PORT: ports.smtp,
      SUBMISSION_PORT: ports.submission ?? 0,
      SMTPS_PORT: ports.smtps ?? 0,
      LISTENERS: listenAddresses.map((a) => ({ ADDRESS: isIPv6(a) ? `[${a}]` : a })),
    };
    await writeFile(join(paths.config, 'main.cf'), await renderFixture('postfix/main.cf.tmpl', values));
    await writeFile(join(paths.config, 'master.cf'), await renderFixture('postfix/master.cf.tmpl', values));
    // Postfix re-reads a config file whose mtime is under ~2 s old, every 300 ms, until it is stable
    // (util/dict.c: "the file is hot"): that alone made start-up take ~2 s. Backdate every file it reads.
    const past = new Date(Date.now() - CONFIG_BACKDATE_MS);
    for (const f of ['main.cf', 'master.cf', 'mailboxes']) await utimes(join(paths.config, f), past, past);

    daemon = await Daemon.start({
      name: 'postfix',
      // What `postfix start-fg` runs in the end, minus postfix-script's ~2 s of checks: the master in
      // the foreground (without -w it does not fork away from our namespace init). -c passes the config
      // directory on to every child daemon; -s keeps stdout open for early errors.
      argv: [join(await daemonDirectory(), 'master'), '-c', paths.config, '-s'],
      netns: options.netns,
      diagnostics: () => tail(paths.log),
    });
    const endpoint = (port: number, host = listenAddress): Endpoint => ({ host, port });
    await daemon.waitUntilReady(listenAddresses.flatMap((a) => names.map((n) => endpoint(ports[n], a))));

    const started = daemon;
    return {
      smtp: endpoint(ports.smtp),
      ...(options.submission ? { submission: endpoint(ports.submission) } : {}),
      ...(options.smtps ? { smtps: endpoint(ports.smtps) } : {}),
      listenAddresses,
      configDir: paths.config,
      queueDir: paths.queue,
      logFile: paths.log,
      runDir,
      pid: daemon.daemonPid,
      queuedMessages: async () => {
        const counts = await Promise.all(MESSAGE_QUEUES.map((q) =>
          countQueueFiles(join(paths.queue, q), q === 'incoming' || q === 'maildrop')));
        return counts.reduce((a, b) => a + b, 0);
      },
      log: () => readFile(paths.log, 'utf8').catch(() => ''),
      stop: once(async () => {
        try { await started.stop(); } finally { await removeRunDir(runDir); }
      }),
    };
  } catch (err) {
    await daemon?.stop().catch(() => undefined);
    await removeRunDir(runDir);
    throw err;
  }
}
