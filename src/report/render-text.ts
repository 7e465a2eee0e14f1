/**
 * The human report, summary first: the verdict and the settings to use; one line per server port with every
 * verdict of that port; the findings (their evidence with `verbose`); the network; a last line that says what
 * the exit code says. In the reader's language (src/i18n). Pure: a report, a colour set and options in, text out.
 * `stable` leaves out timings and dates (for snapshots).
 */
import type { Lang, Translator } from '../i18n/index.js';
import { EXIT } from '../lib/exit-codes.js';
import { escapeStrings } from '../lib/text.js';
import type { CheckReport } from './types.js';
import { reportView, type FindingView, type PortRow, type RowState } from './view.js';

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
  /** Show the findings' evidence (the deciding server replies). */
  verbose?: boolean;
  /** The reader's language; English by default. */
  lang?: Lang;
}

/** Text width the explanations are wrapped to, in characters. */
const WRAP_COLUMNS = 88;
const INDENT = '    ';

export function renderReport(report: CheckReport, c: Colors, opts: RenderOptions = {}): string {
  const r = escapeStrings(report); // server text is data, never terminal control
  const v = reportView(r, opts.lang);
  const t = v.t;
  const out: string[] = [];
  const when = opts.stable ? '' : c.dim(` (${(r.durationMs / 1000).toFixed(1)} s, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC)`);
  out.push(c.bold(v.title) + when, '');
  out.push(...wrap(v.headline, WRAP_COLUMNS + 2).map((l) => (v.exitCode === EXIT.OK ? c.green(l) : c.bold(l))), '');

  out.push(c.bold(t.text('section.settings')));
  for (const s of v.settings) {
    const mark = s.setting ? (s.verified ? c.green(t.text('setting.verified')) : c.yellow(t.text('setting.unverified'))) : '';
    const text = s.setting ? s.text : c.red(s.text);
    out.push(`  ${s.label}: ${text}${mark ? ` — ${mark}` : ''}${s.hybrid ? c.yellow(` (${t.text('setting.hybrid')})`) : ''}`);
  }
  for (const note of v.notes) out.push(...wrap(note, WRAP_COLUMNS).map((l) => `  ${l}`));
  out.push('');
  if (v.configured.length) {
    out.push(c.bold(t.text('section.configured')));
    for (const x of v.configured) out.push(...wrap(x.text, WRAP_COLUMNS).map((l, i) => (i === 0 ? `  ${MARKS[x.state](c)} ${l}` : `    ${l}`)));
    out.push('');
  }

  out.push(c.bold(t.text('section.ports')));
  for (const section of ['incoming', 'outgoing'] as const) {
    const rows = v.rows.filter((x) => x.section === section);
    out.push(`  ${t.text(section === 'incoming' ? 'section.incoming' : 'section.outgoing')}`);
    if (rows.length === 0) out.push(c.dim(`    ${t.text('ports.none')}`));
    for (const row of rows) out.push(`    ${rowLine(row, c, t)}`);
  }
  if (v.controls.length) {
    const list = v.controls.map((x) => `${x.host}:${x.port} ${x.outcome}`).join('; ');
    out.push(...wrap(t.text('ports.controls', { list }), WRAP_COLUMNS).map((l) => c.dim(`  ${l}`)));
  }
  out.push('');

  out.push(c.bold(t.text('section.findings')));
  if (v.findings.length === 0) out.push(c.green(`  ${t.text('findings.none')}`), '');
  for (const f of v.findings) out.push(...findingLines(f, c, opts, t.text('section.evidence')), '');
  if (!opts.verbose && v.findings.some((f) => f.evidence.length > 0)) out.push(c.dim(`  ${t.text('findings.evidenceHint')}`), '');

  out.push(c.bold(t.text('section.network')));
  const width = Math.max(...v.network.map((x) => x.label.length));
  for (const x of v.network) out.push(`  ${x.label.padEnd(width)}  ${x.value}`);
  out.push('');

  const closing = v.exitCode === EXIT.OK ? c.green : c.red;
  // The verdict again, then the last line unwrapped: a reader (or a script's `tail -1`) takes it as the
  // result, and it says what the exit code says.
  out.push(...wrap(v.headline, WRAP_COLUMNS + 2).map((l) => closing(l)));
  out.push(closing(v.status));
  return `${out.join('\n')}\n`;
}

const MARKS: Record<RowState, (c: Colors) => string> = { ok: (c) => c.green('✓'), unverified: (c) => c.yellow('?'), fail: (c) => c.red('✗') };

function rowLine(row: PortRow, c: Colors, t: Translator): string {
  const [first, ...others] = row.hosts;
  const where = `${first}:${row.port}${others.length ? ` ${t.text('ports.alsoNamed', { hosts: others })}` : ''}`;
  const thisNetwork = t.text('ports.thisNetwork');
  const tag = row.thisNetwork ? c.cyan(` [${thisNetwork}]`) : '';
  const verdicts = row.verdicts.map((x) => (x.label ? `${x.label}: ${x.outcome}` : x.outcome)).join(' · ');
  return `${MARKS[row.state](c)} ${where}${tag}  ${row.protocol} ${row.security}  ${verdicts}`;
}

function findingLines(f: FindingView, c: Colors, opts: RenderOptions, evidenceTitle: string): string[] {
  const sev = f.severity === 'error' ? c.red : f.severity === 'warning' ? c.yellow : c.cyan;
  const lines = [`  ${sev(f.severityWord)} ${c.bold(f.summary)} ${c.dim(`[${f.code}]`)}`];
  lines.push(...wrap(f.explanation, WRAP_COLUMNS).map((l) => `${INDENT}${l}`));
  if (f.fix) lines.push(...wrap(`→ ${f.fix}`, WRAP_COLUMNS).map((l) => `${INDENT}${l}`));
  if (opts.verbose && f.evidence.length) {
    lines.push(c.dim(`${INDENT}${evidenceTitle}`));
    for (const e of f.evidence) lines.push(c.dim(`${INDENT}  ${opts.stable ? e.replace(/ after \d+ ms/g, '') : e}`));
  }
  return lines;
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
