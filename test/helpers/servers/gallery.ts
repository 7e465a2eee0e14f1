/**
 * A gallery of deliberately broken servers, in process, on 127.0.0.1 port 0. Each is a small function that
 * returns a started `FaultServer`; `close()` destroys every socket it accepted and stops listening, so an
 * `after`/`afterEach` hook leaves nothing behind (no timers, no sockets).
 *
 * Servers never throw at their client: every socket gets an error listener, because half of these cases end
 * with the client tearing the connection down in the middle of something.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

/** PEM key and certificate a server presents (the harness's `PemFiles` fit). */
export interface KeyPair {
  key: string;
  cert: string;
}

export const LOOPBACK = '127.0.0.1';

export interface FaultServer {
  readonly host: typeof LOOPBACK;
  readonly port: number;
  /** Connections accepted so far (the implicit-TLS sniff opens a second one). */
  readonly connections: number;
  /** Bytes the server managed to write before its clients went away (endless writers). */
  readonly bytesWritten: number;
  /** Resolves when the n-th accepted connection has closed. */
  closed(n?: number): Promise<void>;
  close(): Promise<void>;
}

export interface Tracker {
  sockets: Set<net.Socket>;
  timers: Set<NodeJS.Timeout>;
  bytes: { written: number };
  /** Like setTimeout/setInterval, but cleared by close(). */
  every(ms: number, fn: () => void): NodeJS.Timeout;
  later(ms: number, fn: () => void): NodeJS.Timeout;
}

type OnConnection = (socket: net.Socket, t: Tracker) => void;

/** The common shell: listen, track, close cleanly. */
export async function faultServer(onConnection: OnConnection, create: (l: (s: net.Socket) => void) => net.Server = (l) => net.createServer(l)): Promise<FaultServer> {
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const closedWaiters: Array<{ n: number; resolve: () => void }> = [];
  let accepted = 0;
  let closedCount = 0;
  const t: Tracker = {
    sockets,
    timers,
    bytes: { written: 0 },
    every(ms, fn) {
      const timer = setInterval(fn, ms);
      timers.add(timer);
      return timer;
    },
    later(ms, fn) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
      return timer;
    },
  };
  const server = create((socket) => onConnection(socket, t));
  // Count and track at the TCP level: a TLS server's listener only sees handshakes that completed.
  server.on('connection', (socket: net.Socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => {
      sockets.delete(socket);
      closedCount++;
      for (const w of closedWaiters.filter((w) => closedCount >= w.n)) {
        closedWaiters.splice(closedWaiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: LOOPBACK,
    port,
    get connections() {
      return accepted;
    },
    get bytesWritten() {
      return t.bytes.written;
    },
    closed(n = 1) {
      if (closedCount >= n) return Promise.resolve();
      return new Promise((resolve) => closedWaiters.push({ n, resolve }));
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: bound, read, released. (Another process could take it in between; on a test box it does not.) */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Accepts and never says a word. It still reads (and drops) what it gets, or it would never see the client's FIN. */
export function silentServer(): Promise<FaultServer> {
  return faultServer((socket) => void socket.resume());
}

/** Sends `bytes` one byte at a time, `intervalMs` apart: a greeting that never completes in time. */
export function tricklingServer(bytes: string, intervalMs: number): Promise<FaultServer> {
  return faultServer((socket, t) => {
    let i = 0;
    const send = (): void => {
      if (i < bytes.length && !socket.destroyed) socket.write(bytes[i++]!);
    };
    send();
    const timer = t.every(intervalMs, send);
    socket.once('close', () => clearInterval(timer));
  });
}

/**
 * Writes `chunk()` as fast as the client reads, until the client goes away (respecting backpressure), and
 * counts what it wrote, so a test can show the client stopped early.
 */
export function flood(socket: net.Socket, t: Tracker, chunk: () => string | Buffer): void {
  const pump = (): void => {
    while (!socket.destroyed) {
      const data = chunk();
      t.bytes.written += data.length;
      if (!socket.write(data)) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

/** On connect: `prefix`, then `chunk()` forever (an endless line, an endless multi-line reply). */
export function endlessWriter(prefix: string, chunk: () => string | Buffer): Promise<FaultServer> {
  return faultServer((socket, t) => {
    socket.write(prefix);
    flood(socket, t, chunk);
  });
}

/** On connect: writes `data` once, then ends ('end', a FIN) or resets ('reset', an RST) the connection. */
export function oneShotServer(data: string, how: 'end' | 'reset'): Promise<FaultServer> {
  return faultServer((socket) => {
    if (how === 'end') socket.end(data);
    else socket.write(data, () => socket.resetAndDestroy());
  });
}

/** Call `fn` for each CRLF/LF-terminated line the client sends on `stream`. Returns a detach function. */
export function onLines(stream: Duplex, fn: (line: string) => void): () => void {
  let buffered = '';
  const onData = (data: Buffer): void => {
    buffered += data.toString('latin1');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl).replace(/\r$/, '');
      buffered = buffered.slice(nl + 1);
      fn(line);
    }
  };
  stream.on('data', onData);
  return () => stream.off('data', onData);
}

export interface SmtpFaultOptions {
  /** Raw bytes sent on connect. @default '220 mail.gallery.test ESMTP gallery\r\n' */
  greeting?: string;
  /** More greeting after a pause (Postfix postscreen: `220-` first, the last line seconds later). */
  greetingRest?: { afterMs: number; text: string };
  /** EHLO extension lines (after the first line). @default ['PIPELINING', 'STARTTLS'] (STARTTLS dropped once upgraded) */
  extensions?: string[];
  /**
   * What STARTTLS gets: 'accept' upgrades; 'refuse' answers 454; 'inject' writes "220 Ready\r\n250 injected\r\n"
   * in ONE write (RFC 3207 §6 attack shape, CVE-2011-0411) and then upgrades; 'flood' answers 220 and goes on
   * in plaintext (more than a line's cap, no line end); 'plaintext' answers 220 and then a plaintext line to
   * whatever comes next (the ClientHello); 'close' answers 220 and hangs up.
   */
  starttls?: 'accept' | 'refuse' | 'inject' | 'flood' | 'plaintext' | 'close';
  /** Key and certificate for the upgrade. */
  tls?: KeyPair;
  /**
   * Raw reply to EHLO instead of the normal one, or a function that takes over the socket at EHLO
   * (drop mid-reply, reset, flood…).
   */
  onEhlo?: string | ((socket: net.Socket, t: Tracker) => void);
  /** Raw reply to AUTH (any mechanism), e.g. '454 4.7.0 Temporary authentication failure\r\n'. @default 502 */
  onAuth?: string;
  /** Raw reply to MAIL FROM, e.g. '530 5.7.0 Authentication required\r\n'. @default 502 */
  onMail?: string;
  /**
   * Raw replies to RCPT TO before and after a successful AUTH (an `onAuth` starting with 235), e.g.
   * `{ before: '554 5.7.1 Relay access denied\r\n', after: '250 2.1.5 OK\r\n' }`. @default 502
   */
  onRcpt?: { before: string; after: string };
  /** Hang up right after refusing RCPT TO without AUTH (some servers end the session after a refusal). */
  closeAfterRefusal?: boolean;
}

export const INJECTED_AFTER_STARTTLS = '220 Ready\r\n250 injected\r\n';
/** Plaintext after the STARTTLS reply in the 'flood' case: more than the 8 KiB line cap (issue 9). */
export const STARTTLS_FLOOD_BYTES = 16 * 1024;

/** A small scripted SMTP server that behaves until the fault it is configured with. */
export function smtpServer(opts: SmtpFaultOptions = {}): Promise<FaultServer> {
  const greeting = opts.greeting ?? '220 mail.gallery.test ESMTP gallery\r\n';
  const extensions = opts.extensions ?? ['PIPELINING', 'STARTTLS'];
  return faultServer((socket, t) => {
    socket.write(greeting);
    if (opts.greetingRest) {
      const rest = opts.greetingRest;
      t.later(rest.afterMs, () => socket.destroyed || socket.write(rest.text));
    }
    serveSmtp(socket, socket, false, t);
  });

  function serveSmtp(raw: net.Socket, stream: Duplex, upgraded: boolean, t: Tracker): void {
    let authenticated = false;
    const detach = onLines(stream, (line) => {
      const verb = line.split(' ')[0]!.toUpperCase();
      if (verb === 'EHLO') {
        if (opts.onEhlo && typeof opts.onEhlo !== 'string') return opts.onEhlo(raw, t);
        if (typeof opts.onEhlo === 'string') return void stream.write(opts.onEhlo);
        const ext = upgraded ? extensions.filter((e) => e !== 'STARTTLS') : extensions;
        const lines = ['mail.gallery.test greets you', ...ext];
        stream.write(lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}\r\n`).join(''));
      } else if (verb === 'HELO') {
        stream.write('250 mail.gallery.test\r\n');
      } else if (verb === 'STARTTLS' && !upgraded) {
        if (opts.starttls === 'refuse' || !opts.tls) return void stream.write('454 4.7.0 TLS not available due to temporary reason\r\n');
        if (opts.starttls === 'flood') return void stream.write(`220 2.0.0 Ready to start TLS\r\n${'x'.repeat(STARTTLS_FLOOD_BYTES)}`);
        if (opts.starttls === 'close') return void stream.end('220 2.0.0 Ready to start TLS\r\n');
        if (opts.starttls === 'plaintext') {
          detach();
          stream.write('220 2.0.0 Ready to start TLS\r\n');
          return void stream.once('data', () => stream.write('250 2.0.0 still plaintext here\r\n'));
        }
        detach();
        raw.pause();
        raw.write(opts.starttls === 'inject' ? INJECTED_AFTER_STARTTLS : '220 2.0.0 Ready to start TLS\r\n', () => {
          const secure = new tls.TLSSocket(raw, { isServer: true, key: opts.tls!.key, cert: opts.tls!.cert });
          secure.on('error', () => {});
          serveSmtp(raw, secure, true, t);
        });
      } else if (verb === 'AUTH' && opts.onAuth) {
        authenticated = opts.onAuth.startsWith('235');
        stream.write(opts.onAuth);
      } else if (verb === 'MAIL' && opts.onMail) {
        stream.write(opts.onMail);
      } else if (verb === 'RCPT' && opts.onRcpt) {
        const reply = authenticated ? opts.onRcpt.after : opts.onRcpt.before;
        if (!authenticated && opts.closeAfterRefusal && /^5/.test(reply)) return void stream.end(reply);
        stream.write(reply);
      } else if (verb === 'QUIT') {
        stream.end('221 2.0.0 Bye\r\n');
      } else if (verb === 'RSET' || verb === 'NOOP') {
        stream.write('250 2.0.0 OK\r\n');
      } else {
        stream.write('502 5.5.2 Command not recognized\r\n');
      }
    });
  }
}

/**
 * An implicit-TLS server (SMTPS on 465 style): handshake first, then a 220 greeting and a working EHLO/QUIT.
 * A plaintext client waiting for a greeting hears nothing from it.
 */
export function tlsSmtpServer(pair: KeyPair): Promise<FaultServer> {
  return faultServer(
    (socket) => {
      socket.write('220 mail.gallery.test ESMTP over TLS\r\n');
      onLines(socket, (line) => {
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') socket.write('250-mail.gallery.test\r\n250 PIPELINING\r\n');
        else if (verb === 'QUIT') socket.end('221 Bye\r\n');
        else socket.write('502 5.5.2 Command not recognized\r\n');
      });
    },
    (listener) => {
      const server = tls.createServer({ key: pair.key, cert: pair.cert }, listener as (s: tls.TLSSocket) => void);
      server.on('tlsClientError', () => {});
      return server;
    },
  );
}

/**
 * Accepts TCP, waits for the client's first bytes (a ClientHello), then breaks the handshake:
 * 'alert' answers with a TLS fatal alert record (handshake_failure, 40); 'reset' answers with a TCP RST.
 */
export function brokenTlsServer(kind: 'alert' | 'reset'): Promise<FaultServer> {
  // TLS record: type 21 (alert), version 3.1, length 2, level 2 (fatal), description 40 (handshake_failure).
  const ALERT = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28]);
  return faultServer((socket) => {
    socket.once('data', () => {
      if (kind === 'reset') socket.resetAndDestroy();
      else socket.end(ALERT);
    });
  });
}

/** POP3: a fixed greeting line, then whatever `onLine` answers (default: -ERR to everything but QUIT). */
export function pop3Server(greeting: string, onLine?: (line: string, socket: net.Socket, t: Tracker) => void): Promise<FaultServer> {
  return faultServer((socket, t) => {
    socket.write(greeting);
    onLines(socket, (line) => {
      if (onLine) return onLine(line, socket, t);
      if (/^QUIT/i.test(line)) socket.end('+OK bye\r\n');
      else socket.write('-ERR not in the gallery\r\n');
    });
  });
}

/** IMAP: a fixed greeting, then whatever `onLine` answers (default: BAD to everything but LOGOUT). */
export function imapServer(greeting: string, onLine?: (line: string, socket: net.Socket, t: Tracker) => void): Promise<FaultServer> {
  return faultServer((socket, t) => {
    socket.write(greeting);
    onLines(socket, (line) => {
      if (onLine) return onLine(line, socket, t);
      const tag = line.split(' ')[0];
      if (/^\S+ LOGOUT/i.test(line)) socket.end(`* BYE bye\r\n${tag} OK LOGOUT completed\r\n`);
      else socket.write(`${tag} BAD not in the gallery\r\n`);
    });
  });
}

/** Close every server in the list, ignoring ones that failed to start. */
export async function closeAll(servers: Array<FaultServer | undefined>): Promise<void> {
  await Promise.all(servers.map((s) => s?.close()));
}
