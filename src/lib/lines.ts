/**
 * Pure framing and reply assembly for the three line protocols. No I/O here: these take bytes or lines and
 * return values, errors included, so that property tests can feed them any chunking and any garbage
 * (test/lib/lines.property.test.ts) and so that the socket layer (session.ts) stays thin.
 */
import type { ErrorCode } from './codes.js';

/** RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; real servers exceed it, so we allow 16x. */
export const MAX_LINE_BYTES = 8_192;
/** A complete multi-line reply (SMTP EHLO, POP3 CAPA, IMAP untagged burst) larger than this is hostile. */
export const MAX_REPLY_BYTES = 256 * 1024;
/** And so is one with more lines than this. */
export const MAX_REPLY_LINES = 2_000;

export interface FramingError {
  code: ErrorCode;
  message: string;
}

/**
 * Splits a byte stream into lines at LF (a preceding CR is stripped; bare LF is tolerated because real servers
 * send it). Chunk boundaries are arbitrary: a line may arrive one byte at a time.
 */
export class LineSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #failed?: FramingError;
  /** Bytes of an announced IMAP literal still to pass through unframed (see `literals`). */
  #literalLeft = 0;

  /**
   * With `literals` (IMAP), a line ending in `{n}` (RFC 9051 §4.3) is followed by n raw bytes that are not
   * lines: they are returned as one entry per chunk with the empty terminator, exempt from the line cap, so a
   * literal of any legal size works in any chunking. Literals above MAX_REPLY_BYTES are not passed through:
   * the reader refuses them on the announcement, and framing (with its cap) goes on for an endless server.
   */
  constructor(
    readonly maxLineBytes = MAX_LINE_BYTES,
    public literals = false,
  ) {}

  /** Bytes buffered but not yet returned as a line. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * `ends[i]` is the terminator that `lines[i]` had on the wire ('\r\n' or '\n'): the session needs it to give
   * framed-but-unread bytes back exactly when they turn out to belong to an IMAP literal.
   */
  push(chunk: Buffer): { lines: string[]; ends: string[]; error?: FramingError } {
    if (this.#failed) return { lines: [], ends: [], error: this.#failed };
    const lines: string[] = [];
    const ends: string[] = [];
    let start = 0;
    for (;;) {
      if (this.#literalLeft > 0) {
        const take = Math.min(this.#literalLeft, chunk.length - start);
        if (take === 0) break;
        lines.push(chunk.toString('latin1', start, start + take));
        ends.push('');
        this.#literalLeft -= take;
        start += take;
        continue;
      }
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      if (this.#pendingBytes + piece.length > this.maxLineBytes) return this.#fail(lines, ends);
      const whole = this.#pendingBytes ? Buffer.concat([...this.#pending, piece]) : piece;
      this.#pending = [];
      this.#pendingBytes = 0;
      const end = whole.length > 0 && whole[whole.length - 1] === 0x0d ? whole.length - 1 : whole.length;
      lines.push(whole.toString('latin1', 0, end));
      ends.push(end === whole.length ? '\n' : '\r\n');
      start = nl + 1;
      const literal = this.literals ? imapLiteralSize(lines[lines.length - 1]!) : undefined;
      if (literal !== undefined && literal <= MAX_REPLY_BYTES) this.#literalLeft = literal;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.#pendingBytes + rest.length > this.maxLineBytes) return this.#fail(lines, ends);
      this.#pending.push(Buffer.from(rest));
      this.#pendingBytes += rest.length;
    }
    return { lines, ends };
  }

  /** Take whatever is buffered (STARTTLS: these bytes arrived in plaintext and must be discarded). */
  drain(): Buffer {
    const rest = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#literalLeft = 0; // the caller now reads the literal's remaining bytes itself
    return rest;
  }

  #fail(lines: string[], ends: string[]): { lines: string[]; ends: string[]; error: FramingError } {
    this.#failed = { code: 'LINE_TOO_LONG', message: `A line longer than ${this.maxLineBytes} bytes` };
    this.#pending = [];
    this.#pendingBytes = 0;
    return { lines, ends, error: this.#failed };
  }
}

/** An SMTP reply (RFC 5321 §4.2), possibly multi-line. */
export interface SmtpReply {
  code: number;
  /** RFC 3463 enhanced status code from the first line, when present (RFC 2034). */
  enhanced?: string;
  /** The text of each line, without the code and separator. */
  lines: string[];
  /** Lines joined with a space, enhanced code stripped: for humans. */
  text: string;
}

const SMTP_LINE = /^([2-5]\d\d)([ -]|$)(.*)$/;

/** RFC 5321 §4.1.2 Domain (dot-separated labels) or address-literal (`[192.0.2.1]`, `[IPv6:…]`). */
const GREETING_DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\]|\[ipv6:[0-9a-f:.]+\])$/i;

/**
 * The name a server gives in its greeting's first line (RFC 5321 §4.2: `220 domain [text]`), lower case, or
 * undefined when the first word is not a domain or an address literal (a masked `220 *****` greeting).
 */
export function greetingDomain(firstLineText: string | undefined): string | undefined {
  const word = firstLineText?.trim().split(/\s+/)[0] ?? '';
  return word && word.length <= 255 && GREETING_DOMAIN.test(word) ? word.toLowerCase() : undefined;
}

/** One SMTP reply line's code and text (`220-mx.example ESMTP` → 220, `mx.example ESMTP`), or undefined. */
export function parseSmtpLine(line: string): { code: number; text: string } | undefined {
  const m = SMTP_LINE.exec(line);
  return m ? { code: Number(m[1]), text: (m[3] ?? '').trim() } : undefined;
}

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?:\s+|$)/;

/**
 * Assembles SMTP reply lines. A reply is complete only at a line `NNN ` (or a bare `NNN`); `NNN-` continues it
 * (nodemailer's rule). Every line of one reply must carry the same code.
 */
export class SmtpReplyAssembler {
  #code?: number;
  #lines: string[] = [];
  #bytes = 0;

  push(line: string): { reply?: SmtpReply; error?: FramingError } {
    const m = SMTP_LINE.exec(line);
    if (!m) return this.#error('PROTOCOL_ERROR', `Not an SMTP reply line: ${printable(line)}`);
    const code = Number(m[1]);
    if (this.#code !== undefined && code !== this.#code) {
      return this.#error('PROTOCOL_ERROR', `Reply code changed from ${this.#code} to ${code} inside a multi-line reply`);
    }
    this.#code = code;
    this.#lines.push(m[3] ?? '');
    this.#bytes += line.length + 2;
    if (this.#bytes > MAX_REPLY_BYTES || this.#lines.length > MAX_REPLY_LINES) {
      return this.#error('REPLY_TOO_LARGE', `Reply exceeds ${MAX_REPLY_LINES} lines or ${MAX_REPLY_BYTES} bytes`);
    }
    if (m[2] === '-') return {};
    const lines = this.#lines;
    this.#reset();
    const e = ENHANCED.exec(lines[0] ?? '');
    const enhanced = e && e[1] === String(code)[0] ? `${e[1]}.${e[2]}.${e[3]}` : undefined;
    const text = lines.map((l, i) => (enhanced && i === 0 ? l.slice(e![0].length) : stripEnhanced(l, enhanced))).join(' ').trim();
    return { reply: { code, enhanced, lines, text } };
  }

  #reset(): void {
    this.#code = undefined;
    this.#lines = [];
    this.#bytes = 0;
  }

  #error(code: ErrorCode, message: string): { error: FramingError } {
    this.#reset();
    return { error: { code, message } };
  }
}

function stripEnhanced(line: string, enhanced?: string): string {
  return enhanced && line.startsWith(enhanced) ? line.slice(enhanced.length).trimStart() : line;
}

/** POP3 status line (RFC 1939 §3). RFC 2449 §8 response codes in brackets are extracted. */
export interface Pop3Status {
  ok: boolean;
  status: '+OK' | '-ERR';
  responseCode?: string;
  text: string;
}

export function parsePop3Status(line: string): Pop3Status | FramingError {
  const m = /^(\+OK|-ERR)(?:\s+(.*))?$/i.exec(line);
  if (!m) return { code: 'PROTOCOL_ERROR', message: `Not a POP3 status line: ${printable(line)}` };
  const status = m[1]!.toUpperCase() as '+OK' | '-ERR';
  const rest = m[2] ?? '';
  const rc = /^\[([^\]]+)\]\s*/.exec(rest);
  return { ok: status === '+OK', status, responseCode: rc?.[1]?.toUpperCase(), text: rc ? rest.slice(rc[0].length) : rest };
}

/**
 * Collects a POP3 multi-line body (RFC 1939 §3): ends at a line of a single ".", with byte-stuffed leading
 * dots removed.
 */
export class Pop3MultilineAssembler {
  #lines: string[] = [];
  #bytes = 0;

  push(line: string): { done?: string[]; error?: FramingError } {
    if (line === '.') {
      const done = this.#lines;
      this.#lines = [];
      this.#bytes = 0;
      return { done };
    }
    this.#lines.push(line.startsWith('.') ? line.slice(1) : line);
    this.#bytes += line.length + 2;
    if (this.#bytes > MAX_REPLY_BYTES || this.#lines.length > MAX_REPLY_LINES) {
      this.#lines = [];
      this.#bytes = 0;
      return { error: { code: 'REPLY_TOO_LARGE', message: `Multi-line response exceeds ${MAX_REPLY_LINES} lines or ${MAX_REPLY_BYTES} bytes` } };
    }
    return {};
  }
}

/** One IMAP response line (RFC 9051 §7), literals already folded in by the reader. */
export type ImapResponse =
  | { kind: 'untagged'; status?: 'OK' | 'NO' | 'BAD' | 'BYE' | 'PREAUTH'; responseCode?: string; text: string; raw: string }
  | { kind: 'tagged'; tag: string; status: 'OK' | 'NO' | 'BAD'; responseCode?: string; text: string; raw: string }
  | { kind: 'continuation'; text: string; raw: string };

const IMAP_STATUS = /^(OK|NO|BAD|BYE|PREAUTH)(?:\s+(.*))?$/i;

export function parseImapLine(line: string): ImapResponse | FramingError {
  if (line.startsWith('+')) return { kind: 'continuation', text: line.slice(1).trimStart(), raw: line };
  if (line.startsWith('* ')) {
    const rest = line.slice(2);
    const m = IMAP_STATUS.exec(rest);
    if (!m) return { kind: 'untagged', text: rest, raw: line };
    const { responseCode, text } = splitResponseCode(m[2] ?? '');
    return { kind: 'untagged', status: m[1]!.toUpperCase() as 'OK', responseCode, text, raw: line };
  }
  const sp = line.indexOf(' ');
  if (sp <= 0) return { code: 'PROTOCOL_ERROR', message: `Not an IMAP response: ${printable(line)}` };
  const tag = line.slice(0, sp);
  const m = /^(OK|NO|BAD)(?:\s+(.*))?$/i.exec(line.slice(sp + 1));
  if (!m) return { code: 'PROTOCOL_ERROR', message: `Not an IMAP tagged response: ${printable(line)}` };
  const { responseCode, text } = splitResponseCode(m[2] ?? '');
  return { kind: 'tagged', tag, status: m[1]!.toUpperCase() as 'OK', responseCode, text, raw: line };
}

function splitResponseCode(rest: string): { responseCode?: string; text: string } {
  if (!rest.startsWith('[')) return { text: rest };
  const close = rest.indexOf(']');
  if (close === -1) return { text: rest };
  return { responseCode: rest.slice(1, close), text: rest.slice(close + 1).trim() };
}

/** IMAP literal announced at the end of a line: `{123}` or `{123+}` (RFC 7888). */
export function imapLiteralSize(line: string): number | undefined {
  const m = /\{(\d{1,10})\+?\}$/.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** For error messages and transcripts: control bytes shown as \xNN, long text cut. */
export function printable(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const safe = text.replace(/[\x00-\x08\x0b-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return safe.length > max ? `${safe.slice(0, max)}… (${text.length} bytes)` : safe;
}
