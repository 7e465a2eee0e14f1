import { greetingDomain, parseSmtpLine } from '../lib/lines.js';
import { runProbe } from '../lib/probe.js';
import type { ProbeOptions, ProbeResult, ProbeTarget } from '../lib/types.js';

/**
 * Connect-only: resolve and one TCP connect, classified (refused, filtered, unreachable, name not found).
 * The port is required: there is no default for a bare TCP probe. With `bannerWaitMs`, the server's first
 * line is read (never anything sent) and kept as the greeting: who answers on a port is a fact about the path.
 */
export function probeTcp(target: ProbeTarget, options?: Partial<ProbeOptions>): Promise<ProbeResult> {
  return runProbe('tcp', target, options, async (ctx) => {
    const wait = options?.bannerWaitMs ?? 0;
    if (wait <= 0) return ctx.dialOnly();
    const session = await ctx.connect(false);
    // A server that says nothing, or hangs up, is still a connected control: the banner is a bonus fact.
    const line = await ctx.phases.run('banner', wait, 'GREETING_TIMEOUT', (signal) => session.readLine('banner', signal)).catch(() => undefined);
    const reply = line === undefined ? undefined : parseSmtpLine(line);
    if (reply) {
      ctx.result.greeting = { code: reply.code, text: reply.text };
      const named = greetingDomain(reply.text);
      if (named) ctx.result.greetingHost = named;
    }
  });
}
