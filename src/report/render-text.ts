/**
 * The human report, in sections: the network you are on; receiving; sending; findings; what to do.
 * Pure: a report and a colour set in, text out. `stable` leaves out timings and dates (for snapshots).
 */
import { escapeStrings } from '../lib/text.js';
import { reportExitCode } from './index.js';
import type { CheckProbe, CheckReport, Finding, Setting } from './types.js';

export interface Colors {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  cyan(s: string): string;
}

export const plainColors: Colors = { red: id, green: id, yellow: id, dim: id, bold: id, cyan: id };
function id(s: string): string {
  return s;
}

export interface RenderOptions {
  /** Omit durations and dates, so that the same facts always render the same text. */
  stable?: boolean;
  /** Show every evidence line (default: at most 6 per finding). */
  verbose?: boolean;
}

const SECURITY_WORDS = { tls: 'SSL/TLS', starttls: 'STARTTLS', plain: 'no encryption' } as const;

export function renderReport(report: CheckReport, c: Colors, opts: RenderOptions = {}): string {
  const r = escapeStrings(report); // server text is data, never terminal control
  const out: string[] = [];
  const when = opts.stable ? '' : c.dim(` (${(r.durationMs / 1000).toFixed(1)} s, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC)`);
  out.push(c.bold(`maildoctor check ${r.address}`) + when, '');

  out.push(c.bold('The network you are on'));
  const n = r.network;
  const pub = n.publicAddress ? `${n.publicAddress.address}${n.reverseDns?.name ? ` (${n.reverseDns.name})` : ''}` : 'unknown (no public address found)';
  out.push(`  Address   ${pub}`);
  out.push(`  Provider  ${n.provider?.domain ?? 'unknown'}`);
  const gw = n.defaultRoutes.ipv4 ?? n.defaultRoutes.ipv6;
  out.push(`  Gateway   ${gw ? `${gw.gateway ?? 'point-to-point'} on ${gw.interface}` : 'none (no default route)'}`);
  out.push(`  Resolvers ${n.resolvers.join(', ') || 'none'}`);
  out.push('');

  section(out, c, 'Receiving', r.probes.filter((p) => p.purpose === 'incoming'), opts);
  section(out, c, 'Sending', r.probes.filter((p) => p.purpose === 'outgoing' || p.purpose === 'network-smtp'), opts);
  const ctl = r.probes.filter((p) => p.purpose === 'control');
  if (ctl.length) {
    out.push(c.dim(`  Control endpoints: ${ctl.map((p) => `${p.host}:${p.port} ${p.result.ok ? 'open' : p.result.error?.code}`).join('; ')}`), '');
  }

  out.push(c.bold('Findings'));
  if (r.findings.length === 0) out.push(c.green('  No problem found.'));
  for (const f of r.findings) out.push(...renderFinding(f, c, opts), '');
  if (r.findings.length === 0) out.push('');

  out.push(c.bold('What to do'));
  out.push(`  Receiving: ${settingText(r.recommendation.incoming, c)}`);
  out.push(`  Sending:   ${settingText(r.recommendation.outgoing, c)}${r.recommendation.hybrid ? c.yellow(' (hybrid account)') : ''}`);
  for (const note of r.recommendation.notes) out.push(`  ${note}`);
  out.push('');
  out.push(statusLine(r, c));
  return `${out.join('\n')}\n`;
}

function section(out: string[], c: Colors, title: string, probes: CheckProbe[], opts: RenderOptions): void {
  out.push(c.bold(title));
  if (probes.length === 0) out.push(c.dim('  no server to try'));
  for (const p of probes) out.push(`  ${probeLine(p, c, opts)}`);
  out.push('');
}

export function probeLine(p: CheckProbe, c: Colors, opts: RenderOptions = {}): string {
  const r = p.result;
  const mark = r.ok ? c.green('✓') : c.red('✗');
  const where = `${p.protocol.padEnd(5)} ${p.host}:${p.port}`;
  const tag = p.purpose === 'network-smtp' ? c.cyan(' [this network]') : p.withAuth ? c.dim(' [login]') : '';
  const time = opts.stable ? '' : c.dim(` ${Math.round(r.durationMs)} ms`);
  return `${mark} ${where}${tag}: ${outcome(p)}${time}`;
}

function outcome(p: CheckProbe): string {
  const r = p.result;
  const sec = r.security === 'plain' ? 'unencrypted' : r.security === 'tls' ? 'TLS' : 'STARTTLS';
  if (r.ok) {
    const bits = [sec];
    if (r.auth?.ok) bits.push('logged in');
    else if (r.auth?.mechanisms.length && !p.withAuth) bits.push(`login offered (${r.auth.mechanisms.join(' ')})`);
    if (r.relay) bits.push(r.relay.accepted ? 'relays for you' : 'relay refused');
    if (r.mailbox) bits.push(`${r.mailbox.messages} message${r.mailbox.messages === 1 ? '' : 's'}`);
    if (p.purpose === 'control') bits.push('open');
    return bits.join(', ');
  }
  const e = r.error!;
  const reply = e.reply ? `: ${[e.reply.code, e.reply.enhanced].filter(Boolean).join(' ')} ${e.reply.text}`.trimEnd() : '';
  return `${e.code} (${e.phase})${reply}`;
}

function renderFinding(f: Finding, c: Colors, opts: RenderOptions): string[] {
  const sev = f.severity === 'error' ? c.red('ERROR  ') : f.severity === 'warning' ? c.yellow('WARNING') : c.cyan('INFO   ');
  const lines = [`  ${sev} ${c.bold(f.summary)} ${c.dim(`[${f.code}]`)}`];
  lines.push(...wrap(f.explanation, 88).map((l) => `          ${l}`));
  const evidence = opts.verbose ? f.evidence : f.evidence.slice(0, 6);
  if (evidence.length) {
    lines.push(c.dim('          evidence:'));
    for (const e of evidence) lines.push(c.dim(`            ${opts.stable ? e.replace(/ after \d+ ms/g, '') : e}`));
    if (evidence.length < f.evidence.length) lines.push(c.dim(`            … ${f.evidence.length - evidence.length} more (--verbose)`));
  }
  if (f.fix) lines.push(...wrap(`fix: ${f.fix}`, 88).map((l) => `          ${l}`));
  return lines;
}

function settingText(s: Setting | undefined, c: Colors): string {
  if (!s) return c.red('nothing verified works from this network (see the findings)');
  const proto = s.role === 'smtp' ? 'SMTP' : s.role.toUpperCase();
  const user = s.username ? ` (user ${s.username})` : '';
  const auth = s.auth === 'password' ? `password${user}` : s.auth === 'oauth2' ? `OAuth2${user}` : 'no authentication';
  const v = s.verified ? c.green('verified from here') : c.yellow('not verified');
  return `${proto} ${s.host}, port ${s.port}, ${SECURITY_WORDS[s.security]}, ${auth} — ${v}`;
}

/**
 * The last line, which a reader (or a script's `tail -1`) takes as the verdict: it says what the exit code
 * says (reportExitCode), so "Sending works, receiving works." never ends a report that exits 1.
 */
function statusLine(r: CheckReport, c: Colors): string {
  const word = (s: string): string => (s === 'works' ? c.green(s) : s === 'fails' ? c.red(s) : c.yellow(s));
  const line = `Sending ${word(r.status.sending)}, receiving ${word(r.status.receiving)}`;
  const bothUsable = r.status.sending !== 'fails' && r.status.receiving !== 'fails';
  if (!bothUsable || reportExitCode(r) === 0) return `${line}.`;
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  return `${line}, but ${c.red(`${errors} problem${errors === 1 ? '' : 's'}`)} found (see Findings).`;
}

function wrap(text: string, width: number): string[] {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + w.length + 1 > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}
