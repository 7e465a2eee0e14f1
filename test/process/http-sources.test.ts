/**
 * The BUILT command line fetches over HTTPS: the ISPDB through undici, which the bundle (scripts/bundle.mjs)
 * loads on first use. A dynamic import of a CommonJS package has no named exports in the bundle, and a build that
 * lost them failed every autoconfig and ISPDB request with "Agent is not a constructor" while every DNS-only test
 * passed. The discovery world (in-process DNS and HTTPS on loopback, its own CA) answers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWorld, type World } from '../helpers/discovery/world.js';
import { ensureBuilt, runCli, STACK_TRACE } from '../helpers/process/run.js';

describe('process tier: HTTP sources through the built CLI', function () {
  this.timeout(60_000);
  let world: World;
  let dir: string;
  before(async () => {
    ensureBuilt();
    world = await startWorld();
    dir = mkdtempSync(join(tmpdir(), 'md-http-'));
    writeFileSync(join(dir, 'ca.pem'), world.pki.caPem);
  });
  after(async () => {
    await world?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('discover --ispdb URL: the ISP database entry is found and its servers are candidates', async () => {
    const r = await runCli(['discover', 'jane@example.test', '--dns', world.dns.spec, '--ca', join(dir, 'ca.pem'), '--ispdb', world.ispdbBaseUrl, '--json']);
    assert.doesNotMatch(r.stderr, STACK_TRACE);
    assert.ok([0, 1].includes(r.code ?? -1), `exit ${r.code}: ${r.stderr}`);
    const d = JSON.parse(r.stdout) as { sources: Array<{ source: string; state: string; error?: { message: string } }>; candidates: { smtp: Array<{ sources: string[] }> } };
    const ispdb = d.sources.find((s) => s.source === 'ispdb');
    assert.equal(ispdb?.state, 'found', JSON.stringify(ispdb));
    assert.ok(d.candidates.smtp.some((c) => c.sources.includes('ispdb')));
  });
});
