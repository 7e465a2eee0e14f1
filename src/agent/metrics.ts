/**
 * The agent's Prometheus metrics, in a Registry of its own (lib/metrics.ts). Per-account and per-server gauges
 * come from the last report; counters count what the agent did. Series of servers that a later check no longer
 * probes are removed, so a network change does not leave stale servers behind.
 */
import type { Gauge } from 'prom-client';
import { MetricRegistry } from '../lib/metrics.js';
import { isOAuthMechanism } from '../lib/oauth.js';
import type { CheckReport } from '../report/types.js';
import type { AlertKind } from './alert.js';

/** Length of the fingerprint prefix in the `network` label: enough to tell networks apart, short to read. */
export const FINGERPRINT_LABEL_LENGTH = 12;
/** Event-loop delay sampling of the default metrics: coarse on purpose, an idle agent should cost nothing. */
const EVENT_LOOP_PRECISION_MS = 100;

const PROBE_LABELS = ['account', 'purpose', 'protocol', 'host', 'port', 'auth'] as const;

type ProbeLabels = Record<(typeof PROBE_LABELS)[number], string>;

export type CheckOutcome = 'completed' | 'aborted' | 'discarded' | 'error';

export class AgentMetrics extends MetricRegistry {
  readonly accountStatus = this.gauge('maildoctor_account_status', 'Verdict of the last check per account and direction: 1 for the current status (works, unverified, fails), 0 for the others', ['account', 'direction', 'status']);
  readonly accountHybrid = this.gauge('maildoctor_account_hybrid', '1 when the recommended outgoing server is the current network’s own SMTP server (hybrid account)', ['account']);
  readonly recommendation = this.gauge('maildoctor_account_recommendation_info', 'The recommended settings of the last check (value 1; the settings are in the labels)', ['account', 'role', 'host', 'port', 'security', 'auth', 'verified']);
  readonly probeSuccess = this.gauge('maildoctor_probe_success', 'Whether the probe of one server port succeeded in the last check (1) or not (0)', PROBE_LABELS);
  readonly probeDuration = this.gauge('maildoctor_probe_duration_seconds', 'Duration of each phase of the last probe of one server port (phase="total" for the whole probe)', [...PROBE_LABELS, 'phase']);
  readonly certExpiry = this.gauge('maildoctor_probe_cert_expiry_timestamp_seconds', 'notAfter of the certificate the server presented, as a Unix timestamp', ['account', 'host', 'port']);
  readonly certDays = this.gauge('maildoctor_probe_cert_expiry_days', 'Days until the certificate the server presented expires (negative: expired)', ['account', 'host', 'port']);
  readonly lastCheck = this.gauge('maildoctor_check_last_timestamp_seconds', 'When the last completed check of the account finished, as a Unix timestamp', ['account']);
  readonly checkDuration = this.gauge('maildoctor_check_duration_seconds', 'Duration of the last completed check of the account', ['account']);
  readonly checks = this.counter('maildoctor_checks_total', 'Checks run, by outcome: completed, aborted (network change or shutdown), discarded (network changed under it), error', ['account', 'outcome']);
  readonly networkChanges = this.counter('maildoctor_network_changes_total', 'Network changes seen (after debouncing)');
  readonly networkLastChange = this.gauge('maildoctor_network_last_change_timestamp_seconds', 'When the last network change was accepted, as a Unix timestamp');
  readonly networkInfo = this.gauge('maildoctor_network_info', 'The current network (value 1): fingerprint prefix, gateway and provider as seen by the last check', ['network', 'gateway', 'provider']);
  readonly alerts = this.counter('maildoctor_alerts_total', 'Alerts raised, by account and kind (broken, recovered, settings-changed)', ['account', 'kind']);
  readonly notifications = this.counter('maildoctor_notifications_total', 'Alert deliveries by notifier and outcome (sent, failed, dropped, skipped)', ['notifier', 'outcome']);
  readonly stateErrors = this.counter('maildoctor_state_errors_total', 'State file problems by operation (read, parse, write); the agent keeps running', ['op']);
  readonly reloads = this.counter('maildoctor_config_reloads_total', 'Config reloads (SIGHUP or POST /-/reload) by outcome', ['outcome']);
  readonly startTime = this.gauge('maildoctor_agent_start_time_seconds', 'When the agent started, as a Unix timestamp');

  /** Label sets per account that the last report set, to remove them when the next one does not. */
  readonly #series = new Map<string, Array<() => void>>();
  #network: { network: string; gateway: string; provider: string } | undefined;

  constructor(options: { defaultMetrics?: boolean; now?: number } = {}) {
    super();
    if (options.defaultMetrics ?? true) this.processMetrics(EVENT_LOOP_PRECISION_MS);
    this.startTime.set(Math.round((options.now ?? Date.now()) / 1000));
    // Counters exported at 0 from the start, so increase() and absent() rules work before the first event.
    this.networkChanges.inc(0);
    for (const op of ['read', 'parse', 'write']) this.stateErrors.inc({ op }, 0);
  }

  /** Record what a completed check says about an account. */
  recordReport(account: string, report: CheckReport, finishedAt: number): void {
    for (const remove of this.#series.get(account) ?? []) remove();
    const removers: Array<() => void> = [];
    const track = <L extends Record<string, string>>(g: Gauge<Extract<keyof L, string>>, labels: L, value: number): void => {
      g.set(labels as never, value);
      removers.push(() => g.remove(labels as never));
    };
    for (const direction of ['sending', 'receiving'] as const) {
      for (const status of ['works', 'unverified', 'fails'] as const) {
        this.accountStatus.set({ account, direction, status }, report.status[direction] === status ? 1 : 0);
      }
    }
    this.accountHybrid.set({ account }, report.recommendation.hybrid ? 1 : 0);
    for (const s of [report.recommendation.incoming, report.recommendation.outgoing]) {
      if (s) track(this.recommendation, { account, role: s.role, host: s.host, port: String(s.port), security: s.security, auth: s.auth, verified: String(s.verified) }, 1);
    }
    const certs = new Set<string>();
    for (const p of report.probes) {
      const labels: ProbeLabels = { account, purpose: p.purpose, protocol: p.protocol, host: p.host, port: String(p.port), auth: p.withAuth ? (isOAuthMechanism(p.result.auth?.mechanism) ? 'oauth2' : 'password') : 'none' };
      track(this.probeSuccess, labels, p.result.ok ? 1 : 0);
      track(this.probeDuration, { ...labels, phase: 'total' }, p.result.durationMs / 1000);
      for (const ph of p.result.phases) track(this.probeDuration, { ...labels, phase: ph.name }, ph.durationMs / 1000);
      const cert = p.result.tls?.certificate;
      const key = `${p.host}:${p.port}`;
      if (cert && !certs.has(key)) {
        certs.add(key);
        // A certificate whose notAfter cannot be read (TLS_CERT_DATES_INVALID) has no expiry to track.
        const notAfter = Date.parse(cert.validTo ?? '');
        if (Number.isFinite(notAfter)) track(this.certExpiry, { account, host: p.host, port: String(p.port) }, Math.round(notAfter / 1000));
        if (cert.daysLeft !== undefined) track(this.certDays, { account, host: p.host, port: String(p.port) }, cert.daysLeft);
      }
    }
    this.#series.set(account, removers);
    this.lastCheck.set({ account }, Math.round(finishedAt / 1000));
    this.checkDuration.set({ account }, report.durationMs / 1000);
    this.checks.inc({ account, outcome: 'completed' });
    const n = report.network;
    this.setNetwork(this.#network?.network ?? '', n?.gateway ?? '', n?.provider?.domain ?? '');
  }

  /** The current network, by fingerprint; gateway and provider are filled in once a check has seen them. */
  setNetwork(fingerprint: string, gateway = '', provider = ''): void {
    const next = { network: fingerprint.slice(0, FINGERPRINT_LABEL_LENGTH), gateway, provider };
    if (this.#network) this.networkInfo.remove(this.#network);
    this.#network = next;
    this.networkInfo.set(next, 1);
  }

  networkChanged(at: number, fingerprint: string): void {
    this.networkChanges.inc();
    this.networkLastChange.set(Math.round(at / 1000));
    this.setNetwork(fingerprint);
  }

  checkEnded(account: string, outcome: Exclude<CheckOutcome, 'completed'>): void {
    this.checks.inc({ account, outcome });
  }

  alert(account: string, kind: AlertKind): void {
    this.alerts.inc({ account, kind });
  }

  notification(notifier: string, outcome: 'sent' | 'failed' | 'dropped' | 'skipped'): void {
    this.notifications.inc({ notifier, outcome });
  }

  stateError(op: string): void {
    this.stateErrors.inc({ op });
  }

  /** Drop every series of an account that left the config. */
  forgetAccount(account: string): void {
    for (const remove of this.#series.get(account) ?? []) remove();
    this.#series.delete(account);
    this.accountHybrid.remove({ account });
    this.lastCheck.remove({ account });
    this.checkDuration.remove({ account });
    for (const direction of ['sending', 'receiving']) for (const status of ['works', 'unverified', 'fails']) this.accountStatus.remove({ account, direction, status });
  }
}
