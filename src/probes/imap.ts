import type { ErrorCode } from '../lib/codes.js';
import { MaildoctorError } from '../lib/errors.js';
import { MAX_REPLY_BYTES, MAX_REPLY_LINES, imapLiteralSize, parseImapLine, printable, type ImapResponse } from '../lib/lines.js';
import { chooseOAuthMechanism, decodeOAuthChallenge, isOAuth, oauthDummyResponse, oauthInitialResponse } from '../lib/oauth.js';
import { runProbe, type ProbeContext } from '../lib/probe.js';
import { REDACTED, redacted } from '../lib/transcript.js';
import type { ProbeOptions, ProbeResult, ProbeTarget, ReplyEvidence } from '../lib/types.js';

type Untagged = Extract<ImapResponse, { kind: 'untagged' }>;
type Tagged = Extract<ImapResponse, { kind: 'tagged' }>;
type Continuation = Extract<ImapResponse, { kind: 'continuation' }>;

/** The answer to one command: the untagged responses that came before its tagged completion. */
interface Exchange {
  tagged: Tagged;
  untagged: Untagged[];
}

interface CommandOptions {
  /** Replaces the command text in the transcript (secrets). */
  shown?: string;
  /** Answers `+` requests (AUTHENTICATE), which are otherwise an error. */
  onContinuation?: (c: Continuation) => void;
}

/**
 * IMAP on a plaintext port (143): greeting (OK, PREAUTH or BYE), capabilities (from the greeting's response
 * code, else CAPABILITY), STARTTLS per policy and CAPABILITY again, login when credentials are given
 * (AUTHENTICATE PLAIN, else LOGIN), `STATUS INBOX (MESSAGES)`, LOGOUT. No mailbox is selected or changed.
 *
 * User names and passwords with CR, LF or NUL are refused as caller errors before anything is dialled (see
 * `assertSendableCredentials`); LOGIN therefore always uses quoted strings, never literals.
 */
export async function probeImap(target: ProbeTarget, options?: Partial<ProbeOptions>): Promise<ProbeResult> {
  return runProbe('imap', target, options, (ctx) => imapScript(ctx, false));
}

/** The script shared by `imap` and `imaps` (RFC 8314 implicit TLS on 993). */
export async function imapScript(ctx: ProbeContext, implicitTls: boolean): Promise<void> {
  const { options, result } = ctx;
  (await ctx.connect(implicitTls)).frameLiterals();
  const imap = new ImapChannel(ctx);

  // RFC 9051 §7.1: the greeting is an untagged OK (not authenticated), PREAUTH (authenticated) or BYE (go away).
  const greeting = await ctx.greeting(async (signal) => {
    const line = await imap.readResponse('greeting', signal, new ReplyBudget('greeting'));
    const parsed = parseImapLine(line);
    if (!('kind' in parsed) || parsed.kind !== 'untagged' || !parsed.status || parsed.status === 'NO' || parsed.status === 'BAD') {
      throw new MaildoctorError('PROTOCOL_ERROR', 'greeting', `Not an IMAP greeting: ${printable(line)}`, { text: printable(line) });
    }
    return parsed;
  });
  result.greeting = evidence(greeting);
  if (greeting.status === 'BYE') {
    throw new MaildoctorError('GREETING_REJECTED', 'greeting', `The server refused the session: * BYE ${greeting.text}`, evidence(greeting));
  }
  const preauth = greeting.status === 'PREAUTH';
  const policy = implicitTls ? undefined : (options.starttls ?? 'optional');
  if (preauth) {
    ctx.transcript.note('PREAUTH: the server authenticated this connection by external means; no login is needed');
    // RFC 9051 §6.2.1: STARTTLS is a not-authenticated-state command; after PREAUTH there is no such state, so
    // a client that requires TLS must drop a PREAUTH session on a cleartext connection (RFC 9051 §7.1.4).
    if (policy === 'required') {
      throw new MaildoctorError('STARTTLS_UNAVAILABLE', 'starttls', 'The server pre-authenticated a cleartext session (PREAUTH): STARTTLS is no longer possible', evidence(greeting));
    }
  }

  await ctx.converse(
    async () => {
      // RFC 9051 §7.1: capabilities in the greeting's response code spare a round trip.
      const greeted = capabilityList(greeting.responseCode);
      if (greeted) applyCapabilities(ctx, greeted);
      else await askCapabilities(ctx, imap);

      if (policy === 'never') ctx.skip('starttls', 'STARTTLS policy is never');
      else if (policy && preauth) ctx.skip('starttls', 'PREAUTH session: STARTTLS is not allowed in the authenticated state');
      else if (policy) await startTls(ctx, imap, policy);

      if (preauth) {
        const auth = (result.auth ??= { mechanisms: [], attempted: false });
        auth.skipped = 'the server pre-authenticated the session (PREAUTH)';
        await mailboxStatus(ctx, imap);
      } else {
        await ctx.logIn(() => authenticate(ctx, imap), () => mailboxStatus(ctx, imap));
      }
    },
    (signal) => imap.send('quit', 'LOGOUT', signal),
  );
}

/** STARTTLS per policy (RFC 9051 §6.2.1, RFC 2595 §3.1). */
async function startTls(ctx: ProbeContext, imap: ImapChannel, policy: 'required' | 'optional'): Promise<void> {
  const { result } = ctx;
  if (!result.capabilities.includes('STARTTLS')) {
    if (policy === 'required') throw new MaildoctorError('STARTTLS_UNAVAILABLE', 'starttls', 'The server does not advertise STARTTLS');
    ctx.skip('starttls', 'STARTTLS not advertised by the server');
    return;
  }
  const reply = await imap.command('starttls', 'STARTTLS');
  if (reply.tagged.status === 'OK') {
    await ctx.startTls('starttls');
    // RFC 9051 §6.2.1 / RFC 2595 §3.1: capabilities learnt before TLS (even ones in the STARTTLS reply itself,
    // which came in plaintext) are discarded, and the client MUST ask again.
    result.auth = undefined;
    await askCapabilities(ctx, imap);
  } else if (policy === 'required') {
    throw new MaildoctorError('STARTTLS_REFUSED', 'starttls', `STARTTLS refused: ${statusText(reply.tagged)}`, evidence(reply.tagged));
  } else {
    result.warnings.push({ code: 'STARTTLS_REFUSED', phase: 'starttls', message: `STARTTLS advertised but refused: ${statusText(reply.tagged)}` });
  }
}

/** Counts what one command's responses cost, against the same caps as every other multi-line reply. */
class ReplyBudget {
  #bytes = 0;
  #lines = 0;
  constructor(readonly phase: string) {}

  line(length: number): void {
    this.#lines++;
    this.spend(length + 2);
  }

  spend(bytes: number): void {
    this.#bytes += bytes;
    if (this.#bytes > MAX_REPLY_BYTES || this.#lines > MAX_REPLY_LINES) {
      throw new MaildoctorError('REPLY_TOO_LARGE', this.phase, `Reply exceeds ${MAX_REPLY_LINES} lines or ${MAX_REPLY_BYTES} bytes`);
    }
  }
}

/**
 * Tags, and the reading of responses: one logical response line at a time with its literals folded in, then
 * untagged responses collected until the tagged completion of the current command (RFC 9051 §2.2.2).
 */
class ImapChannel {
  #tag = 0;
  constructor(private readonly ctx: ProbeContext) {}

  /**
   * Send one command and collect its answer within one phase. `shown` replaces the command text in the
   * transcript (secrets); `onContinuation` answers `+` requests (AUTHENTICATE), which are otherwise an error.
   */
  command(phase: string, text: string, opts: CommandOptions = {}): Promise<Exchange> {
    return this.ctx.command(phase, (signal) => this.send(phase, text, signal, opts));
  }

  /** The same under the caller's signal (LOGOUT, under the goodbye cap). */
  send(phase: string, text: string, signal: AbortSignal, opts: CommandOptions = {}): Promise<Exchange> {
    const tag = `a${++this.#tag}`;
    this.ctx.session!.write(`${tag} ${text}`, opts.shown === undefined ? undefined : `${tag} ${opts.shown}`);
    return this.#collect(phase, tag, signal, opts.onContinuation);
  }

  async #collect(phase: string, tag: string, signal: AbortSignal, onContinuation?: (c: Continuation) => void): Promise<Exchange> {
    const budget = new ReplyBudget(phase);
    const untagged: Untagged[] = [];
    let bye: Untagged | undefined;
    for (;;) {
      let line: string;
      try {
        line = await this.readResponse(phase, signal, budget);
      } catch (err) {
        // RFC 9051 §7.1.5: BYE then close. The BYE explains the closed connection: keep it as the evidence.
        if (bye && err instanceof MaildoctorError && !err.reply) {
          throw new MaildoctorError(err.code, phase, `The server said BYE and closed the connection: ${bye.text}`, evidence(bye), { cause: err });
        }
        throw err;
      }
      const r = parseImapLine(line);
      if (!('kind' in r)) throw new MaildoctorError(r.code, phase, r.message);
      if (r.kind === 'untagged') {
        untagged.push(r);
        if (r.status === 'BYE') bye = r;
      } else if (r.kind === 'continuation') {
        if (!onContinuation) throw new MaildoctorError('PROTOCOL_ERROR', phase, `Unexpected continuation request: ${printable(line)}`);
        onContinuation(r);
      } else if (r.tag === tag) {
        return { tagged: r, untagged };
      } else {
        throw new MaildoctorError('PROTOCOL_ERROR', phase, `Tagged reply for ${printable(r.tag)} while waiting for ${tag}: ${printable(line)}`);
      }
    }
  }

  /**
   * One response line with its literals folded in. A line ending in `{n}` announces n raw bytes (RFC 9051
   * §4.3), after which the line goes on; each literal is folded as a quoted string so that the result is one
   * ordinary line for `parseImapLine`. Literal sizes count against the reply caps before they are read.
   */
  async readResponse(phase: string, signal: AbortSignal, budget: ReplyBudget): Promise<string> {
    const session = this.ctx.session!;
    let line = await session.readLine(phase, signal);
    budget.line(line.length);
    for (let size = imapLiteralSize(line); size !== undefined; size = imapLiteralSize(line)) {
      budget.spend(size);
      const literal = (await session.readBytes(size, phase, signal)).toString('latin1');
      session.transcript.add('S', `{literal, ${size} bytes} ${printable(session.transcript.scrub(literal))}`);
      const rest = await session.readLine(phase, signal);
      budget.line(rest.length);
      line = `${line.slice(0, line.lastIndexOf('{'))}${quoted(literal)}${rest}`;
    }
    return line;
  }
}

/**
 * RFC 9051 §4.3: a quoted string escapes only `"` and `\`. Used for LOGIN's arguments (CR, LF and NUL were
 * refused before dialling) and, internally, to fold a literal into a line for parsing (never sent).
 */
export function quoted(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** `CAPABILITY IMAP4rev1 STARTTLS …` (a response code or an untagged response's text) to upper-case names. */
function capabilityList(text: string | undefined): string[] | undefined {
  const m = /^CAPABILITY(?:\s+(.*))?$/i.exec(text?.trim() ?? '');
  if (!m) return undefined;
  return [...new Set((m[1] ?? '').split(/\s+/).filter(Boolean).map((c) => c.toUpperCase()))];
}

function applyCapabilities(ctx: ProbeContext, capabilities: string[]): void {
  ctx.result.capabilities = capabilities;
  // RFC 9051 §6.2.2: each SASL mechanism is advertised as AUTH=<name>.
  const mechanisms = capabilities.filter((c) => c.startsWith('AUTH=')).map((c) => c.slice('AUTH='.length));
  ctx.result.auth = { ...(ctx.result.auth ?? { attempted: false }), mechanisms };
}

async function askCapabilities(ctx: ProbeContext, imap: ImapChannel): Promise<void> {
  const reply = await imap.command('capabilities', 'CAPABILITY');
  if (reply.tagged.status !== 'OK') {
    throw new MaildoctorError('COMMAND_REJECTED', 'capabilities', `CAPABILITY refused: ${statusText(reply.tagged)}`, evidence(reply.tagged));
  }
  const list = reply.untagged.map((u) => capabilityList(u.text)).find(Boolean) ?? capabilityList(reply.tagged.responseCode);
  if (!list) throw new MaildoctorError('PROTOCOL_ERROR', 'capabilities', 'CAPABILITY completed without a CAPABILITY response', evidence(reply.tagged));
  applyCapabilities(ctx, list);
}

async function authenticate(ctx: ProbeContext, imap: ImapChannel): Promise<void> {
  const { result, options } = ctx;
  const creds = options.credentials!;
  const auth = (result.auth ??= { mechanisms: [], attempted: false });
  const plaintext = result.security === 'plain';
  const oauth = isOAuth(creds) ? chooseOAuthMechanism(auth.mechanisms) : undefined;
  if (isOAuth(creds) && !oauth) {
    auth.skipped = `no OAuth2 mechanism (OAUTHBEARER, XOAUTH2) among ${auth.mechanisms.join(' ') || 'the advertised ones (none)'}`;
    throw new MaildoctorError('AUTH_UNAVAILABLE', 'auth', auth.skipped);
  }
  const canPlain = auth.mechanisms.includes('PLAIN');
  // RFC 9051 §6.2.3 / RFC 2595 §3.2: LOGINDISABLED forbids LOGIN; the server has said it wants TLS first.
  const loginDisabled = result.capabilities.includes('LOGINDISABLED');
  if (!oauth && !canPlain && loginDisabled) {
    auth.skipped = 'the server advertises LOGINDISABLED and no AUTH=PLAIN';
    if (plaintext) {
      throw new MaildoctorError('AUTH_ENCRYPTION_REQUIRED', 'auth', `The server refuses password login on an unencrypted connection (LOGINDISABLED)${result.capabilities.includes('STARTTLS') ? '; it offers STARTTLS' : ''}`);
    }
    throw new MaildoctorError('AUTH_UNAVAILABLE', 'auth', 'The server advertises LOGINDISABLED and no AUTH=PLAIN, even over TLS');
  }
  if (plaintext && !options.allowPlaintextAuth) {
    auth.skipped = 'refused to send credentials over an unencrypted connection';
    throw new MaildoctorError('AUTH_PLAINTEXT_REFUSED', 'auth', `Not sending the ${oauth ? 'token' : 'password'} over an unencrypted connection (the user did not allow it)`);
  }
  auth.attempted = true;
  let reply: Exchange;
  let cancelled = false;
  if (oauth || canPlain) {
    const mechanism = oauth ?? 'PLAIN';
    auth.mechanism = mechanism;
    const response = oauth && isOAuth(creds)
      ? oauthInitialResponse(oauth, creds, result.target.host, result.target.port)
      : // RFC 4616: authzid (empty) NUL authcid NUL passwd.
        Buffer.from(`\0${creds.user}\0${creds.password}`, 'utf8').toString('base64');
    // RFC 4959: with SASL-IR the response rides on the command; otherwise it follows the server's `+`.
    const initial = result.capabilities.includes('SASL-IR');
    let answered = initial;
    let errorAnswered = false;
    reply = await imap.command('auth', initial ? `AUTHENTICATE ${mechanism} ${response}` : `AUTHENTICATE ${mechanism}`, {
      shown: initial ? redacted(`AUTHENTICATE ${mechanism}`) : undefined,
      onContinuation: (c) => {
        if (!answered) {
          answered = true;
          ctx.session!.write(response, REDACTED);
        } else if (oauth && !errorAnswered) {
          // RFC 7628 §3.2.2-3: the refused token's error challenge, answered with the dummy reply; NO follows.
          errorAnswered = true;
          auth.oauthError = decodeOAuthChallenge(c.text);
          ctx.session!.write(oauthDummyResponse(oauth));
        } else {
          // PLAIN has one step (and OAuth2 two at most): a further challenge is not the mechanism. RFC 9051 §6.2.2: "*" cancels.
          cancelled = true;
          ctx.session!.write('*');
        }
      },
    });
  } else {
    auth.mechanism = 'LOGIN';
    reply = await imap.command('auth', `LOGIN ${quoted(creds.user)} ${quoted(creds.password!)}`, { shown: redacted(`LOGIN ${quoted(creds.user)}`) });
  }
  // A successful login's OK may carry post-login [CAPABILITY …]: not kept, `capabilities` describes the
  // session a client meets before logging in.
  auth.reply = evidence(reply.tagged);
  if (reply.tagged.status === 'OK' && !cancelled) {
    auth.ok = true;
    return;
  }
  auth.ok = false;
  if (cancelled) throw new MaildoctorError('PROTOCOL_ERROR', 'auth', `The server sent an unexpected further challenge during AUTHENTICATE ${auth.mechanism}`, evidence(reply.tagged));
  throw new MaildoctorError(authFailureCode(reply.tagged, plaintext), 'auth', `Authentication refused: ${statusText(reply.tagged)}`, evidence(reply.tagged));
}

/** RFC 5530 response codes first; a bare NO is read as refused credentials, a BAD as a refused command. */
export function authFailureCode(tagged: Tagged, plaintext: boolean): ErrorCode {
  const code = tagged.responseCode?.split(/\s/)[0]?.toUpperCase();
  switch (code) {
    case 'AUTHENTICATIONFAILED':
    case 'AUTHORIZATIONFAILED':
    case 'EXPIRED':
    case 'CONTACTADMIN':
      return 'AUTH_FAILED';
    case 'UNAVAILABLE':
      return 'AUTH_TEMP_FAILURE';
    case 'PRIVACYREQUIRED':
      return 'AUTH_ENCRYPTION_REQUIRED';
    default:
      if (tagged.status === 'BAD') return 'COMMAND_REJECTED';
      // Servers without RFC 5530 codes say it in words ("Plaintext authentication disallowed…").
      return plaintext && /plaintext|ssl|tls|encrypt/i.test(tagged.text) ? 'AUTH_ENCRYPTION_REQUIRED' : 'AUTH_FAILED';
  }
}

/** RFC 9051 §6.3.11: STATUS reports on a mailbox without selecting it; MESSAGES is the message count. */
async function mailboxStatus(ctx: ProbeContext, imap: ImapChannel): Promise<void> {
  const reply = await imap.command('mailbox', 'STATUS INBOX (MESSAGES)');
  if (reply.tagged.status !== 'OK') {
    throw new MaildoctorError('COMMAND_REJECTED', 'mailbox', `STATUS INBOX refused: ${statusText(reply.tagged)}`, evidence(reply.tagged));
  }
  // `* STATUS INBOX (MESSAGES 3)`; the mailbox name may be quoted or a (folded) literal, so read the last list.
  const counts = reply.untagged
    .filter((u) => /^STATUS\s/i.test(u.text))
    .map((u) => /\(([^()]*)\)\s*$/.exec(u.text)?.[1])
    .map((list) => (list === undefined ? undefined : /(?:^|\s)MESSAGES\s+(\d+)(?:\s|$)/i.exec(list)?.[1]))
    .filter((n): n is string => n !== undefined);
  if (counts.length === 0) {
    throw new MaildoctorError('PROTOCOL_ERROR', 'mailbox', 'STATUS completed without a STATUS response carrying MESSAGES', evidence(reply.tagged));
  }
  ctx.result.mailbox = { messages: Number(counts[0]) };
}

function statusText(r: Tagged | Untagged): string {
  return `${r.status ?? ''} ${r.responseCode ? `[${r.responseCode}] ` : ''}${r.text}`.trim();
}

export function evidence(r: Tagged | Untagged): ReplyEvidence {
  return { ...(r.status ? { status: r.status } : {}), ...(r.responseCode ? { responseCode: r.responseCode } : {}), text: r.text };
}
