/**
 * Filtered versus refused versus unreachable, for real, in two network namespaces this test makes and removes:
 *
 *   client ns  md<pid>c   veth md<pid>a  192.0.2.1/24  (no default route)
 *   server ns  md<pid>s   veth md<pid>b  192.0.2.2/24  listener on 25, 26, 28, 587; nftables:
 *                                           tcp/25 drop, tcp/26 reject with tcp reset,
 *                                           tcp/28 reject with icmp host-unreachable; 27 has no listener
 *
 * The probes run INSIDE the client namespace (test/helpers/netns/probe-in-ns.ts, which checks that it is there).
 * SAFETY: nothing in this file connects anywhere; from the host's own namespace it only runs `ip` and `nft`.
 * All non-loopback traffic stays on the veth pair between the two namespaces. RFC 5737 addresses only.
 *
 * What Linux gives (kernel 6.x, observed):
 * - DROP → no answer at all → our connect cap fires → CONNECT_TIMEOUT.
 * - REJECT with tcp reset, and a closed port → RST → ECONNREFUSED at once → CONNECT_REFUSED.
 * - REJECT with ICMP host-unreachable → EHOSTUNREACH at once → CONNECT_UNREACHABLE.
 * - No route to the destination (198.51.100.9, no default route) → ENETUNREACH from connect() itself, before
 *   any packet → CONNECT_UNREACHABLE.
 * - An on-link address nobody answers ARP for (192.0.2.3) → the kernel only gives up after ~3 s of ARP
 *   probes (EHOSTUNREACH); with a shorter connect cap it reads as CONNECT_TIMEOUT, like a filtered port.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYN_RETRANSMIT_MS } from '../../src/lib/dial.js';
import type { ProbeResult } from '../../src/lib/types.js';
import type { NsProbeOutcome, NsProbeRequest } from '../helpers/netns/probe-in-ns.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');

const CLIENT_NS = `md${process.pid}c`;
const SERVER_NS = `md${process.pid}s`;
const CLIENT_IF = `md${process.pid}a`;
const SERVER_IF = `md${process.pid}b`;
const CLIENT_ADDR = '192.0.2.1';
const SERVER_ADDR = '192.0.2.2';
/** RFC 5737 TEST-NET-2: no route to it from the client namespace. */
const NO_ROUTE_ADDR = '198.51.100.9';
/** On the veth's subnet, but no host there. */
const NOBODY_ADDR = '192.0.2.3';

/** The connect cap the probes run with: a filtered port costs this much. */
const CONNECT_CAP_MS = 2_500;
/** Timer and scheduling slack on a loaded 2-core box. */
const SLACK_MS = 500;
/** A refusal or an ICMP error arrives in well under this. */
const FAST_MS = 300;

const RULESET = `
table inet maildoctor_netns_test {
  chain input {
    type filter hook input priority filter; policy accept;
    tcp dport 25 drop
    tcp dport 26 reject with tcp reset
    tcp dport 28 reject with icmpx type host-unreachable
  }
}
`;

/** A tiny SMTP-ish listener: greets, answers EHLO and QUIT. Plain JS for `node -e` (no tsx start-up). */
const LISTENER = `
const net = require('node:net');
const ports = JSON.parse(process.argv[1]);
let up = 0;
for (const port of ports) {
  net.createServer((s) => {
    s.on('error', () => {});
    s.write('220 netns.test ESMTP\\r\\n');
    let buf = '';
    s.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\\n')) >= 0) {
        const line = buf.slice(0, i).trim().toUpperCase();
        buf = buf.slice(i + 1);
        if (line.startsWith('EHLO')) s.write('250-netns.test\\r\\n250 PIPELINING\\r\\n');
        else if (line.startsWith('QUIT')) s.end('221 bye\\r\\n');
        else s.write('502 no\\r\\n');
      }
    });
  }).listen(port, '0.0.0.0', () => { if (++up === ports.length) console.log('ready'); });
}
`;

/** Why the suite cannot run here, or undefined. Synchronous so that the reason can go in the title. */
function unavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux-only';
  if (process.getuid?.() !== 0) return 'needs root (ip netns, nft)';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return '`ip netns` is unavailable';
  }
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
  } catch {
    return '`nft` is unavailable';
  }
  return undefined;
}

function sh(cmd: string, args: string[], input?: string): void {
  execFileSync(cmd, args, { input, stdio: ['pipe', 'ignore', 'pipe'] });
}

function removeNamespaces(): void {
  for (const ns of [CLIENT_NS, SERVER_NS]) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }); // also removes its veth end and its nftables
    } catch {
      /* not created, or already gone */
    }
  }
}

const skipReason = unavailable();

(skipReason ? describe.skip : describe)(`filtered vs refused vs unreachable in network namespaces${skipReason ? ` (skipped: ${skipReason})` : ''}`, function () {
  this.timeout(20_000);
  let listener: ChildProcess | undefined;
  let results: Map<string, ProbeResult>;
  let wallMs = 0;
  // Last resort if the process dies between before() and after(): do not leave namespaces behind.
  const onExit = (): void => removeNamespaces();

  before(async function () {
    process.once('exit', onExit);
    sh('ip', ['netns', 'add', CLIENT_NS]);
    sh('ip', ['netns', 'add', SERVER_NS]);
    sh('ip', ['link', 'add', CLIENT_IF, 'netns', CLIENT_NS, 'type', 'veth', 'peer', 'name', SERVER_IF, 'netns', SERVER_NS]);
    for (const [ns, ifname, addr] of [[CLIENT_NS, CLIENT_IF, CLIENT_ADDR], [SERVER_NS, SERVER_IF, SERVER_ADDR]] as const) {
      sh('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', ifname]);
      sh('ip', ['-n', ns, 'link', 'set', ifname, 'up']);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    sh('ip', ['netns', 'exec', SERVER_NS, 'nft', '-f', '-'], RULESET);

    // The listener lives in the server namespace; `ip netns exec` execs node, so its pid is node's.
    const ports = [25, 26, 28, 587];
    const child = spawn('ip', ['netns', 'exec', SERVER_NS, process.execPath, '-e', LISTENER, JSON.stringify(ports)], { stdio: ['ignore', 'pipe', 'pipe'] });
    listener = child;
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      child.stdout!.on('data', (d) => String(d).includes('ready') && resolve());
      child.once('exit', (code) => reject(new Error(`listener exited (${code}): ${err}`)));
    });

    const request: NsProbeRequest = {
      iface: CLIENT_IF,
      connectMs: CONNECT_CAP_MS,
      probes: [
        { id: 'drop', protocol: 'tcp', host: SERVER_ADDR, port: 25 },
        { id: 'drop-smtp', protocol: 'smtp', host: SERVER_ADDR, port: 25 },
        { id: 'reset', protocol: 'tcp', host: SERVER_ADDR, port: 26 },
        { id: 'closed', protocol: 'tcp', host: SERVER_ADDR, port: 27 },
        { id: 'icmp', protocol: 'tcp', host: SERVER_ADDR, port: 28 },
        { id: 'open', protocol: 'tcp', host: SERVER_ADDR, port: 587 },
        { id: 'open-smtp', protocol: 'smtp', host: SERVER_ADDR, port: 587 },
        { id: 'no-route', protocol: 'tcp', host: NO_ROUTE_ADDR, port: 25 },
        { id: 'nobody', protocol: 'tcp', host: NOBODY_ADDR, port: 25 },
        // One check's probes share what the paths' round trips are: the open port answers, the dropped one then
        // waits past one SYN retransmission, not the whole cap (issue 13). Alone, a dropped port keeps the cap.
        { id: 'adaptive-open', protocol: 'tcp', host: SERVER_ADDR, port: 587, paths: 'check' },
        { id: 'adaptive-drop', protocol: 'smtp', host: SERVER_ADDR, port: 25, paths: 'check' },
        { id: 'first-contact-drop', protocol: 'tcp', host: SERVER_ADDR, port: 25, paths: 'alone' },
      ],
    };
    const t0 = performance.now();
    const outcomes = await runInClientNs(request);
    wallMs = performance.now() - t0;
    results = new Map(outcomes.map((o) => [o.id, o.result]));
  });

  after(async () => {
    if (listener && listener.exitCode === null && listener.pid) {
      const exited = new Promise((r) => listener!.once('exit', r));
      process.kill(listener.pid, 'SIGTERM');
      await exited;
    }
    removeNamespaces();
    process.off('exit', onExit);
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    assert.ok(!left.includes(CLIENT_NS) && !left.includes(SERVER_NS), `namespaces left behind: ${left}`);
  });

  function get(id: string): ProbeResult {
    const r = results.get(id);
    assert.ok(r, `no result for ${id}`);
    return r;
  }

  function expectError(r: ProbeResult, code: string, phase: string): void {
    assert.equal(r.ok, false, `expected ${code}, got ok`);
    assert.equal(r.error?.code, code, `${r.error?.code}: ${r.error?.message}`);
    assert.equal(r.error?.phase, phase);
  }

  it('DROP (tcp/25) → CONNECT_TIMEOUT/connect after the connect cap, with the dialled address', () => {
    for (const id of ['drop', 'drop-smtp']) {
      const r = get(id);
      expectError(r, 'CONNECT_TIMEOUT', 'connect');
      assert.ok(r.durationMs >= CONNECT_CAP_MS - 5 && r.durationMs <= CONNECT_CAP_MS + SLACK_MS, `${id}: ${r.durationMs}ms`);
      assert.equal(r.target.address, SERVER_ADDR);
      assert.equal(r.target.family, 4);
    }
  });

  it('REJECT with tcp reset (tcp/26) → CONNECT_REFUSED/connect at once', () => {
    const r = get('reset');
    expectError(r, 'CONNECT_REFUSED', 'connect');
    assert.ok(r.durationMs < FAST_MS, `${r.durationMs}ms`);
  });

  it('closed port, no rule (tcp/27) → CONNECT_REFUSED/connect at once', () => {
    const r = get('closed');
    expectError(r, 'CONNECT_REFUSED', 'connect');
    assert.ok(r.durationMs < FAST_MS, `${r.durationMs}ms`);
  });

  it('REJECT with ICMP host-unreachable (tcp/28) → CONNECT_UNREACHABLE/connect at once', () => {
    const r = get('icmp');
    expectError(r, 'CONNECT_UNREACHABLE', 'connect');
    assert.match(r.error!.message, /EHOSTUNREACH/);
    assert.ok(r.durationMs < FAST_MS, `${r.durationMs}ms`);
  });

  it('open port (tcp/587) → ok, tcp and a whole SMTP session', () => {
    const tcp = get('open');
    assert.equal(tcp.ok, true, tcp.error?.message);
    assert.equal(tcp.target.localAddress, CLIENT_ADDR);
    const smtp = get('open-smtp');
    assert.equal(smtp.ok, true, smtp.error?.message);
    assert.equal(smtp.greeting?.code, 220);
    assert.deepEqual(smtp.capabilities, ['PIPELINING']);
  });

  it('DROP with a known round trip (another probe of the same check answered) → CONNECT_TIMEOUT past the first SYN retransmission, before the cap', () => {
    assert.equal(get('adaptive-open').ok, true);
    const r = get('adaptive-drop');
    expectError(r, 'CONNECT_TIMEOUT', 'connect');
    assert.match(r.error!.message, /No answer to the SYN in \d+ ms \(this path's round trip is [\d.]+ ms; a lost SYN is resent after 1000 ms\)/);
    // A lost SYN is resent after 1 s: the adaptive deadline waits for that one's answer, and no longer than needed.
    assert.ok(r.durationMs >= SYN_RETRANSMIT_MS && r.durationMs < CONNECT_CAP_MS - 500, `${r.durationMs}ms`);
    // Nothing else answered on its own PathTimes: the first contact keeps the fixed cap.
    const alone = get('first-contact-drop');
    expectError(alone, 'CONNECT_TIMEOUT', 'connect');
    assert.ok(alone.durationMs >= CONNECT_CAP_MS - 5, `${alone.durationMs}ms`);
  });

  it('no route (198.51.100.9, no default route) → CONNECT_UNREACHABLE/connect at once (ENETUNREACH)', () => {
    const r = get('no-route');
    expectError(r, 'CONNECT_UNREACHABLE', 'connect');
    assert.match(r.error!.message, /ENETUNREACH/);
    assert.ok(r.durationMs < FAST_MS, `${r.durationMs}ms`);
    assert.equal(r.target.address, NO_ROUTE_ADDR);
  });

  it('on-link address with no host (192.0.2.3) → CONNECT_TIMEOUT/connect: ARP gives up only after ~3 s', () => {
    const r = get('nobody');
    expectError(r, 'CONNECT_TIMEOUT', 'connect');
    assert.ok(r.durationMs >= CONNECT_CAP_MS - 5 && r.durationMs <= CONNECT_CAP_MS + SLACK_MS, `${r.durationMs}ms`);
  });

  it('the in-namespace runner refuses to run in the host’s own namespace (nothing to dial, even if it did not)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(HERE, '..', 'helpers', 'netns', 'probe-in-ns.ts'), JSON.stringify({ iface: CLIENT_IF, connectMs: 1, probes: [] })], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 3, err);
    assert.match(err, /not inside the test namespace/);
  });

  it('the probes ran concurrently: the whole client run costs about one connect cap', () => {
    // Node and tsx start-up inside the namespace, plus one cap (all probes in parallel).
    assert.ok(wallMs < CONNECT_CAP_MS + 5_000, `${Math.round(wallMs)}ms`);
  });
});

async function runInClientNs(request: NsProbeRequest): Promise<NsProbeOutcome[]> {
  const child = spawn(
    'ip',
    ['netns', 'exec', CLIENT_NS, process.execPath, '--import', 'tsx', path.join(HERE, '..', 'helpers', 'netns', 'probe-in-ns.ts'), JSON.stringify(request)],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `probe-in-ns exited ${code}: ${err}`);
  return JSON.parse(out) as NsProbeOutcome[];
}
