/**
 * The report as one self-contained HTML page to keep or send to a support desk: inline CSS and SVG, no script,
 * no font, image or style from anywhere (a Content-Security-Policy forbids every fetch), nothing secret (the
 * report holds no password; server text is escaped). The path from this machine through the network to each
 * server, each port coloured by its verdict; the settings to copy; the findings with their evidence. Pure.
 */
import type { Lang } from '../i18n/index.js';
import { EXIT } from '../lib/exit-codes.js';
import type { CheckReport } from './types.js';
import { reportView, type PortRow, type ReportView, type RowState } from './view.js';

export interface HtmlOptions {
  lang?: Lang;
}

const COLOURS: Record<RowState, string> = { ok: '#1a7f37', unverified: '#b35900', fail: '#c62828' };
const SEVERITY_COLOURS = { error: '#c62828', warning: '#b35900', info: '#0b6bcb' } as const;

/** SVG geometry, in CSS pixels. */
const BOX_W = 200;
const BOX_H = 56;
const SERVER_W = 330;
const ROW_GAP = 16;
const CHIP_W = 46;

export function renderHtml(r: CheckReport, opts: HtmlOptions = {}): string {
  const v = reportView(r, opts.lang);
  const t = v.t;
  const settings = v.settings.map((s) => `${s.label}: ${s.text}`).join('\n');
  return `<!DOCTYPE html>
<html lang="${v.lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(v.title)}</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1000px;padding:24px;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.verdict{font-size:17px;padding:12px 16px;border-radius:8px;border-left:6px solid ${v.exitCode === EXIT.OK ? COLOURS.ok : COLOURS.fail};background:#f6f8fa}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:12px;white-space:pre-wrap;user-select:all}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
.state{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:6px;vertical-align:-1px}
.finding{border:1px solid #d0d7de;border-left-width:6px;border-radius:6px;padding:8px 14px;margin:10px 0}
.finding h3{font-size:15px;margin:4px 0}.code{color:#57606a;font:12px ui-monospace,monospace}
.fix{font-weight:600}details pre{font-size:12px}.legend span{margin-right:16px}
svg text{font:13px system-ui,sans-serif}svg .small{font-size:11px}
</style>
</head>
<body>
<h1>${esc(v.title)}</h1>
<p class="verdict">${esc(v.headline)}</p>
<h2>${esc(t.text('section.settings'))}</h2>
<pre>${esc(settings)}</pre>
${v.notes.map((n) => `<p>${esc(n)}</p>`).join('\n')}
${v.configured.length ? `<h2>${esc(t.text('section.configured'))}</h2>\n<ul>${v.configured.map((x) => `<li><i class="state" style="background:${COLOURS[x.state]}"></i>${esc(x.text)}</li>`).join('')}</ul>` : ''}
<h2>${esc(t.text('section.ports'))}</h2>
${pathSvg(v)}
<p class="legend">${(['ok', 'unverified', 'fail'] as const).map((s) => `<span><i class="state" style="background:${COLOURS[s]}"></i>${esc(legend(v, s))}</span>`).join('')}</p>
${portTable(v)}
<h2>${esc(t.text('section.findings'))}</h2>
${v.findings.length === 0 ? `<p>${esc(t.text('findings.none'))}</p>` : v.findings.map((f) => findingHtml(f, t.text('section.evidence'))).join('\n')}
<h2>${esc(t.text('section.network'))}</h2>
<table>${v.network.map((x) => `<tr><th>${esc(x.label)}</th><td>${esc(x.value)}</td></tr>`).join('')}</table>
<p class="verdict">${esc(v.status)}</p>
</body>
</html>
`;
}

function legend(v: ReportView, s: RowState): string {
  return v.t.text(s === 'ok' ? 'setting.verified' : s === 'unverified' ? 'setting.unverified' : 'html.fails');
}

/** This machine → the network it is on → one box per server, its ports as chips coloured by verdict. */
function pathSvg(v: ReportView): string {
  const servers = new Map<string, PortRow[]>();
  for (const row of v.rows) {
    const key = row.hosts.join(', ');
    servers.set(key, [...(servers.get(key) ?? []), row]);
  }
  const list = [...servers.entries()];
  const height = Math.max(BOX_H + 40, list.length * (BOX_H + ROW_GAP) + 20);
  const midY = height / 2 - BOX_H / 2;
  const address = v.network[0]!.value;
  const provider = v.network[1]!.value;
  const serverX = 2 * BOX_W + 140;
  const parts: string[] = [
    box(10, midY, BOX_W, v.t.text('html.thisComputer'), address),
    box(BOX_W + 70, midY, BOX_W, v.t.text('html.network'), provider),
    line(10 + BOX_W, midY + BOX_H / 2, BOX_W + 70, midY + BOX_H / 2, '#57606a'),
  ];
  list.forEach(([name, rows], i) => {
    const y = 10 + i * (BOX_H + ROW_GAP);
    const best: RowState = rows.some((r) => r.state === 'ok') ? 'ok' : rows.some((r) => r.state === 'unverified') ? 'unverified' : 'fail';
    parts.push(line(2 * BOX_W + 70, midY + BOX_H / 2, serverX, y + BOX_H / 2, COLOURS[best]));
    parts.push(`<rect x="${serverX}" y="${y}" width="${SERVER_W}" height="${BOX_H}" rx="8" fill="#f6f8fa" stroke="#d0d7de"/>`);
    const tag = rows[0]!.thisNetwork ? ` (${v.t.text('ports.thisNetwork')})` : '';
    parts.push(`<text x="${serverX + 10}" y="${y + 20}">${esc(clip(name + tag, 44))}</text>`);
    rows.forEach((row, j) => {
      const cx = serverX + 10 + j * (CHIP_W + 6);
      parts.push(`<g><title>${esc(`${row.hosts[0]}:${row.port} ${row.protocol} ${row.security}: ${row.verdicts.map((x) => (x.label ? `${x.label}: ${x.outcome}` : x.outcome)).join(' · ')}`)}</title>`);
      parts.push(`<rect x="${cx}" y="${y + 30}" width="${CHIP_W}" height="18" rx="4" fill="${COLOURS[row.state]}"/>`);
      parts.push(`<text class="small" x="${cx + CHIP_W / 2}" y="${y + 43}" fill="#fff" text-anchor="middle">${row.port}</text></g>`);
    });
  });
  const width = serverX + SERVER_W + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(v.t.text('section.ports'))}">${parts.join('')}</svg>`;
}

function box(x: number, y: number, w: number, title: string, detail: string): string {
  return `<rect x="${x}" y="${y}" width="${w}" height="${BOX_H}" rx="8" fill="#ddf4ff" stroke="#54aeff"/><text x="${x + 10}" y="${y + 22}" font-weight="600">${esc(clip(title, 26))}</text><text class="small" x="${x + 10}" y="${y + 42}">${esc(clip(detail, 32))}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, colour: string): string {
  return `<path d="M${x1} ${y1} C${(x1 + x2) / 2} ${y1} ${(x1 + x2) / 2} ${y2} ${x2} ${y2}" fill="none" stroke="${colour}" stroke-width="2"/>`;
}

function portTable(v: ReportView): string {
  const rows = v.rows.map((row) => {
    const verdicts = row.verdicts.map((x) => esc(x.label ? `${x.label}: ${x.outcome}` : x.outcome)).join('<br>');
    const where = `${row.hosts[0]}:${row.port}${row.hosts.length > 1 ? ` ${v.t.text('ports.alsoNamed', { hosts: row.hosts.slice(1) })}` : ''}`;
    return `<tr><td><i class="state" style="background:${COLOURS[row.state]}"></i>${esc(v.t.text(row.section === 'incoming' ? 'section.incoming' : 'section.outgoing'))}</td><td>${esc(where)}${row.thisNetwork ? ` <em>(${esc(v.t.text('ports.thisNetwork'))})</em>` : ''}</td><td>${esc(`${row.protocol} ${row.security}`)}</td><td>${verdicts}</td></tr>`;
  });
  return `<table>${rows.join('\n')}</table>`;
}

function findingHtml(f: ReportView['findings'][number], evidenceTitle: string): string {
  const evidence = f.evidence.length ? `<details><summary>${esc(evidenceTitle)}</summary><pre>${esc(f.evidence.join('\n'))}</pre></details>` : '';
  return `<div class="finding" style="border-left-color:${SEVERITY_COLOURS[f.severity]}"><h3>${esc(f.severityWord)} · ${esc(f.summary)} <span class="code">${esc(f.code)}</span></h3><p>${esc(f.explanation)}</p>${f.fix ? `<p class="fix">→ ${esc(f.fix)}</p>` : ''}${evidence}</div>`;
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** HTML text and attribute escaping; control bytes a server may send become U+FFFD. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}
