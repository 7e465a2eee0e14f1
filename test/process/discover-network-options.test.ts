/**
 * `discover` and `network` take --no-ispdb and --timeout as users type them (issue 9): the BUILT CLI in a
 * namespace whose resolver is silent for every name outside its zone, so only the options decide how long a
 * command waits and what it asks. Bad values are refused with exit 2 in test/process/usage.test.ts.
 */
import assert from 'node:assert/strict';
import { ensureBuilt, runCli, STACK_TRACE, type Ran } from '../helpers/process/run.js';

interface Source {
  source: string;
  state: string;
}

function json<T>(r: Ran, what: string): T {
  assert.ok([0, 1].includes(r.code ?? -1), `${what}: exit ${r.code}; stderr ${r.stderr.slice(0, 400)}`);
  assert.equal(r.stderr, '', what);
  assert.doesNotMatch(r.stderr, STACK_TRACE);
  return JSON.parse(r.stdout) as T;
}

describe('process tier: discover and network with --no-ispdb and --timeout', function () {
  this.timeout(60_000);
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    ensureBuilt();
  });

  it('discover --no-ispdb --timeout 1000: the ISP database is not asked, and the deadline is the one given', async () => {
    const [given, defaults] = await Promise.all([
      runCli(['discover', 'jane@example.test', '--no-ispdb', '--timeout', '1000', '--json'], { resolver: 'silent' }),
      runCli(['discover', 'jane@example.test', '--json'], { resolver: 'silent' }),
    ]);
    const d = json<{ timeoutMs: number; durationMs: number; sources: Source[] }>(given, 'with the options');
    assert.equal(d.timeoutMs, 1000);
    assert.ok(d.durationMs <= 1000 + 500, `took ${d.durationMs} ms under a 1000 ms deadline`);
    assert.deepEqual(d.sources.filter((s) => s.source === 'ispdb').map((s) => s.state), ['skipped']);
    // Without them the same command asks the ISP database (whose name the silent resolver never answers).
    const base = json<{ timeoutMs: number; sources: Source[] }>(defaults, 'without the options');
    assert.ok(base.timeoutMs > 1000, `default deadline ${base.timeoutMs} ms`);
    assert.deepEqual(base.sources.filter((s) => s.source === 'ispdb').map((s) => s.state), ['timeout']);
    assert.ok(given.dnsQueries! < defaults.dnsQueries!, `questions: ${given.dnsQueries} with --no-ispdb, ${defaults.dnsQueries} without`);
  });

  it('network --no-ispdb --timeout 1200: an echo URL the resolver never answers is given up at the deadline given', async () => {
    const [given, defaults] = await Promise.all([
      runCli(['network', '--no-ispdb', '--echo-url', 'https://echo.outside.test/', '--timeout', '1200', '--json'], { resolver: 'silent' }),
      runCli(['network', '--echo-url', 'https://echo.outside.test/', '--json'], { resolver: 'silent' }),
    ]);
    const n = json<{ durationMs: number; unknown: string[] }>(given, 'with the options');
    assert.ok(n.durationMs >= 1000 && n.durationMs <= 1200 + 500, `took ${n.durationMs} ms under a 1200 ms deadline`);
    assert.ok(n.unknown.some((u) => u.startsWith('publicAddress:')), n.unknown.join('; '));
    const base = json<{ durationMs: number }>(defaults, 'without the options');
    assert.ok(base.durationMs > 2_000, `the default deadline is longer (${base.durationMs} ms)`);
  });
});
