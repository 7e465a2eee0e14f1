import { runProbe } from '../lib/probe.js';
import type { ProbeOptions, ProbeResult, ProbeTarget } from '../lib/types.js';
import { imapScript } from './imap.js';

/** IMAP over implicit TLS (RFC 8314 §3.3, port 993): the TLS handshake comes before the greeting. */
export async function probeImaps(target: ProbeTarget, options?: Partial<ProbeOptions>): Promise<ProbeResult> {
  return runProbe('imaps', target, options, (ctx) => imapScript(ctx, true));
}
