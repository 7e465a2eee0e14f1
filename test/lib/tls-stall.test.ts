/**
 * The TLS first-flight stall (src/lib/tls.ts) and the greeting's host name (src/lib/lines.ts), on loopback
 * servers of the test: a port that accepts and never answers the ClientHello ends with TLS_HANDSHAKE_STALLED
 * after the first-flight cap, not the whole TLS cap; a server whose flight comes (even as garbage) is not
 * called stalled; the handshake's timing is recorded either way.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { greetingDomain, parseSmtpLine } from '../../src/lib/lines.js';
import { firstFlightCapMs, TLS_FIRST_FLIGHT_MIN_MS } from '../../src/lib/tls.js';
import { probeImaps } from '../../src/probes/imaps.js';
import { probeTcp } from '../../src/probes/tcp.js';

async function listen(onConnection: (s: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('TLS first-flight stall and greeting names', function () {
  this.timeout(15_000);

  it('the cap: a floor, a few round trips on a slow path, never above the TLS cap', () => {
    assert.equal(firstFlightCapMs(1, 5_000), TLS_FIRST_FLIGHT_MIN_MS);
    assert.equal(firstFlightCapMs(undefined, 5_000), TLS_FIRST_FLIGHT_MIN_MS);
    assert.equal(firstFlightCapMs(1_000, 5_000), 4_000);
    assert.equal(firstFlightCapMs(2_000, 5_000), 5_000);
    assert.equal(firstFlightCapMs(1, 1_000), 1_000);
  });

  it('silent after the ClientHello → TLS_HANDSHAKE_STALLED/tls at the first-flight cap, 0 server bytes recorded', async () => {
    const server = await listen((s) => s.on('data', () => undefined)); // reads the ClientHello, answers nothing
    try {
      const r = await probeImaps({ host: '127.0.0.1', port: server.port }, { phaseTimeouts: { tls: 8_000 } });
      assert.equal(r.error?.code, 'TLS_HANDSHAKE_STALLED');
      assert.equal(r.error?.phase, 'tls');
      const h = r.tlsHandshake!;
      assert.equal(h.completed, false);
      assert.equal(h.serverBytes, 0);
      assert.equal(h.firstFlightCapMs, TLS_FIRST_FLIGHT_MIN_MS);
      assert.ok(h.durationMs >= TLS_FIRST_FLIGHT_MIN_MS - 50 && h.durationMs < TLS_FIRST_FLIGHT_MIN_MS + 1_500, `stalled after ${h.durationMs} ms`);
      assert.ok(h.tcpRttMs !== undefined && h.tcpRttMs >= 0);
    } finally {
      await server.close();
    }
  });

  it('a server that sends part of a flight and then nothing is not "stalled": it gets the whole TLS cap', async () => {
    // A TLS record header promising 100 bytes, then silence: the server answered, something else is wrong.
    const server = await listen((s) => s.once('data', () => s.write(Buffer.from('1603030064', 'hex'))));
    try {
      const r = await probeImaps({ host: '127.0.0.1', port: server.port }, { phaseTimeouts: { tls: 3_500 } });
      assert.equal(r.error?.code, 'TLS_HANDSHAKE_FAILED');
      assert.equal(r.tlsHandshake!.serverBytes, 5);
      assert.ok(r.tlsHandshake!.durationMs >= 3_400, `ended after ${r.tlsHandshake!.durationMs} ms`);
    } finally {
      await server.close();
    }
  });

  it('a tcp probe with bannerWaitMs records who greets, and sends nothing', async () => {
    let received = 0;
    const server = await listen((s) => {
      s.on('data', (d: Buffer) => (received += d.length));
      s.write('220-smtp.isp.test ESMTP Postfix\r\n220 second line\r\n');
    });
    try {
      const r = await probeTcp({ host: '127.0.0.1', port: server.port }, { bannerWaitMs: 1_000 });
      assert.ok(r.ok, r.error?.message);
      assert.equal(r.greetingHost, 'smtp.isp.test');
      assert.equal(r.greeting?.code, 220);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(received, 0, 'nothing is sent to a control');
    } finally {
      await server.close();
    }
  });

  it('greetingDomain: a domain or an address literal, never a masked or free-text word', () => {
    assert.equal(greetingDomain('Mail.Disney.TEST ESMTP Postfix'), 'mail.disney.test');
    assert.equal(greetingDomain('[192.0.2.25] ready'), '[192.0.2.25]');
    assert.equal(greetingDomain('[IPv6:2001:db8::1] ready'), '[ipv6:2001:db8::1]');
    assert.equal(greetingDomain('**************** ***** *******'), undefined);
    assert.equal(greetingDomain(''), undefined);
    assert.equal(greetingDomain(undefined), undefined);
    assert.equal(greetingDomain('bad_name.example ESMTP'), undefined);
    assert.deepEqual(parseSmtpLine('220-mx.example ESMTP'), { code: 220, text: 'mx.example ESMTP' });
    assert.equal(parseSmtpLine('hello'), undefined);
  });
});
