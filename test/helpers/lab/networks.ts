/**
 * What the network on the way does to mail (issue 10), built on the lab's router (test/helpers/lab/lab.ts), each one
 * the way real networks do it:
 *
 * - `web-only`: guest Wi-Fi; the router forwards only TCP 80/443 for its customers (its own relay and resolver,
 *   not forwarded, still answer).
 * - `intercept25`: an ISP or hotel gateway; nftables DNAT sends every customer connection to port 25, whatever its
 *   destination, to the router's own Postfix (smtp.isp.test).
 * - `inspect25`: a Cisco PIX/ASA-style "inspect esmtp" fixup; DNAT sends port 25 to a line proxy
 *   (test/helpers/lab/inspect-main.ts) that masks the greeting, replaces STARTTLS with XXXXXXXA and rewrites the command.
 * - `mtu-blackhole`: a tunnel-sized link; the router's port to the user has a small MTU, the router drops
 *   the ICMP "fragmentation needed" (type 3 code 4) it would send, and the user's machine does no MTU probing
 *   (net.ipv4.tcp_mtu_probing=0): full-size packets from outside vanish, the router's own servers still fit.
 *
 * - `ipv6-broken`: a dual-stack network whose IPv6 path is dead; the user, the router and the provider get
 *   2001:db8:: addresses, the provider's names AAAA records, and the router drops every forwarded IPv6 packet.
 *
 * A situation lives in its own nftables table (`inet mdnet`), apart from Lab.setFirewall's, and
 * {@link setNetwork}('normal') undoes it. The lab stops the proxy with everything else it spawned.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { LAB, REPO_ROOT, type Lab } from './lab.js';
import { Lines } from './wait.js';

export type NetworkSituation = 'normal' | 'web-only' | 'intercept25' | 'inspect25' | 'mtu-blackhole' | 'ipv6-broken';

/**
 * The dual-stack world of `ipv6-broken` (RFC 3849 documentation prefix 2001:db8::/32): the ISP's customer LAN,
 * the provider's LAN, and the provider's names with AAAA records. The router forwards no IPv6 at all.
 */
export const LAB6 = {
  ispRouter: '2001:db8:1::1',
  user: '2001:db8:1::77',
  providerRouter: '2001:db8:2::1',
  provider: '2001:db8:2::10',
  prefix: 64,
} as const;

/**
 * The MTU of the narrow link. Real links are 1492 (PPPoE) or 1400 and less (VPNs), and a real server's TLS flight
 * (an RSA chain of 3-5 KB) overflows them; the lab's certificates are single P-256 ones whose whole flight is
 * about 1 KB, so the lab's link is the IPv4 minimum every host must accept (RFC 791), 576 bytes.
 */
export const TUNNEL_MTU = 576;
const ETHERNET_MTU = 1_500;
/** Where the inspecting proxy listens on the router, one port per original destination of port 25. */
const INSPECT_PORTS = { provider: 10_025, control: 10_026 } as const;
const PROXY_START_TIMEOUT_MS = 15_000;

interface NetworkState {
  situation: NetworkSituation;
  proxy?: ChildProcess;
}

const states = new WeakMap<Lab, NetworkState>();

/** The situation the lab's network is in now. */
export function networkOf(lab: Lab): NetworkSituation {
  return states.get(lab)?.situation ?? 'normal';
}

/** Bring the lab's network to a situation (undoing the previous one). */
export async function setNetwork(lab: Lab, situation: NetworkSituation): Promise<void> {
  const state = states.get(lab) ?? { situation: 'normal' };
  states.set(lab, state);
  if (state.situation === situation) return;
  await undo(lab, state);
  const customers = LAB.customers;
  if (situation === 'web-only') {
    await nft(lab, `chain forward {\n type filter hook forward priority filter - 1; policy accept;\n ip saddr ${customers} tcp dport != { 80, 443 } drop\n ip saddr ${customers} udp dport != { 53, 443 } drop\n }`);
  } else if (situation === 'intercept25') {
    await nft(lab, `chain prerouting {\n type nat hook prerouting priority dstnat; policy accept;\n ip saddr ${customers} tcp dport 25 dnat ip to ${LAB.ispRouter}:25\n }`);
  } else if (situation === 'inspect25') {
    state.proxy = await startProxy(lab);
    await nft(
      lab,
      `chain prerouting {\n type nat hook prerouting priority dstnat; policy accept;\n` +
        ` ip saddr ${customers} ip daddr ${LAB.provider} tcp dport 25 dnat ip to ${LAB.ispRouter}:${INSPECT_PORTS.provider}\n` +
        ` ip saddr ${customers} ip daddr ${LAB.control} tcp dport 25 dnat ip to ${LAB.ispRouter}:${INSPECT_PORTS.control}\n }`,
    );
  } else if (situation === 'mtu-blackhole') {
    await sh(lab, 'user', ['sysctl', '-qw', 'net.ipv4.tcp_mtu_probing=0']);
    await sh(lab, 'isp', ['ip', 'link', 'set', 'v-user', 'mtu', String(TUNNEL_MTU)]);
    await sh(lab, 'isp', ['ip', 'link', 'set', 'br-isp', 'mtu', String(TUNNEL_MTU)]);
    // The router's own "fragmentation needed" leaves through its output hook; a forwarded one through forward.
    const drop = 'icmp type destination-unreachable icmp code frag-needed drop';
    await nft(lab, `chain output {\n type filter hook output priority filter; policy accept;\n ${drop}\n }\n chain forward {\n type filter hook forward priority filter - 1; policy accept;\n ${drop}\n }`);
  } else if (situation === 'ipv6-broken') {
    await ipv6(lab, true);
    await lab.setExtraZone(['mail', 'smtp', 'imap', 'pop'].map((h) => `${h}.disney.test AAAA ${LAB6.provider}`).join('\n') + '\n');
    await nft(lab, `chain forward {\n type filter hook forward priority filter - 1; policy accept;\n meta nfproto ipv6 drop\n }`);
  }
  state.situation = situation;
}

/** Turn IPv6 on (addresses, routes, forwarding) or off again in the user's, the router's and the provider's namespaces. */
async function ipv6(lab: Lab, on: boolean): Promise<void> {
  const flag = on ? '0' : '1';
  const hosts: Array<[string, string[]]> = [
    ['user', ['eth0']],
    ['provider', ['eth0']],
    ['isp', ['br-isp', 'br-provider']],
  ];
  for (const [role, devs] of hosts) {
    await sh(lab, role, ['sysctl', '-qw', `net.ipv6.conf.all.disable_ipv6=${flag}`, ...devs.map((d) => `net.ipv6.conf.${d}.disable_ipv6=${flag}`)]);
  }
  if (!on) return;
  await sh(lab, 'isp', ['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
  // nodad: the addresses are usable at once (no duplicate address detection wait).
  await sh(lab, 'isp', ['ip', '-6', 'addr', 'add', `${LAB6.ispRouter}/${LAB6.prefix}`, 'dev', 'br-isp', 'nodad']);
  await sh(lab, 'isp', ['ip', '-6', 'addr', 'add', `${LAB6.providerRouter}/${LAB6.prefix}`, 'dev', 'br-provider', 'nodad']);
  await sh(lab, 'user', ['ip', '-6', 'addr', 'add', `${LAB6.user}/${LAB6.prefix}`, 'dev', 'eth0', 'nodad']);
  await sh(lab, 'user', ['ip', '-6', 'route', 'replace', 'default', 'via', LAB6.ispRouter, 'dev', 'eth0']);
  await sh(lab, 'provider', ['ip', '-6', 'addr', 'add', `${LAB6.provider}/${LAB6.prefix}`, 'dev', 'eth0', 'nodad']);
  await sh(lab, 'provider', ['ip', '-6', 'route', 'replace', 'default', 'via', LAB6.providerRouter, 'dev', 'eth0']);
}

async function undo(lab: Lab, state: NetworkState): Promise<void> {
  if (state.situation === 'normal') return;
  await lab.exec('isp', ['nft', 'delete', 'table', 'inet', 'mdnet']);
  if (state.situation === 'mtu-blackhole') {
    await sh(lab, 'isp', ['ip', 'link', 'set', 'br-isp', 'mtu', String(ETHERNET_MTU)]);
    await sh(lab, 'isp', ['ip', 'link', 'set', 'v-user', 'mtu', String(ETHERNET_MTU)]);
    await sh(lab, 'user', ['ip', 'link', 'set', 'eth0', 'mtu', String(ETHERNET_MTU)]);
  }
  if (state.situation === 'ipv6-broken') {
    await lab.setExtraZone('');
    await ipv6(lab, false); // disabling IPv6 on an interface removes its addresses and routes
  }
  if (state.proxy) {
    state.proxy.stdin?.end();
    state.proxy = undefined;
  }
  state.situation = 'normal';
}

/** Replace the `inet mdnet` table of the router with one holding `body` (chains). */
async function nft(lab: Lab, body: string): Promise<void> {
  const script = `table inet mdnet\ndelete table inet mdnet\ntable inet mdnet {\n ${body}\n}\n`;
  const r = await lab.exec('isp', ['nft', '-f', '-'], { input: script, timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`nft: ${r.stderr.trim()}\n${script}`);
}

async function sh(lab: Lab, role: string, argv: string[]): Promise<void> {
  const r = await lab.exec(role, argv, { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`${argv.join(' ')} in ${role}: ${r.stderr.trim()}`);
}

async function startProxy(lab: Lab): Promise<ChildProcess> {
  const script = join(REPO_ROOT, 'test', 'helpers', 'lab', 'inspect-main.ts');
  const child = lab.spawn('isp', [
    process.execPath,
    '--import',
    'tsx',
    script,
    LAB.ispRouter,
    LAB.ispRouter,
    `${INSPECT_PORTS.provider}=${LAB.provider}:25`,
    `${INSPECT_PORTS.control}=${LAB.control}:25`,
  ]);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2_000)));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`inspect proxy exited (${code})\n${stderr}`))));
  exited.catch(() => undefined);
  const first = await Promise.race([new Lines(child).wait('the inspect proxy', () => true, PROXY_START_TIMEOUT_MS), exited]);
  if (!first.startsWith('ready')) throw new Error(`inspect proxy: ${first}\n${stderr}`);
  return child;
}

/** The fix PATH_MTU_BLACKHOLE gives, applied on the user's machine: an MTU that fits the tunnel. */
export async function lowerUserMtu(lab: Lab, mtu = TUNNEL_MTU): Promise<void> {
  await sh(lab, 'user', ['ip', 'link', 'set', 'eth0', 'mtu', String(mtu)]);
}
