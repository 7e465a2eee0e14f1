import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverCommand, networkCommand } from '../../src/cli/discover.js';
import { exitCodeFor } from '../../src/cli/main.js';
import { memoryIo } from '../helpers/cli/io.js';
import { startWorld, type World } from '../helpers/discovery/world.js';

describe('discovery: CLI commands', function () {
  this.timeout(10_000);
  let world: World;
  let dir: string;
  let caFile: string;
  before(async () => {
    world = await startWorld();
    dir = mkdtempSync(join(tmpdir(), 'md-cli-'));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, world.pki.caPem);
  });
  after(async () => {
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const overrides = () => {
    const { dns: _dns, ca: _ca, timeoutMs: _t, ...rest } = world.options();
    return rest;
  };

  it('discover: a concise listing and exit 0 when servers are found', async () => {
    const c = memoryIo();
    const code = await discoverCommand('jane@example.test', { dns: [world.dns.spec], ca: caFile, timeout: 5_000 }, c, overrides());
    assert.equal(code, 0);
    const text = c.out();
    assert.match(text, /^Outgoing \(SMTP\)$/m);
    assert.match(text, /smtp\.example\.test\s+\[srv, autoconfig, guess\]\s+465\/tls\* 587\/starttls\* 25\/starttls\?/);
    assert.match(text, /Sources disagree/);
    assert.match(text, /autoconfig\s+found/);
    assert.equal(c.err(), '');
  });

  it('discover --json prints the result object', async () => {
    const c = memoryIo();
    const code = await discoverCommand('jane@example.test', { json: true, dns: [world.dns.spec], ca: caFile }, c, overrides());
    assert.equal(code, 0);
    const r = JSON.parse(c.out());
    assert.equal(r.address.domain, 'example.test');
    assert.equal(r.candidates.smtp[0].host, 'smtp.example.test');
  });

  it('discover: exit 1 when nothing is found', async () => {
    const c = memoryIo();
    assert.equal(await discoverCommand('a@nosuch.test', { dns: [world.dns.spec] }, c, overrides()), 1);
    assert.match(c.out(), /none found/);
  });

  it('discover: exit 2 with a message for usage errors', async () => {
    for (const [addr, opts, why] of [
      ['not-an-address', {}, /not an e-mail address/],
      ['a@example.test', { dns: ['127.0.0.1:0'] }, /port/],
      ['a@example.test', { dns: [world.dns.spec], ca: join(dir, 'missing.pem') }, /cannot read the CA file/],
      ['a@example.test', { dns: [world.dns.spec], timeout: 0 }, /timeout/],
    ] as const) {
      const c = memoryIo();
      assert.equal(await discoverCommand(addr, opts, c, overrides()).catch((err: unknown) => exitCodeFor(err, c)), 2);
      assert.match(c.err(), why);
      assert.equal(c.out(), '');
    }
  });

  it('network: listing, JSON, and exit 2 for a plain-HTTP echo URL', async () => {
    const c = memoryIo();
    const code = await networkCommand({ dns: [world.dns.spec], echoUrl: `https://echo.test:${world.web.httpsPort}/ip` }, c, {
      ca: world.pki.caPem,
      ispdbBaseUrl: world.ispdbBaseUrl,
      autoconfigPorts: { http: world.web.httpPort, https: world.web.httpsPort },
    });
    assert.match(c.out(), /public\s+203\.0\.113\.77 \(echo\)/);
    assert.match(c.out(), /reverse DNS\s+host-77\.pool\.isp\.test \(forward-confirmed\)/);
    assert.match(c.out(), /provider\s+isp\.test/);
    assert.ok(code === 0 || code === 1);
    const j = memoryIo();
    await networkCommand({ json: true, dns: [world.dns.spec] }, j, { autoconfig: false, ispdbBaseUrl: false });
    assert.match(JSON.parse(j.out()).fingerprint, /^[0-9a-f]{64}$/);
    const bad = memoryIo();
    assert.equal(await networkCommand({ echoUrl: 'http://echo.test/' }, bad).catch((err: unknown) => exitCodeFor(err, bad)), 2);
    assert.match(bad.err(), /must be https/);
  });
});
