/**
 * `check(address)`: discovery and network identity, then every candidate probed in parallel under one global
 * deadline and per-probe deadlines, with staggered starts; then the pure report builder.
 */
import type { ConfiguredServer } from '../thunderbird/profile.js';
import { isEnvelopeAddress, parseAddress } from '../discovery/address.js';
import { discover } from '../discovery/discover.js';
import type { DiscoverOptions, ServerCandidate } from '../discovery/types.js';
import { usageError } from '../i18n/index.js';
import { abortedReason } from '../lib/deadline.js';
import { parseHostPort } from '../lookup/host-port.js';
import { assertTimeout, openSession, type LookupOptions } from '../lookup/session.js';
import { networkIdentity } from '../network/identity.js';
import type { NetworkIdentityOwnOptions } from '../network/types.js';
import { prepareTls } from '../lib/tls.js';
import { isOAuth } from '../lib/oauth.js';
import type { Credentials, PhaseTimeouts, ProbeOptions, Protocol } from '../lib/types.js';
import { buildReport } from '../report/index.js';
import { hybridSpfQuestion, txtAnswer } from '../report/spf-caveat.js';
import { gatherBlocklists, type BlocklistOptions } from './blocklists.js';
import { gatherSpf } from './spf-facts.js';
import { LoginGates, PlanRunner, samePlan, type PlannedProbe } from './runner.js';
import type { CheckFacts, CheckProbe, CheckReport, ProbePurpose } from '../report/types.js';

export * from './defaults.js';
import { CHECK_TIMEOUT_MS, CONTROL_BANNER_WAIT_MS, DEFAULT_CONTROLS, PLAINTEXT_SMTP_PORTS, DEFAULT_RELAY_RECIPIENT, MAX_HOSTS_PER_ROLE } from './defaults.js';

export interface CheckProgress {
  type: 'phase' | 'probe-start' | 'probe-done';
  /** 'discovery' | 'network' | 'probes' | 'report' for phase events. */
  phase?: string;
  probe?: Pick<CheckProbe, 'id' | 'purpose' | 'protocol' | 'host' | 'port'> & { ok?: boolean; code?: string; durationMs?: number };
  done?: number;
  total?: number;
}

/**
 * Options of `check()`. The lookup ones (`dns`, `ca`, `ispdbBaseUrl`, `autoconfig`…) open the check's one lookup
 * session, which discovery, network identity and the probes share: `ispdbBaseUrl` governs the ISPDB questions of
 * both discovery (the address's domain) and network identity (the provider's).
 */
export interface CheckOptions extends Omit<LookupOptions, 'timeoutMs' | 'signal'> {
  /** Log in with these (the password never appears in the report). */
  credentials: Credentials;
  allowPlaintextAuth: boolean;
  /** RCPT TO of relay tests. @default DEFAULT_RELAY_RECIPIENT */
  relayRecipient: string;
  /** Control endpoints `HOST[:PORT]` (default port 25). @default DEFAULT_CONTROLS */
  controls: string[];
  /** @default CHECK_TIMEOUT_MS */
  timeoutMs: number;
  /** @default CHECK_PROBE_TIMEOUT_MS */
  probeTimeoutMs: number;
  phaseTimeouts: Partial<PhaseTimeouts>;
  /** @default STAGGER_MS */
  staggerMs: number;
  /** @default MAX_CONCURRENT_PROBES */
  concurrency: number;
  /** @default MAX_HOSTS_PER_ROLE */
  maxHostsPerRole: number;
  signal: AbortSignal;
  onProgress: (event: CheckProgress) => void;
  /** Discovery's own deadline (within the check's). */
  discovery: Partial<Pick<DiscoverOptions, 'timeoutMs'>>;
  /** Passed to networkIdentity() (echo URL, its own deadline…). */
  network: Partial<NetworkIdentityOwnOptions>;
  /** Probe the current network provider's SMTP servers (the hybrid option). @default true */
  probeNetworkSmtp: boolean;
  /** DNS blocklist lookups of the public address (`--dnsbl`, `--no-dnsbl`). @default when a refusal suggests it */
  dnsbl: BlocklistOptions;
  /** Servers the user's mail client is set up with (a Thunderbird profile): probed as configured, besides discovery. */
  configured: ConfiguredServer[];
}


/**
 * Diagnose `address` from this network. Resolves with a report for every server or network failure; rejects
 * with a UsageError for a malformed input, and with a MaildoctorError `ABORTED` when the caller's `signal`
 * aborts: a check cut short has no verdict, and a report of aborted probes would claim that nothing works.
 */
export async function check(address: string, options: Partial<CheckOptions> = {}): Promise<CheckReport> {
  const parsed = parseAddress(address); // UsageError on malformed input
  const relayRecipient = options.relayRecipient ?? DEFAULT_RELAY_RECIPIENT;
  if (!isEnvelopeAddress(relayRecipient)) throw usageError('usage.relayRecipient', { value: relayRecipient });
  const controlSpecs = (options.controls ?? DEFAULT_CONTROLS).map(parseControl);
  assertTimeout('timeoutMs', options.timeoutMs);
  assertTimeout('probeTimeoutMs', options.probeTimeoutMs);
  const progress = options.onProgress ?? (() => {});
  // The check's one lookup session: the resolver setting is resolved here, once; its deadline is the check's.
  const { dns: dnsOption, ...rest } = options;
  const session = await openSession({ ...rest, ...(dnsOption ? { dns: dnsOption } : {}) }, CHECK_TIMEOUT_MS);
  const { deadline, dns } = session;
  const started = new Date();
  const logins = new LoginGates();
  try {
    progress({ type: 'phase', phase: 'discovery' });
    // While the first questions are on the wire: the TLS set-up every probe's first handshake would wait for.
    setImmediate(() => prepareTls(options.ca));
    // Pipelined (issue 13): a probe starts as soon as its server is known. Probes resolve names through the
    // session (so --dns means one view of DNS), reusing every address discovery and network identity learnt.
    const runner = new PlanRunner({ ...options, lookup: session.lookup }, deadline, progress);
    const none = { imap: [], pop3: [], smtp: [] };
    runner.add(planProbes(none, [], controlSpecs, options, parsed.address)); // the controls depend on nothing
    // The servers the DNS sources name (MX, SRV, guesses) start while autoconfig and the ISPDB are still asked.
    // Autoconfig can name the user name to log in with, and a login under another name would be a failed login
    // on the user's account (a lockout counter): an early probe's login waits at its gate for the whole plan.
    const early = (candidates: Record<'imap' | 'pop3' | 'smtp', ServerCandidate[]>): void => {
      if (deadline.signal.aborted) return;
      runner.add(planProbes(candidates, [], [], options, parsed.address).map((p) => (p.withAuth && !runner.started(p.id) ? logins.gate(p) : p)));
    };
    // The network provider's guessed servers, likewise (the hybrid option's relay test needs no login).
    const earlyNetwork = (smtp: ServerCandidate[]): void => {
      if (!deadline.signal.aborted) runner.add(planProbes(none, smtp, [], options, parsed.address));
    };
    const [discovery, network] = await Promise.all([
      discover(parsed, session, { ...options.discovery, onCandidates: early }),
      networkIdentity(session, { ...options.network, onProviderSmtp: earlyNetwork }),
    ]);
    throwIfCallerAborted(options.signal);

    // The whole plan, every source in: an early probe stands for its final one when it asked the same thing.
    const plan = planProbes(discovery.candidates, network.provider?.smtp ?? [], controlSpecs, options, parsed.address);
    logins.settle(plan);
    const changed = plan.filter((p) => runner.started(p.id) && !samePlan(runner.started(p.id)!.planned, p));
    runner.add(plan.filter((p) => !runner.started(p.id)));
    runner.replace(changed);
    const planned = new Set(plan.map((p) => p.id));
    // Sources are the final plan's (the report lists every source); early probes no later plan kept ran, and are
    // reported after. Not an early network-provider probe of a server the plan probes as the mailbox's own (the
    // user is on the provider's network): the report has that server once, as the mailbox's; it is awaited all the same.
    const unplanned = runner.all().filter((s) => !planned.has(s.planned.id));
    const extra = unplanned.filter((s) => s.planned.purpose !== 'network-smtp');
    progress({ type: 'phase', phase: 'probes', total: plan.length + extra.length, done: 0 });
    const [results] = await Promise.all([
      Promise.all([...plan.map(async (p) => ({ ...(await runner.started(p.id)!.record), sources: p.sources })), ...extra.map((s) => s.record)]),
      Promise.all(unplanned.filter((s) => s.planned.purpose === 'network-smtp').map((s) => s.record)),
    ]);
    throwIfCallerAborted(options.signal);
    // Facts the probes call for: blocklists after a refusal, the domain's SPF for a hybrid server's address.
    const spfQuestions = results
      .filter((p) => p.purpose === 'network-smtp' && p.result.relay?.accepted)
      .flatMap((p) => hybridSpfQuestion(parsed, p) ?? []);
    const [blocklists, spfAnswers] = await Promise.all([
      gatherBlocklists(dns, network, results, options.dnsbl ?? {}, deadline.signal),
      spfQuestions.length ? gatherSpf(dns, spfQuestions, [txtAnswer(parsed.domain, discovery.facts.spf)], deadline.signal) : undefined,
    ]);
    throwIfCallerAborted(options.signal);

    progress({ type: 'phase', phase: 'report' });
    const facts: CheckFacts = {
      address: parsed.address,
      domain: parsed.domain,
      startedAt: started.toISOString(),
      durationMs: Math.round(deadline.elapsed()),
      credentials: {
        ...(options.credentials ? { user: options.credentials.user } : {}),
        provided: Boolean(options.credentials),
        ...(options.credentials ? { kind: isOAuth(options.credentials) ? ('oauth2' as const) : ('password' as const) } : {}),
      },
      network,
      discovery,
      probes: results,
      relayRecipient,
      ...(spfAnswers ? { spf: { answers: spfAnswers } } : {}),
      ...(blocklists ? { blocklists } : {}),
      ...(options.configured ? { clientSettings: options.configured.filter((c) => c.addresses.includes(parsed.address)) } : {}),
    };
    return buildReport(facts);
  } catch (err) {
    // A step threw (a UsageError from one of the parallel steps): the others must not run on in the background,
    // and no early login goes out.
    logins.settle([]);
    deadline.cancel(abortedReason(err, 'check'));
    throw err;
  } finally {
    await session.close();
  }
}

function throwIfCallerAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedReason(signal.reason);
}

function parseControl(spec: string): { host: string; port: number } {
  const { host, port } = parseHostPort(spec, '--control');
  return { host, port: port ?? 25 };
}

const ROLE_PROTOCOL: Record<'imap' | 'pop3' | 'smtp', { tls: Protocol; plain: Protocol }> = {
  imap: { tls: 'imaps', plain: 'imap' },
  pop3: { tls: 'pop3s', plain: 'pop3' },
  smtp: { tls: 'smtps', plain: 'smtp' },
};

export function planProbes(
  candidates: Record<'imap' | 'pop3' | 'smtp', ServerCandidate[]>,
  networkSmtp: ServerCandidate[],
  controls: Array<{ host: string; port: number }>,
  options: Partial<CheckOptions>,
  address: string,
): PlannedProbe[] {
  const maxHosts = options.maxHostsPerRole ?? MAX_HOSTS_PER_ROLE;
  const creds = options.credentials;
  const plan: PlannedProbe[] = [];
  const base = (purpose: ProbePurpose, c: Pick<ServerCandidate, 'role' | 'host' | 'port' | 'security' | 'username' | 'sources' | 'addresses'>, withAuth: boolean, relayTest: boolean): PlannedProbe => {
    const protocol = c.security === 'tls' ? ROLE_PROTOCOL[c.role].tls : ROLE_PROTOCOL[c.role].plain;
    // Port 25 is for server-to-server mail: STARTTLS is taken when offered, not demanded.
    const starttls = c.security === 'starttls' ? (c.role === 'smtp' && c.port === 25 ? 'optional' : 'required') : 'never';
    const user = c.username ?? creds?.user;
    const probeOptions: Partial<ProbeOptions> = {
      ...(c.security !== 'tls' ? { starttls } : {}),
      ...(withAuth && creds && user ? { credentials: { ...creds, user } } : {}),
      ...(relayTest ? { relayTest: { from: address, to: options.relayRecipient ?? DEFAULT_RELAY_RECIPIENT } } : {}),
    };
    return {
      id: `${purpose}:${c.host}:${c.port}${withAuth ? ':auth' : ''}`,
      purpose,
      role: c.role,
      protocol,
      host: c.host,
      port: c.port,
      security: c.security,
      withAuth,
      relayTest,
      sources: purpose === 'network-smtp' ? ['network'] : purpose === 'configured' ? ['thunderbird'] : c.sources,
      options: probeOptions,
      server: c.addresses[0] ?? c.host,
    };
  };
  const topHosts = (list: ServerCandidate[]): ServerCandidate[] => {
    const hosts = [...new Set(list.filter((c) => c.resolves).map((c) => c.host))].slice(0, maxHosts);
    return list.filter((c) => c.resolves && hosts.includes(c.host));
  };
  for (const role of ['imap', 'pop3'] as const) {
    for (const c of topHosts(candidates[role])) plan.push(base('incoming', c, Boolean(creds), false));
  }
  const mailboxSmtpHosts = new Set<string>();
  for (const c of topHosts(candidates.smtp)) {
    mailboxSmtpHosts.add(c.host);
    plan.push(base('outgoing', c, false, true));
    if (creds) plan.push(base('outgoing', c, true, true));
  }
  if (options.probeNetworkSmtp ?? true) {
    for (const c of topHosts(networkSmtp).filter((x) => !mailboxSmtpHosts.has(x.host))) plan.push(base('network-smtp', c, false, true));
  }
  // Exactly what the mail client has, with its own security and login (a password only where it uses one).
  for (const c of (options.configured ?? []).filter((x) => x.addresses.includes(address))) {
    const candidate = { ...c, sources: [], addresses: [] };
    plan.push(base('configured', candidate, Boolean(creds) && c.auth === 'password', c.role === 'smtp'));
  }
  for (const ctl of controls) {
    plan.push({
      id: `control:${ctl.host}:${ctl.port}`,
      purpose: 'control',
      role: 'tcp',
      protocol: 'tcp',
      host: ctl.host,
      port: ctl.port,
      security: 'plain',
      withAuth: false,
      relayTest: false,
      sources: ['control'],
      options: PLAINTEXT_SMTP_PORTS.includes(ctl.port) ? { bannerWaitMs: CONTROL_BANNER_WAIT_MS } : {},
      server: ctl.host,
    });
  }
  return plan;
}
