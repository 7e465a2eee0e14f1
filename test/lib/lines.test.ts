/**
 * The pure framing and reply assembly of src/lib/lines.ts, case by case. Errors are returned values here, never
 * throws; the property tests next door (lines.property.test.ts) check that for any input and any chunking.
 */
import assert from 'node:assert/strict';
import {
  LineSplitter,
  MAX_LINE_BYTES,
  MAX_REPLY_BYTES,
  MAX_REPLY_LINES,
  Pop3MultilineAssembler,
  SmtpReplyAssembler,
  imapLiteralSize,
  parseImapLine,
  parsePop3Status,
  printable,
  type SmtpReply,
} from '../../src/lib/lines.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Feed lines to a fresh assembler; return the replies and errors in order. */
function smtp(lines: string[]): Array<SmtpReply | { error: string }> {
  const a = new SmtpReplyAssembler();
  const out: Array<SmtpReply | { error: string }> = [];
  for (const line of lines) {
    const { reply, error } = a.push(line);
    if (reply) out.push(reply);
    if (error) out.push({ error: error.code });
  }
  return out;
}

describe('lib/lines', () => {
  describe('LineSplitter', () => {
    it('splits at CRLF and at a bare LF; strips one trailing CR only', () => {
      const s = new LineSplitter();
      const r = s.push(b('220 a\r\n250 b\n\r\nx\ry\r\r\n'));
      assert.deepEqual(r.lines, ['220 a', '250 b', '', 'x\ry\r']);
      assert.deepEqual(r.ends, ['\r\n', '\n', '\r\n', '\r\n'], 'each line’s terminator as it was on the wire');
      assert.equal(r.error, undefined);
    });

    it('reassembles a line split anywhere, including between CR and LF', () => {
      const s = new LineSplitter();
      assert.deepEqual(s.push(b('22')).lines, []);
      assert.equal(s.bufferedBytes, 2);
      assert.deepEqual(s.push(b('0 hel')).lines, []);
      assert.deepEqual(s.push(b('lo\r')).lines, []);
      assert.deepEqual(s.push(b('\n25')).lines, ['220 hello']);
      assert.equal(s.bufferedBytes, 2);
      assert.deepEqual(s.push(b('0 ok\r\n')).lines, ['250 ok']);
      assert.equal(s.bufferedBytes, 0);
    });

    it('one byte at a time gives the same lines', () => {
      const s = new LineSplitter();
      const lines: string[] = [];
      for (const byte of b('+OK a\r\n-ERR b\r\n* OK c\r\n')) lines.push(...s.push(Buffer.from([byte])).lines);
      assert.deepEqual(lines, ['+OK a', '-ERR b', '* OK c']);
    });

    it('decodes bytes as latin1 (one char per byte: no UTF-8 errors, lengths are byte counts)', () => {
      const s = new LineSplitter();
      const [line] = s.push(Buffer.from([0x32, 0x35, 0x30, 0x20, 0xc3, 0xa9, 0xff, 0x00, 0x0a])).lines;
      assert.equal(line, '250 \u00c3\u00a9\u00ff\u0000');
      assert.equal(line!.length, 8);
    });

    it('a line of exactly the cap passes; one byte more is LINE_TOO_LONG', () => {
      const ok = new LineSplitter(10);
      assert.deepEqual(ok.push(b(`${'x'.repeat(10)}\n`)).lines, ['x'.repeat(10)]);
      // The cap counts a trailing CR (it is a byte of the line as sent).
      assert.equal(new LineSplitter(10).push(b(`${'x'.repeat(10)}\r\n`)).error?.code, 'LINE_TOO_LONG');
      const long = new LineSplitter(10);
      const r = long.push(b(`ok\n${'x'.repeat(11)}\nlater\n`));
      assert.deepEqual(r.lines, ['ok'], 'lines before the long one are still returned');
      assert.equal(r.error?.code, 'LINE_TOO_LONG');
    });

    it('fails as soon as an unterminated line passes the cap, without waiting for its end', () => {
      const s = new LineSplitter(16);
      assert.equal(s.push(b('x'.repeat(16))).error, undefined);
      assert.equal(s.push(b('x')).error?.code, 'LINE_TOO_LONG');
      assert.equal(s.bufferedBytes, 0, 'the buffered part is dropped');
    });

    it('a failure is sticky: later input yields no lines, only the same error', () => {
      const s = new LineSplitter(4);
      const first = s.push(b('toolong\n')).error;
      const again = s.push(b('ok\n'));
      assert.deepEqual(again.lines, []);
      assert.deepEqual(again.error, first);
    });

    it('a 1 MB line fed in 1 KB chunks never buffers more than the cap', () => {
      const s = new LineSplitter();
      let maxBuffered = 0;
      let error: string | undefined;
      for (let i = 0; i < 1024 && !error; i++) {
        error = s.push(Buffer.alloc(1024, 0x61)).error?.code;
        maxBuffered = Math.max(maxBuffered, s.bufferedBytes);
      }
      assert.equal(error, 'LINE_TOO_LONG');
      assert.ok(maxBuffered <= MAX_LINE_BYTES, `buffered ${maxBuffered}`);
      assert.equal(s.bufferedBytes, 0);
    });

    it('drain() hands over the unterminated rest (STARTTLS: plaintext to discard) and resets', () => {
      const s = new LineSplitter();
      assert.deepEqual(s.push(b('220 go ahead\r\n250 inj')).lines, ['220 go ahead']);
      assert.equal(s.drain().toString('latin1'), '250 inj');
      assert.equal(s.bufferedBytes, 0);
      assert.equal(s.drain().length, 0);
    });
  });

  describe('SmtpReplyAssembler', () => {
    it('a single-line reply, and a bare code with no text', () => {
      assert.deepEqual(smtp(['250 OK']), [{ code: 250, enhanced: undefined, lines: ['OK'], text: 'OK' }]);
      assert.deepEqual(smtp(['354']), [{ code: 354, enhanced: undefined, lines: [''], text: '' }]);
    });

    it('a multi-line reply completes only at "NNN " (nodemailer’s rule)', () => {
      const a = new SmtpReplyAssembler();
      assert.deepEqual(a.push('250-mail.example.net'), {});
      assert.deepEqual(a.push('250-PIPELINING'), {});
      assert.deepEqual(a.push('250-SIZE 10240000'), {});
      const { reply } = a.push('250 STARTTLS');
      assert.deepEqual(reply?.lines, ['mail.example.net', 'PIPELINING', 'SIZE 10240000', 'STARTTLS']);
      assert.equal(reply?.text, 'mail.example.net PIPELINING SIZE 10240000 STARTTLS');
      // The assembler is ready for the next reply.
      assert.equal(a.push('221 bye').reply?.code, 221);
    });

    it('extracts an RFC 3463 enhanced code and strips it from the text of every line', () => {
      const [r] = smtp(['550-5.7.1 Relaying denied.', '550 5.7.1 See https://example.net/relay']) as SmtpReply[];
      assert.equal(r!.code, 550);
      assert.equal(r!.enhanced, '5.7.1');
      assert.equal(r!.text, 'Relaying denied. See https://example.net/relay');
      assert.deepEqual(r!.lines, ['5.7.1 Relaying denied.', '5.7.1 See https://example.net/relay'], 'raw lines are kept');
    });

    it('takes an enhanced code only when its class matches the reply code', () => {
      const [mismatch] = smtp(['550 2.0.0 odd server']) as SmtpReply[];
      assert.equal(mismatch!.enhanced, undefined);
      assert.equal(mismatch!.text, '2.0.0 odd server');
      const [alone] = smtp(['421 4.7.0']) as SmtpReply[];
      assert.equal(alone!.enhanced, '4.7.0');
      assert.equal(alone!.text, '');
      const [notOne] = smtp(['250 2.1.0sender ok']) as SmtpReply[];
      assert.equal(notOne!.enhanced, undefined, 'an enhanced code is followed by a space or the end');
    });

    it('a code change inside a multi-line reply is a PROTOCOL_ERROR, and the assembler recovers', () => {
      const a = new SmtpReplyAssembler();
      assert.deepEqual(a.push('250-first'), {});
      const { error } = a.push('550 second');
      assert.equal(error?.code, 'PROTOCOL_ERROR');
      assert.match(error!.message, /250 to 550/);
      assert.equal(a.push('250 fresh').reply?.text, 'fresh');
    });

    it('lines that are not SMTP replies are PROTOCOL_ERRORs', () => {
      for (const line of ['', 'hello', '25 short', '2500 long', '099 low', '600 high', '250x no separator', '* OK imap', '+OK pop3', ' 250 indented']) {
        assert.deepEqual(smtp([line]), [{ error: 'PROTOCOL_ERROR' }], JSON.stringify(line));
      }
    });

    it('an endless multi-line reply is REPLY_TOO_LARGE after MAX_REPLY_LINES lines', () => {
      const a = new SmtpReplyAssembler();
      let i = 0;
      let code: string | undefined;
      while (!code && i < MAX_REPLY_LINES * 2) code = a.push(`250-X${i++}`).error?.code;
      assert.equal(code, 'REPLY_TOO_LARGE');
      assert.equal(i, MAX_REPLY_LINES + 1);
    });

    it('a multi-line reply of a few huge lines is REPLY_TOO_LARGE by bytes', () => {
      const a = new SmtpReplyAssembler();
      const line = `250-${'x'.repeat(MAX_LINE_BYTES - 8)}`;
      let i = 0;
      let code: string | undefined;
      while (!code && i < 1_000) code = a.push(line).error?.code, i++;
      assert.equal(code, 'REPLY_TOO_LARGE');
      assert.ok(i * (line.length + 2) > MAX_REPLY_BYTES && i < MAX_REPLY_LINES);
    });
  });

  describe('POP3', () => {
    it('parses +OK and -ERR, case-insensitively, with RFC 2449 §8 response codes', () => {
      assert.deepEqual(parsePop3Status('+OK POP3 ready <1896.697170952@dbc.mtview.ca.us>'), {
        ok: true, status: '+OK', responseCode: undefined, text: 'POP3 ready <1896.697170952@dbc.mtview.ca.us>',
      });
      assert.deepEqual(parsePop3Status('+OK'), { ok: true, status: '+OK', responseCode: undefined, text: '' });
      assert.deepEqual(parsePop3Status('+ok fine'), { ok: true, status: '+OK', responseCode: undefined, text: 'fine' });
      assert.deepEqual(parsePop3Status('-ERR [AUTH] Authentication failed.'), { ok: false, status: '-ERR', responseCode: 'AUTH', text: 'Authentication failed.' });
      assert.deepEqual(parsePop3Status('-ERR [sys/temp]'), { ok: false, status: '-ERR', responseCode: 'SYS/TEMP', text: '' });
      assert.deepEqual(parsePop3Status('-ERR [unterminated code'), { ok: false, status: '-ERR', responseCode: undefined, text: '[unterminated code' });
    });

    it('anything else is a PROTOCOL_ERROR value', () => {
      for (const line of ['', 'OK', '+OKAY', '-ERROR', ' +OK', '* OK imap', '220 smtp']) {
        const r = parsePop3Status(line);
        assert.ok(!('ok' in r) && r.code === 'PROTOCOL_ERROR', JSON.stringify(line));
      }
    });

    it('a multi-line body ends at "." and is dot-unstuffed (RFC 1939 §3)', () => {
      const a = new Pop3MultilineAssembler();
      for (const line of ['USER', '..leading dot', '...', '.x', 'SASL PLAIN', '']) assert.deepEqual(a.push(line), {});
      assert.deepEqual(a.push('.'), { done: ['USER', '.leading dot', '..', 'x', 'SASL PLAIN', ''] });
      // Ready for the next body.
      assert.deepEqual(a.push('.'), { done: [] });
    });

    it('an endless body is REPLY_TOO_LARGE', () => {
      const a = new Pop3MultilineAssembler();
      let i = 0;
      let code: string | undefined;
      while (!code && i < MAX_REPLY_LINES * 2) code = a.push(`line ${i++}`).error?.code;
      assert.equal(code, 'REPLY_TOO_LARGE');
      assert.equal(i, MAX_REPLY_LINES + 1);
    });
  });

  describe('IMAP', () => {
    it('untagged status responses with response codes', () => {
      assert.deepEqual(parseImapLine('* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] Dovecot ready.'), {
        kind: 'untagged', status: 'OK', responseCode: 'CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN', text: 'Dovecot ready.',
        raw: '* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] Dovecot ready.',
      });
      assert.deepEqual(parseImapLine('* bye Autologout'), { kind: 'untagged', status: 'BYE', responseCode: undefined, text: 'Autologout', raw: '* bye Autologout' });
      assert.deepEqual(parseImapLine('* PREAUTH'), { kind: 'untagged', status: 'PREAUTH', responseCode: undefined, text: '', raw: '* PREAUTH' });
    });

    it('untagged data responses have no status', () => {
      assert.deepEqual(parseImapLine('* 23 EXISTS'), { kind: 'untagged', text: '23 EXISTS', raw: '* 23 EXISTS' });
      assert.deepEqual(parseImapLine('* CAPABILITY IMAP4rev1 IDLE'), { kind: 'untagged', text: 'CAPABILITY IMAP4rev1 IDLE', raw: '* CAPABILITY IMAP4rev1 IDLE' });
      assert.deepEqual(parseImapLine('* OKAY'), { kind: 'untagged', text: 'OKAY', raw: '* OKAY' });
    });

    it('tagged completions', () => {
      assert.deepEqual(parseImapLine('a1 OK LOGIN completed'), { kind: 'tagged', tag: 'a1', status: 'OK', responseCode: undefined, text: 'LOGIN completed', raw: 'a1 OK LOGIN completed' });
      assert.deepEqual(parseImapLine('a2 NO [AUTHENTICATIONFAILED] Authentication failed.'), {
        kind: 'tagged', tag: 'a2', status: 'NO', responseCode: 'AUTHENTICATIONFAILED', text: 'Authentication failed.', raw: 'a2 NO [AUTHENTICATIONFAILED] Authentication failed.',
      });
      assert.deepEqual(parseImapLine('a3 bad'), { kind: 'tagged', tag: 'a3', status: 'BAD', responseCode: undefined, text: '', raw: 'a3 bad' });
      assert.deepEqual(parseImapLine('a4 OK [unterminated'), { kind: 'tagged', tag: 'a4', status: 'OK', responseCode: undefined, text: '[unterminated', raw: 'a4 OK [unterminated' });
    });

    it('continuation requests', () => {
      assert.deepEqual(parseImapLine('+ '), { kind: 'continuation', text: '', raw: '+ ' });
      assert.deepEqual(parseImapLine('+'), { kind: 'continuation', text: '', raw: '+' });
      assert.deepEqual(parseImapLine('+ UDhr'), { kind: 'continuation', text: 'UDhr', raw: '+ UDhr' });
    });

    it('anything else is a PROTOCOL_ERROR value', () => {
      for (const line of ['', 'garbage', '*', ' a1 OK', 'a1 PREAUTH', 'a1 BYE x', 'a1 OKAY']) {
        const r = parseImapLine(line);
        assert.ok(!('kind' in r) && r.code === 'PROTOCOL_ERROR', JSON.stringify(line));
      }
    });

    it('finds a literal announced at the end of a line (RFC 9051 §4.3, RFC 7888 {n+})', () => {
      assert.equal(imapLiteralSize('* 1 FETCH (BODY[] {342}'), 342);
      assert.equal(imapLiteralSize('* LIST () "/" {5+}'), 5);
      assert.equal(imapLiteralSize('* OK {0}'), 0);
      assert.equal(imapLiteralSize('* OK {12} not at the end'), undefined);
      assert.equal(imapLiteralSize('* OK {}'), undefined);
      assert.equal(imapLiteralSize('* OK {-1}'), undefined);
      assert.equal(imapLiteralSize(`* OK {${'9'.repeat(11)}}`), undefined, 'more than 10 digits is not a size we read');
    });
  });

  describe('printable', () => {
    it('escapes control and high bytes, keeps tabs, and cuts long text with its length', () => {
      assert.equal(printable('a\x00b\x1b[31m\x7f\xff\tc'), 'a\\x00b\\x1b[31m\\x7f\\xff\tc');
      const long = printable('y'.repeat(300), 10);
      assert.equal(long, `${'y'.repeat(10)}… (300 bytes)`);
    });
  });
});
