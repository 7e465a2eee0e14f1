/**
 * Pipes, signals and exit codes, as a shell user meets them (issue 9): the BUILT CLI as a child process.
 * A reader that goes away (`| head -1`) ends the command quietly; Ctrl-C and SIGTERM end a check without a
 * verdict, with `maildoctor: interrupted` and exit 130 / 143; the text report's last line says what the
 * exit code says.
 */
import assert from 'node:assert/strict';
import { BIN, ensureBuilt, runCli, runShell, STACK_TRACE } from '../helpers/process/run.js';

const COMMANDS = ['', 'check', 'discover', 'network', 'probe', 'agent', 'exporter'];

describe('process tier: pipes, signals, exit codes', function () {
  this.timeout(60_000);
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    ensureBuilt();
  });

  for (const c of COMMANDS) {
    it(`maildoctor ${c} --help | head -1 → the usage line, exit 0, nothing on stderr`, async () => {
      const r = await runShell(`node ${BIN} ${c} --help | head -1; echo "exit=\${PIPESTATUS[0]}"`);
      assert.match(r.stdout, new RegExp(`^Usage: maildoctor ${c ? `${c} ` : ''}\\[options\\]`));
      assert.match(r.stdout, /\nexit=0\n$/);
      assert.equal(r.stderr, '');
    });
  }

  it('check --json | head -c 100 (the reader leaves mid-report) → the report\'s exit code, nothing on stderr', async () => {
    const r = await runShell(`node ${BIN} check jane@example.test --json | head -c 100; s=\${PIPESTATUS[0]}; echo; echo "exit=$s"`, { resolver: 'refused' });
    assert.match(r.stdout, /^\{\n {2}"schemaVersion"/);
    assert.match(r.stdout, /\nexit=1\n$/, r.stderr);
    assert.equal(r.stderr, '');
  });

  it('check | true (the reader never reads) → exit 0 or 1, nothing on stderr', async () => {
    const r = await runShell(`node ${BIN} check jane@example.test | true; echo "exit=\${PIPESTATUS[0]}"`, { resolver: 'refused' });
    assert.match(r.stdout, /^exit=[01]\n$/);
    assert.equal(r.stderr, '');
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} during a check → "maildoctor: interrupted", no verdict, exit ${code}`, async () => {
      let sentAt = 0;
      const r = await runCli(['check', 'jane@example.test'], {
        resolver: 'silent',
        onStarted: (child) =>
          setTimeout(() => {
            sentAt = performance.now();
            child.kill(signal);
          }, 1_000),
      });
      const ended = performance.now();
      assert.equal(r.code, code, r.stderr);
      assert.equal(r.stdout, '', 'no report, no verdict');
      assert.equal(r.stderr, 'maildoctor: interrupted\n');
      // The silent resolver holds a check for about 9 s: the signal, not the deadline, ended this one.
      assert.ok(ended - sentAt < 3_000, `ended ${Math.round(ended - sentAt)} ms after the signal`);

    });
  }

  it('SIGINT during a check under LANG=it_IT.UTF-8 → "maildoctor: interrotto", exit 130', async () => {
    const r = await runCli(['check', 'jane@example.test'], { resolver: 'silent', env: { LANG: 'it_IT.UTF-8' }, onStarted: (child) => setTimeout(() => child.kill('SIGINT'), 1_000) });
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'maildoctor: interrotto\n');
  });

  it('SIGINT during discover → exit 130, no listing', async () => {
    const r = await runCli(['discover', 'jane@example.test'], { resolver: 'silent', onStarted: (child) => setTimeout(() => child.kill('SIGINT'), 1_000) });
    assert.equal(r.code, 130, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'maildoctor: interrupted\n');
  });

  it('the last line of the text report agrees with the exit code', async () => {
    const r = await runCli(['check', 'jane@example.test'], { resolver: 'refused' });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, STACK_TRACE);
    const last = r.stdout.trimEnd().split('\n').at(-1)!;
    // The report's closing line (src/report/view.ts): the result, with the exit code it goes with.
    assert.match(last, /^Result: (\d+ problems? to fix|problems found), see the findings \(exit code 1\)\.$/, `exit 1 but the last line says: ${last}`);
  });
});
