/**
 * The README's first command, as a user runs it (issue 9): `bash scripts/demo.sh` builds the lab, runs the
 * built CLI with the default command line (no --no-ispdb, no --dns, the default control endpoints) against a
 * resolver that refuses every name outside the lab, and tears the lab down.
 */
import assert from 'node:assert/strict';
import { ensureBuilt, runCommand } from '../helpers/process/run.js';

describe('process tier: scripts/demo.sh', function () {
  this.timeout(120_000);
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    ensureBuilt();
  });

  it('runs the default command line in a closed lab network and prints the hybrid-account report', async () => {
    const r = await runCommand(['bash', 'scripts/demo.sh']);
    assert.equal(r.code, 0, r.stderr);
    const commandLine = /^\$ MAILDOCTOR_PASSWORD=… maildoctor (.*)$/m.exec(r.stderr)?.[1] ?? '';
    assert.match(commandLine, /^check pippo@disney\.test --ca CA\.pem --user pippo$/, r.stderr);
    assert.match(r.stdout, /Sending works only through a hybrid account: send through smtp\.isp\.test/);
    assert.match(r.stdout.trimEnd().split('\n').at(-1)!, /\(exit code 1\)\.?$/);
    assert.match(r.stderr, /demo: maildoctor exited with 1/);
  });
});
