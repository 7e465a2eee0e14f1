import { runProbe } from '../lib/probe.js';
import type { ProbeOptions, ProbeResult, ProbeTarget } from '../lib/types.js';
import { pop3Script } from './pop3.js';

/** POP3 over implicit TLS (RFC 8314 §3.3, port 995): the TLS handshake comes before the greeting. */
export async function probePop3s(target: ProbeTarget, options?: Partial<ProbeOptions>): Promise<ProbeResult> {
  return runProbe('pop3s', target, options, (ctx) => pop3Script(ctx, true));
}
