/**
 * Probe latency and throughput against the local Postfix/Dovecot (the native test backend).
 *
 * - median time of one SMTP STARTTLS+AUTH probe and one IMAPS login probe, beside a bare TCP connect +
 *   greeting read to the same server;
 * - rate of 1000 SMTP STARTTLS probes at concurrency 50, beside the rate of bare TLS handshakes to the same
 *   Postfix at the same concurrency.
 * Prints figures; asserts nothing (targets: ≥ 300 probes/s, and at least half the bare-handshake rate).
 */
import net from 'node:net';
import tls from 'node:tls';
import { pathToFileURL } from 'node:url';
import { probeImaps, probeSmtp } from '../src/index.js';
import { startNativeBackend, type Endpoint, type MailBackend } from '../test/helpers/harness/backend.js';

const LATENCY_RUNS = 30;
const RATE_PROBES = 1000;
const CONCURRENCY = 50;
const RATE_ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** A bare TCP connect and one greeting line: the floor under any probe of that server. */
function connectAndGreet(e: Endpoint, implicitTls: boolean, ca?: string, servername?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s: net.Socket = implicitTls ? tls.connect({ host: e.host, port: e.port, ca, servername }) : net.connect({ host: e.host, port: e.port });
    s.setTimeout(10_000, () => s.destroy(new Error('timeout')));
    s.once('data', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

/** A bare TLS handshake (implicit TLS port), then hang up. */
function handshake(e: Endpoint, ca: string, servername: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: e.host, port: e.port, ca, servername });
    s.once('secureConnect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

async function atConcurrency(n: number, concurrency: number, task: () => Promise<boolean>): Promise<{ seconds: number; rate: number; failures: number }> {
  let next = 0;
  let failures = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        if (!(await task().catch(() => false))) failures++;
      }
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  return { seconds, rate: n / seconds, failures };
}

export async function benchProbes(): Promise<void> {
  const b: MailBackend = await startNativeBackend();
  try {
    const u = b.users[0]!;
    const tlsOpts = { ca: b.ca, servername: b.tlsName };
    // Warm up: Postfix spawns smtpd processes and tlsmgr on first use.
    for (let i = 0; i < 5; i++) await probeSmtp(b.submission, { ...tlsOpts, starttls: 'required', credentials: { user: u.user, password: u.password } });

    const smtpAuth: number[] = [];
    const imapsLogin: number[] = [];
    const smtpBare: number[] = [];
    const imapsBare: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      smtpAuth.push(await timeIt(async () => {
        const r = await probeSmtp(b.submission, { ...tlsOpts, starttls: 'required', credentials: { user: u.user, password: u.password } });
        if (!r.ok) throw new Error(`smtp probe failed: ${r.error?.code}`);
      }));
      smtpBare.push(await timeIt(() => connectAndGreet(b.submission, false)));
      imapsLogin.push(await timeIt(async () => {
        const r = await probeImaps(b.imaps, { ...tlsOpts, credentials: { user: u.user, password: u.password } });
        if (!r.ok) throw new Error(`imaps probe failed: ${r.error?.code}`);
      }));
      imapsBare.push(await timeIt(() => connectAndGreet(b.imaps, true, b.ca, b.tlsName)));
    }
    console.log(`\n## Probes (local Postfix ${b.submission.host}, Dovecot; median of ${LATENCY_RUNS})`);
    console.log(`SMTP STARTTLS+AUTH probe (587-like)     ${median(smtpAuth).toFixed(1)} ms   | bare TCP connect + greeting: ${median(smtpBare).toFixed(1)} ms`);
    console.log(`IMAPS login probe (993-like)            ${median(imapsLogin).toFixed(1)} ms   | bare TLS connect + greeting: ${median(imapsBare).toFixed(1)} ms`);

    // Postfix forks one smtpd per concurrent session: let it grow its pool before timing anything at 50.
    const smtpProbe = async (): Promise<boolean> => (await probeSmtp(b.smtp, { ...tlsOpts, starttls: 'required' })).ok;
    const bareHandshake = async (): Promise<boolean> => {
      await handshake(b.smtps, b.ca, b.tlsName);
      return true;
    };
    await atConcurrency(CONCURRENCY * 2, CONCURRENCY, smtpProbe);
    await atConcurrency(CONCURRENCY * 2, CONCURRENCY, bareHandshake);
    // Three rounds each, interleaved, the median reported: a 2-core machine's rate moves with whatever else runs.
    const probeRounds: Array<Awaited<ReturnType<typeof atConcurrency>>> = [];
    const bareRounds: Array<Awaited<ReturnType<typeof atConcurrency>>> = [];
    for (let round = 0; round < RATE_ROUNDS; round++) {
      probeRounds.push(await atConcurrency(RATE_PROBES, CONCURRENCY, smtpProbe));
      bareRounds.push(await atConcurrency(RATE_PROBES, CONCURRENCY, bareHandshake));
    }
    const byRate = (a: { rate: number }, b: { rate: number }): number => a.rate - b.rate;
    const probes = probeRounds.sort(byRate)[RATE_ROUNDS >> 1]!;
    const bare = bareRounds.sort(byRate)[RATE_ROUNDS >> 1]!;
    const rates = (rounds: Array<{ rate: number }>): string => rounds.map((r) => r.rate.toFixed(0)).join(', ');
    console.log(`${RATE_PROBES} SMTP STARTTLS probes @${CONCURRENCY}:     ${probes.rate.toFixed(0)} probes/s median (rounds: ${rates(probeRounds)}; ${probes.failures} failed)`);
    console.log(`${RATE_PROBES} bare TLS handshakes @${CONCURRENCY}:      ${bare.rate.toFixed(0)} handshakes/s median (rounds: ${rates(bareRounds)}; ${bare.failures} failed)`);
    console.log(`probe rate / handshake rate: ${(probes.rate / bare.rate).toFixed(2)} (target ≥ 0.5); target ≥ 300 probes/s`);
  } finally {
    await b.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await benchProbes();
}
