import { runProbe } from '../lib/probe.js';
import type { ProbeOptions, ProbeResult, ProbeTarget } from '../lib/types.js';

/**
 * Connect-only: resolve and one TCP connect, classified (refused, filtered, unreachable, name not found).
 * The port is required: there is no default for a bare TCP probe.
 */
export function probeTcp(target: ProbeTarget, options?: Partial<ProbeOptions>): Promise<ProbeResult> {
  return runProbe('tcp', target, options, async (ctx) => {
    await ctx.dialOnly();
  });
}
