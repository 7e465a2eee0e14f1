/**
 * How long a whole `maildoctor check` takes, as a user runs it (a new process, start-up included), in the lab
 * (test/helpers/lab/lab.ts: Postfix and Dovecot, 7 mail ports on one address), beside nmap surveying the same ports
 * with its capability and certificate scripts, in the same run and the same network state (issue 13):
 *
 *     npm run build && npx tsx bench/check.ts      (or through bench/run.ts: `npm run bench -- check`)
 *
 * Situations, each built in the lab's namespaces:
 * - all-good: every port of the provider answers (submission on), the check logs in;
 * - port 25 dropped: the ISP's router silently drops customers' port 25 (Lab.setFirewall('drop'));
 * - web-only: guest Wi-Fi forwarding only TCP 80/443 (test/helpers/lab/networks.ts), every mail port dropped;
 * - PMTU black hole: a narrow link with ICMP "fragmentation needed" dropped: TLS handshakes stall.
 *
 * nmap: `nmap -Pn -p 25,110,143,465,587,993,995 --script smtp-commands,imap-capabilities,pop3-capabilities,ssl-cert`
 * from the user's namespace. Targets: the check at or below nmap in every situation (ratio ≤ 1.0), the all-good
 * one at ≤ 0.7; at most one mail session per server address and port in the all-good case; the black hole
 * decided within 5 s. Sessions are counted where they arrive: an nftables counter per port in the provider's
 * namespace counts the connections (SYNs) from the user's address, reset before each run.
 *
 * Prints figures; asserts nothing. The CLI is bin/maildoctor.js (the bundle of npm run build) when it is built,
 * otherwise the sources through `node --import tsx` (slower start); the table says which.
 * `BENCH_CHECK_RUNS` (default 3) and `BENCH_NMAP_BLACKHOLE_RUNS` (default 1: nmap waits out its own TLS
 * timeouts there, minutes per run) change the run counts; `BENCH_CHECK_ONLY=all-good,dropped` picks situations.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CheckReport } from '../src/report/types.js';
import { cleanupStaleLabs, Lab, LAB, REPO_ROOT, type ExecResult } from '../test/helpers/lab/lab.js';
import { setNetwork } from '../test/helpers/lab/networks.js';
import { isBuilt } from '../test/helpers/build.js';

/** Timed runs per measurement (after one untimed warm-up run of the check). */
const RUNS = Number(process.env.BENCH_CHECK_RUNS ?? 3);
const NMAP_RUNS = RUNS;
const NMAP_BLACKHOLE_RUNS = Number(process.env.BENCH_NMAP_BLACKHOLE_RUNS ?? 1);
const NMAP_PORTS = [25, 110, 143, 465, 587, 993, 995] as const;
const NMAP_SCRIPTS = 'smtp-commands,imap-capabilities,pop3-capabilities,ssl-cert';
/** Ratio of the check's median to nmap's that each situation aims at. */
const RATIO_TARGET = 1.0;
const ALL_GOOD_RATIO_TARGET = 0.7;
/** The black hole must be decided this fast (issue 13). */
const BLACKHOLE_TARGET_MS = 5_000;
/** nmap in the black hole waits out its scripts' timeouts: give it room. */
const NMAP_TIMEOUT_MS = 600_000;

interface Situation {
  id: string;
  title: string;
  apply: (lab: Lab) => Promise<void>;
  /** Exit codes the check may end with there. */
  exits: number[];
  nmapRuns: number;
}

const SITUATIONS: Situation[] = [
  { id: 'all-good', title: 'every port answers, with login', apply: async () => undefined, exits: [0], nmapRuns: NMAP_RUNS },
  { id: 'dropped', title: 'port 25 silently dropped by the network', apply: (lab) => lab.setFirewall('drop'), exits: [0, 1], nmapRuns: NMAP_RUNS },
  { id: 'web-only', title: 'web-only network (every mail port dropped)', apply: (lab) => setNetwork(lab, 'web-only'), exits: [1], nmapRuns: NMAP_RUNS },
  { id: 'blackhole', title: 'path-MTU black hole (TLS stalls)', apply: (lab) => setNetwork(lab, 'mtu-blackhole'), exits: [0, 1], nmapRuns: NMAP_BLACKHOLE_RUNS },
];

interface Measured {
  wall: number[];
  /** Connections per provider port in the last run. */
  sessions: Record<number, number>;
}

interface Row {
  situation: Situation;
  check: Measured;
  /** The check's own durationMs (in-process, without node's start-up). */
  inner: number[];
  nmap?: Measured;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const ms = (x: number): string => `${Math.round(x).toLocaleString('en')} ms`;

function cliCommand(): { command: string[]; label: string } {
  if (isBuilt()) {
    return { command: [process.execPath, join(REPO_ROOT, 'bin', 'maildoctor.js')], label: 'compiled: node bin/maildoctor.js (the bundle in dist/cli-bundle/, with its code cache)' };
  }
  return { command: [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test', 'helpers', 'lab', 'cli.ts')], label: 'sources: node --import tsx (no dist/; run `npm run build` for the real figure)' };
}

/** One named nftables counter per provider port, counting connections (SYN without ACK) from the user. */
async function installSessionCounters(lab: Lab): Promise<void> {
  const counters = NMAP_PORTS.map((p) => `counter c${p} {}`).join('\n ');
  const rules = NMAP_PORTS.map((p) => `ip saddr ${LAB.userAddress} tcp dport ${p} tcp flags & (syn | ack) == syn counter name c${p}`).join('\n  ');
  const script = `table inet mdbench\ndelete table inet mdbench\ntable inet mdbench {\n ${counters}\n chain input {\n  type filter hook input priority filter - 5; policy accept;\n  ${rules}\n }\n}\n`;
  const r = await lab.exec('provider', ['nft', '-f', '-'], { input: script, timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`nft: ${r.stderr.trim()}`);
}

async function resetSessions(lab: Lab): Promise<void> {
  const r = await lab.exec('provider', ['nft', 'reset', 'counters', 'table', 'inet', 'mdbench'], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`nft reset: ${r.stderr.trim()}`);
}

async function readSessions(lab: Lab): Promise<Record<number, number>> {
  const r = await lab.exec('provider', ['nft', '-j', 'list', 'counters', 'table', 'inet', 'mdbench'], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`nft list: ${r.stderr.trim()}`);
  const out: Record<number, number> = {};
  for (const item of (JSON.parse(r.stdout) as { nftables: Array<{ counter?: { name: string; packets: number } }> }).nftables) {
    if (item.counter) out[Number(item.counter.name.slice(1))] = item.counter.packets;
  }
  return out;
}

async function measure(lab: Lab, runs: number, warmUp: boolean, once: () => Promise<ExecResult>, onRun?: (r: ExecResult) => void): Promise<Measured> {
  const m: Measured = { wall: [], sessions: {} };
  for (let i = warmUp ? -1 : 0; i < runs; i++) {
    await resetSessions(lab);
    const r = await once();
    if (i < 0) continue; // warm-up: page cache, Postfix/Dovecot process pools
    onRun?.(r);
    m.wall.push(r.durationMs);
    m.sessions = await readSessions(lab);
  }
  return m;
}

function sessionsText(s: Record<number, number>): string {
  const counts = NMAP_PORTS.map((p) => s[p] ?? 0);
  return `${counts.reduce((a, b) => a + b, 0)} (max ${Math.max(...counts)}/port)`;
}

/** Figures of the runs without a code cache: the first run of a command after an install or an upgrade. */
interface Cold {
  start: number[];
  check: number[];
}

function printTable(rows: Row[], cli: string, startWall: number[], cold: Cold): void {
  const head = ['situation', 'maildoctor check', 'nmap', 'ratio', 'target', '', 'check in-process', 'sessions check', 'sessions nmap'];
  const lines = rows.map((r) => {
    const c = median(r.check.wall);
    const n = r.nmap ? median(r.nmap.wall) : undefined;
    const ratio = n ? c / n : undefined;
    const targets: string[] = [];
    let ok = true;
    const aim = r.situation.id === 'all-good' ? ALL_GOOD_RATIO_TARGET : RATIO_TARGET;
    targets.push(`ratio ≤ ${aim.toFixed(1)}`);
    if (ratio !== undefined && ratio > aim) ok = false;
    if (r.situation.id === 'blackhole') {
      targets.push(`≤ ${ms(BLACKHOLE_TARGET_MS)}`);
      if (c > BLACKHOLE_TARGET_MS) ok = false;
    }
    if (r.situation.id === 'all-good') {
      targets.push('≤ 1 session/port');
      if (Math.max(...Object.values(r.check.sessions)) > 1) ok = false;
    }
    return [
      r.situation.title,
      `${ms(c)} (${ms(Math.min(...r.check.wall))}–${ms(Math.max(...r.check.wall))})`,
      n !== undefined ? `${ms(n)}${r.nmap!.wall.length > 1 ? ` (${ms(Math.min(...r.nmap!.wall))}–${ms(Math.max(...r.nmap!.wall))})` : ''}` : '–',
      ratio !== undefined ? ratio.toFixed(2) : '–',
      targets.join(', '),
      ok ? 'ok' : 'MISSED',
      ms(median(r.inner)),
      sessionsText(r.check.sessions),
      r.nmap ? sessionsText(r.nmap.sessions) : '–',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(
    [
      '',
      `maildoctor check beside nmap in the lab — CLI: ${cli}; median of ${RUNS} check runs after one warm-up, nmap ${NMAP_RUNS} runs (${NMAP_BLACKHOLE_RUNS} in the black hole)`,
      `process start alone (maildoctor --version): median ${ms(median(startWall))}; without the code cache (a command's first run after an install): --version ${cold.start.length ? ms(median(cold.start)) : '–'}, the all-good check ${cold.check.length ? ms(median(cold.check)) : '–'}`,
      fmt(head),
      fmt(widths.map((w) => '-'.repeat(w))),
      ...lines.map(fmt),
      '',
      `check: ip netns exec USER node bin/maildoctor.js check ${LAB.address} --dns ${LAB.resolver} --ca CA --no-ispdb --control ×4 --user ${LAB.user} --json (password in MAILDOCTOR_PASSWORD)`,
      `nmap:  ip netns exec USER nmap -Pn -p ${NMAP_PORTS.join(',')} --script ${NMAP_SCRIPTS} ${LAB.provider}`,
      'wall = spawn to exit of `ip netns exec USER …` (process start included); in-process = the report’s durationMs.',
      `sessions = connections (SYNs) from the user at the provider (${LAB.provider}) over the 7 ports in the last run: total (most on one port).`,
      '',
    ].join('\n'),
  );
}

export async function benchCheck(): Promise<void> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    process.stdout.write('bench/check: skipped (the lab needs Linux and root)\n');
    return;
  }
  let nmap = true;
  try {
    execFileSync('sh', ['-c', 'command -v nmap'], { stdio: 'ignore' });
  } catch {
    nmap = false;
  }
  if (!nmap) process.stdout.write('bench/check: nmap is not installed: the nmap column stays empty\n');
  const only = process.env.BENCH_CHECK_ONLY?.split(',');
  const { command, label } = cliCommand();
  await cleanupStaleLabs();
  const lab = await Lab.start({ provider: { submission: true } });
  const rows: Row[] = [];
  const startWall: number[] = [];
  const cold: Cold = { start: [], check: [] };
  // A cache directory of the bench's own, empty at first: the warm-up runs write the code cache, as a user's
  // first runs do (src/cli/launch.ts).
  const cacheHome = mkdtempSync(join(tmpdir(), 'maildoctor-bench-cache-'));
  const env = { XDG_CACHE_HOME: cacheHome };
  const noCache = { ...env, MAILDOCTOR_NO_CODE_CACHE: '1' };
  try {
    await installSessionCounters(lab);
    // Node's start-up and the CLI's imports alone: the floor under every wall time below.
    for (let i = 0; i <= RUNS; i++) {
      const r = await lab.runCli(['--version'], { command, env });
      if (r.code !== 0) throw new Error(`--version: exit ${r.code}\n${r.stderr}`);
      if (i > 0) startWall.push(r.durationMs);
      const c = await lab.runCli(['--version'], { command, env: noCache });
      if (i > 0) cold.start.push(c.durationMs);
    }
    for (const situation of SITUATIONS) {
      if (only && !only.includes(situation.id)) continue;
      // Each situation from the normal network (the previous one undone).
      await lab.setFirewall('open');
      await setNetwork(lab, 'normal');
      await situation.apply(lab);
      const inner: number[] = [];
      const checkM = await measure(
        lab,
        RUNS,
        true,
        () => lab.runCheck({ command, env }),
        (r) => {
          if (!situation.exits.includes(r.code ?? -1)) throw new Error(`${situation.id}: exit ${r.code}\n${r.stderr}`);
          inner.push((JSON.parse(r.stdout) as CheckReport).durationMs);
        },
      );
      if (situation.id === 'all-good') {
        const coldM = await measure(lab, RUNS, false, () => lab.runCheck({ command, env: noCache }));
        cold.check.push(...coldM.wall);
      }
      const nmapM = nmap
        ? await measure(lab, situation.nmapRuns, false, () =>
            lab.exec('user', ['nmap', '-Pn', '-p', NMAP_PORTS.join(','), '--script', NMAP_SCRIPTS, LAB.provider], { timeoutMs: NMAP_TIMEOUT_MS }).then((r) => {
              if (r.code !== 0) throw new Error(`nmap: exit ${r.code}\n${r.stderr}`);
              return r;
            }),
          )
        : undefined;
      rows.push({ situation, check: checkM, inner, ...(nmapM ? { nmap: nmapM } : {}) });
      process.stdout.write(`bench/check: ${situation.id} done\n`);
    }
  } finally {
    await lab.stop();
    rmSync(cacheHome, { recursive: true, force: true });
  }
  printTable(rows, label, startWall, cold);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchCheck();
}
