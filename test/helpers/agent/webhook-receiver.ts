/**
 * A webhook receiver for the agent's namespace test, run inside the user's namespace on its loopback:
 *
 *     ip netns exec NS node --import tsx test/helpers/agent/webhook-receiver.ts
 *
 * Prints `ready PORT`, then one JSON line `{"t": <ms since epoch>, "body": <the request body>}` per POST, and
 * answers 204. Exits when stdin closes (the test, or the lab, is gone).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    process.stdout.write(`${JSON.stringify({ t: Date.now(), path: req.url, body })}\n`);
    res.writeHead(204).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
