/**
 * Bad input, as a user types it (issue 9): the BUILT CLI in a namespace whose resolver counts questions. Each
 * case must end with exit 2 and ONE line on stderr (`maildoctor: …`, the input quoted with its control
 * characters escaped), nothing on stdout, and no DNS question asked: refused before any network work.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, runCli, STACK_TRACE } from '../helpers/process/run.js';

describe('process tier: bad input is a usage error before any network work', function () {
  this.timeout(60_000);
  let dir: string;
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'md-usage-'));
    writeFileSync(join(dir, 'not-a-ca.pem'), 'hello\n');
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, string[], RegExp]> = [
    ['a domain with a path', ['check', 'user@example.test/evil'], /"user@example\.test\/evil" is not a valid address: its domain cannot contain "\/"/],
    ['a domain with a query', ['check', 'user@example.test?x'], /cannot contain "\?"/],
    ['a domain with a fragment', ['check', 'user@example.test#x'], /cannot contain "#"/],
    ['a percent-encoded domain', ['check', 'user@ex%61mple.test'], /cannot contain "%"/],
    ['a backslash in the domain', ['check', 'user@example\\.test'], /cannot contain "\\"/],
    ['a newline in the address', ['check', 'user@exa\nmple.test'], /"user@exa\\nmple\.test" contains a control or invisible character/],
    ['a tab in the address', ['discover', 'user@exa\tmple.test'], /"user@exa\\tmple\.test" contains a control/],
    ['a zero-width space in the address', ['check', 'user@exa\u200bmple.test'], /"user@exa\\u\{200b\}mple\.test" contains a control or invisible/],
    ['an ESC in the address', ['check', 'user@example.test\x1b[2J'], /"user@example\.test\\x1b\[2J"/],
    ['--timeout beyond what a timer holds', ['check', 'jane@example.test', '--timeout', '99999999999'], /--timeout takes a whole number from 1 to 2147483647, got "99999999999"/],
    ['an empty --timeout', ['check', 'jane@example.test', '--timeout', ''], /--timeout takes a whole number/],
    ['discover --timeout 0', ['discover', 'jane@example.test', '--timeout', '0'], /--timeout takes a whole number/],
    ['network --timeout x', ['network', '--timeout', 'x'], /--timeout takes a whole number/],
    ['an empty discover --timeout', ['discover', 'jane@example.test', '--timeout', ''], /--timeout takes a whole number/],
    ['network --timeout beyond what a timer holds', ['network', '--timeout', '99999999999'], /--timeout takes a whole number from 1 to 2147483647/],
    ['network --timeout -5', ['network', '--timeout=-5'], /--timeout takes a whole number/],
    ['--control x:abc', ['check', 'jane@example.test', '--control', 'x:abc'], /--control: "x:abc" is not HOST\[:PORT\]/],
    ['--control with port 99999', ['check', 'jane@example.test', '--control', 'smtp.example.test:99999'], /--control: .* not a port number/],
    ['--dns x:abc', ['check', 'jane@example.test', '--dns', 'x:abc'], /DNS server: "x:abc" is not HOST\[:PORT\]/],
    ['--dns with port 99999', ['discover', 'jane@example.test', '--dns', '127.0.0.1:99999'], /DNS server: .* not a port number/],
    ['--dns [192.0.2.1]:53', ['network', '--dns', '[192.0.2.1]:53'], /brackets around something that is not an IPv6 address/],
    ['--local-address that is not an address', ['probe', 'smtp', '127.0.0.1:25', '--local-address', 'here'], /--local-address takes an IP address, got "here"/],
    ['--ca /dev/zero', ['check', 'jane@example.test', '--ca', '/dev/zero'], /the CA file "\/dev\/zero" is larger than 1048576 bytes/],
    ['--ca without a certificate', ['discover', 'jane@example.test', '--ca', '<dir>/not-a-ca.pem'], /holds no PEM certificate/],
    ['--autoconfig into a missing directory', ['check', 'jane@example.test', '--autoconfig', '<dir>/missing/out.xml'], /the directory ".*missing" does not exist/],
    ['--autoconfig onto a directory', ['check', 'jane@example.test', '--autoconfig', '<dir>'], /is a directory, not a file/],
    ['--password-stdin without --user', ['check', 'jane@example.test', '--password-stdin'], /a password needs --user/],
    ['an unknown option', ['network', '--frobnicate'], /unknown option '--frobnicate'/],
    ['variadic --relay-test before the protocol and server', ['probe', '--relay-test', 'a@x.example', 'b@y.example', 'smtp', '127.0.0.1:25'], /--relay-test takes exactly two addresses: FROM TO/],
  ];
  for (const [name, args, message] of cases) {
    it(`${name} → exit 2, one line, nothing asked of DNS`, async () => {
      const r = await runCli(args.map((a) => a.replace('<dir>', dir)), { resolver: 'refused' });
      assert.equal(r.code, 2, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^maildoctor: [^\n]+\n$/, `one line with the prefix: ${JSON.stringify(r.stderr)}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, STACK_TRACE);
      assert.equal(r.dnsQueries, 0, 'refused before any network work');
    });
  }

  it('repeatable --dns and --control do not swallow the address that follows them', async () => {
    const r = await runCli(['check', '--dns', '127.0.0.1', '--control', '127.0.0.1:25', '--dns', '127.0.0.1:53', 'jane@example.test', '--json'], { resolver: 'refused' });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { address: string; probes: Array<{ id: string }> };
    assert.equal(report.address, 'jane@example.test');
    assert.deepEqual(report.probes.filter((p) => p.id.startsWith('control:')).map((p) => p.id), ['control:127.0.0.1:25']);
  });
});
