/** docs/exporter.md stays true: every module and metric is documented; the example alert rules pass promtool. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExporterMetrics } from '../../src/exporter/metrics.js';
import { BUILTIN_MODULES } from '../../src/exporter/modules.js';
import { probeRegistry } from '../../src/exporter/probe-metrics.js';
import type { ProbeResult } from '../../src/lib/types.js';
import { REPO_ROOT } from '../helpers/lab/lab.js';

/** A result with every part a probe can fill, so that every metric the renderer knows appears. */
const FULL: ProbeResult = {
  protocol: 'smtp',
  target: { host: 'smtp.example.test', port: 587, address: '192.0.2.1', family: 4, addresses: ['192.0.2.1'] },
  ok: false,
  security: 'starttls',
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 120,
  phases: [
    { name: 'resolve', startMs: 0, durationMs: 1, ok: true },
    { name: 'relay', startMs: 100, durationMs: 10, ok: false },
  ],
  tls: {
    mode: 'starttls',
    protocol: 'TLSv1.3',
    trusted: true,
    hostnameMatch: true,
    certificate: { subject: 'CN=x', subjectAltNames: [], issuer: 'CN=ca', validFrom: '2026-01-01T00:00:00.000Z', validTo: '2027-01-01T00:00:00.000Z', daysLeft: 365, fingerprint256: '', serialNumber: '1', selfSigned: false },
  },
  capabilities: ['AUTH'],
  auth: { mechanisms: ['PLAIN'], attempted: true, mechanism: 'PLAIN', ok: true },
  relay: { from: 'a@example.test', to: 'b@example.net', authenticated: true, accepted: false, rcptTo: { code: 554, text: 'no' } },
  mailbox: { messages: 1 },
  error: { code: 'RELAY_DENIED', phase: 'relay', message: 'no', reply: { code: 554, text: 'no' } },
  warnings: [{ code: 'STARTTLS_PLAINTEXT_INJECTION', phase: 'starttls', message: 'x' }],
  skipped: [],
  transcript: [],
};

describe('exporter docs', () => {
  it('docs/exporter.md names every built-in module and every metric', async () => {
    const doc = await readFile(join(REPO_ROOT, 'docs', 'exporter.md'), 'utf8');
    for (const m of Object.keys(BUILTIN_MODULES)) assert.ok(doc.includes(`\`${m}\``), `module ${m} is not documented`);
    const probe = (await probeRegistry(FULL).getMetricsAsJSON()).map((m) => m.name);
    assert.ok(probe.length >= 15, probe.join(' '));
    const own = (await new ExporterMetrics({ inUse: 0, queued: 0, size: 1 }).registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => n.startsWith('maildoctor_'));
    for (const n of [...probe, ...own]) assert.ok(doc.includes(`\`${n}`), `metric ${n} is not documented`);
  });

  it('a probe that relayed nothing says why in labels of codes only, never server text', async () => {
    const text = await probeRegistry(FULL).metrics();
    assert.match(text, /^probe_error_info\{code="RELAY_DENIED",phase="relay"\} 1$/m);
    assert.match(text, /^probe_smtp_relay_accepted 0$/m);
    assert.match(text, /^probe_smtp_failed_reply_code 554$/m);
    assert.match(text, /^probe_ssl_earliest_cert_expiry 1798761600$/m);
    assert.match(text, /^probe_phase_duration_seconds\{phase="relay"\} 0\.01$/m);
    assert.ok(!text.includes('a@example.test') && !text.includes('"no"'));
  });

  it('the example alert rules pass promtool', function () {
    try {
      execFileSync('sh', ['-c', 'command -v promtool'], { stdio: 'ignore' });
    } catch {
      this.skip();
    }
    const out = execFileSync('promtool', ['check', 'rules', join(REPO_ROOT, 'docs', 'exporter-alerts.yml')], { encoding: 'utf8' });
    assert.match(out, /SUCCESS: 9 rules found/);
  });
});
