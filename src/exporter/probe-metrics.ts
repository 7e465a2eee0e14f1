/**
 * One probe's result as the metrics of one `/probe` answer, in a Registry of its own (blackbox_exporter builds
 * one per probe too, so no series outlives its scrape). Names are blackbox's where the meaning is the same:
 * probe_success, probe_duration_seconds, probe_dns_lookup_time_seconds, probe_ip_protocol,
 * probe_ssl_earliest_cert_expiry, probe_tls_version_info. maildoctor's own: per-phase durations, the error
 * and warning codes of the catalogue (src/lib/codes.ts), the relay verdict and the AUTH outcome.
 *
 * Labels hold only codes, phase names, protocol versions and mechanism names: never server text, user names
 * or anything a server could inflate into new series.
 */
import type { Registry } from 'prom-client';
import { MetricRegistry } from '../lib/metrics.js';
import type { ProbeResult } from '../lib/types.js';

/** Node's `TLSv1.3` as blackbox writes it (`TLS 1.3`). */
export function tlsVersionLabel(protocol: string): string {
  return protocol.replace(/^TLSv/, 'TLS ').replace(/^TLS (\d)$/, 'TLS $1.0');
}

export function probeRegistry(result: ProbeResult): Registry {
  const m = new MetricRegistry();
  m.gauge('probe_success', 'Displays whether or not the probe was a success').set(result.ok ? 1 : 0);
  m.gauge('probe_duration_seconds', 'Returns how long the probe took to complete in seconds').set(result.durationMs / 1_000);

  const phases = m.gauge('probe_phase_duration_seconds', 'Duration of each phase of the probe (resolve, connect, tls, greeting, ehlo, starttls, auth, relay…), summed over its steps', ['phase']);
  const byPhase = new Map<string, number>();
  for (const p of result.phases) byPhase.set(p.name, (byPhase.get(p.name) ?? 0) + p.durationMs);
  for (const [phase, ms] of byPhase) phases.set({ phase }, ms / 1_000);
  if (byPhase.has('resolve')) m.gauge('probe_dns_lookup_time_seconds', 'Returns the time taken for probe dns lookup in seconds').set(byPhase.get('resolve')! / 1_000);
  if (result.target.family) m.gauge('probe_ip_protocol', 'Specifies whether probe ip protocol is IP4 or IP6').set(result.target.family);

  const tls = result.tls;
  // A notAfter that cannot be read (TLS_CERT_DATES_INVALID) has no timestamp: the series is left out, not NaN.
  if (tls?.certificate?.validTo !== undefined) {
    // A probe reads the leaf certificate only; blackbox's "earliest" is over the chain as sent. They differ
    // only when an intermediate expires before the leaf it signed.
    m.gauge('probe_ssl_earliest_cert_expiry', 'Expiry (notAfter) of the certificate the server presented, as a Unix timestamp').set(Math.floor(Date.parse(tls.certificate.validTo) / 1_000));
  }
  if (tls?.protocol) m.gauge('probe_tls_version_info', 'Returns the TLS version used or NaN when unknown', ['version']).set({ version: tlsVersionLabel(tls.protocol) }, 1);
  if (tls) {
    m.gauge('probe_tls_certificate_trusted', '1 when the certificate chains to a trusted CA and covers the dialled name').set(tls.trusted && tls.hostnameMatch ? 1 : 0);
  }

  if (result.error) {
    m.gauge('probe_error_info', 'Why the probe failed: the code of maildoctor’s catalogue and the phase it failed in (value 1)', ['code', 'phase']).set({ code: result.error.code, phase: result.error.phase }, 1);
    const reply = result.error.reply?.code;
    if (reply !== undefined) m.gauge('probe_smtp_failed_reply_code', 'The SMTP reply code of the refusal that failed the probe (e.g. 554)').set(reply);
  }
  if (result.warnings.length) {
    const w = m.gauge('probe_warning_info', 'Something wrong that did not fail the probe (value 1), e.g. STARTTLS_PLAINTEXT_INJECTION', ['code', 'phase']);
    for (const x of result.warnings) w.set({ code: x.code, phase: x.phase }, 1);
  }
  if (result.relay?.rcptTo) {
    m.gauge('probe_smtp_relay_accepted', 'Relay test: 1 when RCPT TO an outside address was accepted (the server relays for this network), 0 when refused').set(result.relay.accepted ? 1 : 0);
  }
  if (result.auth) {
    m.gauge('probe_auth_offered', '1 when the server advertised an authentication mechanism maildoctor can see, 0 when none').set(result.auth.mechanisms.length ? 1 : 0);
    if (result.auth.attempted) {
      m.gauge('probe_auth_success', 'Login with the module’s credentials: 1 accepted, 0 refused (only when a login was attempted)', ['mechanism']).set({ mechanism: result.auth.mechanism ?? '' }, result.auth.ok ? 1 : 0);
    }
  }
  if (result.mailbox) m.gauge('probe_mailbox_messages', 'Messages in the mailbox after login (IMAP STATUS, POP3 STAT)').set(result.mailbox.messages);
  return m.registry;
}

/** The Prometheus text exposition of one result. */
export function renderProbeMetrics(result: ProbeResult): Promise<string> {
  return probeRegistry(result).metrics();
}
