/**
 * Pure functions of the agent: a check report boiled down to what is remembered per network and compared
 * between checks, the difference between two summaries, and the alert that difference makes. No I/O, no clock.
 */
import { translator } from '../i18n/index.js';
import type { CheckReport, Setting } from '../report/types.js';

/** Why a round of checks ran. */
export type RunReason = 'start' | 'network-change' | 'schedule' | 'reload' | 'manual';

export type Verdict = CheckReport['status']['sending'];

/** A recommended setting without the prose. */
export interface SettingSummary {
  role: Setting['role'];
  host: string;
  port: number;
  security: Setting['security'];
  auth: Setting['auth'];
  username?: string;
  verified: boolean;
}

/** What identifies the network to a person (the fingerprint identifies it to the agent). */
export interface NetworkLabel {
  fingerprint: string;
  gateway?: string;
  defaultInterface?: string;
  publicAddress?: string;
  provider?: string;
  resolvers: string[];
}

/** A check report, compact: what the agent stores per network and compares between checks. */
export interface AccountSummary {
  address: string;
  checkedAt: string;
  durationMs: number;
  reason: RunReason;
  network: NetworkLabel;
  status: CheckReport['status'];
  recommendation: { incoming?: SettingSummary; outgoing?: SettingSummary; hybrid: boolean };
  /** The most severe findings, one line each. */
  findings: Array<{ code: string; severity: string; summary: string }>;
  probes: { total: number; ok: number };
}

/** Settings that worked on a network, kept after later failures there. */
export interface WorkingSettings {
  at: string;
  incoming?: SettingSummary;
  outgoing?: SettingSummary;
  hybrid: boolean;
}

/** Findings kept in a summary; the full report is not stored. */
const MAX_SUMMARY_FINDINGS = 8;

function settingSummary(s: Setting | undefined): SettingSummary | undefined {
  if (!s) return undefined;
  return { role: s.role, host: s.host, port: s.port, security: s.security, auth: s.auth, ...(s.username ? { username: s.username } : {}), verified: s.verified };
}

export function summarize(report: CheckReport, context: { fingerprint: string; reason: RunReason; checkedAt: string }): AccountSummary {
  const n = report.network;
  const incoming = settingSummary(report.recommendation.incoming);
  const outgoing = settingSummary(report.recommendation.outgoing);
  return {
    address: report.address,
    checkedAt: context.checkedAt,
    durationMs: report.durationMs,
    reason: context.reason,
    network: {
      fingerprint: context.fingerprint,
      ...(n?.gateway ? { gateway: n.gateway } : {}),
      ...(n?.defaultInterface ? { defaultInterface: n.defaultInterface } : {}),
      ...(n?.publicAddress ? { publicAddress: n.publicAddress.address } : {}),
      ...(n?.provider ? { provider: n.provider.domain } : {}),
      resolvers: [...(n?.resolvers ?? [])],
    },
    status: { ...report.status },
    recommendation: { ...(incoming ? { incoming } : {}), ...(outgoing ? { outgoing } : {}), hybrid: report.recommendation.hybrid },
    findings: report.findings.slice(0, MAX_SUMMARY_FINDINGS).map((f) => ({ code: f.code, severity: f.severity, summary: translator('en').finding(f).summary })),
    probes: { total: report.probes.length, ok: report.probes.filter((p) => p.result.ok).length },
  };
}

/** The settings part of a summary that worked, for the per-network memory; undefined when nothing worked. */
export function workingSettings(s: AccountSummary): WorkingSettings | undefined {
  const incoming = s.status.receiving === 'works' ? s.recommendation.incoming : undefined;
  const outgoing = s.status.sending === 'works' ? s.recommendation.outgoing : undefined;
  if (!incoming && !outgoing) return undefined;
  return { at: s.checkedAt, ...(incoming ? { incoming } : {}), ...(outgoing ? { outgoing } : {}), hybrid: Boolean(outgoing) && s.recommendation.hybrid };
}

/** `host:port security auth`, or `none`: how a setting is compared and shown. */
export function settingKey(s: SettingSummary | undefined): string {
  if (!s) return 'none';
  const sec = s.security === 'tls' ? 'SSL/TLS' : s.security === 'starttls' ? 'STARTTLS' : 'no encryption';
  return `${s.host}:${s.port} ${sec}, ${s.auth === 'none' ? 'no login' : s.auth}`;
}

export type ChangeField = 'sending' | 'receiving' | 'outgoing' | 'incoming' | 'hybrid';

export interface Change {
  field: ChangeField;
  from: string;
  to: string;
}

/** What differs between two summaries of one account. `previous` undefined: the first check ever. */
export function diffSummaries(previous: AccountSummary | undefined, current: AccountSummary): Change[] {
  if (!previous) {
    // First sight of the account: only what is broken is news.
    return (['sending', 'receiving'] as const).filter((f) => current.status[f] === 'fails').map((field) => ({ field, from: 'unknown', to: 'fails' }));
  }
  const changes: Change[] = [];
  for (const f of ['sending', 'receiving'] as const) {
    if (previous.status[f] !== current.status[f]) changes.push({ field: f, from: previous.status[f], to: current.status[f] });
  }
  for (const f of ['outgoing', 'incoming'] as const) {
    const a = settingKey(previous.recommendation[f]);
    const b = settingKey(current.recommendation[f]);
    if (a !== b) changes.push({ field: f, from: a, to: b });
  }
  if (previous.recommendation.hybrid !== current.recommendation.hybrid) {
    changes.push({ field: 'hybrid', from: String(previous.recommendation.hybrid), to: String(current.recommendation.hybrid) });
  }
  return changes;
}

export type AlertKind = 'broken' | 'recovered' | 'settings-changed';

/** One alert per change of an account's state. Never holds a password (see Redactor for the second line of defence). */
export interface Alert {
  /** Unique per alert, for idempotent receivers. */
  id: string;
  time: string;
  kind: AlertKind;
  severity: 'error' | 'warning' | 'info';
  account: string;
  /** One line for a notification title or a chat message. */
  summary: string;
  changes: Change[];
  reason: RunReason;
  status: CheckReport['status'];
  recommendation: AccountSummary['recommendation'];
  previous?: { status: CheckReport['status']; recommendation: AccountSummary['recommendation']; network: NetworkLabel };
  network: NetworkLabel;
  /** What last worked on this network, when the account is broken here now. */
  lastWorkingHere?: WorkingSettings;
  findings: AccountSummary['findings'];
}

export function alertKind(changes: Change[]): AlertKind {
  const status = changes.filter((c) => c.field === 'sending' || c.field === 'receiving');
  if (status.some((c) => c.to === 'fails')) return 'broken';
  if (status.some((c) => c.from === 'fails')) return 'recovered';
  return 'settings-changed';
}

function headline(kind: AlertKind, current: AccountSummary, changes: Change[]): string {
  const a = current.address;
  const out = current.recommendation.outgoing;
  const broken = changes.filter((c) => c.to === 'fails').map((c) => c.field);
  const recovered = changes.filter((c) => c.from === 'fails').map((c) => c.field);
  const where = current.network.provider ? ` on ${current.network.provider}` : '';
  if (kind === 'broken') return `${a}: ${broken.join(' and ')} broken${where}`;
  if (kind === 'recovered') return `${a}: ${recovered.join(' and ')} working again${where}${out ? ` (send through ${settingKey(out)})` : ''}`;
  if (changes.some((c) => c.field === 'outgoing' || c.field === 'hybrid')) {
    return `${a}: send through ${settingKey(out)}${current.recommendation.hybrid ? ` (hybrid: this network’s server${where})` : ''}`;
  }
  return `${a}: receive from ${settingKey(current.recommendation.incoming)}`;
}

/** The alert for a change, or undefined when nothing changed (one alert per change, none per unchanged check). */
export function buildAlert(
  previous: AccountSummary | undefined,
  current: AccountSummary,
  context: { id: string; lastWorkingHere?: WorkingSettings },
): Alert | undefined {
  const changes = diffSummaries(previous, current);
  if (changes.length === 0) return undefined;
  const kind = alertKind(changes);
  return {
    id: context.id,
    time: current.checkedAt,
    kind,
    severity: kind === 'broken' ? 'error' : kind === 'settings-changed' ? 'warning' : 'info',
    account: current.address,
    summary: headline(kind, current, changes),
    changes,
    reason: current.reason,
    status: current.status,
    recommendation: current.recommendation,
    ...(previous ? { previous: { status: previous.status, recommendation: previous.recommendation, network: previous.network } } : {}),
    network: current.network,
    ...(kind === 'broken' && context.lastWorkingHere ? { lastWorkingHere: context.lastWorkingHere } : {}),
    findings: current.findings,
  };
}
