/**
 * Property tests of the framing layer (fast-check): a valid SMTP, POP3 or IMAP reply stream parses to the same
 * replies however TCP happens to chunk it, and no input at all (random bytes, random lines) makes the
 * splitter, the assemblers or the parsers throw: their errors are returned values with catalogued codes.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/lib/codes.js';
import {
  LineSplitter,
  Pop3MultilineAssembler,
  SmtpReplyAssembler,
  imapLiteralSize,
  parseImapLine,
  parsePop3Status,
  printable,
  type FramingError,
  type ImapResponse,
  type SmtpReply,
} from '../../src/lib/lines.js';

/** Enough runs to find chunking bugs, few enough to keep the suite fast. */
const RUNS = { numRuns: 300 };

// ---------------------------------------------------------------------------------------------------------
// Generators

/** Text of a line: any latin1 byte but CR and LF. */
const lineText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).filter((c) => c !== 0x0a && c !== 0x0d).map((c) => String.fromCharCode(c)), maxLength });

/** Printable ASCII words, for places a grammar restricts (tags, response codes). */
const word = fc.stringMatching(/^[A-Za-z0-9.=/-]{1,12}$/);

const terminator = fc.constantFrom('\r\n', '\n');

/** Cut points: the stream as TCP might deliver it. */
const cuts = fc.array(fc.nat(), { maxLength: 30 });

function chunk(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

function splitAll(chunks: Buffer[], max?: number): { lines: string[]; error?: FramingError } {
  const s = new LineSplitter(max);
  const lines: string[] = [];
  for (const c of chunks) {
    const r = s.push(c);
    lines.push(...r.lines);
    if (r.error) return { lines, error: r.error };
  }
  return { lines };
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

// ---------------------------------------------------------------------------------------------------------
// SMTP

interface GenSmtpReply {
  code: number;
  texts: string[];
}

const smtpReply: fc.Arbitrary<GenSmtpReply> = fc.record({
  code: fc.integer({ min: 200, max: 599 }),
  texts: fc.array(lineText(), { minLength: 1, maxLength: 6 }),
});

function smtpWire(replies: GenSmtpReply[], ends: string[]): string {
  let i = 0;
  return replies
    .map((r) => r.texts.map((t, j) => `${r.code}${j === r.texts.length - 1 ? ' ' : '-'}${t}${ends[i++ % ends.length]}`).join(''))
    .join('');
}

function smtpReplies(lines: string[]): Array<SmtpReply | FramingError> {
  const a = new SmtpReplyAssembler();
  const out: Array<SmtpReply | FramingError> = [];
  for (const line of lines) {
    const { reply, error } = a.push(line);
    if (reply) out.push(reply);
    if (error) out.push(error);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// POP3

interface GenPop3 {
  ok: boolean;
  text: string;
  /** A multi-line body follows a +OK (CAPA, LIST…). */
  body?: string[];
}

const pop3Response: fc.Arbitrary<GenPop3> = fc
  .record({ ok: fc.boolean(), text: lineText(), body: fc.option(fc.array(lineText(20), { maxLength: 8 }), { nil: undefined }) })
  .map((r) => (r.ok ? r : { ok: false, text: r.text }));

/** RFC 1939 §3: a body line starting with "." gets one more; the body ends with ".". */
function pop3Wire(responses: GenPop3[], end: string): string {
  return responses
    .map((r) => {
      const status = `${r.ok ? '+OK' : '-ERR'}${r.text ? ` ${r.text}` : ''}${end}`;
      if (!r.body) return status;
      return status + r.body.map((l) => `${l.startsWith('.') ? '.' : ''}${l}${end}`).join('') + `.${end}`;
    })
    .join('');
}

function parsePop3Stream(lines: string[], shapes: GenPop3[]): Array<{ status: string; text: string; body?: string[] } | FramingError> {
  const out: Array<{ status: string; text: string; body?: string[] } | FramingError> = [];
  let i = 0;
  for (const shape of shapes) {
    const st = parsePop3Status(lines[i++] ?? '');
    if (!('ok' in st)) {
      out.push(st);
      continue;
    }
    if (!shape.body) {
      out.push({ status: st.status, text: st.text });
      continue;
    }
    const a = new Pop3MultilineAssembler();
    for (;;) {
      const r = a.push(lines[i++] ?? '.');
      if (r.error) {
        out.push(r.error);
        break;
      }
      if (r.done) {
        out.push({ status: st.status, text: st.text, body: r.done });
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// IMAP

/**
 * Free text that cannot be mistaken for a response code and keeps its exact form: it starts with neither "["
 * nor white space (which the grammar's separator would swallow).
 */
const imapText = lineText().map((t) => t.replace(/^[\s[]+/, ''));

const imapResponse: fc.Arbitrary<{ wire: string; expect: Partial<ImapResponse> }> = fc.oneof(
  fc.record({ status: fc.constantFrom('OK', 'NO', 'BAD', 'BYE', 'PREAUTH'), code: fc.option(word, { nil: undefined }), text: imapText }).map(({ status, code, text }) => ({
    wire: `* ${status}${code ? ` [${code}]` : ''}${text ? ` ${text}` : ''}`,
    expect: { kind: 'untagged', status, responseCode: code, text: code ? text.trim() : text } as Partial<ImapResponse>,
  })),
  fc.record({ tag: word.filter((t) => t !== '*' && !t.startsWith('+')), status: fc.constantFrom('OK', 'NO', 'BAD'), code: fc.option(word, { nil: undefined }), text: imapText }).map(({ tag, status, code, text }) => ({
    wire: `${tag} ${status}${code ? ` [${code}]` : ''}${text ? ` ${text}` : ''}`,
    expect: { kind: 'tagged', tag, status, responseCode: code, text: code ? text.trim() : text } as Partial<ImapResponse>,
  })),
  fc.record({ n: fc.nat(99_999), what: fc.constantFrom('EXISTS', 'RECENT', 'EXPUNGE') }).map(({ n, what }) => ({
    wire: `* ${n} ${what}`,
    expect: { kind: 'untagged', text: `${n} ${what}` } as Partial<ImapResponse>,
  })),
  imapText.map((text) => ({ wire: `+ ${text}`, expect: { kind: 'continuation', text: text.trimStart() } as Partial<ImapResponse> })),
);

function pick(r: ImapResponse | FramingError, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, (r as unknown as Record<string, unknown>)[k]]));
}

// ---------------------------------------------------------------------------------------------------------

function isCatalogued(e: FramingError): boolean {
  return Object.hasOwn(ERROR_CODES, e.code) && typeof e.message === 'string';
}

describe('lib/lines properties', () => {
  describe('any chunking of a valid stream parses to the same replies', () => {
    it('SMTP: replies come out exactly as sent, whatever the chunking and line ends', () => {
      fc.assert(
        fc.property(fc.array(smtpReply, { minLength: 1, maxLength: 8 }), fc.array(terminator, { minLength: 1, maxLength: 4 }), cuts, (replies, ends, points) => {
          const wire = latin1(smtpWire(replies, ends));
          const whole = smtpReplies(splitAll([wire]).lines);
          const pieces = splitAll(chunk(wire, points));
          assert.equal(pieces.error, undefined);
          assert.deepEqual(smtpReplies(pieces.lines), whole);
          assert.deepEqual(
            whole.map((r) => ('lines' in r ? { code: r.code, texts: r.lines } : r)),
            replies.map((r) => ({ code: r.code, texts: r.texts })), // fc.record makes null-prototype objects
          );
        }),
        RUNS,
      );
    });

    it('POP3: status lines and dot-stuffed bodies round-trip, whatever the chunking', () => {
      fc.assert(
        fc.property(fc.array(pop3Response, { minLength: 1, maxLength: 6 }), terminator, cuts, (responses, end, points) => {
          const wire = latin1(pop3Wire(responses, end));
          const pieces = splitAll(chunk(wire, points));
          assert.equal(pieces.error, undefined);
          const parsed = parsePop3Stream(pieces.lines, responses);
          assert.deepEqual(parsed, parsePop3Stream(splitAll([wire]).lines, responses));
          assert.deepEqual(
            parsed,
            responses.map((r) => ({ status: r.ok ? '+OK' : '-ERR', text: r.text.replace(/^\s+/, '').replace(/^\[[^\]]+\]\s*/, ''), ...(r.body ? { body: r.body } : {}) })),
          );
        }),
        RUNS,
      );
    });

    it('IMAP: each response line parses to its kind, tag, status, code and text, whatever the chunking', () => {
      fc.assert(
        fc.property(fc.array(imapResponse, { minLength: 1, maxLength: 10 }), terminator, cuts, (responses, end, points) => {
          const wire = latin1(responses.map((r) => r.wire + end).join(''));
          const pieces = splitAll(chunk(wire, points));
          assert.equal(pieces.error, undefined);
          assert.deepEqual(pieces.lines, splitAll([wire]).lines);
          pieces.lines.forEach((line, i) => {
            const want = responses[i]!.expect;
            assert.deepEqual(pick(parseImapLine(line), Object.keys(want)), want, line);
          });
        }),
        RUNS,
      );
    });
  });

  describe('no input throws; errors are returned values with catalogued codes', () => {
    it('random bytes in random chunks: the splitter never throws and never returns a line over the cap', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 600 }), cuts, fc.integer({ min: 1, max: 64 }), (bytes, points, max) => {
          const s = new LineSplitter(max);
          for (const c of chunk(Buffer.from(bytes), points)) {
            const r = s.push(c);
            for (const line of r.lines) assert.ok(line.length <= max, `line of ${line.length} > ${max}`);
            assert.ok(s.bufferedBytes <= max);
            if (r.error) assert.ok(isCatalogued(r.error) && r.error.code === 'LINE_TOO_LONG');
          }
          s.drain();
          assert.equal(s.bufferedBytes, 0);
        }),
        RUNS,
      );
    });

    it('random bytes through the splitter into every assembler and parser: values, never throws', () => {
      // Biased towards the protocols' own alphabet so that deep paths are reached, not only "not a reply".
      const protocolish = fc.array(
        fc.oneof(
          fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
          fc.constantFrom('220', '250-', '250 ', '554 ', '5.7.1 ', '+OK', '-ERR', ' [', ']', '.', '..', '* ', 'a1 ', 'OK', 'BYE', '{5}', '{99999999999}', '+ ', '\r\n', '\n', '\r').map(latin1),
        ),
        { maxLength: 60 },
      );
      fc.assert(
        fc.property(protocolish, cuts, (parts, points) => {
          const { lines, error } = splitAll(chunk(Buffer.concat(parts), points), 256);
          if (error) assert.ok(isCatalogued(error));
          const smtp = new SmtpReplyAssembler();
          const pop3 = new Pop3MultilineAssembler();
          for (const line of lines) {
            const r = smtp.push(line);
            if (r.error) assert.ok(isCatalogued(r.error));
            const p = pop3.push(line);
            if (p.error) assert.ok(isCatalogued(p.error));
            const st = parsePop3Status(line);
            if (!('ok' in st)) assert.ok(isCatalogued(st));
            const im = parseImapLine(line);
            if (!('kind' in im)) assert.ok(isCatalogued(im));
            const size = imapLiteralSize(line);
            assert.ok(size === undefined || (Number.isSafeInteger(size) && size >= 0));
            assert.equal(typeof printable(line), 'string');
          }
        }),
        RUNS,
      );
    });

    it('random strings (any UTF-16, CR and LF included) as lines: parsers never throw', () => {
      fc.assert(
        fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 60 }), { maxLength: 20 }), (lines) => {
          const smtp = new SmtpReplyAssembler();
          const pop3 = new Pop3MultilineAssembler();
          for (const line of lines) {
            for (const r of [smtp.push(line).error, pop3.push(line).error]) if (r) assert.ok(isCatalogued(r));
            const st = parsePop3Status(line);
            if (!('ok' in st)) assert.ok(isCatalogued(st));
            const im = parseImapLine(line);
            if (!('kind' in im)) assert.ok(isCatalogued(im));
            imapLiteralSize(line);
            printable(line, 20);
          }
        }),
        RUNS,
      );
    });

    it('an SMTP assembler that errored recovers: the next valid reply parses', () => {
      fc.assert(
        fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { maxLength: 10 }), smtpReply, (garbage, reply) => {
          const a = new SmtpReplyAssembler();
          let failed = false;
          for (const line of garbage) failed = Boolean(a.push(line).error) || failed;
          fc.pre(failed); // only runs where the garbage did break the assembler
          const out = smtpReplies([`${reply.code} ${reply.texts[0]}`]);
          assert.deepEqual(out.map((r) => ('code' in r ? r.code : r)), [reply.code]);
          // And a fresh `a` after an error accepts a reply too (the state was reset, not poisoned).
          const { reply: next, error } = a.push(`${reply.code} ok`);
          assert.ok(next || error, 'a push always answers');
          if (next) assert.equal(next.code, reply.code);
        }),
        { numRuns: 100 },
      );
    });
  });
});
