/**
 * What `maildoctor agent` costs and how fast it reacts.
 *
 *     npx tsx bench/agent.ts           (or through bench/run.ts: benchAgent())
 *
 * (i)   idle: CPU and RSS of a real agent process over 60 s after its first check, from /proc/PID/stat and
 *       /proc/PID/status: targets < 1% of one core, < 100 MB. The process is the CLI (`maildoctor agent`, compiled
 *       when dist/ exists, else the sources through tsx) with default intervals, OS events and the metrics
 *       endpoint. As root it runs in a network namespace of its own with only loopback, so its one real check
 *       cannot reach anything; otherwise its resolver is a closed loopback port and it has no control endpoints.
 * (ii)  latency: from a network change to the alert with default settings (poll 2 s, debounce 1.5 s), in
 *       process, with an injected fingerprint and a fast fake check, at random moments relative to the poll;
 *       and the same when an OS event (ip monitor) reports the change. Target < 5 s.
 * (iii) memory: RSS and heap after 1000 simulated network changes (each one a new network, so the per-network
 *       memory reaches its cap), compared with the start, with a forced GC before each measurement
 *       (`node --expose-gc`, in a child process): target flat.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import winston from 'winston';
import { startAgent, type AgentDeps } from '../src/agent/agent.js';
import { ManualClock } from '../src/agent/clock.js';
import { DEFAULT_DEBOUNCE_MS, DEFAULT_POLL_MS } from '../src/agent/config.js';
import { callbackNotifier } from '../src/agent/notify/index.js';
import { makeReport, FakeCheck, FakeNetwork } from '../test/helpers/agent/fakes.js';
import { isBuilt } from '../test/helpers/build.js';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const IDLE_SECONDS = 60;
const IDLE_CPU_TARGET_PERCENT = 1;
const IDLE_RSS_TARGET_MB = 100;
const LATENCY_TARGET_MS = 5_000;
const LATENCY_RUNS = 5;
const CHANGES = 1_000;
/** RSS may move by this much and still be "flat" (allocator noise, lazily compiled code). */
const FLAT_TOLERANCE_MB = 10;

const silentLogger = (): winston.Logger => winston.createLogger({ transports: [new winston.transports.Console({ silent: true })] });

function baseConfig(stateDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accounts: [{ address: 'bench@mailbox.test' }],
    stateDir,
    notifiers: { log: { console: false }, desktop: false },
    metrics: { listen: false },
    ...extra,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// (ii) latency

async function latency(withOsEvent: boolean): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'maildoctor-bench-agent-'));
  const net = new FakeNetwork();
  const fake = new FakeCheck();
  fake.respond = (address) => makeReport({ address, outgoing: `smtp.${net.value}.test`, hybrid: true, provider: `${net.value}.test` });
  let fire: () => void = () => undefined;
  let onAlert: (() => void) | undefined;
  const deps: Partial<AgentDeps> = {
    fingerprint: net.source,
    check: fake.fn,
    logger: silentLogger(),
    defaultMetrics: false,
    networkEvents: withOsEvent
      ? (onEvent) => {
          fire = onEvent;
          return { close: () => undefined };
        }
      : false,
    extraNotifiers: [callbackNotifier('bench', () => onAlert?.())],
  };
  const agent = await startAgent(baseConfig(dir), deps);
  const out: number[] = [];
  try {
    await agent.idle();
    for (let i = 0; i < LATENCY_RUNS; i++) {
      // A random moment relative to the poll, as a real change would be.
      await new Promise((r) => setTimeout(r, Math.random() * DEFAULT_POLL_MS));
      const alerted = new Promise<void>((resolve) => (onAlert = resolve));
      const t0 = performance.now();
      net.value = `net-${i}`;
      if (withOsEvent) fire();
      await alerted;
      out.push(performance.now() - t0);
      await agent.idle();
    }
  } finally {
    await agent.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// (iii) memory after many changes (in a child with --expose-gc)

interface MemoryResult {
  changes: number;
  rssStartMb: number;
  rssEndMb: number;
  heapStartMb: number;
  heapEndMb: number;
  alerts: number;
  networksRemembered: number;
  seconds: number;
}

const mb = (b: number): number => Math.round((b / 1024 / 1024) * 10) / 10;

async function memoryChild(): Promise<MemoryResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const dir = await mkdtemp(join(tmpdir(), 'maildoctor-bench-agent-'));
  const clock = new ManualClock();
  const net = new FakeNetwork();
  const fake = new FakeCheck();
  fake.respond = (address) => makeReport({ address, outgoing: `smtp.${net.value}.test`, hybrid: true, provider: `${net.value}.test`, certDays: 30 });
  let alerts = 0;
  const agent = await startAgent(baseConfig(dir), {
    clock,
    fingerprint: net.source,
    check: fake.fn,
    logger: silentLogger(),
    networkEvents: false,
    extraNotifiers: [callbackNotifier('bench', () => alerts++)],
  });
  const change = async (i: number): Promise<void> => {
    net.value = `net-${i}`;
    await clock.advance(DEFAULT_POLL_MS + DEFAULT_DEBOUNCE_MS);
    await agent.idle();
  };
  const settle = async (): Promise<{ rss: number; heap: number }> => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    const m = process.memoryUsage();
    return { rss: m.rss, heap: m.heapUsed };
  };
  // Warm-up: compile the code paths and fill the per-network memory to its cap, so "start" is steady state.
  for (let i = 0; i < 250; i++) await change(i);
  fake.calls.length = 0;
  const start = await settle();
  const t0 = performance.now();
  for (let i = 250; i < 250 + CHANGES; i++) {
    await change(i);
    fake.calls.length = 0; // the fake's own call log is not the agent's memory
  }
  const seconds = (performance.now() - t0) / 1000;
  const end = await settle();
  const networksRemembered = Object.keys(agent.state.networks).length;
  await agent.stop();
  await rm(dir, { recursive: true, force: true });
  return {
    changes: CHANGES,
    rssStartMb: mb(start.rss),
    rssEndMb: mb(end.rss),
    heapStartMb: mb(start.heap),
    heapEndMb: mb(end.heap),
    alerts,
    networksRemembered,
    seconds: Math.round(seconds * 10) / 10,
  };
}

async function memory(): Promise<MemoryResult> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--memory-child'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`memory child exited ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as MemoryResult;
}

// ---------------------------------------------------------------------------------------------------------------
// (i) idle CPU and RSS of a real agent process

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15, after the parenthesised name). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

async function rssMb(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: Math.round((kb('VmRSS') / 1024) * 10) / 10, hwm: Math.round((kb('VmHWM') / 1024) * 10) / 10 };
}

interface IdleResult {
  cli: string;
  isolated: boolean;
  cpuPercent: number;
  rssMb: number;
  rssMaxMb: number;
  hwmMb: number;
}

function cliCommand(): { command: string[]; label: string } {
  if (isBuilt()) return { command: [process.execPath, join(REPO_ROOT, 'bin', 'maildoctor.js')], label: 'compiled (the bundle in dist/cli-bundle/)' };
  return { command: [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test', 'helpers', 'lab', 'cli.ts')], label: 'sources through tsx (no dist/; `npm run build` for the shipped figure)' };
}

function canIsolate(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('unshare', ['--net', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function idle(): Promise<IdleResult | string> {
  if (process.platform !== 'linux') return 'needs /proc (Linux)';
  const dir = await mkdtemp(join(tmpdir(), 'maildoctor-bench-agent-idle-'));
  const isolated = canIsolate();
  const { command, label } = cliCommand();
  const configFile = join(dir, 'agent.json');
  await writeFile(
    configFile,
    JSON.stringify({
      // Nothing to find, and nowhere to look but loopback: the check fails fast, and the agent then idles.
      accounts: [{ address: 'bench@mailbox.test', dns: ['127.0.0.1:1'], controls: [], ispdb: false, timeoutMs: 10_000 }],
      stateDir: join(dir, 'state'),
      notifiers: { log: { console: true, json: true, level: 'info' }, desktop: false },
      metrics: { listen: '127.0.0.1:0' },
    }),
  );
  // `unshare --net` execs in place (no fork): the PID we get is the agent's own, which /proc is read for.
  const argv = isolated ? ['unshare', '--net', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', ...command, 'agent', '--config', configFile] : [...command, 'agent', '--config', configFile];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2_000)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent: no first check after 60 s\n${err}`)), 60_000);
      createInterface({ input: child.stdout }).on('line', (l) => {
        if (l.includes('"check.done"')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (c) => reject(new Error(`agent exited ${c}\n${err}`)));
    });
    await new Promise((r) => setTimeout(r, 3_000)); // let start-up settle
    const pid = child.pid!;
    const cpu0 = await cpuSeconds(pid);
    const t0 = performance.now();
    let rssMax = 0;
    for (let s = 0; s < IDLE_SECONDS; s += 5) {
      await new Promise((r) => setTimeout(r, 5_000));
      rssMax = Math.max(rssMax, (await rssMb(pid)).rss);
    }
    const cpu1 = await cpuSeconds(pid);
    const wall = (performance.now() - t0) / 1000;
    const mem = await rssMb(pid);
    return { cli: label, isolated, cpuPercent: Math.round(((cpu1 - cpu0) / wall) * 100 * 100) / 100, rssMb: mem.rss, rssMaxMb: rssMax, hwmMb: mem.hwm };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------

const stats = (xs: number[]): { min: number; median: number; max: number } => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: Math.round(s[0]!), median: Math.round(s[Math.floor(s.length / 2)]!), max: Math.round(s.at(-1)!) };
};

export async function benchAgent(): Promise<void> {
  // The agent keeps no reference on the event loop (its timers are unref'd): the benchmark does, as the CLI does.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  try {
    await run();
  } finally {
    clearInterval(keepAlive);
  }
}

async function run(): Promise<void> {
  const rows: string[][] = [];
  const poll = stats(await latency(false));
  rows.push(['(ii) network change → alert, polling (2 s) + debounce (1.5 s)', `min ${poll.min} / median ${poll.median} / max ${poll.max} ms`, `< ${LATENCY_TARGET_MS} ms`, poll.max < LATENCY_TARGET_MS ? 'ok' : 'MISSED']);
  const ev = stats(await latency(true));
  rows.push(['(ii) network change → alert, OS event + debounce (1.5 s)', `min ${ev.min} / median ${ev.median} / max ${ev.max} ms`, `< ${LATENCY_TARGET_MS} ms`, ev.max < LATENCY_TARGET_MS ? 'ok' : 'MISSED']);
  const m = await memory();
  const flat = m.rssEndMb - m.rssStartMb <= FLAT_TOLERANCE_MB;
  rows.push([
    `(iii) RSS after ${m.changes} network changes (${m.seconds} s, ${m.alerts} alerts, ${m.networksRemembered} networks kept)`,
    `RSS ${m.rssStartMb} → ${m.rssEndMb} MB; heap ${m.heapStartMb} → ${m.heapEndMb} MB`,
    `flat (±${FLAT_TOLERANCE_MB} MB)`,
    flat ? 'ok' : 'MISSED',
  ]);
  const i = await idle();
  if (typeof i === 'string') rows.push(['(i) idle agent process', `skipped: ${i}`, '', '']);
  else {
    rows.push([`(i) idle CPU over ${IDLE_SECONDS} s`, `${i.cpuPercent}% of one core`, `< ${IDLE_CPU_TARGET_PERCENT}%`, i.cpuPercent < IDLE_CPU_TARGET_PERCENT ? 'ok' : 'MISSED']);
    rows.push([`(i) idle RSS over ${IDLE_SECONDS} s`, `${i.rssMb} MB now, ${i.rssMaxMb} MB max, ${i.hwmMb} MB high-water`, `< ${IDLE_RSS_TARGET_MB} MB`, i.rssMaxMb < IDLE_RSS_TARGET_MB ? 'ok' : 'MISSED']);
  }
  const head = ['measurement', 'result', 'target', ''];
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const fmt = (cells: string[]): string => `| ${cells.map((c, k) => c.padEnd(widths[k]!)).join(' | ')} |`;
  process.stdout.write(
    [
      '',
      'maildoctor agent',
      fmt(head),
      fmt(widths.map((w) => '-'.repeat(w))),
      ...rows.map(fmt),
      '',
      typeof i === 'string' ? '' : `(i) process: maildoctor agent, ${i.cli}; ${i.isolated ? 'in a network namespace with only loopback' : 'resolver on a closed loopback port'}; from /proc/PID/stat and /proc/PID/status.`,
      `(ii) ${LATENCY_RUNS} changes each, in process, injected fingerprint and a fake check that answers at once. (iii) in a child with --expose-gc, GC forced before each figure.`,
      '',
    ].join('\n'),
  );
}

if (process.argv.includes('--memory-child')) {
  process.stdout.write(`${JSON.stringify(await memoryChild())}\n`);
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchAgent();
}
