/**
 * Minimal raw-socket client for the container tier's smoke test: line framing
 * over node:net / node:tls, STARTTLS upgrades, TLS verification against the
 * backend's CA. Deliberately independent of src/ so a broken probe cannot hide
 * a broken backend.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Endpoint } from '../harness/backend.js';

/** Bounds every wait for a line: a healthy local server answers in milliseconds. */
export const LINE_TIMEOUT_MS = 10_000;

export interface TlsTrust {
  ca: string;
  servername: string;
}

export class LineClient {
  private buffer = '';
  private lines: string[] = [];
  private waiter: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(readonly socket: Socket | TLSSocket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let eol: number;
      while ((eol = this.buffer.indexOf('\r\n')) >= 0) {
        this.lines.push(this.buffer.slice(0, eol));
        this.buffer = this.buffer.slice(eol + 2);
      }
      this.wake();
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed by peer')));
  }

  /** Plain TCP connection, optionally bound to `localAddress`. */
  static async plain(endpoint: Endpoint, localAddress?: string): Promise<LineClient> {
    const socket = netConnect({ host: endpoint.host, port: endpoint.port, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new LineClient(socket);
  }

  /** Implicit TLS (RFC 8314), verified against `trust`. */
  static async tls(endpoint: Endpoint, trust: TlsTrust): Promise<LineClient> {
    const socket = tlsConnect({ host: endpoint.host, port: endpoint.port, ca: trust.ca, servername: trust.servername });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    return new LineClient(socket);
  }

  /**
   * Upgrades this connection after the server agreed to STARTTLS/STLS. Lines
   * buffered in plaintext are discarded (RFC 3207 §6: nothing received before
   * the handshake may be trusted afterwards).
   */
  async startTls(trust: TlsTrust): Promise<LineClient> {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    this.socket.removeAllListeners('error');
    this.socket.on('error', () => {}); // reported through the TLS socket that wraps it
    const socket = tlsConnect({ socket: this.socket, ca: trust.ca, servername: trust.servername });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    return new LineClient(socket);
  }

  get tlsSocket(): TLSSocket | undefined {
    return 'authorized' in this.socket ? (this.socket as TLSSocket) : undefined;
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** The next line, or an error after LINE_TIMEOUT_MS. */
  readLine(): Promise<string> {
    const next = this.lines.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`no line within ${LINE_TIMEOUT_MS} ms`));
      }, LINE_TIMEOUT_MS);
      this.waiter = {
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
    });
  }

  /** An SMTP reply: lines up to the one with a space after the code (RFC 5321 §4.2.1). */
  async smtpReply(): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.readLine();
      lines.push(line);
      if (/^\d{3}(?: |$)/.test(line)) return { code: Number(line.slice(0, 3)), lines };
      if (!/^\d{3}-/.test(line)) throw new Error(`not an SMTP reply line: ${JSON.stringify(line)}`);
    }
  }

  /** Sends a command and returns its SMTP reply. */
  async smtp(command: string): Promise<{ code: number; lines: string[] }> {
    this.send(command);
    return this.smtpReply();
  }

  /** Reads IMAP lines until the tagged completion for `tag`. */
  async imapTagged(tag: string): Promise<{ status: string; lines: string[] }> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.readLine();
      lines.push(line);
      if (line.startsWith(`${tag} `)) return { status: line.split(' ')[1] ?? '', lines };
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    if (!this.waiter || this.lines.length === 0) return;
    const { resolve } = this.waiter;
    this.waiter = undefined;
    resolve(this.lines.shift()!);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    if (this.waiter && this.lines.length === 0) {
      const { reject } = this.waiter;
      this.waiter = undefined;
      reject(err);
    }
  }
}
