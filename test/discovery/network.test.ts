import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type os from 'node:os';
import { classifyAddress, localNetwork, networkFingerprint, networkIdentity, parseEcho, type NetworkIdentity } from '../../src/network/index.js';
import { parseIfInet6Temporary, parseIpv6Route, parseProcRoute } from '../../src/network/local.js';
import { UsageError } from '../../src/lib/errors.js';
import { fixture, startWorld, type World } from '../helpers/discovery/world.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const PROC_ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0171A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t017100CB\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t007100CB\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
`;
const PROC_IPV6_ROUTE = `00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
20010db8000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000002 00000000 00000003     eth0
`;
const IF_INET6 = `20010db8000000000000000000000010 02 40 00 80     eth0
20010db80000000012345678abcdef01 02 40 00 01     eth0
`;

function fakeInterfaces(v4: string): () => NodeJS.Dict<os.NetworkInterfaceInfo[]> {
  return () => ({
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
    eth0: [
      { address: v4, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: `${v4}/24` },
      { address: '2001:db8::10', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: '2001:db8::10/64', scopeid: 0 },
      { address: '2001:db8::1234:5678:abcd:ef01', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: '2001:db8::1234:5678:abcd:ef01/64', scopeid: 0 },
      { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
    ],
  });
}

describe('discovery: network identity (pure parts)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'md-net-'));
    writeFileSync(join(dir, 'route'), PROC_ROUTE);
    writeFileSync(join(dir, 'ipv6_route'), PROC_IPV6_ROUTE);
    writeFileSync(join(dir, 'if_inet6'), IF_INET6);
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 198.51.100.53\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const paths = () => ({ route: join(dir, 'route'), ipv6Route: join(dir, 'ipv6_route'), ifInet6: join(dir, 'if_inet6'), resolvConf: join(dir, 'resolv.conf') });

  it('parses default routes from /proc, lowest metric first, skipping reject routes', () => {
    assert.deepEqual(parseProcRoute(PROC_ROUTE), [
      { interface: 'eth0', gateway: '203.0.113.1', metric: 100 },
      { interface: 'wlan0', gateway: '192.168.113.1', metric: 600 },
    ]);
    assert.deepEqual(parseIpv6Route(PROC_IPV6_ROUTE), [{ interface: 'eth0', gateway: 'fe80::1', metric: 1024 }]);
    assert.deepEqual([...parseIfInet6Temporary(IF_INET6)], ['2001:db8::1234:5678:abcd:ef01']);
  });

  it('classifies addresses; documentation ranges count as non-private', () => {
    assert.equal(classifyAddress('10.1.2.3'), 'private');
    assert.equal(classifyAddress('100.64.0.1'), 'shared');
    assert.equal(classifyAddress('169.254.1.1'), 'link-local');
    assert.equal(classifyAddress('203.0.113.5'), 'documentation');
    assert.equal(classifyAddress('8.8.8.8'), 'public');
    assert.equal(classifyAddress('fd00::1'), 'unique-local');
    assert.equal(classifyAddress('fe80::1'), 'link-local');
    assert.equal(classifyAddress('::ffff:192.168.1.1'), 'private');
  });

  it('reads an echo answer as a bare address or JSON {ip}', () => {
    assert.equal(parseEcho(' 203.0.113.7\n'), '203.0.113.7');
    assert.equal(parseEcho('{"ip":"2001:db8::7"}'), '2001:db8::7');
    assert.equal(parseEcho('<html>'), undefined);
    assert.equal(parseEcho('{"ip": 5}'), undefined);
  });

  it('builds the local view and a stable fingerprint that ignores privacy addresses and tracks the gateway', () => {
    const opts = { platform: 'linux' as const, paths: paths(), networkInterfaces: fakeInterfaces('203.0.113.10') };
    const net = localNetwork(opts);
    assert.equal(net.defaultInterface, 'eth0');
    assert.equal(net.gateway, '203.0.113.1');
    assert.deepEqual(net.resolvers, ['198.51.100.53:53']);
    assert.equal(net.interfaces.find((i) => i.name === 'eth0')!.addresses.find((a) => a.address.endsWith('ef01'))!.temporary, true);
    const a = networkFingerprint(opts);
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(networkFingerprint(opts), a);
    // Another network: another address on the default interface.
    assert.notEqual(networkFingerprint({ ...opts, networkInterfaces: fakeInterfaces('203.0.113.11') }), a);
    // Another gateway.
    writeFileSync(join(dir, 'route2'), PROC_ROUTE.replace('017100CB', 'FE7100CB'));
    assert.notEqual(networkFingerprint({ ...opts, paths: { ...paths(), route: join(dir, 'route2') } }), a);
  });

  it('says what it could not learn on other platforms instead of guessing', () => {
    const net = localNetwork({ platform: 'darwin', paths: paths(), networkInterfaces: fakeInterfaces('203.0.113.10') });
    assert.equal(net.gateway, undefined);
    assert.ok(net.unknown.some((u) => u.startsWith('gateway:')));
    assert.ok(net.unknown.some((u) => u.startsWith('defaultRoutes:')));
  });

  it('refuses a non-HTTPS echo URL as a usage error', async () => {
    await assert.rejects(networkIdentity({ echoUrl: 'http://echo.test/ip' }), UsageError);
    await assert.rejects(networkIdentity({ echoUrl: 'not a url' }), UsageError);
  });
});

describe('discovery: networkIdentity() on loopback (echo, PTR, provider)', function () {
  this.timeout(10_000);
  let world: World;
  let dir: string;
  before(async () => {
    world = await startWorld();
    dir = mkdtempSync(join(tmpdir(), 'md-net-'));
    writeFileSync(join(dir, 'route'), PROC_ROUTE);
    writeFileSync(join(dir, 'resolv.conf'), 'nameserver 198.51.100.53\n');
  });
  after(async () => {
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // The local view is injected so the test does not depend on this machine's network; every query and fetch
  // goes to the test servers on 127.0.0.1.
  const base = () => ({
    platform: 'linux' as const,
    paths: { route: join(dir, 'route'), ipv6Route: join(dir, 'none'), ifInet6: join(dir, 'none'), resolvConf: join(dir, 'resolv.conf') },
    networkInterfaces: fakeInterfaces('10.0.0.5'),
    dns: world.dns.spec,
    ca: world.pki.caPem,
    ispdbBaseUrl: world.ispdbBaseUrl,
    autoconfigPorts: { http: world.web.httpPort, https: world.web.httpsPort },
    dnsTimeouts: { attemptTimeoutMs: 300, queryTimeoutMs: 1_000, retries: 1 },
  });

  it('learns the public address from the echo URL, its PTR, the provider and its SMTP servers', async () => {
    const id = await networkIdentity({ ...base(), echoUrl: `https://echo.test:${world.web.httpsPort}/json` });
    assert.deepEqual(id.publicAddress, { address: '203.0.113.77', family: 4, source: 'echo' });
    assert.equal(id.reverseDns?.name, 'host-77.pool.isp.test');
    assert.equal(id.reverseDns?.forwardConfirmed, true);
    assert.equal(id.provider?.domain, 'isp.test');
    const hosts = [...new Set(id.provider!.smtp.map((c) => c.host))];
    assert.deepEqual(hosts, ['relay.isp.test', 'smtp.isp.test']);
    assert.deepEqual(id.provider!.smtp[0], {
      ...id.provider!.smtp[0]!,
      port: 25,
      security: 'starttls',
      sources: ['autoconfig'],
      endpointSources: ['autoconfig'],
    });
    assert.deepEqual(id.provider!.unresolvedGuesses, ['mail.isp.test']);
    assert.deepEqual(id.resolvers, ['198.51.100.53:53']);
    assert.deepEqual(id.queriedResolvers, [world.dns.spec]);
    assert.equal(id.localFingerprint, networkFingerprint(base()));
    assert.notEqual(id.fingerprint, id.localFingerprint);
  });

  it('a plain-text echo works too; a PTR that does not resolve back is not forward-confirmed', async () => {
    world.web.serve('https', 'echo.test', '/other', { body: '203.0.113.78' });
    const id = await networkIdentity({ ...base(), echoUrl: `https://echo.test:${world.web.httpsPort}/other`, autoconfig: false, ispdbBaseUrl: false });
    assert.equal(id.reverseDns?.name, 'host-78.pool.isp.test');
    assert.equal(id.reverseDns?.forwardConfirmed, false);
  });

  it('an echo answer that is not an address → ECHO_MALFORMED, and behind NAT the public address is unknown', async () => {
    const id = await networkIdentity({ ...base(), echoUrl: `https://echo.test:${world.web.httpsPort}/bad` });
    assert.equal(id.echo?.error?.code, 'ECHO_MALFORMED');
    assert.equal(id.publicAddress, undefined);
    assert.ok(id.unknown.some((u) => u.startsWith('publicAddress:')));
  });

  it('without an echo URL, a non-private address of the default-route interface is used', async () => {
    const id = await networkIdentity({ ...base(), networkInterfaces: fakeInterfaces('203.0.113.77'), autoconfig: false, ispdbBaseUrl: false });
    assert.deepEqual(id.publicAddress, { address: '203.0.113.77', family: 4, source: 'interface' });
    assert.equal(id.provider?.domain, 'isp.test');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// In a network namespace made for the test (root only). SAFETY: the namespace holds only RFC 5737 addresses it
// creates, its default route points at a gateway that does not exist, and the only peer is a DNS server started
// inside it. Nothing is connected from the host's own namespace.

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function canUseNetns(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    sh('ip', ['netns', 'list']);
    return true;
  } catch {
    return false;
  }
}

function runInNs(ns: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`exit ${code}: ${err.slice(0, 2000)}`));
    });
  });
}

describe('discovery: networkIdentity() inside a Linux network namespace', function () {
  this.timeout(30_000);
  const ns = `md-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
  const etc = `/etc/netns/${ns}`;
  let dnsChild: ChildProcess | undefined;
  let first: { identity: NetworkIdentity; fingerprint: string };

  before(async function () {
    if (!canUseNetns()) return this.skip();
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // Both ends of the veth pair stay inside the namespace: the link is up, and nothing touches the host.
    sh('ip', ['-n', ns, 'link', 'add', 'md0', 'type', 'veth', 'peer', 'name', 'md1']);
    sh('ip', ['-n', ns, 'addr', 'add', '203.0.113.10/24', 'dev', 'md0']);
    sh('ip', ['-n', ns, 'link', 'set', 'md0', 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'md1', 'up']);
    sh('ip', ['-n', ns, 'addr', 'add', '198.51.100.53/32', 'dev', 'lo']);
    sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', '203.0.113.1', 'dev', 'md0']);
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'resolv.conf'), 'nameserver 198.51.100.53\n');
    dnsChild = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'test/helpers/discovery/netns-dns.ts', '198.51.100.53', '53', fixture('zones', 'netns.zone')], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`DNS server in ${ns} did not start: ${err}`)), 10_000);
      dnsChild!.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      dnsChild!.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      dnsChild!.on('exit', (code) => reject(new Error(`DNS server in ${ns} exited ${code}: ${err}`)));
    });
    first = JSON.parse(await runInNs(ns, ['test/helpers/discovery/netns-identity.ts'])) as typeof first;
  });

  after(async () => {
    if (dnsChild && dnsChild.exitCode === null) {
      const exited = new Promise((r) => dnsChild!.once('exit', r));
      dnsChild.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
      if (dnsChild.exitCode === null) dnsChild.kill('SIGKILL');
    }
    try {
      sh('ip', ['netns', 'del', ns]);
    } catch {
      // not created (skipped) or already gone
    }
    if (existsSync(etc)) rmSync(etc, { recursive: true, force: true });
  });

  it('sees the interface addresses, the default route and gateway, and the resolver', () => {
    const id = first.identity;
    const md0 = id.interfaces.find((i) => i.name === 'md0')!;
    assert.deepEqual(md0.addresses.filter((a) => a.family === 4).map((a) => a.cidr), ['203.0.113.10/24']);
    assert.equal(id.defaultInterface, 'md0');
    assert.equal(id.gateway, '203.0.113.1');
    assert.deepEqual(id.defaultRoutes.ipv4, { interface: 'md0', gateway: '203.0.113.1', metric: 0 });
    assert.deepEqual(id.resolvers, ['198.51.100.53:53']);
    assert.equal(id.resolverSource, 'resolv.conf');
    assert.deepEqual(id.unknown, []);
  });

  it('takes the public address from the interface, and finds its PTR name and the provider', () => {
    const id = first.identity;
    assert.deepEqual(id.publicAddress, { address: '203.0.113.10', family: 4, source: 'interface' });
    assert.equal(id.reverseDns?.name, 'host-10.pool.isp.test');
    assert.equal(id.reverseDns?.forwardConfirmed, true);
    assert.equal(id.provider?.domain, 'isp.test');
    assert.deepEqual([...new Set(id.provider!.smtp.map((c) => c.host))], ['smtp.isp.test']);
    assert.deepEqual(id.provider!.smtp[0]!.addresses, ['203.0.113.25']);
    assert.deepEqual(id.provider!.unresolvedGuesses, ['mail.isp.test']);
    assert.equal(id.provider!.autoconfig.state, 'not-found');
  });

  it('has a stable fingerprint that changes when the gateway changes', async () => {
    const id = first.identity;
    assert.match(id.fingerprint, /^[0-9a-f]{64}$/);
    assert.equal(id.localFingerprint, first.fingerprint);
    const again = JSON.parse(await runInNs(ns, ['test/helpers/discovery/netns-identity.ts', '--fingerprint-only'])) as { fingerprint: string };
    assert.equal(again.fingerprint, first.fingerprint);
    sh('ip', ['-n', ns, 'route', 'replace', 'default', 'via', '203.0.113.254', 'dev', 'md0']);
    const moved = JSON.parse(await runInNs(ns, ['test/helpers/discovery/netns-identity.ts', '--fingerprint-only'])) as { fingerprint: string };
    assert.notEqual(moved.fingerprint, first.fingerprint);
  });
});
