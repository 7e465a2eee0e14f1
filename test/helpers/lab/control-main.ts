/**
 * A control endpoint of the lab: a TCP listener on a few ports of one address that accepts, greets on the
 * plaintext SMTP ports and closes. It stands in for the well-known hosts `maildoctor check` connects to (never
 * sending anything) to tell "this network blocks port 25" from "that server is down".
 *
 *     ip netns exec NS node --import tsx test/helpers/lab/control-main.ts 192.0.2.25 25 587 465 993
 *
 * Prints `ready` once every port listens; exits when stdin closes (the lab is gone).
 */
import net from 'node:net';

const [host, ...portArgs] = process.argv.slice(2);
if (!host || portArgs.length === 0) {
  process.stderr.write('usage: control-main.ts ADDRESS PORT…\n');
  process.exit(2);
}

/** Plaintext SMTP ports greet first (RFC 5321 §3.1), like the real controls (gmail-smtp-in greets on 25). */
const GREETS = new Set([25, 587]);

const servers = portArgs.map(Number).map(
  (port) =>
    new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer((socket) => {
        socket.on('error', () => undefined);
        // Like a real server that the probe leaves at once: accept, greet on SMTP ports, then close our side.
        if (GREETS.has(port)) socket.end('220 control.lab.test ESMTP maildoctor lab control\r\n');
        else socket.end();
      });
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => resolve(server));
    }),
);

Promise.all(servers).then(
  (list) => {
    process.stdout.write(`ready ${portArgs.map((p) => `${host}:${p}`).join(' ')}\n`);
    process.stdin.resume();
    process.stdin.on('end', () => {
      for (const s of list) s.close();
      process.exit(0);
    });
  },
  (err: unknown) => {
    process.stderr.write(`control-main: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
