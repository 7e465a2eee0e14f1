/**
 * The lab's DNS resolver: the discovery tests' authoritative test server (test/helpers/servers/dns-server.ts) run as
 * a child process inside the lab's router namespace, where it plays the ISP's resolver.
 *
 *     ip netns exec NS node --import tsx test/helpers/lab/dns-main.ts --listen 198.51.100.1 [--listen ADDR…] [--outside refused] ZONEFILE…
 *
 * `--outside refused`: names outside the zones get REFUSED (a closed network's resolver), not NXDOMAIN.
 *
 * It answers on port 53 (UDP and TCP) of each --listen address, one socket per address so that a UDP answer
 * always leaves from the address the query was sent to. Control lines on stdin, one answer line each on stdout:
 *   `zones FILE…`  replace the served records with these zone files
 *   `listen ADDR`  also answer on ADDR (an address the namespace already has)
 * It exits when stdin closes, so it never outlives the lab that started it.
 */
import { createInterface } from 'node:readline';
import { loadZone, TestDnsServer } from '../servers/dns-server.js';

const DNS_PORT = 53;

const args = process.argv.slice(2);
const listen: string[] = [];
let files: string[] = [];
let outside: 'refused' | undefined;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--listen') listen.push(args[++i]!);
  else if (args[i] === '--outside') outside = args[++i] === 'refused' ? 'refused' : undefined;
  else files.push(args[i]!);
}

const servers: TestDnsServer[] = [];
let records = loadZone(...files);

async function addListener(host: string): Promise<void> {
  const server = await TestDnsServer.start(records, { host, port: DNS_PORT });
  server.outsideZones = outside;
  servers.push(server);
}

async function main(): Promise<void> {
  for (const host of listen) await addListener(host);
  process.stdout.write(`ready ${servers.map((s) => s.spec).join(' ')}\n`);
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, ...rest] = line.trim().split(/\s+/);
    try {
      if (cmd === 'zones') {
        files = rest;
        records = loadZone(...files);
        for (const s of servers) s.records = records;
        process.stdout.write(`ok zones ${records.length}\n`);
      } else if (cmd === 'listen' && rest[0]) {
        await addListener(rest[0]);
        process.stdout.write(`ok listen ${rest[0]}\n`);
      } else if (cmd) {
        process.stdout.write(`error unknown command ${JSON.stringify(line)}\n`);
      }
    } catch (err) {
      process.stdout.write(`error ${(err as Error).message.replace(/\n/g, ' ')}\n`);
    }
  }
  // stdin closed: the lab is gone or stopping.
  await Promise.all(servers.map((s) => s.stop()));
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`dns-main: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
