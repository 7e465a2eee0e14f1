/**
 * Facts-gathering for the blocklist finding (issue 11): after the probes, when a server refused this client
 * in a way a DNS blocklist explains (a 5xx on port 25, a 5xx greeting), or always with `--dnsbl`, ask the
 * well-known lists about the current public address. The report rule (src/report/rules/blocklist.ts) reads
 * the recorded answers; it never asks DNS itself.
 */
import type { DnsClient } from '../lookup/dns-client.js';
import { lookupBlocklists, type BlocklistFacts } from '../network/dnsbl.js';
import type { NetworkIdentity } from '../network/types.js';
import { Deadline } from '../lib/deadline.js';
import { suggestsBlocklist } from '../report/analysis.js';
import type { CheckProbe } from '../report/types.js';
import { DEFAULT_DNSBLS, DNSBL_LOOKUP_TIMEOUT_MS } from './defaults.js';

export interface BlocklistOptions {
  /** `true`: always look up (`--dnsbl`); `false`: never (`--no-dnsbl`); unset: when a refusal suggests it. */
  mode?: boolean;
  /** @default DEFAULT_DNSBLS */
  zones?: readonly string[];
}

export async function gatherBlocklists(
  dns: DnsClient,
  network: NetworkIdentity,
  probes: CheckProbe[],
  options: BlocklistOptions,
  signal: AbortSignal,
): Promise<BlocklistFacts | undefined> {
  if (options.mode === false) return undefined;
  const trigger = options.mode === true ? 'requested' : probes.some(suggestsBlocklist) ? 'refusal' : undefined;
  if (!trigger) return undefined;
  const address = network.publicAddress?.address;
  if (!address) {
    return { trigger, skipped: 'no public address is known (behind NAT: --echo-url learns it from an echo service)', answers: [] };
  }
  const deadline = new Deadline(DNSBL_LOOKUP_TIMEOUT_MS, signal);
  try {
    return { trigger, address, answers: await lookupBlocklists(dns, address, options.zones ?? DEFAULT_DNSBLS, deadline.signal) };
  } finally {
    deadline.dispose();
  }
}
