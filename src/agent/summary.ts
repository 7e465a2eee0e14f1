/**
 * A check report boiled down to what the agent remembers per network and compares between checks (alert.ts
 * compares them). Pure functions: no I/O, no clock.
 */
import { translator, type Lang } from '../i18n/index.js';
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
  /** The most severe findings, one line each (in the agent's language when summarised). */
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

export function summarize(report: CheckReport, context: { fingerprint: string; reason: RunReason; checkedAt: string; lang?: Lang }): AccountSummary {
  const t = translator(context.lang ?? 'en');
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
    findings: report.findings.slice(0, MAX_SUMMARY_FINDINGS).map((f) => ({ code: f.code, severity: f.severity, summary: t.finding(f).summary })),
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
