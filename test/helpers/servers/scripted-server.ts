/**
 * A scripted line server for the POP3/IMAP probe tests, on 127.0.0.1 port 0: the test plays the server's side
 * of the dialogue line by line (`expect` what the client sends, `send` the answer, `startTls` after a yes to
 * STARTTLS/STLS), so every branch of a probe is reached on purpose rather than by luck.
 *
 * Only the first connection is scripted; later ones (the implicit-TLS sniff) are closed at once.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import type { ProbeOptions } from '../../../src/lib/types.js';
import { testCertificates, type TestCertificates } from '../certs.js';

export interface Peer {
  /** Lines, each sent with CRLF, in one write. */
  send(...lines: string[]): void;
  /** Bytes as they are, in one write (literals, split chunks). */
  raw(data: string | Buffer): void;
  /** The next line from the client; rejects when the client hangs up first. */
  next(): Promise<string>;
  /** The next line, which must match. */
  expect(pattern: RegExp): Promise<string>;
  /** The server's side of a TLS handshake on this connection (implicit TLS, or after STARTTLS/STLS). */
  startTls(): Promise<void>;
  end(): void;
}

export interface ScriptedServer {
  host: '127.0.0.1';
  port: number;
  /** Every line the client sent on the scripted connection, as received (nothing redacted). */
  received: string[];
  /** Settles when the script ends: rejects if an expectation failed or the client hung up early. */
  done: Promise<void>;
  close(): Promise<void>;
}

export interface ScriptedOptions {
  /** PEM certificate and key the server presents. */
  tls: { cert: string; key: string };
  /** Handshake before the script runs (pop3s, imaps). */
  implicitTls?: boolean;
}

export async function scriptedServer(script: (peer: Peer) => Promise<void>, opts: ScriptedOptions): Promise<ScriptedServer> {
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  let settle!: { resolve: () => void; reject: (err: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => {}); // observed by the tests that care
  const secureContext = tls.createSecureContext(opts.tls);
  let scriptedOne = false;

  const server = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('error', () => {});
    raw.on('close', () => sockets.delete(raw));
    if (scriptedOne) return void raw.destroy();
    scriptedOne = true;

    let socket: net.Socket = raw;
    let buffer = '';
    const lines: string[] = [];
    let closed = false;
    let wake: (() => void) | undefined;
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('latin1');
      for (let nl = buffer.indexOf('\r\n'); nl !== -1; nl = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, nl);
        lines.push(line);
        received.push(line);
        buffer = buffer.slice(nl + 2);
      }
      wake?.();
    };
    const onClose = (): void => {
      closed = true;
      wake?.();
    };
    const attach = (s: net.Socket): void => {
      s.on('data', onData);
      s.on('close', onClose);
      s.on('error', () => {});
    };
    attach(socket);

    const peer: Peer = {
      send: (...out) => void socket.write(out.map((l) => `${l}\r\n`).join('')),
      raw: (data) => void socket.write(data),
      async next() {
        for (;;) {
          const line = lines.shift();
          if (line !== undefined) return line;
          if (closed) throw new Error('the client closed the connection');
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      },
      async expect(pattern) {
        const line = await peer.next();
        assert.match(line, pattern);
        return line;
      },
      async startTls() {
        socket.off('data', onData);
        socket.off('close', onClose);
        const secure = new tls.TLSSocket(socket, { isServer: true, secureContext });
        attach(secure);
        socket = secure;
        await new Promise<void>((resolve, reject) => {
          secure.once('secure', resolve);
          secure.once('error', reject);
        });
      },
      end: () => void socket.end(),
    };
    const run = async (): Promise<void> => {
      if (opts.implicitTls) await peer.startTls();
      await script(peer);
    };
    run().then(settle.resolve, (err: unknown) => {
      settle.reject(err);
      socket.destroy();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    received,
    done,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Mocha glue for a file of scripted-server tests: the test certificates once, `serve()` for each test's
 * server, every server closed after each test, and probe options that trust the test CA for 'localhost'.
 */
export function useScriptedServers(): {
  serve(script: (peer: Peer) => Promise<void>, opts?: { implicitTls?: boolean }): Promise<ScriptedServer>;
  options(extra?: Partial<ProbeOptions>): Partial<ProbeOptions>;
} {
  let certs: TestCertificates | undefined;
  const servers: ScriptedServer[] = [];
  before(async () => {
    certs = await testCertificates();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const ready = (): TestCertificates => {
    if (!certs) throw new Error('useScriptedServers: certificates not ready (use it inside it()/hooks)');
    return certs;
  };
  return {
    async serve(script, opts = {}) {
      const s = await scriptedServer(script, { tls: ready().valid, ...opts });
      servers.push(s);
      return s;
    },
    options(extra = {}) {
      return { timeoutMs: 8_000, phaseTimeouts: { greeting: 3_000, command: 3_000 }, ca: ready().ca.cert, servername: 'localhost', ...extra };
    },
  };
}
