/**
 * Free TCP ports chosen at run time: bind port 0, read the port the kernel picked, close.
 *
 * There is an unavoidable window between close() and the daemon's own bind(); the starters retry with
 * new ports when a daemon reports "Address already in use".
 */
import net from 'node:net';

function listen(host: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    // exclusive: do not share a handle with a cluster primary; we want a real bind.
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** One free port on `host` (a loopback address by default). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [port] = await freePorts(1, [host]);
  return port!;
}

/**
 * `count` distinct ports, each free on every address in `hosts` at the time of the call (the first
 * address gets a kernel-chosen port, which must then also bind on the others). All servers are held
 * open until every port is found, so the ports are distinct.
 */
export async function freePorts(count: number, hosts: string[] = ['127.0.0.1']): Promise<number[]> {
  const [first, ...others] = hosts;
  if (!first) throw new Error('freePorts: no host given');
  const held: net.Server[] = [];
  const ports: number[] = [];
  try {
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > count * 20) throw new Error(`freePorts: no port free on all of ${hosts.join(', ')}`);
      const server = await listen(first, 0);
      held.push(server);
      const port = (server.address() as net.AddressInfo).port;
      try {
        for (const host of others) held.push(await listen(host, port));
        ports.push(port);
      } catch {
        // Taken on another address: keep the first bind held so the kernel does not hand it out again.
      }
    }
    return ports;
  } finally {
    await Promise.all(held.map(close));
  }
}
