/**
 * The maildoctor lab: the seed story's networks as Linux network namespaces, with real servers.
 *
 *                      "isp" namespace = the ISP's router, which also runs
 *                      the ISP's resolver (53) and relay smtp.isp.test (25)
 *        ┌───────────────────────────┬───────────────────────────┬──────────────────────────┐
 *   br-isp 198.51.100.1/24     br-provider 203.0.113.1/24      br-net 192.0.2.1/25
 *        │                           │                           │
 *   "user" 198.51.100.77       "provider" 203.0.113.10       "net" 192.0.2.25
 *   the user's machine,        disney.test: Postfix 25        control endpoint:
 *   runs maildoctor            (+587/465 with AUTH), Dovecot   accepts on 25/587/465/993
 *                              110/995/143/993
 *
 * Every segment is a bridge in the router namespace; a host is a namespace with one veth (`eth0`) whose
 * other end is a port of its segment's bridge, so moving the machine to another network is re-plugging that
 * port and re-addressing `eth0` ({@link Lab.moveUser}), which a running process survives.
 * The router forwards between segments (ip_forward=1 in its namespace only); its nftables forward chain is
 * where the ISP blocks port 25 ({@link Lab.setFirewall}). Traffic to the router's own addresses (the ISP's
 * relay and resolver) is not forwarded, so a port-25 block leaves the ISP's own relay reachable, as at real ISPs.
 *
 * Only RFC 5737 addresses; 192.0.2.128/25 is left free for a second ISP ({@link Lab.addSegment}).
 * Safety: nothing here connects anywhere. All non-loopback traffic happens between the namespaces created
 * here; the host's own namespace only runs `ip`, `nft` and the daemons' start-up (which read /proc).
 *
 * Names are unique per process (`md<pid>-isp`, `md<pid>-user`…); {@link Lab.stop} removes the namespaces, their
 * `/etc/netns/NAME` directories and every process started in them, also when a start-up step failed; a
 * process-exit hook does the same for a lab that was never stopped, and {@link cleanupStaleLabs} removes what a
 * killed run left behind. Needs root.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../paths.js';
import { testCertificates, type CertificateKind, type TestCertificates } from '../certs.js';
import { randomPassword, startDovecot, type DovecotInstance } from '../harness/dovecot.js';
import { startPostfix, type PostfixInstance } from '../harness/postfix.js';

const run = promisify(execFile);

export { REPO_ROOT };
const LAB_DIR = fileURLToPath(new URL('.', import.meta.url));
const ZONE_DIR = join(REPO_ROOT, 'fixtures', 'lab');
/** `ip netns exec NAME` bind-mounts the files of this directory over /etc (resolv.conf). */
const NETNS_ETC = '/etc/netns';
/** Lab namespaces: `md<pid>-<role>` or, for a second lab of the same process, `md<pid>_<n>-<role>`. */
const NAME_PATTERN = /^md(\d+)(?:_\d+)?-[a-z0-9]+$/;

/** How long a helper process (resolver, control listener) may take to say `ready`. */
const SERVICE_START_TIMEOUT_MS = 15_000;
/** How long a helper process may take to exit after its stdin closes, before SIGKILL. */
const SERVICE_STOP_TIMEOUT_MS = 2_000;
/** Default cap of {@link Lab.exec}: a stuck command must not hang a test run. */
const EXEC_TIMEOUT_MS = 60_000;

/** The lab's fixed facts: names, addresses, the user. */
export const LAB = {
  domain: 'disney.test',
  address: 'pippo@disney.test',
  user: 'pippo',
  /** The mailbox provider's server (Postfix and Dovecot). */
  provider: '203.0.113.10',
  providerNet: '203.0.113.0/24',
  providerRouter: '203.0.113.1',
  /** The ISP's router: gateway, resolver and relay (smtp.isp.test) of its customers. */
  ispRouter: '198.51.100.1',
  customers: '198.51.100.0/24',
  /** The user's machine on the ISP's network. */
  userAddress: '198.51.100.77',
  /** The user's machine when moved to the provider's own network. */
  userOnProvider: '203.0.113.77',
  netRouter: '192.0.2.1',
  /** The control endpoint ("a well-known server on the internet"). */
  control: '192.0.2.25',
  controlPorts: [25, 587, 465, 993] as const,
  /** `--dns` of a check run on the ISP's network. */
  resolver: '198.51.100.1:53',
  /** Names the provider's certificates cover (the `wrongName` kind covers none of them). */
  providerNames: ['mail.disney.test', 'smtp.disney.test', 'imap.disney.test', 'pop.disney.test'],
  ispNames: ['smtp.isp.test'],
  /** The DNSBL the provider's Postfix consults when `ProviderConfig.blocklist` is on. */
  blocklist: 'zen.spamhaus.org',
} as const;

/** The environment variable a lab check reads its OAuth2 token from (`--oauth-token-env`). */
export const LAB_TOKEN_ENV = 'MAILDOCTOR_TEST_OAUTH_TOKEN';

/** An L2 network: a bridge in the router namespace, with the router's address on it. */
export interface SegmentSpec {
  /** The router's address on this segment (the hosts' gateway), e.g. 192.0.2.129. */
  routerAddress: string;
  prefix: number;
  /** Also answer DNS on the router's address of this segment. @default false */
  dns?: boolean;
}

/** The segments every lab has. `net` is a /25 so that 192.0.2.128/25 stays free for another ISP. */
export const DEFAULT_SEGMENTS: Readonly<Record<'isp' | 'provider' | 'net', SegmentSpec>> = {
  isp: { routerAddress: LAB.ispRouter, prefix: 24, dns: true },
  provider: { routerAddress: LAB.providerRouter, prefix: 24, dns: true },
  net: { routerAddress: LAB.netRouter, prefix: 25 },
};

/** Where a host is plugged in and how it is addressed. */
export interface Attachment {
  segment: string;
  address: string;
  prefix: number;
  /** Default route; the segment's router address unless given. */
  gateway: string;
  /** `nameserver` lines of its resolv.conf (hosts other than the user have none). */
  resolvers: string[];
}

export interface ProviderConfig {
  /** Postfix submission on 587 (STARTTLS, AUTH) and 465 (implicit TLS, AUTH), with SRV records. */
  submission: boolean;
  /** Certificate of Dovecot (IMAP/POP3). */
  imapCertificate: CertificateKind;
  /** Certificate of Postfix (25 STARTTLS, 587, 465). */
  smtpCertificate: CertificateKind;
  /**
   * Postfix refuses clients listed on zen.spamhaus.org (`reject_rbl_client`), and the lab's DNS lists the
   * user's ISP address there as Spamhaus PBL (fixtures/lab/dnsbl.zone). @default false
   */
  blocklist?: boolean;
  /** Dovecot (and Postfix through it) also accepts OAuth2 tokens (XOAUTH2, OAUTHBEARER) from {@link Lab.oauthToken}. */
  oauth2?: boolean;
}

export const DEFAULT_PROVIDER: ProviderConfig = { submission: false, imapCertificate: 'valid', smtpCertificate: 'valid', oauth2: false };

/** The ISP's router filtering customers' outgoing port 25: silently (`drop`) or with a TCP reset (`reject`). */
export type FirewallMode = 'open' | 'drop' | 'reject';

export interface LabOptions {
  provider?: Partial<ProviderConfig>;
  /** The mailbox password. @default a random one */
  password?: string;
  /** Messages delivered to the mailbox (shown by the probes as a count). @default 1 */
  messages?: number;
  /**
   * What the lab's resolver answers for names outside the lab's zones: NXDOMAIN (`'nxdomain'`), or REFUSED as
   * a closed network's resolver does (the demo: the default command line asks the ISPDB and the default
   * control endpoints, which must fail as they would there, without leaving the machine). @default 'nxdomain'
   */
  outsideZones?: 'nxdomain' | 'refused';
}

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** @default 60000 */
  timeoutMs?: number;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit (process start included). */
  durationMs: number;
}

/** Addresses of a check command line for the lab. */
export interface CheckArgsOptions {
  /** @default LAB.address */
  address?: string;
  /** Log in (the password goes in the environment, see {@link Lab.runCheck}). @default true */
  login?: boolean;
  /** Log in with this OAuth2 access token instead of the password (`--oauth-token-env`). */
  oauthToken?: string;
  /** @default true */
  json?: boolean;
  /** @default the ISP's resolver, or the provider network's when the user is there */
  dns?: string;
  /**
   * The default command line: no --dns (the namespace's resolv.conf names the lab's resolver), no --no-ispdb,
   * the default control endpoints. Only --ca stays: the lab's servers have the lab CA's certificates.
   */
  defaults?: boolean;
  extra?: string[];
}

/** A helper process in a namespace that speaks a line protocol (resolver, control listener). */
interface Service {
  name: string;
  child: ChildProcess;
  /** Its `ready …` line. */
  ready: string;
  /** Send a command line, get its one answer line. */
  command(line: string): Promise<string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Process-exit safety net: a lab never stopped (crash, mocha --exit) is removed synchronously at exit.

const liveLabs = new Set<Lab>();
let exitHookInstalled = false;
let labsInThisProcess = 0;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const lab of liveLabs) lab.destroySync();
  });
}

function ip(...args: string[]): Promise<unknown> {
  return run('ip', args).catch((err: { stderr?: string; message: string }) => {
    throw new Error(`ip ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  });
}

/** PIDs of the processes in a named network namespace (`ip netns pids`). */
function pidsInNamespaceSync(name: string): number[] {
  try {
    return execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function removeNamespaceSync(name: string): void {
  for (const pid of pidsInNamespaceSync(name)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    /* not there */
  }
  rmSync(join(NETNS_ETC, name), { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove labs left by runs that died without cleaning up: namespaces named `md<pid>-…` (and their
 * `/etc/netns` directories) whose `<pid>` no longer runs, with every process still inside them (by PID, from
 * `ip netns pids`). Labs of live processes (another test run) are left alone. Returns the names removed.
 */
export async function cleanupStaleLabs(): Promise<string[]> {
  const removed: string[] = [];
  let listed = '';
  try {
    listed = (await run('ip', ['netns', 'list'])).stdout;
  } catch {
    return removed;
  }
  const names = new Set(listed.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => NAME_PATTERN.test(n)));
  if (existsSync(NETNS_ETC)) for (const n of readdirSync(NETNS_ETC)) if (NAME_PATTERN.test(n)) names.add(n);
  for (const name of names) {
    const owner = Number(NAME_PATTERN.exec(name)![1]);
    if (owner === process.pid || alive(owner)) continue;
    removeNamespaceSync(name);
    removed.push(name);
  }
  return removed;
}

// ---------------------------------------------------------------------------------------------------------------

export class Lab {
  /** Namespace names by role: `isp` (router), `provider`, `user`, `net`, and any added host. */
  readonly ns: Record<string, string> = {};
  readonly segments = new Map<string, SegmentSpec>();
  readonly attachments = new Map<string, Attachment>();
  readonly password: string;
  certs!: { provider: TestCertificates; isp: TestCertificates };
  ispPostfix?: PostfixInstance;
  providerPostfix?: PostfixInstance;
  providerDovecot?: DovecotInstance;
  provider: ProviderConfig = { ...DEFAULT_PROVIDER };
  firewall: FirewallMode = 'open';

  readonly #id: string;
  readonly #messages: number;
  #runDir = '';
  #dns?: Service;
  #control?: Service;
  #oauth?: Service;
  #oauthUrl = '';
  #extraZone = '';
  readonly #children = new Set<ChildProcess>();
  #stopping?: Promise<void>;

  readonly #outsideZones: 'nxdomain' | 'refused';

  private constructor(id: string, options: LabOptions) {
    this.#id = id;
    this.password = options.password ?? randomPassword();
    this.#messages = options.messages ?? 1;
    this.#outsideZones = options.outsideZones ?? 'nxdomain';
  }

  /** Prefix of this lab's namespace names (`md<pid>`). */
  get id(): string {
    return this.#id;
  }

  /** The test CA (PEM file) that signed the servers' certificates: `--ca` of a check. */
  get caFile(): string {
    return this.certs.provider.ca.certFile;
  }

  /** `HOST:PORT` of the control endpoints, for `--control`. */
  get controls(): string[] {
    return LAB.controlPorts.map((p) => `${LAB.control}:${p}`);
  }

  /** The resolver the user's machine is configured with right now, as `HOST:53`. */
  get userResolver(): string {
    return `${this.attachments.get('user')?.resolvers[0] ?? LAB.ispRouter}:53`;
  }

  /** Build the lab and start every server; on any failure, everything built so far is removed. */
  static async start(options: LabOptions = {}): Promise<Lab> {
    if (process.getuid?.() !== 0) throw new Error('the lab needs root (network namespaces, Postfix, Dovecot)');
    const n = labsInThisProcess++;
    const lab = new Lab(`md${process.pid}${n ? `_${n}` : ''}`, options);
    installExitHook();
    liveLabs.add(lab);
    try {
      await lab.#build({ ...DEFAULT_PROVIDER, ...options.provider });
      return lab;
    } catch (err) {
      await lab.stop().catch(() => undefined);
      throw err;
    }
  }

  async #build(provider: ProviderConfig): Promise<void> {
    this.#runDir = await mkdtemp(join(tmpdir(), 'maildoctor-lab-'));
    const certsP = Promise.all([
      testCertificates({ extraNames: [...LAB.providerNames, LAB.provider] }),
      testCertificates({ extraNames: [...LAB.ispNames, LAB.ispRouter] }),
    ]);
    certsP.catch(() => undefined);

    await this.addNamespace('isp');
    const router = this.ns.isp!;
    await run('ip', ['netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    for (const [name, spec] of Object.entries(DEFAULT_SEGMENTS)) await this.#addBridge(name, spec);
    await Promise.all([
      // The provider's Postfix asks DNS (blocklists) through the provider network's resolver.
      this.addHost('provider', { segment: 'provider', address: LAB.provider, resolvers: [LAB.providerRouter] }),
      this.addHost('net', { segment: 'net', address: LAB.control }),
      this.addHost('user', { segment: 'isp', address: LAB.userAddress, resolvers: [LAB.ispRouter] }, '02:00:00:00:00:77'),
    ]);

    const [providerCerts, ispCerts] = await certsP;
    this.certs = { provider: providerCerts, isp: ispCerts };
    this.provider = provider;
    const zoneFiles = await this.#writeZones();
    const dnsAddresses = [...this.segments.values()].filter((s) => s.dns).map((s) => s.routerAddress);
    const [dns, control, ispPostfix, dovecot] = await Promise.all([
      this.#startService('dns', 'isp', ['dns-main.ts', ...dnsAddresses.flatMap((a) => ['--listen', a]), ...(this.#outsideZones === 'refused' ? ['--outside', 'refused'] : []), ...zoneFiles]),
      this.#startService('control', 'net', ['control-main.ts', LAB.control, ...LAB.controlPorts.map(String)]),
      startPostfix({
        netns: router,
        listenAddress: LAB.ispRouter,
        ports: { smtp: 25 },
        mynetworks: [LAB.customers],
        myhostname: 'smtp.isp.test',
        mydomain: 'isp.test',
        certificate: ispCerts.valid,
      }),
      this.#startDovecot(),
    ]);
    this.#dns = dns;
    this.#control = control;
    this.ispPostfix = ispPostfix;
    this.providerDovecot = dovecot;
    this.providerPostfix = await this.#startProviderPostfix();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Topology

  /** Create a namespace for a role (no interfaces but `lo`; IPv6 off so interface lists are the same every run). */
  async addNamespace(role: string): Promise<string> {
    if (this.ns[role]) throw new Error(`lab: role ${role} exists`);
    if (!/^[a-z0-9]{1,12}$/.test(role)) throw new Error(`lab: role names are short lower-case words, got ${role}`);
    const name = `${this.#id}-${role}`;
    await ip('netns', 'add', name);
    this.ns[role] = name;
    await run('ip', ['netns', 'exec', name, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    await ip('-n', name, 'link', 'set', 'lo', 'up');
    return name;
  }

  async #addBridge(name: string, spec: SegmentSpec): Promise<void> {
    const router = this.ns.isp!;
    const bridge = `br-${name}`.slice(0, 15);
    await ip('-n', router, 'link', 'add', bridge, 'type', 'bridge');
    await ip('-n', router, 'addr', 'add', `${spec.routerAddress}/${spec.prefix}`, 'dev', bridge);
    await ip('-n', router, 'link', 'set', bridge, 'up');
    this.segments.set(name, spec);
  }

  /**
   * Add a segment (an L2 network behind the router), e.g. a second ISP for a machine that moves from ISP A to
   * ISP B: `addSegment('ispb', { routerAddress: '192.0.2.129', prefix: 25, dns: true })`, then
   * `moveUser({ segment: 'ispb', address: '192.0.2.177' })`. With `dns`, the resolver also answers there.
   */
  async addSegment(name: string, spec: SegmentSpec): Promise<void> {
    if (this.segments.has(name)) throw new Error(`lab: segment ${name} exists`);
    await this.#addBridge(name, spec);
    if (spec.dns && this.#dns) await this.#expectOk(this.#dns, `listen ${spec.routerAddress}`);
  }

  /** A host namespace for `role`, plugged into a segment with one veth (`eth0`) and a default route. */
  async addHost(role: string, where: Partial<Attachment> & { segment: string; address: string }, mac?: string): Promise<void> {
    const name = this.ns[role] ?? (await this.addNamespace(role));
    const router = this.ns.isp!;
    const port = `v-${role}`.slice(0, 15);
    await ip('-n', router, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', ...(mac ? ['address', mac] : []), 'netns', name);
    await ip('-n', router, 'link', 'set', port, 'up');
    await this.#plug(role, where);
  }

  /** (Re)attach a host: its bridge port, address, default route and resolv.conf. */
  async #plug(role: string, where: Partial<Attachment> & { segment: string; address: string }): Promise<void> {
    const spec = this.segments.get(where.segment);
    if (!spec) throw new Error(`lab: no segment ${where.segment}`);
    const name = this.ns[role]!;
    const router = this.ns.isp!;
    const port = `v-${role}`.slice(0, 15);
    const a: Attachment = {
      segment: where.segment,
      address: where.address,
      prefix: where.prefix ?? spec.prefix,
      gateway: where.gateway ?? spec.routerAddress,
      resolvers: where.resolvers ?? this.attachments.get(role)?.resolvers ?? [],
    };
    await ip('-n', router, 'link', 'set', port, 'nomaster');
    await ip('-n', router, 'link', 'set', port, 'master', `br-${a.segment}`.slice(0, 15));
    await ip('-n', name, 'addr', 'flush', 'dev', 'eth0');
    await ip('-n', name, 'addr', 'add', `${a.address}/${a.prefix}`, 'dev', 'eth0');
    await ip('-n', name, 'link', 'set', 'eth0', 'up');
    await ip('-n', name, 'route', 'replace', 'default', 'via', a.gateway, 'dev', 'eth0');
    await ip('-n', name, 'neigh', 'flush', 'dev', 'eth0');
    if (a.resolvers.length) {
      const dir = join(NETNS_ETC, name);
      await mkdir(dir, { recursive: true });
      // Written in place (same inode), never replaced by a rename: `ip netns exec` bind-mounts this file over
      // /etc/resolv.conf, and a process that is already running keeps seeing the inode it was given.
      await writeFile(join(dir, 'resolv.conf'), `# maildoctor lab ${this.#id}\n${a.resolvers.map((r) => `nameserver ${r}`).join('\n')}\n`);
    }
    this.attachments.set(role, a);
  }

  /**
   * Move the user's machine to another network while anything running there keeps running: re-plug its
   * bridge port, re-address `eth0`, replace the default route, rewrite resolv.conf in place.
   * `'isp'` and `'provider'` are the two standard places; anything else is an {@link Attachment}.
   */
  async moveUser(to: 'isp' | 'provider' | (Partial<Attachment> & { segment: string; address: string })): Promise<Attachment> {
    const where =
      to === 'isp'
        ? { segment: 'isp', address: LAB.userAddress, resolvers: [LAB.ispRouter] }
        : to === 'provider'
          ? { segment: 'provider', address: LAB.userOnProvider, resolvers: [LAB.providerRouter] }
          : to;
    await this.#plug('user', where);
    return this.attachments.get('user')!;
  }

  /**
   * The ISP's filter on customers' outgoing port 25 (nftables, forward chain of the router namespace):
   * `drop` (a connect times out), `reject` (TCP reset: refused at once) or `open`.
   */
  async setFirewall(mode: FirewallMode, options: { ports?: number[]; from?: string } = {}): Promise<void> {
    const ports = options.ports ?? [25];
    const from = options.from ?? LAB.customers;
    const verdict = mode === 'drop' ? 'drop' : 'reject with tcp reset';
    const rule = mode === 'open' ? '' : `ip saddr ${from} tcp dport { ${ports.join(', ')} } ${verdict}`;
    // "table; delete table; table {…}": idempotent whether or not the table exists.
    const script = `table inet mdlab\ndelete table inet mdlab\ntable inet mdlab {\n  chain forward {\n    type filter hook forward priority filter; policy accept;\n    ${rule}\n  }\n}\n`;
    await this.exec('isp', ['nft', '-f', '-'], { input: script, timeoutMs: 10_000 }).then((r) => {
      if (r.code !== 0) throw new Error(`nft: ${r.stderr.trim()}`);
    });
    this.firewall = mode;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Servers

  /** An access token the provider's servers accept for the lab's user (provider.oauth2 must be on). */
  async oauthToken(): Promise<string> {
    if (!this.#oauth) throw new Error('lab: the provider does not do OAuth2 (setProvider({ oauth2: true }))');
    const answer = await this.#oauth.command(`issue ${LAB.user}`);
    if (!answer.startsWith('ok ')) throw new Error(`lab oauth: ${answer}`);
    return answer.slice(3);
  }

  async #startDovecot(): Promise<DovecotInstance> {
    if (this.provider.oauth2 && !this.#oauth) {
      this.#oauth = await this.#startService('oauth', 'provider', ['oauth-main.ts']);
      this.#oauthUrl = this.#oauth.ready.split(' ')[1]!;
    }
    const dovecot = await startDovecot({
      ...(this.provider.oauth2 ? { oauth2IntrospectionUrl: this.#oauthUrl } : {}),
      netns: this.ns.provider!,
      listenAddress: LAB.provider,
      ports: { imap: 143, imaps: 993, pop3: 110, pop3s: 995 },
      users: [{ user: LAB.user, password: this.password }],
      certificate: this.certs.provider[this.provider.imapCertificate],
    });
    try {
      for (let i = 1; i <= this.#messages; i++) {
        await dovecot.deliver(
          LAB.user,
          `From: <welcome@disney.test>\r\nTo: <${LAB.address}>\r\nSubject: Welcome ${i}\r\nMessage-ID: <welcome-${i}@disney.test>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nHello.\r\n`,
        );
      }
    } catch (err) {
      await dovecot.stop().catch(() => undefined);
      throw err;
    }
    return dovecot;
  }

  async #startProviderPostfix(): Promise<PostfixInstance> {
    const sub = this.provider.submission;
    return startPostfix({
      netns: this.ns.provider!,
      listenAddress: LAB.provider,
      ports: { smtp: 25, submission: 587, smtps: 465 },
      submission: sub,
      smtps: sub,
      ...(sub ? { saslSocket: this.providerDovecot!.authSocket } : {}),
      mynetworks: [LAB.providerNet],
      myhostname: 'mail.disney.test',
      mydomain: 'disney.test',
      mailboxes: [{ address: LAB.address, maildir: `${LAB.user}/Maildir/` }],
      certificate: this.certs.provider[this.provider.smtpCertificate],
      ...(this.provider.blocklist ? { rblClients: [LAB.blocklist] } : {}),
    });
  }

  /**
   * Reconfigure the mailbox provider, restarting only what changes: Dovecot for its certificate, Postfix for
   * its certificate or submission (and after a Dovecot restart when submission uses Dovecot's auth socket);
   * the zone gains or loses the submission SRV records.
   */
  async setProvider(change: Partial<ProviderConfig>): Promise<void> {
    const next = { ...this.provider, ...change };
    const dovecotChanges = next.imapCertificate !== this.provider.imapCertificate || Boolean(next.oauth2) !== Boolean(this.provider.oauth2);
    const blocklistChanges = Boolean(next.blocklist) !== Boolean(this.provider.blocklist);
    const postfixChanges =
      next.smtpCertificate !== this.provider.smtpCertificate ||
      next.submission !== this.provider.submission ||
      blocklistChanges ||
      (dovecotChanges && next.submission);
    const zoneChanges = next.submission !== this.provider.submission || blocklistChanges;
    this.provider = next;
    if (postfixChanges) {
      await this.providerPostfix?.stop();
      this.providerPostfix = undefined;
    }
    if (dovecotChanges) {
      await this.providerDovecot?.stop();
      this.providerDovecot = undefined;
      this.providerDovecot = await this.#startDovecot();
    }
    if (postfixChanges) this.providerPostfix = await this.#startProviderPostfix();
    if (zoneChanges) await this.#reloadZones();
  }

  /** Extra zone lines (same format as fixtures/lab/*.zone) served on top of the lab's zone, e.g. for ISP B. */
  async setExtraZone(text: string): Promise<void> {
    this.#extraZone = text;
    await this.#reloadZones();
  }

  async #writeZones(): Promise<string[]> {
    const files = [join(ZONE_DIR, 'lab.zone')];
    if (this.provider.submission) files.push(join(ZONE_DIR, 'submission.zone'));
    if (this.provider.blocklist) files.push(join(ZONE_DIR, 'dnsbl.zone'));
    if (this.#extraZone) {
      const extra = join(this.#runDir, 'extra.zone');
      await writeFile(extra, this.#extraZone);
      files.push(extra);
    }
    return files;
  }

  async #reloadZones(): Promise<void> {
    if (!this.#dns) return;
    await this.#expectOk(this.#dns, `zones ${(await this.#writeZones()).join(' ')}`);
  }

  async #expectOk(service: Service, line: string): Promise<void> {
    const answer = await service.command(line);
    if (!answer.startsWith('ok')) throw new Error(`lab ${service.name}: ${line}: ${answer}`);
  }

  /** A helper (test/lab/*-main.ts) in a namespace; resolves once it prints `ready`. */
  async #startService(name: string, role: string, args: string[]): Promise<Service> {
    const [script, ...rest] = args;
    const child = this.spawn(role, [process.execPath, '--import', 'tsx', join(LAB_DIR, script!), ...rest], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4_000);
    });
    const lines = createInterface({ input: child.stdout! });
    const waiting: Array<(line: string) => void> = [];
    const first = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`lab ${name}: not ready after ${SERVICE_START_TIMEOUT_MS} ms\n${stderr}`)), SERVICE_START_TIMEOUT_MS);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`lab ${name} exited (${code}) during start-up\n${stderr}`));
      });
      waiting.push((line) => {
        clearTimeout(timer);
        if (line.startsWith('ready')) resolve(line);
        else reject(new Error(`lab ${name}: ${line}\n${stderr}`));
      });
    });
    lines.on('line', (line) => waiting.shift()?.(line));
    const ready = await first;
    let queue: Promise<unknown> = Promise.resolve();
    return {
      name,
      child,
      ready,
      command: (line) => {
        const answer = queue.then(
          () =>
            new Promise<string>((resolve, reject) => {
              if (child.exitCode !== null) return reject(new Error(`lab ${name} is not running\n${stderr}`));
              waiting.push(resolve);
              child.stdin!.write(`${line}\n`);
            }),
        );
        queue = answer.catch(() => undefined);
        return answer;
      },
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Running things inside

  /** Start a process in a role's namespace (`ip netns exec`, cwd = repository root); stopped with the lab. */
  spawn(role: string, argv: string[], options: { env?: NodeJS.ProcessEnv; stdio?: Array<'pipe' | 'ignore' | 'inherit'> } = {}): ChildProcess {
    const ns = this.ns[role];
    if (!ns) throw new Error(`lab: no namespace for role ${role}`);
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], {
      cwd: REPO_ROOT,
      env: options.env ?? labEnv(),
      stdio: (options.stdio ?? ['pipe', 'pipe', 'pipe']) as ['pipe', 'pipe', 'pipe'],
    });
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    child.on('error', () => undefined);
    return child;
  }

  /** Run a command in a role's namespace to completion. */
  exec(role: string, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    const child = this.spawn(role, argv, { ...(options.env ? { env: options.env } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input ?? '');
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? EXEC_TIMEOUT_MS;
      const timer = setTimeout(() => {
        if (child.pid) process.kill(child.pid, 'SIGKILL');
        reject(new Error(`lab: ${argv.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
      }, timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr, durationMs: performance.now() - started });
      });
    });
  }

  /** Arguments of `maildoctor check` for this lab: resolver, test CA, control endpoints, no ISPDB, no echo. */
  checkArgs(options: CheckArgsOptions = {}): string[] {
    if (options.defaults) {
      return ['check', options.address ?? LAB.address, '--ca', this.caFile, ...((options.login ?? true) ? ['--user', LAB.user] : []), ...((options.json ?? true) ? ['--json'] : []), ...(options.extra ?? [])];
    }
    return [
      'check',
      options.address ?? LAB.address,
      '--dns',
      options.dns ?? this.userResolver,
      '--ca',
      this.caFile,
      '--no-ispdb',
      ...this.controls.flatMap((c) => ['--control', c]),
      ...((options.login ?? true) ? ['--user', LAB.user] : []),
      ...(options.oauthToken !== undefined ? ['--oauth-token-env', LAB_TOKEN_ENV] : []),
      ...((options.json ?? true) ? ['--json'] : []),
      ...(options.extra ?? []),
    ];
  }

  /**
   * Run the CLI (from the sources, test/helpers/lab/cli.ts) in the user's namespace. The password goes in
   * MAILDOCTOR_PASSWORD, never on the command line.
   */
  runCli(args: string[], options: { password?: string; oauthToken?: string; timeoutMs?: number; command?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
    const env = labEnv({
      ...options.env,
      ...(options.password !== undefined ? { MAILDOCTOR_PASSWORD: options.password } : {}),
      ...(options.oauthToken !== undefined ? { [LAB_TOKEN_ENV]: options.oauthToken } : {}),
    });
    const command = options.command ?? [process.execPath, '--import', 'tsx', join(LAB_DIR, 'cli.ts')];
    return this.exec('user', [...command, ...args], { env, timeoutMs: options.timeoutMs ?? EXEC_TIMEOUT_MS });
  }

  /** `maildoctor check` in the user's namespace with {@link checkArgs}; logs in with the lab's password unless told otherwise. */
  runCheck(options: CheckArgsOptions & { password?: string; command?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
    const login = options.login ?? true;
    return this.runCli(this.checkArgs(options), {
      ...(options.oauthToken !== undefined ? { oauthToken: options.oauthToken } : login ? { password: options.password ?? this.password } : {}),
      ...(options.command ? { command: options.command } : {}),
      ...(options.env ? { env: options.env } : {}),
    });
  }

  /** Messages in the queues of the ISP's and the provider's Postfix (a check must leave none). */
  async queuedMessages(): Promise<{ isp: number; provider: number }> {
    const [isp, provider] = await Promise.all([this.ispPostfix?.queuedMessages() ?? 0, this.providerPostfix?.queuedMessages() ?? 0]);
    return { isp, provider };
  }

  /** The logs of the three daemons, for a failing test's message. */
  async logs(): Promise<string> {
    const parts = await Promise.all([
      this.ispPostfix?.log().then((l) => `--- ISP postfix\n${l.split('\n').slice(-30).join('\n')}`),
      this.providerPostfix?.log().then((l) => `--- provider postfix\n${l.split('\n').slice(-30).join('\n')}`),
      this.providerDovecot?.log().then((l) => `--- provider dovecot\n${l.split('\n').slice(-30).join('\n')}`),
    ]);
    return parts.filter(Boolean).join('\n');
  }

  // -------------------------------------------------------------------------------------------------------------
  // Teardown

  /** Stop every process and server, remove the namespaces and /etc/netns entries. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const errors: unknown[] = [];
    const attempt = async (what: () => Promise<unknown> | undefined): Promise<void> => {
      try {
        await what();
      } catch (err) {
        errors.push(err);
      }
    };
    await Promise.all([
      attempt(() => this.providerPostfix?.stop()),
      attempt(() => this.ispPostfix?.stop()),
      attempt(() => this.providerDovecot?.stop()),
      ...[this.#dns, this.#control, this.#oauth].map((s) => attempt(() => (s ? stopService(s) : undefined))),
    ]);
    for (const child of this.#children) {
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    this.destroySync();
    await attempt(() => (this.#runDir ? rm(this.#runDir, { recursive: true, force: true }) : undefined));
    if (errors.length) throw new AggregateError(errors, `lab ${this.#id}: ${errors.length} error(s) while stopping`);
  }

  /** Synchronous removal (also used at process exit): kill what runs in the namespaces, delete them. */
  destroySync(): void {
    for (const child of this.#children) {
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    for (const name of Object.values(this.ns)) removeNamespaceSync(name);
    if (this.#runDir) rmSync(this.#runDir, { recursive: true, force: true });
    liveLabs.delete(this);
  }
}

async function stopService(s: Service): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
  s.child.stdin?.end();
  const timer = setTimeout(() => {
    if (s.child.pid) process.kill(s.child.pid, 'SIGKILL');
  }, SERVICE_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** A small, explicit environment for processes in the lab (no proxies, no colours, nothing of the caller's). */
export function labEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', NO_COLOR: '1', LANG: 'C.UTF-8' };
  for (const k of ['HOME', 'TMPDIR']) if (process.env[k]) env[k] = process.env[k];
  return { ...env, ...extra };
}

/** Read a file the lab wrote inside /etc/netns (for tests of moveUser). */
export function resolvConfOf(lab: Lab, role = 'user'): Promise<string> {
  return readFile(join(NETNS_ETC, lab.ns[role]!, 'resolv.conf'), 'utf8');
}
