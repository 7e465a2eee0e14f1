/**
 * Fakes for agent tests and the agent benchmark: a report builder (a CheckReport with only what the agent
 * reads filled in), a controllable check function, and a mutable fingerprint source.
 */
import type { CheckOptions } from '../../../src/check/check.js';
import { REPORT_SCHEMA_VERSION, type CheckProbe, type CheckReport, type Setting } from '../../../src/report/types.js';
import type { Verdict } from '../../../src/agent/summary.js';

export interface FakeReportSpec {
  address?: string;
  sending?: Verdict;
  receiving?: Verdict;
  /** Outgoing server host; `null` for none. */
  outgoing?: string | null;
  outgoingPort?: number;
  incoming?: string | null;
  hybrid?: boolean;
  provider?: string;
  gateway?: string;
  /** A certificate on the outgoing server expiring in this many days. */
  certDays?: number;
  /** Text put in a finding summary (to test that a leaked secret is scrubbed). */
  findingText?: string;
}

function setting(role: Setting['role'], host: string, port: number, security: Setting['security'], auth: Setting['auth'], verified: boolean): Setting {
  return { role, host, port, security, auth, verified, reason: { msg: 'reason.loggedIn' }, probe: `${role}:${host}:${port}` };
}

function probe(purpose: CheckProbe['purpose'], protocol: CheckProbe['protocol'], host: string, port: number, ok: boolean, certDays?: number): CheckProbe {
  const validTo = certDays === undefined ? undefined : new Date(Date.now() + certDays * 86_400_000).toUTCString();
  return {
    id: `${purpose}:${host}:${port}`,
    purpose,
    role: protocol.startsWith('imap') ? 'imap' : 'smtp',
    protocol,
    host,
    port,
    security: 'tls',
    withAuth: purpose !== 'network-smtp',
    relayTest: protocol.startsWith('smtp'),
    sources: ['srv'],
    result: {
      protocol,
      target: { host, port, address: '192.0.2.1', family: 4 },
      ok,
      security: 'tls',
      startedAt: new Date().toISOString(),
      durationMs: 42,
      phases: [
        { name: 'connect', startMs: 0, durationMs: 3, ok: true },
        { name: 'tls', startMs: 3, durationMs: 12, ok: true },
        { name: 'greeting', startMs: 15, durationMs: 5, ok },
      ],
      ...(validTo
        ? {
            tls: {
              mode: 'implicit' as const,
              trusted: true,
              hostnameMatch: true,
              certificate: { subject: `CN=${host}`, subjectAltNames: [host], issuer: 'CN=Test CA', validFrom: new Date().toUTCString(), validTo, daysLeft: certDays!, fingerprint256: 'AA', serialNumber: '01', selfSigned: false },
            },
          }
        : {}),
      capabilities: [],
      warnings: [],
      skipped: [],
      transcript: [],
      // The agent reads `ok` and the TLS facts only; a failed fake carries no error of its own.
    } as CheckProbe['result'],
  };
}

/** A report as `check()` would return it, reduced to what the agent reads. */
export function makeReport(spec: FakeReportSpec = {}): CheckReport {
  const address = spec.address ?? 'alice@mailbox.test';
  const domain = address.split('@')[1]!;
  const sending = spec.sending ?? 'works';
  const receiving = spec.receiving ?? 'works';
  const outHost = spec.outgoing === undefined ? `mail.${domain}` : spec.outgoing;
  const inHost = spec.incoming === undefined ? `mail.${domain}` : spec.incoming;
  const outgoing = sending !== 'fails' && outHost ? setting('smtp', outHost, spec.outgoingPort ?? (spec.hybrid ? 25 : 465), spec.hybrid ? 'starttls' : 'tls', spec.hybrid ? 'none' : 'password', sending === 'works') : undefined;
  const incoming = receiving !== 'fails' && inHost ? setting('imap', inHost, 993, 'tls', 'password', receiving === 'works') : undefined;
  const probes: CheckProbe[] = [];
  if (inHost) probes.push(probe('incoming', 'imaps', inHost, 993, receiving !== 'fails'));
  if (outHost) probes.push(probe(spec.hybrid ? 'network-smtp' : 'outgoing', 'smtps', outHost, spec.outgoingPort ?? (spec.hybrid ? 25 : 465), sending !== 'fails', spec.certDays));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    address,
    domain,
    startedAt: new Date().toISOString(),
    durationMs: 120,
    credentials: { user: 'alice', provided: true },
    network: {
      platform: 'linux',
      interfaces: [],
      defaultRoutes: {},
      resolvers: ['198.51.100.1:53'],
      resolverSource: 'resolv.conf',
      unknown: [],
      collectedAt: new Date().toISOString(),
      durationMs: 1,
      queriedResolvers: [],
      fingerprint: 'f',
      localFingerprint: 'l',
      ...(spec.gateway ? { gateway: spec.gateway } : {}),
      ...(spec.provider ? { provider: { domain: spec.provider, smtp: [], autoconfig: {} as never, ispdb: {} as never, unresolvedGuesses: [] } } : {}),
    },
    discovery: {} as CheckReport['discovery'],
    probes,
    relayRecipient: 'maildoctor-relay-test@example.net',
    servers: [],
    findings: spec.findingText ? [{ code: 'AUTH_FAILED', severity: 'error', params: { hosts: [spec.findingText], user: 'alice' }, evidence: [], probes: [] }] : [],
    recommendation: { ...(incoming ? { incoming } : {}), ...(outgoing ? { outgoing } : {}), hybrid: Boolean(spec.hybrid && outgoing), alternatives: [], notes: [] },
    status: { sending, receiving },
  };
}

export interface FakeCall {
  address: string;
  options: Partial<CheckOptions>;
  signal: AbortSignal;
  /** Finish a held call with this report. */
  resolve(report: CheckReport): void;
  settled: Promise<void>;
}

/**
 * A check function. By default it answers at once with `respond(address)`; `hold = true` makes calls wait
 * until the test resolves them (or their signal aborts them, as the real check does).
 */
export class FakeCheck {
  readonly calls: FakeCall[] = [];
  hold = false;
  /** Honour the abort signal (the real check does). */
  honourAbort = true;
  respond: (address: string) => CheckReport = (address) => makeReport({ address });

  readonly fn = (address: string, options: Partial<CheckOptions>): Promise<CheckReport> => {
    const signal = options.signal ?? new AbortController().signal;
    let resolveFn!: (r: CheckReport) => void;
    let rejectFn!: (e: unknown) => void;
    const p = new Promise<CheckReport>((res, rej) => {
      resolveFn = res;
      rejectFn = rej;
    });
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.calls.push({ address, options, signal, resolve: resolveFn, settled });
    if (this.honourAbort) {
      if (signal.aborted) rejectFn(signal.reason);
      signal.addEventListener('abort', () => rejectFn(signal.reason), { once: true });
    }
    if (!this.hold) resolveFn(this.respond(address));
    return p;
  };

  callsFor(address: string): FakeCall[] {
    return this.calls.filter((c) => c.address === address);
  }
}

/** A fingerprint the test sets. */
export class FakeNetwork {
  value = 'net-A';
  reads = 0;
  readonly source = (): string => {
    this.reads++;
    return this.value;
  };
}
