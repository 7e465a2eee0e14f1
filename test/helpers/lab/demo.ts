/**
 * The seed story, live: build the lab (test/helpers/lab/lab.ts), run the built `maildoctor check pippo@disney.test` on
 * the user's machine (inside its namespace), with the default command line (only the lab's CA added) and a
 * resolver that refuses names outside the lab, and tear everything down. Run as root: `npx tsx test/helpers/lab/demo.ts`
 * (scripts/demo.sh does that). `--json` prints the JSON report instead; `--submission` gives the provider
 * authenticated submission on 587/465; `--block25` makes the ISP drop its customers' port 25, `--reject25` reset
 * it; `--no-controls` asks no control endpoint; `--network web-only|intercept25|inspect25|mtu-blackhole|ipv6-broken` builds
 * one of issue 10's networks (test/helpers/lab/networks.ts).
 */
import { cleanupStaleLabs, Lab, LAB } from './lab.js';
import { setNetwork, type NetworkSituation } from './networks.js';

const argv = process.argv.slice(2);
const json = argv.includes('--json');
const submission = argv.includes('--submission');
const block25 = argv.includes('--block25');
const reject25 = argv.includes('--reject25');
const noControls = argv.includes('--no-controls');
const NETWORKS: readonly NetworkSituation[] = ['normal', 'web-only', 'intercept25', 'inspect25', 'mtu-blackhole', 'ipv6-broken'];
const networkArg = argv.includes('--network') ? argv[argv.indexOf('--network') + 1] : 'normal';
if (!NETWORKS.includes(networkArg as NetworkSituation)) {
  process.stderr.write(`demo: --network takes one of ${NETWORKS.join(', ')}\n`);
  process.exit(2);
}
const network = networkArg as NetworkSituation;
const NETWORK_TEXT: Record<NetworkSituation, string> = {
  normal: '',
  'web-only': 'the network lets only ports 80 and 443 out (guest Wi-Fi)',
  intercept25: 'the network redirects every outgoing port-25 connection to its own relay (DNAT)',
  inspect25: 'an SMTP inspection fixup on port 25 masks the greeting and strips STARTTLS',
  'mtu-blackhole': 'a narrow link on the way, with ICMP "fragmentation needed" dropped (path-MTU black hole)',
  'ipv6-broken': 'dual stack (2001:db8::/32 beside IPv4), and the router drops every IPv6 packet',
};

let lab: Lab | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await lab?.stop().catch((err: unknown) => process.stderr.write(`demo: teardown: ${(err as Error).message}\n`));
  }
  process.exit(code);
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => void shutdown(130));

async function main(): Promise<number> {
  const stale = await cleanupStaleLabs();
  if (stale.length) process.stderr.write(`demo: removed a stale lab: ${stale.join(', ')}\n`);
  process.stderr.write('demo: building the lab (network namespaces, Postfix, Dovecot, DNS)…\n');
  const t0 = performance.now();
  // A closed network: the lab's resolver refuses every name outside the lab, as nothing can leave it.
  lab = await Lab.start({ provider: { submission }, outsideZones: 'refused' });
  if (block25) await lab.setFirewall('drop');
  else if (reject25) await lab.setFirewall('reject');
  await setNetwork(lab, network);
  const checkArgs = lab.checkArgs({ json, defaults: true, ...(noControls ? { extra: ['--no-controls'] } : {}) });
  process.stderr.write(
    [
      `demo: lab ${lab.id} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s:`,
      `  your machine      ${LAB.userAddress} on the ISP's network (gateway and resolver ${LAB.ispRouter}, relay smtp.isp.test)`,
      `  mailbox provider  disney.test at ${LAB.provider}: SMTP 25${submission ? ', 587 and 465 with a password' : ' only (relays only for 203.0.113.0/24)'}, IMAP and POP3 with TLS`,
      `  control endpoint  ${LAB.control}, ports ${LAB.controlPorts.join(', ')}${block25 ? '\n  the ISP drops its customers\u2019 outgoing port 25' : ''}${reject25 ? '\n  the ISP rejects its customers\u2019 outgoing port 25 with a reset' : ''}`,
      ...(network !== 'normal' ? [`  the network       ${NETWORK_TEXT[network]}`] : []),
      '',
      `$ MAILDOCTOR_PASSWORD=… maildoctor ${checkArgs.join(' ').replace(lab.caFile, 'CA.pem')}`,
      '',
    ].join('\n'),
  );
  // The caller's environment (colours on a terminal), with the password where the CLI reads it.
  const env: NodeJS.ProcessEnv = { ...process.env, MAILDOCTOR_PASSWORD: lab.password };
  // The built command, as installed: `npm ci` built dist/.
  const child = lab.spawn('user', [process.execPath, 'bin/maildoctor.js', ...checkArgs], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 70)));
  const queued = await lab.queuedMessages();
  process.stderr.write(`\ndemo: maildoctor exited with ${code}; messages left in the Postfix queues: ISP ${queued.isp}, provider ${queued.provider}\n`);
  // 1 is "problems found": the seed story has one, which is the point of the demo.
  return code === 0 || code === 1 ? 0 : code;
}

main().then(
  (code) => shutdown(code),
  (err: unknown) => {
    process.stderr.write(`demo: ${(err as Error).stack ?? String(err)}\n`);
    return shutdown(1);
  },
);
