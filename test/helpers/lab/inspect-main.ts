/**
 * An SMTP "inspection" fixup in the style of Cisco PIX/ASA `inspect esmtp`, for the lab (test/helpers/lab/networks.ts):
 * a line proxy that masks the server's greeting with asterisks, replaces STARTTLS in EHLO replies with
 * `XXXXXXXA`, and rewrites a STARTTLS command to `XXXXXXXX` (which the server refuses). The router's nftables
 * DNAT sends customers' port-25 connections here, one listening port per original destination:
 *
 *     ip netns exec NS node --import tsx test/helpers/lab/inspect-main.ts LISTEN_ADDRESS SOURCE_ADDRESS PORT=HOST:PORT…
 *
 * SOURCE_ADDRESS is the address the proxy connects upstream from (the ISP side, so the server sees a customer
 * network, not its own). Prints `ready` once every port listens; exits when stdin closes.
 */
import net from 'node:net';

const [listen, source, ...maps] = process.argv.slice(2);
if (!listen || !source || maps.length === 0) {
  process.stderr.write('usage: inspect-main.ts LISTEN_ADDRESS SOURCE_ADDRESS PORT=HOST:PORT…\n');
  process.exit(2);
}

/** PIX keeps the reply code and masks the text, one asterisk per character. */
function maskGreeting(line: string): string {
  const m = /^(220[ -])(.*)$/.exec(line);
  return m ? `${m[1]}${m[2]!.replace(/\S/g, '*')}` : line;
}

/** Each line of a stream, CRLF-terminated, through `map`. */
function lines(from: net.Socket, to: net.Socket, map: (line: string, n: number) => string): void {
  let buffered = '';
  let n = 0;
  from.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    let i: number;
    while ((i = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, i).replace(/\r$/, '');
      buffered = buffered.slice(i + 1);
      to.write(`${map(line, n++)}\r\n`, 'latin1');
    }
  });
  from.on('end', () => to.end());
  from.on('error', () => to.destroy());
}

function serve(client: net.Socket, host: string, port: number): void {
  const upstream = net.connect({ host, port, localAddress: source });
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  let greeting = true;
  lines(upstream, client, (line) => {
    if (greeting) {
      if (/^220 /.test(line)) greeting = false;
      return maskGreeting(line);
    }
    return line.replace(/^(250[ -])STARTTLS\b.*$/i, '$1XXXXXXXA');
  });
  lines(client, upstream, (line) => (/^STARTTLS\b/i.test(line) ? 'XXXXXXXX' : line));
}

const servers = maps.map((spec) => {
  const m = /^(\d+)=([^:]+):(\d+)$/.exec(spec);
  if (!m) throw new Error(`bad mapping ${spec}`);
  return new Promise<net.Server>((resolve, reject) => {
    const server = net.createServer((client) => serve(client, m[2]!, Number(m[3])));
    server.once('error', reject);
    server.listen({ host: listen, port: Number(m[1]), exclusive: true }, () => resolve(server));
  });
});

Promise.all(servers).then(
  (list) => {
    process.stdout.write(`ready ${maps.join(' ')}\n`);
    process.stdin.resume();
    process.stdin.on('end', () => {
      for (const s of list) s.close();
      process.exit(0);
    });
  },
  (err: unknown) => {
    process.stderr.write(`inspect-main: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
