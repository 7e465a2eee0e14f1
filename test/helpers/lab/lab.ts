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
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestCertificates } from '../certs.js';
import { randomPassword, type DovecotInstance } from '../harness/dovecot.js';
import type { PostfixInstance } from '../harness/postfix.js';
import { REPO_ROOT } from '../paths.js';
import { addBridge, addVeth, attachmentOf, createNamespace, installExitHook, liveLabs, plug, removeNamespaceSync, run } from './namespaces.js';
import { attempter, cliEnv, EXEC_TIMEOUT_MS, expectOk, killAll, runToEnd, spawnIn, startService, stopService, type Service } from './processes.js';
import { checkArgsFor, daemonLogs, firewallScript, labCertificates, providerChanges, startIspPostfix, startProviderDovecot, startProviderPostfix, zoneFiles } from './servers.js';
import {
  DEFAULT_PROVIDER,
  DEFAULT_SEGMENTS,
  LAB,
  USER_PLACES,
  type Attachment,
  type CheckArgsOptions,
  type ExecOptions,
  type ExecResult,
  type FirewallMode,
  type LabOptions,
  type ProviderConfig,
  type SegmentSpec,
} from './types.js';

export { REPO_ROOT };
export * from './types.js';
export { cleanupStaleLabs, resolvConfOf } from './namespaces.js';
export { labEnv } from './processes.js';

/** Where the `*-main.ts` services and cli.ts live. */
const LAB_DIR = fileURLToPath(new URL('.', import.meta.url));
let labsInThisProcess = 0;

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
    const certsP = labCertificates();

    await this.addNamespace('isp');
    const router = this.ns.isp!;
    await run('ip', ['netns', 'exec', router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    for (const [name, spec] of Object.entries(DEFAULT_SEGMENTS)) await addBridge(router, name, spec).then(() => this.segments.set(name, spec));
    await Promise.all([
      // The provider's Postfix asks DNS (blocklists) through the provider network's resolver.
      this.addHost('provider', { segment: 'provider', address: LAB.provider, resolvers: [LAB.providerRouter] }),
      this.addHost('net', { segment: 'net', address: LAB.control }),
      this.addHost('user', { segment: 'isp', address: LAB.userAddress, resolvers: [LAB.ispRouter] }, '02:00:00:00:00:77'),
    ]);

    this.certs = await certsP;
    this.provider = provider;
    const zoneFiles = await this.#writeZones();
    const dnsAddresses = [...this.segments.values()].filter((s) => s.dns).map((s) => s.routerAddress);
    const [dns, control, ispPostfix, dovecot] = await Promise.all([
      this.#startService('dns', 'isp', ['dns-main.ts', ...dnsAddresses.flatMap((a) => ['--listen', a]), ...(this.#outsideZones === 'refused' ? ['--outside', 'refused'] : []), ...zoneFiles]),
      this.#startService('control', 'net', ['control-main.ts', LAB.control, ...LAB.controlPorts.map(String)]),
      startIspPostfix(router, this.certs.isp.valid),
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
    await createNamespace(name);
    this.ns[role] = name;
    return name;
  }

  /**
   * Add a segment (an L2 network behind the router), e.g. a second ISP for a machine that moves from ISP A to
   * ISP B: `addSegment('ispb', { routerAddress: '192.0.2.129', prefix: 25, dns: true })`, then
   * `moveUser({ segment: 'ispb', address: '192.0.2.177' })`. With `dns`, the resolver also answers there.
   */
  async addSegment(name: string, spec: SegmentSpec): Promise<void> {
    if (this.segments.has(name)) throw new Error(`lab: segment ${name} exists`);
    await addBridge(this.ns.isp!, name, spec);
    this.segments.set(name, spec);
    if (spec.dns && this.#dns) await expectOk(this.#dns, `listen ${spec.routerAddress}`);
  }

  /** A host namespace for `role`, plugged into a segment with one veth (`eth0`) and a default route. */
  async addHost(role: string, where: Partial<Attachment> & { segment: string; address: string }, mac?: string): Promise<void> {
    const name = this.ns[role] ?? (await this.addNamespace(role));
    await addVeth(this.ns.isp!, role, name, mac);
    await this.#plug(role, where);
  }

  /** (Re)attach a host: its bridge port, address, default route and resolv.conf. */
  async #plug(role: string, where: Partial<Attachment> & { segment: string; address: string }): Promise<void> {
    const spec = this.segments.get(where.segment);
    if (!spec) throw new Error(`lab: no segment ${where.segment}`);
    const a = attachmentOf(spec, where, this.attachments.get(role));
    await plug(this.ns.isp!, this.ns[role]!, role, a, this.#id);
    this.attachments.set(role, a);
  }

  /**
   * Move the user's machine to another network while anything running there keeps running: re-plug its
   * bridge port, re-address `eth0`, replace the default route, rewrite resolv.conf in place.
   * `'isp'` and `'provider'` are the two standard places; anything else is an {@link Attachment}.
   */
  async moveUser(to: 'isp' | 'provider' | (Partial<Attachment> & { segment: string; address: string })): Promise<Attachment> {
    await this.#plug('user', typeof to === 'string' ? USER_PLACES[to] : to);
    return this.attachments.get('user')!;
  }

  /**
   * The ISP's filter on customers' outgoing port 25 (nftables, forward chain of the router namespace):
   * `drop` (a connect times out), `reject` (TCP reset: refused at once) or `open`.
   */
  async setFirewall(mode: FirewallMode, options: { ports?: number[]; from?: string } = {}): Promise<void> {
    const script = firewallScript(mode, options);
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
    return startProviderDovecot({
      ns: this.ns.provider!,
      password: this.password,
      messages: this.#messages,
      certificate: this.certs.provider[this.provider.imapCertificate],
      ...(this.provider.oauth2 ? { oauthUrl: this.#oauthUrl } : {}),
    });
  }

  async #startProviderPostfix(): Promise<PostfixInstance> {
    return startProviderPostfix({
      ns: this.ns.provider!,
      provider: this.provider,
      certificate: this.certs.provider[this.provider.smtpCertificate],
      ...(this.provider.submission ? { authSocket: this.providerDovecot!.authSocket } : {}),
    });
  }

  /**
   * Reconfigure the mailbox provider, restarting only what changes: Dovecot for its certificate, Postfix for
   * its certificate or submission (and after a Dovecot restart when submission uses Dovecot's auth socket);
   * the zone gains or loses the submission SRV records.
   */
  async setProvider(change: Partial<ProviderConfig>): Promise<void> {
    const next = { ...this.provider, ...change };
    const { dovecotChanges, postfixChanges, zoneChanges } = providerChanges(this.provider, next);
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

  #writeZones(): Promise<string[]> {
    return zoneFiles(this.provider, this.#extraZone, this.#runDir);
  }

  async #reloadZones(): Promise<void> {
    if (!this.#dns) return;
    await expectOk(this.#dns, `zones ${(await this.#writeZones()).join(' ')}`);
  }

  /** A helper (the `*-main.ts` beside this file) in a namespace; resolves once it prints `ready`. */
  async #startService(name: string, role: string, args: string[]): Promise<Service> {
    const [script, ...rest] = args;
    return startService(name, this.spawn(role, [process.execPath, '--import', 'tsx', join(LAB_DIR, script!), ...rest], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Running things inside

  /** Start a process in a role's namespace (`ip netns exec`, cwd = repository root); stopped with the lab. */
  spawn(role: string, argv: string[], options: { env?: NodeJS.ProcessEnv; stdio?: Array<'pipe' | 'ignore' | 'inherit'> } = {}): ChildProcess {
    const ns = this.ns[role];
    if (!ns) throw new Error(`lab: no namespace for role ${role}`);
    const child = spawnIn(ns, argv, options);
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
    return child;
  }

  /** Run a command in a role's namespace to completion. */
  exec(role: string, argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    const started = performance.now();
    return runToEnd(this.spawn(role, argv, { ...(options.env ? { env: options.env } : {}) }), argv, options, started);
  }

  /** Arguments of `maildoctor check` for this lab: resolver, test CA, control endpoints, no ISPDB, no echo. */
  checkArgs(options: CheckArgsOptions = {}): string[] {
    return checkArgsFor({ caFile: this.caFile, resolver: this.userResolver, controls: this.controls }, options);
  }

  /**
   * Run the CLI (from the sources, test/helpers/lab/cli.ts) in the user's namespace. The password goes in
   * MAILDOCTOR_PASSWORD, never on the command line.
   */
  runCli(args: string[], options: { password?: string; oauthToken?: string; timeoutMs?: number; command?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
    const env = cliEnv(options);
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
  logs(): Promise<string> {
    return daemonLogs([['ISP postfix', this.ispPostfix], ['provider postfix', this.providerPostfix], ['provider dovecot', this.providerDovecot]]);
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
    const attempt = attempter(errors);
    await Promise.all([
      attempt(() => this.providerPostfix?.stop()),
      attempt(() => this.ispPostfix?.stop()),
      attempt(() => this.providerDovecot?.stop()),
      ...[this.#dns, this.#control, this.#oauth].map((s) => attempt(() => (s ? stopService(s) : undefined))),
    ]);
    killAll(this.#children);
    this.destroySync();
    await attempt(() => (this.#runDir ? rm(this.#runDir, { recursive: true, force: true }) : undefined));
    if (errors.length) throw new AggregateError(errors, `lab ${this.#id}: ${errors.length} error(s) while stopping`);
  }

  /** Synchronous removal (also used at process exit): kill what runs in the namespaces, delete them. */
  destroySync(): void {
    killAll(this.#children);
    for (const name of Object.values(this.ns)) removeNamespaceSync(name);
    if (this.#runDir) rmSync(this.#runDir, { recursive: true, force: true });
    liveLabs.delete(this);
  }
}
