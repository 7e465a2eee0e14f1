/**
 * What a person reads, before any layout: the verdict, the settings to use, one row per server port with every
 * verdict of that port, the findings in the reader's language, and the closing line that says what the exit
 * code says. Pure; the text report (render-text.ts) and the HTML page (render-html.ts) lay it out.
 */
import { translator, type Lang, type Translator } from '../i18n/index.js';
import { EXIT, type VerdictExitCode } from '../lib/exit-codes.js';
import type { CheckProbe, CheckReport, ConfiguredVerdict, Setting, Severity } from './types.js';
import { reportExitCode } from './index.js';

export type RowState = 'ok' | 'unverified' | 'fail';

/** One server port (all the names that resolve to one address), with the verdict of each probe of it. */
export interface PortRow {
  section: 'incoming' | 'outgoing';
  hosts: string[];
  port: number;
  protocol: string;
  security: string;
  /** The SMTP server of the network you are on (the hybrid option). */
  thisNetwork: boolean;
  state: RowState;
  /** "no login: refuses to relay (554 5.7.1)"; one entry without a label when every probe says the same. */
  verdicts: Array<{ label?: string; outcome: string }>;
  probes: string[];
}

export interface SettingView {
  label: string;
  text: string;
  verified: boolean;
  hybrid: boolean;
  setting?: Setting;
}

export interface FindingView {
  code: string;
  severity: Severity;
  severityWord: string;
  summary: string;
  explanation: string;
  fix?: string;
  evidence: string[];
}

export interface ReportView {
  lang: Lang;
  t: Translator;
  title: string;
  /** The verdict in one or two sentences: receiving, then sending. */
  headline: string;
  settings: SettingView[];
  notes: string[];
  /** With --thunderbird-profile: each configured server, in Thunderbird's words, with what to change. */
  configured: Array<{ state: RowState; text: string }>;
  rows: PortRow[];
  controls: Array<{ host: string; port: number; open: boolean; outcome: string }>;
  network: Array<{ label: string; value: string }>;
  findings: FindingView[];
  /** The closing line ("Result: 1 problem to fix … (exit code 1)."): agrees with `exitCode`. */
  status: string;
  exitCode: VerdictExitCode;
}

const PROTOCOL_WORD: Record<string, string> = { smtp: 'SMTP', smtps: 'SMTP', imap: 'IMAP', imaps: 'IMAP', pop3: 'POP3', pop3s: 'POP3', tcp: 'TCP' };

export function reportView(r: CheckReport, lang: Lang = 'en'): ReportView {
  const t = translator(lang);
  const rec = r.recommendation;
  const exitCode = reportExitCode(r);
  const receive = t.text(`verdict.receive.${r.status.receiving}`);
  const send = r.status.sending === 'works' && rec.hybrid && rec.outgoing
    ? t.text('verdict.send.hybrid', { host: rec.outgoing.host })
    : t.text(`verdict.send.${r.status.sending}`);
  const headline = `${receive} ${send}`;
  const errors = r.findings.filter((f) => f.severity === 'error').length + (r.configured ?? []).filter((c) => c.works === 'no').length;
  const warnings = r.findings.filter((f) => f.severity === 'warning').length;
  const closing = exitCode === EXIT.PROBLEMS ? t.text('status.problems', { errors }) : warnings ? t.text('status.okWarnings', { warnings }) : t.text('status.ok');
  return {
    lang,
    t,
    title: t.text('report.title', { address: r.address }),
    headline,
    settings: [settingView(t, 'incoming', rec.incoming, false), settingView(t, 'outgoing', rec.outgoing, rec.hybrid)],
    notes: rec.notes.map((n) => t.text(n.msg as never, n.params ?? {})),
    configured: (r.configured ?? []).map((c) => configuredLine(t, c)),
    rows: portRows(r, t),
    controls: r.probes
      .filter((p) => p.purpose === 'control')
      .map((p) => ({ host: p.host, port: p.port, open: p.result.ok, outcome: p.result.ok ? t.text('outcome.open') : t.error(p.result.error?.code ?? '') })),
    network: networkLines(r, t),
    findings: r.findings.map((f) => ({ code: f.code, severity: f.severity, severityWord: t.text(`severity.${f.severity}`), ...t.finding(f), evidence: f.evidence })),
    status: closing,
    exitCode,
  };
}

function settingView(t: Translator, role: 'incoming' | 'outgoing', s: Setting | undefined, hybrid: boolean): SettingView {
  const label = role === 'incoming' ? t.text('setting.incoming', { protocol: s ? s.role.toUpperCase() : 'IMAP/POP3' }) : t.text('setting.outgoing');
  if (!s) return { label, text: t.text('setting.none'), verified: false, hybrid: false };
  return { label, text: settingText(t, s), verified: s.verified, hybrid, setting: s };
}

/** "imap.disney.test, port 993, SSL/TLS, normal password, user name pippo". */
export function settingText(t: Translator, s: Setting): string {
  const auth =
    s.auth === 'none'
      ? t.text('auth.none')
      : s.auth === 'oauth2'
        ? s.username
          ? t.text('auth.oauth2', { user: s.username })
          : t.text('auth.oauth2NoUser')
        : s.username
          ? t.text('auth.password', { user: s.username })
          : t.text('auth.passwordNoUser');
  return t.text('setting.line', { host: s.host, port: s.port, security: t.text(`security.${s.security}`), auth });
}

/** "Your outgoing server (SMTP) smtp.disney.test:25 (STARTTLS, no authentication): refuses to send from here …". */
function configuredLine(t: Translator, c: ConfiguredVerdict): { state: RowState; text: string } {
  const label = c.role === 'smtp' ? t.text('configured.outgoing') : t.text('configured.incoming', { protocol: c.role.toUpperCase() });
  const auth = t.text(`auth.configured.${c.auth}`);
  const why = c.codes[0] ? t.error(c.codes[0]) : '?';
  const verdict =
    c.works === 'yes'
      ? t.text('configured.works')
      : c.works === 'unverified'
        ? t.text('configured.unverified')
        : c.changeTo
          ? t.text(c.role === 'smtp' ? 'configured.failsOutgoing' : 'configured.failsIncoming', { why, changeTo: settingText(t, c.changeTo) })
          : t.text('configured.failsNoChange', { why });
  const state: RowState = c.works === 'yes' ? 'ok' : c.works === 'unverified' ? 'unverified' : 'fail';
  return { state, text: t.text('configured.line', { label, host: c.host, port: c.port, security: t.text(`security.${c.security}`), auth, verdict }) };
}

function networkLines(r: CheckReport, t: Translator): ReportView['network'] {
  const n = r.network;
  const pub = n.publicAddress ? `${n.publicAddress.address}${n.reverseDns?.name ? ` (${n.reverseDns.name})` : ''}` : t.text('network.noPublicAddress');
  const gw = n.defaultRoutes.ipv4 ?? n.defaultRoutes.ipv6;
  const gateway = gw ? t.text('network.gatewayOn', { gateway: gw.gateway ?? t.text('network.pointToPoint'), interface: gw.interface }) : t.text('network.noRoute');
  return [
    { label: t.text('network.address'), value: pub },
    { label: t.text('network.provider'), value: n.provider?.domain ?? t.text('network.unknown') },
    { label: t.text('network.gateway'), value: gateway },
    { label: t.text('network.resolvers'), value: n.resolvers.join(', ') || t.text('network.none') },
  ];
}

/** Rows of the port table: probes grouped by section, resolved address (or name) and port, then by verdict. */
function portRows(r: CheckReport, t: Translator): PortRow[] {
  const settings = [r.recommendation.incoming, r.recommendation.outgoing, ...r.recommendation.alternatives].filter((s): s is Setting => !!s);
  const byEndpoint = new Map<string, CheckProbe[]>();
  for (const p of r.probes) {
    if (p.purpose === 'control' || p.purpose === 'configured') continue;
    const key = `${p.purpose}|${p.result.target.address ?? p.host}|${p.port}|${p.host}`;
    byEndpoint.set(key, [...(byEndpoint.get(key) ?? []), p]);
  }
  const rows = new Map<string, PortRow>();
  for (const probes of byEndpoint.values()) {
    const p = probes[0]!;
    const verdicts = probes.map((x) => ({ label: t.text(x.withAuth ? 'probe.login' : 'probe.noLogin'), outcome: outcome(x, t) }));
    const same = verdicts.every((v) => v.outcome === verdicts[0]!.outcome);
    const row: PortRow = {
      section: p.purpose === 'incoming' ? 'incoming' : 'outgoing',
      hosts: [p.host],
      port: p.port,
      protocol: PROTOCOL_WORD[p.protocol] ?? p.protocol.toUpperCase(),
      security: t.text(`security.${p.security}`),
      thisNetwork: p.purpose === 'network-smtp',
      state: rowState(probes, settings),
      verdicts: same && verdicts.length > 1 ? [{ outcome: verdicts[0]!.outcome }] : verdicts,
      probes: probes.map((x) => x.id),
    };
    // Two names for one server (mail. and smtp. on one address) that say the same things are one row.
    const key = `${p.purpose}|${p.result.target.address ?? p.host}|${p.port}|${JSON.stringify(row.verdicts)}|${row.state}`;
    const seen = rows.get(key);
    if (seen) {
      seen.hosts.push(p.host);
      seen.probes.push(...row.probes);
    } else rows.set(key, row);
  }
  return [...rows.values()];
}

function rowState(probes: CheckProbe[], settings: Setting[]): RowState {
  const mine = settings.filter((s) => probes.some((p) => p.host === s.host && p.port === s.port));
  if (mine.some((s) => s.verified)) return 'ok';
  if (mine.length > 0) return 'unverified';
  return 'fail';
}

function outcome(p: CheckProbe, t: Translator): string {
  const r = p.result;
  if (!r.ok) {
    const e = r.error;
    const reply = e?.reply?.code !== undefined ? [e.reply.code, e.reply.enhanced].filter(Boolean).join(' ') : 'none';
    return t.text('outcome.failed', { error: t.error(e?.code ?? ''), reply });
  }
  const bits: string[] = [];
  if (r.auth?.ok) bits.push(t.text('outcome.loggedIn'));
  else if (r.auth?.mechanisms.length && !p.withAuth) bits.push(t.text('outcome.loginOffered', { mechanisms: r.auth.mechanisms.join(' ') }));
  if (r.mailbox) bits.push(t.text('outcome.messages', { count: r.mailbox.messages }));
  if (r.relay) bits.push(r.relay.accepted ? t.text('outcome.relays') : t.text('outcome.relayRefused', { reply: String(r.relay.rcptTo?.code ?? '') }));
  return bits.length ? bits.join(', ') : t.text('outcome.answers');
}
