/**
 * The lab itself (test/helpers/lab/lab.ts): a machine moving from ISP A to ISP B while a process keeps running there,
 * and cleanup (stop, and leftovers of killed runs). The mail scenarios are in test/check/scenarios.test.ts.
 * Needs root; skipped otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { cleanupStaleLabs, Lab, LAB, resolvConfOf } from '../helpers/lab/lab.js';

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

/** A process in the user's namespace that, for each line on stdin, reports what it sees of the network. */
const OBSERVER = `
const os = require('node:os'), fs = require('node:fs'), net = require('node:net'), dns = require('node:dns');
require('node:readline').createInterface({ input: process.stdin }).on('line', (resolver) => {
  const eth0 = (os.networkInterfaces().eth0 || []).filter((a) => a.family === 'IPv4').map((a) => a.address);
  const resolv = fs.readFileSync('/etc/resolv.conf', 'utf8');
  const r = new dns.promises.Resolver({ timeout: 1000, tries: 1 });
  r.setServers([resolver]);
  const s = net.connect({ host: '${LAB.provider}', port: 143 });
  const connected = new Promise((res) => { s.once('connect', () => { s.destroy(); res(true); }); s.once('error', () => res(false)); });
  Promise.all([connected, r.resolve4('mail.disney.test').catch((e) => e.code)]).then(([tcp, a]) =>
    process.stdout.write(JSON.stringify({ pid: process.pid, eth0, resolv, tcp, a }) + '\\n'));
});`;

interface Seen {
  pid: number;
  eth0: string[];
  resolv: string;
  tcp: boolean;
  a: string[] | string;
}

describe('the lab (network namespaces)', function () {
  this.timeout(30_000);
  let lab: Lab | undefined;

  before(function () {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) this.skip();
  });

  after(async () => {
    await lab?.stop();
  });

  it('moves the user’s machine from ISP A to ISP B while a process keeps running there', async () => {
    lab = await Lab.start();
    const observer: ChildProcess = lab.spawn('user', [process.execPath, '-e', OBSERVER]);
    const lines = createInterface({ input: observer.stdout! });
    const answers: Array<(s: Seen) => void> = [];
    lines.on('line', (l) => answers.shift()?.(JSON.parse(l) as Seen));
    const ask = (resolver: string): Promise<Seen> =>
      new Promise((resolve) => {
        answers.push(resolve);
        observer.stdin!.write(`${resolver}\n`);
      });

    const onA = await ask(LAB.ispRouter);
    assert.deepEqual(onA.eth0, [LAB.userAddress]);
    assert.match(onA.resolv, /^nameserver 198\.51\.100\.1$/m);
    assert.equal(onA.tcp, true);
    assert.deepEqual(onA.a, [LAB.provider]);

    // ISP B: a new segment behind the router, with its own resolver address and reverse DNS.
    await lab.addSegment('ispb', { routerAddress: '192.0.2.129', prefix: 25, dns: true });
    await lab.setExtraZone('177.2.0.192.in-addr.arpa PTR customer-177.isp-b.test.\ncustomer-177.isp-b.test A 192.0.2.177\n');
    const attached = await lab.moveUser({ segment: 'ispb', address: '192.0.2.177', resolvers: ['192.0.2.129'] });
    assert.deepEqual(attached, { segment: 'ispb', address: '192.0.2.177', prefix: 25, gateway: '192.0.2.129', resolvers: ['192.0.2.129'] });
    assert.match(await resolvConfOf(lab), /^nameserver 192\.0\.2\.129$/m);

    const onB = await ask('192.0.2.129');
    assert.equal(onB.pid, onA.pid, 'the same process');
    assert.deepEqual(onB.eth0, ['192.0.2.177']);
    assert.match(onB.resolv, /^nameserver 192\.0\.2\.129$/m, 'a running process sees the new resolv.conf');
    assert.equal(onB.tcp, true, 'routed to the provider from ISP B');
    assert.deepEqual(onB.a, [LAB.provider]);
    assert.equal(lab.checkArgs()[lab.checkArgs().indexOf('--dns') + 1], '192.0.2.129:53');

    await lab.moveUser('isp');
    const back = await ask(LAB.ispRouter);
    assert.deepEqual(back.eth0, [LAB.userAddress]);
    assert.equal(back.tcp, true);

    const names = Object.values(lab.ns);
    await lab.stop();
    assert.equal(observer.exitCode !== null || observer.signalCode !== null, true, 'processes started in the lab are stopped');
    for (const n of names) {
      assert.ok(!namespaces().includes(n), `namespace ${n} removed`);
      assert.ok(!existsSync(`/etc/netns/${n}`), `/etc/netns/${n} removed`);
    }
  });

  it('cleanupStaleLabs() removes what a killed run left behind, and nothing of live runs', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const stale = `md${dead}-stale`;
    const mine = `md${process.pid}-keep`;
    execFileSync('ip', ['netns', 'add', stale]);
    execFileSync('ip', ['netns', 'add', mine]);
    mkdirSync(`/etc/netns/${stale}`, { recursive: true });
    writeFileSync(`/etc/netns/${stale}/resolv.conf`, 'nameserver 198.51.100.1\n');
    try {
      const removed = await cleanupStaleLabs();
      assert.ok(removed.includes(stale), `removed: ${removed.join(', ')}`);
      assert.ok(!removed.includes(mine));
      assert.ok(!namespaces().includes(stale));
      assert.ok(!existsSync(`/etc/netns/${stale}`));
      assert.ok(namespaces().includes(mine), 'a namespace of a live process stays');
    } finally {
      execFileSync('ip', ['netns', 'del', mine]);
    }
  });
});
