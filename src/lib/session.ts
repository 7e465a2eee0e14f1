import type net from 'node:net';
import { abortedReason } from './deadline.js';
import { MaildoctorError } from './errors.js';
import { LineSplitter, MAX_LINE_BYTES, printable } from './lines.js';
import type { Transcript } from './transcript.js';

/**
 * A line-protocol session over a socket (plain or TLS): buffered reads of whole lines across arbitrary chunks,
 * raw byte reads (IMAP literals), writes recorded in the transcript (with a redacted form for secrets), and
 * hand-over of the socket for a STARTTLS upgrade.
 *
 * Reads take the AbortSignal of their phase; a stalled server therefore costs at most that phase's cap.
 */
export class LineSession {
  #socket: net.Socket;
  #splitter: LineSplitter;
  /** Framed lines not yet read, each with the terminator it had on the wire (see `readBytes`). */
  #lines: string[] = [];
  #raw: Buffer[] = [];
  #rawWanted = 0;
  #failure?: MaildoctorError;
  #ended = false;
  #wake?: () => void;
  #phase = 'session';

  constructor(
    socket: net.Socket,
    readonly transcript: Transcript,
    readonly maxLineBytes = MAX_LINE_BYTES,
  ) {
    this.#socket = socket;
    this.#splitter = new LineSplitter(maxLineBytes);
    this.#attach(socket);
  }

  /** The server closed its side, or the socket is gone: nothing more can be asked in this session. */
  get ended(): boolean {
    return this.#ended || this.#socket.destroyed;
  }

  get socket(): net.Socket {
    return this.#socket;
  }

  #attach(socket: net.Socket): void {
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.on('error', this.#onError);
  }

  #detach(socket: net.Socket): void {
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('close', this.#onEnd);
    socket.off('error', this.#onError);
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#rawWanted > 0) {
      // An IMAP literal is being read: its bytes bypass line framing.
      const take = Math.min(this.#rawWanted, chunk.length);
      this.#raw.push(chunk.subarray(0, take));
      this.#rawWanted -= take;
      chunk = chunk.subarray(take);
      if (chunk.length === 0) return this.#notify();
    }
    const { lines, ends, error } = this.#splitter.push(chunk);
    this.#lines.push(...lines.map((l, i) => l + ends[i]));
    if (error) {
      this.#failure ??= new MaildoctorError(error.code, this.#phase, error.message);
      this.#socket.destroy();
    }
    this.#notify();
  };

  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#notify();
  };

  readonly #onError = (err: NodeJS.ErrnoException): void => {
    const code = err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'CONNECTION_RESET' : 'CONNECTION_CLOSED';
    this.#failure ??= new MaildoctorError(code, this.#phase, `${err.code ?? 'error'}: ${err.message}`, undefined, { cause: err });
    this.#notify();
  };

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.#wake = undefined;
        reject(abortedReason(signal.reason, this.#phase));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
    });
  }

  /** Read one line. Rejects with LINE_TOO_LONG, CONNECTION_CLOSED/RESET or the phase's timeout. */
  async readLine(phase: string, signal: AbortSignal): Promise<string> {
    this.#phase = phase;
    // Buffered lines are returned without yielding to timers, so the deadline is checked here too.
    if (signal.aborted) throw abortedReason(signal.reason, phase);
    for (;;) {
      const framed = this.#lines.shift();
      if (framed !== undefined) {
        // The one entry of server lines: replies, errors and evidence are built from what this returns, so a
        // server echoing the password (or its base64) never puts it in a result.
        const line = this.transcript.scrub(framed.slice(0, framed.endsWith('\r\n') ? -2 : -1));
        this.transcript.add('S', printable(line, 512));
        return line;
      }
      if (this.#failure) throw this.#relabel(this.#failure, phase);
      if (this.#ended) throw new MaildoctorError('CONNECTION_CLOSED', phase, 'The server closed the connection');
      await this.#wait(signal);
    }
  }

  /** Read exactly `n` raw bytes (an IMAP literal); bytes already framed as lines are reassembled first. */
  async readBytes(n: number, phase: string, signal: AbortSignal): Promise<Buffer> {
    this.#phase = phase;
    if (signal.aborted) throw abortedReason(signal.reason, phase);
    // Lines already split but not consumed belong to the literal: give them back with their own line ends
    // (a literal may hold bare LFs; adding CRs would change its length and desynchronise the session). Take
    // only what the literal needs: re-framing everything buffered on each `{0}` of a long chain is quadratic.
    const taken: Buffer[] = [];
    let got = 0;
    while (got < n && this.#lines.length > 0) {
      const piece = Buffer.from(this.#lines.shift()!, 'latin1');
      taken.push(piece);
      got += piece.length;
    }
    if (got < n) {
      const rest = this.#splitter.drain();
      taken.push(rest);
      got += rest.length;
    }
    const head = Buffer.concat(taken);
    if (got >= n) {
      if (got > n) {
        // The literal ended inside a framed line: what follows it is framed again, in order.
        const after = Buffer.concat([head.subarray(n), Buffer.from(this.#lines.splice(0).join(''), 'latin1'), this.#splitter.drain()]);
        this.#onData(after);
      }
      return head.subarray(0, n);
    }
    this.#raw = [head];
    this.#rawWanted = n - head.length;
    try {
      while (this.#rawWanted > 0) {
        if (this.#failure) throw this.#relabel(this.#failure, phase);
        if (this.#ended) throw new MaildoctorError('CONNECTION_CLOSED', phase, 'The server closed the connection inside a literal');
        await this.#wait(signal);
      }
      return Buffer.concat(this.#raw);
    } finally {
      this.#raw = [];
      this.#rawWanted = 0;
    }
  }

  /** IMAP: frame `{n}` literals as raw bytes from now on (see LineSplitter `literals`). */
  frameLiterals(): void {
    this.#splitter.literals = true;
  }

  /** Send a command line. `shown` is what the transcript records instead (secrets redacted). */
  write(line: string, shown?: string): void {
    this.transcript.add('C', shown ?? line);
    if (!this.#socket.destroyed) this.#socket.write(`${line}\r\n`);
  }

  /**
   * Hand the socket over for a TLS upgrade. Returns the plaintext that was buffered after the last reply:
   * RFC 3207 §6 says the client MUST discard it; a non-empty result is evidence of an injection attempt.
   */
  detachForUpgrade(): { socket: net.Socket; leftover: Buffer; broken?: MaildoctorError | 'closed' } {
    const lines = this.#lines.splice(0).join('');
    const leftover = Buffer.concat([Buffer.from(lines, 'latin1'), this.#splitter.drain()]);
    this.#detach(this.#socket);
    // Plaintext past the line cap tore the socket down already; a peer that hung up has nothing to upgrade.
    const broken = this.#failure ?? (this.#ended || this.#socket.destroyed ? 'closed' : undefined);
    return { socket: this.#socket, leftover, ...(broken ? { broken } : {}) };
  }

  /** Continue the session over the upgraded socket, with fresh framing state. */
  attachUpgraded(socket: net.Socket): void {
    this.#socket = socket;
    this.#splitter = new LineSplitter(this.maxLineBytes, this.#splitter.literals);
    this.#lines = [];
    this.#ended = false;
    this.#failure = undefined;
    this.#attach(socket);
  }

  close(): void {
    this.#detach(this.#socket);
    this.#socket.on('error', () => {}); // late errors after we are done are not interesting
    this.#socket.destroy();
  }

  #relabel(err: MaildoctorError, phase: string): MaildoctorError {
    return err.phase === phase ? err : new MaildoctorError(err.code, phase, err.message, err.reply, { cause: err.cause });
  }
}
