/**
 * A loopback TCP forwarder that prefixes each upstream connection with a PROXY
 * protocol v1 header carrying the real client address.
 *
 * Why: a published Docker port hides who connected. With docker-proxy (the
 * default) the server sees the bridge gateway as the client; with
 * `--userland-proxy=false` Docker adds a hairpin MASQUERADE rule for locally
 * originated traffic with the same effect. Postfix's `mynetworks` then cannot
 * tell a relay client bound to 127.0.0.2 from any other local client. Postfix
 * accepts the client address from a PROXY header instead
 * (`smtpd_upstream_proxy_protocol = haproxy`), as it does behind a load
 * balancer, so the relay decision is made on the address the test chose.
 *
 * Spec: https://www.haproxy.org/download/2.8/doc/proxy-protocol.txt (v1, §2.1).
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import type { Endpoint } from '../harness/backend.js';

export interface ProxyProtocolForwarder {
  /** Where clients connect (127.0.0.1, a random port). */
  endpoint: Endpoint;
  /** Stops listening and destroys open connections. */
  close(): Promise<void>;
}

/** Builds the v1 header for a connection accepted by the forwarder. */
export function proxyV1Header(client: Socket): string {
  const { remoteAddress, remotePort, localAddress, localPort } = client;
  if (!remoteAddress || !localAddress || remotePort === undefined || localPort === undefined) {
    return 'PROXY UNKNOWN\r\n'; // §2.1: the receiver then uses the real connection's addresses
  }
  const family = client.remoteFamily === 'IPv6' ? 'TCP6' : 'TCP4';
  return `PROXY ${family} ${remoteAddress} ${localAddress} ${remotePort} ${localPort}\r\n`;
}

/**
 * Listens on 127.0.0.1:0 and forwards each connection to `upstream`, sending
 * the PROXY header first. Half-closes are passed through (a client may shut
 * down its side after QUIT and still read the 221 reply).
 */
export async function startProxyProtocolForwarder(upstream: Endpoint): Promise<ProxyProtocolForwarder> {
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    const upstreamSocket = connect({ host: upstream.host, port: upstream.port, allowHalfOpen: true });
    track(upstreamSocket);
    // Queued before any client byte, so the header is the first thing upstream reads.
    upstreamSocket.write(proxyV1Header(client));
    client.pipe(upstreamSocket);
    upstreamSocket.pipe(client);
    // A failure on either side ends both: the client sees the connection drop,
    // as it would if the server itself had failed.
    client.on('error', () => upstreamSocket.destroy());
    upstreamSocket.on('error', () => client.destroy());
    client.once('close', () => upstreamSocket.destroySoon());
    upstreamSocket.once('close', () => client.destroySoon());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: { host: '127.0.0.1', port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
