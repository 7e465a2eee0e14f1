/**
 * How long a whole `maildoctor check` takes, as a user runs it (a new process, start-up included), in the lab
 * (test/helpers/lab/lab.ts), against nmap doing the same port and capability survey. Needs root.
 *
 *     npm run build && npx tsx bench/check.ts      (or through bench/run.ts: benchCheck())
 *
 * (i)   every port of the provider answers (submission on, no firewall): target < 1 s wall time;
 * (ii)  the ISP silently drops port 25: target = the per-probe connect cap + at most 1 s (the dropped probes
 *       wait out one cap in parallel; timeouts must not add up);
 * (iii) `nmap -Pn -p 25,110,143,465,587,993,995 --script smtp-commands,imap-capabilities,pop3-capabilities,ssl-cert`
 *       from the user's namespace, same state as (i): the check should take at most half of nmap's time.
 * The CLI is bin/maildoctor.js (dist/, compiled) when dist/cli/main.js exists, otherwise the sources through
 * `node --import tsx` (slower start); the table says which.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHECK_CONNECT_TIMEOUT_MS } from '../src/check/check.js';
import type { CheckReport } from '../src/report/types.js';
import { cleanupStaleLabs, Lab, LAB, REPO_ROOT, type ExecResult } from '../test/helpers/lab/lab.js';

/** Timed runs per measurement (after one untimed warm-up run). */
const RUNS = 5;
const NMAP_RUNS = 3;
const FAST_TARGET_MS = 1_000;
const DROPPED_TARGET_MS = CHECK_CONNECT_TIMEOUT_MS + 1_000;
const NMAP_PORTS = '25,110,143,465,587,993,995';
const NMAP_SCRIPTS = 'smtp-commands,imap-capabilities,pop3-capabilities,ssl-cert';

interface Row {
  what: string;
  wall: number[];
  /** The check's own `durationMs` (in-process, without node's start-up). */
  inner?: number[];
  target?: string;
  ok?: boolean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const ms = (x: number): string => `${Math.round(x)} ms`;

function cliCommand(): { command: string[]; label: string } {
  if (existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    return { command: [process.execPath, join(REPO_ROOT, 'bin', 'maildoctor.js')], label: 'compiled: node bin/maildoctor.js (dist/)' };
  }
  return { command: [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test', 'helpers', 'lab', 'cli.ts')], label: 'sources: node --import tsx (no dist/; run `npm run build` for the real figure)' };
}

async function timedChecks(lab: Lab, what: string, command: string[], expectExit: number[]): Promise<Row> {
  const row: Row = { what, wall: [], inner: [] };
  for (let i = 0; i <= RUNS; i++) {
    const r: ExecResult = await lab.runCheck({ command });
    if (!expectExit.includes(r.code ?? -1)) throw new Error(`${what}: exit ${r.code}\n${r.stderr}`);
    const report = JSON.parse(r.stdout) as CheckReport;
    if (i === 0) continue; // warm-up: page cache, Postfix/Dovecot process pools
    row.wall.push(r.durationMs);
    row.inner!.push(report.durationMs);
  }
  return row;
}

function printTable(rows: Row[], cli: string): void {
  const head = ['measurement', 'median wall', 'min', 'max', 'median in-process', 'target', ''];
  const lines = rows.map((r) => [
    r.what,
    ms(median(r.wall)),
    ms(Math.min(...r.wall)),
    ms(Math.max(...r.wall)),
    r.inner?.length ? ms(median(r.inner)) : '–',
    r.target ?? '',
    r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(
    [
      '',
      `maildoctor check in the lab — CLI: ${cli}; ${RUNS} runs each (nmap ${NMAP_RUNS}), after one warm-up`,
      fmt(head),
      fmt(widths.map((w) => '-'.repeat(w))),
      ...lines.map(fmt),
      '',
      `(iii): ip netns exec USER nmap -Pn -p ${NMAP_PORTS} --script ${NMAP_SCRIPTS} ${LAB.provider}`,
      'wall = spawn to exit of `ip netns exec USER …` (process start included); in-process = the report’s durationMs.',
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
  const { command, label } = cliCommand();
  await cleanupStaleLabs();
  const lab = await Lab.start({ provider: { submission: true } });
  const rows: Row[] = [];
  try {
    // Node's start-up and the CLI's imports alone: the floor under every wall time below.
    const start: Row = { what: 'process start only (maildoctor --version)', wall: [] };
    for (let i = 0; i <= RUNS; i++) {
      const r = await lab.runCli(['--version'], { command });
      if (r.code !== 0) throw new Error(`--version: exit ${r.code}\n${r.stderr}`);
      if (i > 0) start.wall.push(r.durationMs);
    }

    // (i) Every port answers.
    const fast = await timedChecks(lab, '(i) full check, every port answers', command, [0]);
    fast.target = `< ${ms(FAST_TARGET_MS)}`;
    fast.ok = median(fast.wall) < FAST_TARGET_MS;

    // (iii) nmap, same state.
    let nmapRow: Row | undefined;
    if (nmap) {
      nmapRow = { what: '(iii) nmap, 7 ports, 4 scripts (command below)', wall: [] };
      for (let i = 0; i < NMAP_RUNS; i++) {
        const r = await lab.exec('user', ['nmap', '-Pn', '-p', NMAP_PORTS, '--script', NMAP_SCRIPTS, LAB.provider], { timeoutMs: 300_000 });
        if (r.code !== 0) throw new Error(`nmap: exit ${r.code}\n${r.stderr}`);
        nmapRow.wall.push(r.durationMs);
      }
      const half = median(nmapRow.wall) / 2;
      nmapRow.target = `(i) ≤ nmap/2 = ${ms(half)}`;
      nmapRow.ok = median(fast.wall) <= half;
    }

    // (ii) The ISP drops port 25.
    await lab.setFirewall('drop');
    const dropped = await timedChecks(lab, '(ii) full check, port 25 dropped by the ISP', command, [0, 1]);
    dropped.target = `≤ connect cap ${ms(CHECK_CONNECT_TIMEOUT_MS)} + 1 s`;
    dropped.ok = median(dropped.wall) <= DROPPED_TARGET_MS;
    rows.push(start, fast, dropped, ...(nmapRow ? [nmapRow] : []));
    if (!nmapRow) process.stdout.write('bench/check: nmap is not installed: (iii) skipped\n');
  } finally {
    await lab.stop();
  }
  printTable(rows, label);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchCheck();
}
