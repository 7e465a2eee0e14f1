/**
 * Run inside the test network namespace (`ip netns exec NAME node --import tsx test/helpers/discovery/netns-dns.ts
 * HOST PORT ZONEFILE`): serves the zone on HOST:PORT (UDP and TCP), prints "ready" and runs until killed.
 */
import { loadZone, TestDnsServer } from '../servers/dns-server.js';

const [host, port, zone] = process.argv.slice(2);
const server = await TestDnsServer.start(loadZone(zone!), { host: host!, port: Number(port) });
process.stdout.write(`ready ${server.spec}\n`);
const stop = (): void => {
  void server.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
