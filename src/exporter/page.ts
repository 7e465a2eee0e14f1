/** The exporter's `/` page: its modules, so an operator can see what a scrape config may ask for. */
import type { ExporterModule } from './modules.js';
import { defaultPort } from './modules.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Module settings as a table; credentials appear only as "yes" (never the user name or where the secret lives). */
export function renderModuleList(modules: Readonly<Record<string, ExporterModule>>, allowPatterns: number): string {
  const rows = Object.entries(modules)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, m]) => {
      const cells = [name, m.prober, String(defaultPort(m) ?? 'from target'), m.starttls ?? '', m.relay ? 'yes' : '', m.auth ? 'yes' : '', `${m.timeoutMs / 1_000} s`, m.description ?? ''];
      return `<tr>${cells.map((c, i) => (i === 0 ? `<td><code>${esc(c)}</code></td>` : `<td>${esc(c)}</td>`)).join('')}</tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>maildoctor exporter</title></head>
<body>
<h1>maildoctor exporter</h1>
<p>Probe with <code>/probe?module=NAME&amp;target=HOST[:PORT]</code>; own metrics at <a href="/metrics">/metrics</a>.
${allowPatterns} allow-list pattern${allowPatterns === 1 ? '' : 's'}: targets outside them are refused.</p>
<table>
<tr><th>module</th><th>prober</th><th>port</th><th>STARTTLS</th><th>relay test</th><th>login</th><th>timeout</th><th>what it checks</th></tr>
${rows}
</table>
</body></html>
`;
}
