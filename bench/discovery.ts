/**
 * Discovery benchmark: the test DNS server and autoconfig servers on 127.0.0.1, then
 *  1. discover() N times for a domain whose every source answers (MX, six SRV, SPF/DMARC/MTA-STS, autoconfig over
 *     HTTPS, ISPDB, guesses): prints the median and p90 in-process time (target: median < 50 ms);
 *  2. discover() against a resolver that never answers: shows that discovery ends at its deadline with a clear
 *     result (elapsed time and each source's code).
 * Runnable alone: `npx tsx bench/discovery.ts`.
 */
import dgram from 'node:dgram';
import { pathToFileURL } from 'node:url';
import { discover } from '../src/discovery/index.js';
import { startWorld } from '../test/helpers/discovery/world.js';

const RUNS = 50;
const WARMUP = 5;
const TARGET_MEDIAN_MS = 50;
const SILENT_DEADLINE_MS = 2_000;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function benchDiscovery(): Promise<void> {
  const world = await startWorld();
  try {
    // Production DNS timeouts here: the happy path must not depend on short test caps.
    const options = world.options({ dnsTimeouts: {}, timeoutMs: 10_000 });
    for (let i = 0; i < WARMUP; i++) await discover('jane@example.test', options);
    const times: number[] = [];
    let last;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      last = await discover('jane@example.test', options);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const median = quantile(times, 0.5);
    const found = last!.sources.filter((s) => s.state === 'found').map((s) => s.source);
    console.log(`discover(jane@example.test) x${RUNS}: median ${median.toFixed(1)} ms, p90 ${quantile(times, 0.9).toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms, max ${times.at(-1)!.toFixed(1)} ms (target median < ${TARGET_MEDIAN_MS} ms: ${median < TARGET_MEDIAN_MS ? 'met' : 'MISSED'})`);
    console.log(`  sources found: ${found.join(', ')}; candidates smtp ${last!.candidates.smtp.length}, imap ${last!.candidates.imap.length}, pop3 ${last!.candidates.pop3.length}`);

    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    try {
      const t = performance.now();
      const r = await discover('jane@example.test', { ...options, dns: `127.0.0.1:${silent.address().port}`, timeoutMs: SILENT_DEADLINE_MS });
      const elapsed = performance.now() - t;
      console.log(`silent resolver, deadline ${SILENT_DEADLINE_MS} ms: ended after ${elapsed.toFixed(0)} ms, deadlineReached=${r.deadlineReached}`);
      for (const s of r.sources) console.log(`  ${s.source.padEnd(11)} ${s.state.padEnd(9)} ${s.error?.code ?? ''}`);
    } finally {
      silent.close();
    }
  } finally {
    await world.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchDiscovery();
}
