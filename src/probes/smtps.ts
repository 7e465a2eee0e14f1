import { runProbe } from '../lib/probe.js';
import type { ProbeOptions, ProbeResult, ProbeTarget } from '../lib/types.js';
import { smtpScript } from './smtp.js';

/** SMTP submission over implicit TLS (RFC 8314 §3.3, port 465): the TLS handshake comes before the greeting. */
export function probeSmtps(target: ProbeTarget, options?: Partial<ProbeOptions>): Promise<ProbeResult> {
  return runProbe('smtps', target, options, (ctx) => smtpScript(ctx, true));
}
