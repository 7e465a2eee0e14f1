/**
 * The PROXY-protocol forwarder in front of the containerised MTA: no Docker
 * needed, an in-process upstream stands in for Postfix.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Endpoint } from '../helpers/harness/backend.js';
import { startProxyProtocolForwarder, type ProxyProtocolForwarder } from '../helpers/containers/proxy-protocol.js';
import { LineClient } from '../helpers/containers/wire.js';

describe('PROXY protocol forwarder', function () {
  let upstream: Server;
  let upstreamEndpoint: Endpoint;
  let forwarder: ProxyProtocolForwarder;

  before(async function () {
    // Reads the header line, greets with the client address it announced, then
    // answers QUIT with 221 after the client has half-closed.
    upstream = createServer({ allowHalfOpen: true }, (socket: Socket) => {
      let buffered = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        buffered += chunk;
        const eol = buffered.indexOf('\r\n');
        if (eol < 0 || buffered.startsWith('done')) return;
        const header = buffered.slice(0, eol);
        buffered = `done${buffered.slice(eol + 2)}`;
        socket.write(`220 ${header}\r\n`);
      });
      socket.on('end', () => socket.end('221 bye\r\n'));
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    upstreamEndpoint = { host: '127.0.0.1', port: (upstream.address() as AddressInfo).port };
    forwarder = await startProxyProtocolForwarder(upstreamEndpoint);
  });

  after(async function () {
    await forwarder?.close();
    upstream?.close();
  });

  for (const localAddress of ['127.0.0.1', '127.0.0.2']) {
    it(`announces the real client address (${localAddress}) before any client byte`, async function () {
      const c = await LineClient.plain(forwarder.endpoint, localAddress);
      try {
        const greeting = await c.readLine();
        const [code, proxy, family, source, destination, sourcePort, destinationPort] = greeting.split(' ');
        assert.equal(code, '220');
        assert.equal(proxy, 'PROXY');
        assert.equal(family, 'TCP4');
        assert.equal(source, localAddress);
        assert.equal(destination, '127.0.0.1');
        assert.equal(Number(sourcePort), (c.socket.address() as AddressInfo).port);
        assert.equal(Number(destinationPort), forwarder.endpoint.port);
      } finally {
        c.close();
      }
    });
  }

  it('passes a half-close through, so the reply to QUIT still arrives', async function () {
    const c = await LineClient.plain(forwarder.endpoint);
    try {
      await c.readLine();
      c.socket.end(); // FIN after the last command, as some clients do
      assert.equal(await c.readLine(), '221 bye');
    } finally {
      c.close();
    }
  });

  it('drops the client when the upstream is unreachable', async function () {
    const dead = createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const port = (dead.address() as AddressInfo).port;
    dead.close();
    const broken = await startProxyProtocolForwarder({ host: '127.0.0.1', port });
    try {
      const c = await LineClient.plain(broken.endpoint);
      await assert.rejects(c.readLine(), /closed|ECONNRESET/);
      c.close();
    } finally {
      await broken.close();
    }
  });
});
