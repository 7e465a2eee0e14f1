import type { ErrorCode } from '../lib/codes.js';
import { MaildoctorError } from '../lib/errors.js';
import { Pop3MultilineAssembler, parsePop3Status, type Pop3Status } from '../lib/lines.js';
import { chooseOAuthMechanism, decodeOAuthChallenge, isOAuth, oauthDummyResponse, oauthInitialResponse, type OAuthMechanism } from '../lib/oauth.js';
import { runProbe, type ProbeContext } from '../lib/probe.js';
import { REDACTED, redacted } from '../lib/transcript.js';
import type { AuthOutcome, ProbeOptions, ProbeResult, ProbeTarget, ReplyEvidence } from '../lib/types.js';

/**
 * RFC 5034 §4 / RFC 2449 §4: a command line with its initial response must fit in 255 octets with its CRLF;
 * past that the client sends `AUTH PLAIN` alone and the response after the server's `+` continuation.
 */
const MAX_COMMAND_OCTETS = 255;

/**
 * POP3 on a plaintext port (110): greeting, CAPA, STLS per policy and CAPA again, login when credentials are
 * given (SASL PLAIN, else USER/PASS), STAT, QUIT. Nothing is retrieved or deleted.
 */
export async function probePop3(target: ProbeTarget, options?: Partial<ProbeOptions>): Promise<ProbeResult> {
  return runProbe('pop3', target, options, (ctx) => pop3Script(ctx, false));
}

/** The script shared by `pop3` and `pop3s` (RFC 8314 implicit TLS on 995). */
export async function pop3Script(ctx: ProbeContext, implicitTls: boolean): Promise<void> {
  const { result } = ctx;
  const session = await ctx.connect(implicitTls);
  const read = (phase: string, signal: AbortSignal): Promise<Pop3Status> => readStatus(ctx, phase, signal);
  const send: Send = (phase, line, shown) =>
    ctx.command(phase, (signal) => {
      session.write(line, shown);
      return read(phase, signal);
    });

  // RFC 1939 §4: "+OK" opens the AUTHORIZATION state; "-ERR" is the server refusing this client.
  const greeting = await ctx.greeting((signal) => read('greeting', signal));
  result.greeting = evidence(greeting);
  if (!greeting.ok) {
    throw new MaildoctorError('GREETING_REJECTED', 'greeting', `The server refused the session: -ERR ${greeting.text}`, evidence(greeting));
  }

  await ctx.converse(
    async () => {
      let capaKnown = await capabilities(ctx);
      if (!implicitTls) capaKnown = await startTls(ctx, send, capaKnown);
      await ctx.logIn(() => authenticate(ctx, send, capaKnown), () => stat(ctx, send));
    },
    (signal) => {
      session.write('QUIT');
      return read('quit', signal);
    },
  );
}

type Send = (phase: string, line: string, shown?: string) => Promise<Pop3Status>;

/** STLS per policy (RFC 2595 §4). Returns whether capabilities are known afterwards. */
async function startTls(ctx: ProbeContext, send: Send, capaKnown: boolean): Promise<boolean> {
  const { options, result } = ctx;
  const policy = options.starttls ?? 'optional';
  if (policy === 'never') {
    ctx.skip('starttls', 'STARTTLS policy is never');
    return capaKnown;
  }
  if (capaKnown && !result.capabilities.includes('STLS')) {
    if (policy === 'required') throw new MaildoctorError('STARTTLS_UNAVAILABLE', 'starttls', 'The server does not advertise STLS');
    ctx.skip('starttls', 'STLS not advertised by the server');
    return capaKnown;
  }
  // Without CAPA the server's extensions are unknown (RFC 2449 §5): asking STLS is the only way to know.
  const reply = await send('starttls', 'STLS');
  if (reply.ok) {
    await ctx.startTls('starttls');
    // RFC 2595 §4: the client MUST discard capabilities learnt before TLS and ask again.
    result.auth = undefined;
    return capabilities(ctx);
  }
  if (!capaKnown) {
    if (policy === 'required') {
      throw new MaildoctorError('STARTTLS_UNAVAILABLE', 'starttls', `The server has no CAPA and refused STLS: -ERR ${reply.text}`, evidence(reply));
    }
    ctx.skip('starttls', `the server has no CAPA and refused STLS: -ERR ${reply.text}`);
  } else if (policy === 'required') {
    throw new MaildoctorError('STARTTLS_REFUSED', 'starttls', `STLS refused: -ERR ${reply.text}`, evidence(reply));
  } else {
    result.warnings.push({ code: 'STARTTLS_REFUSED', phase: 'starttls', message: `STLS advertised but refused: -ERR ${reply.text}` });
  }
  return capaKnown;
}

/**
 * CAPA (RFC 2449 §5). Returns whether the server answered it: an RFC 1939-only server says -ERR, which is
 * recorded as a warning and leaves the capabilities empty (unknown, not "none").
 */
async function capabilities(ctx: ProbeContext): Promise<boolean> {
  const { result } = ctx;
  // The one multi-line command of this probe: status and body are read within the same phase cap.
  const status = await ctx.command('capabilities', async (signal) => {
    ctx.session!.write('CAPA');
    const reply = await readStatus(ctx, 'capabilities', signal);
    return reply.ok ? { reply, lines: await readMultiline(ctx, 'capabilities', signal) } : { reply };
  });
  if (!status.lines) {
    result.capabilities = [];
    result.auth = { ...(result.auth ?? { attempted: false }), mechanisms: [] };
    result.warnings.push({
      code: 'COMMAND_REJECTED',
      phase: 'capabilities',
      message: `The server does not support CAPA (RFC 2449): -ERR ${status.reply.text}; its capabilities are unknown`,
    });
    return false;
  }
  const capabilities: string[] = [];
  const mechanisms: string[] = [];
  for (const line of status.lines) {
    const [keyword = '', ...params] = line.trim().split(/\s+/);
    const kw = keyword.toUpperCase();
    if (!kw) continue;
    if (!capabilities.includes(kw)) capabilities.push(kw);
    if (kw === 'SASL') for (const p of params) if (p && !mechanisms.includes(p.toUpperCase())) mechanisms.push(p.toUpperCase());
  }
  // USER/PASS is not SASL, but it is how most POP3 logins happen: listed so the report sees it (RFC 2449 §6.2).
  if (capabilities.includes('USER')) mechanisms.push('USER');
  result.capabilities = capabilities;
  result.auth = { ...(result.auth ?? { attempted: false }), mechanisms };
  return true;
}

async function authenticate(ctx: ProbeContext, send: Send, capaKnown: boolean): Promise<void> {
  const { result, options } = ctx;
  const creds = options.credentials!;
  const auth = (result.auth ??= { mechanisms: [], attempted: false });
  const plain = result.security === 'plain';
  const oauth = isOAuth(creds);
  const mechanism = oauth
    ? chooseOAuthMechanism(auth.mechanisms)
    : auth.mechanisms.includes('PLAIN') ? 'PLAIN' : auth.mechanisms.includes('USER') || !capaKnown ? 'USER' : undefined;
  if (!mechanism && !oauth && plain && result.capabilities.includes('STLS')) {
    // Dovecot's disable_plaintext_auth: before TLS, CAPA lists neither USER nor a password mechanism.
    auth.skipped = 'the server offers no password login before TLS';
    throw new MaildoctorError('AUTH_ENCRYPTION_REQUIRED', 'auth', 'The server offers no password login on an unencrypted connection (it advertises STLS)');
  }
  if (plain && !options.allowPlaintextAuth) {
    auth.skipped = 'refused to send credentials over an unencrypted connection';
    throw new MaildoctorError('AUTH_PLAINTEXT_REFUSED', 'auth', `Not sending the ${oauth ? 'token' : 'password'} over an unencrypted connection (the user did not allow it)`);
  }
  if (!mechanism) {
    const none = oauth ? 'no OAuth2 mechanism (OAUTHBEARER, XOAUTH2)' : 'no supported mechanism';
    auth.skipped = auth.mechanisms.length ? `${none} among ${auth.mechanisms.join(' ')}` : oauth ? 'the server advertises no SASL mechanism' : 'the server advertises neither USER nor SASL PLAIN';
    throw new MaildoctorError('AUTH_UNAVAILABLE', 'auth', auth.skipped);
  }
  auth.attempted = true;
  auth.mechanism = mechanism;
  let reply: Pop3Status;
  if (isOAuth(creds)) {
    const m = mechanism as OAuthMechanism;
    const response = oauthInitialResponse(m, creds, result.target.host, result.target.port);
    reply = await ctx.command('auth', (signal) => saslAuth(ctx, m, response, signal, auth));
  } else if (mechanism === 'PLAIN') {
    // RFC 4616: authzid (empty) NUL authcid NUL passwd.
    const response = Buffer.from(`\0${creds.user}\0${creds.password}`, 'utf8').toString('base64');
    reply = await ctx.command('auth', (signal) => saslAuth(ctx, 'PLAIN', response, signal, auth));
  } else {
    // RFC 1939 §7: USER then PASS. Without CAPA (no USER advertised) this is the one mechanism left to try.
    reply = await send('auth', `USER ${creds.user}`);
    if (reply.ok) reply = await send('auth', `PASS ${creds.password}`, redacted('PASS'));
  }
  auth.reply = evidence(reply);
  if (reply.ok) {
    auth.ok = true;
    return;
  }
  auth.ok = false;
  throw new MaildoctorError(authFailureCode(reply, plain), 'auth', `Authentication refused: -ERR ${reply.responseCode ? `[${reply.responseCode}] ` : ''}${reply.text}`, evidence(reply));
}

/**
 * RFC 5034 AUTH with one client message (PLAIN, or an OAuth2 token): the initial response on the command line
 * when it fits, else after `+`. OAuth2 (RFC 7628 §3.2.2-3): a refused token comes back as an error challenge,
 * answered with the dummy reply, and then -ERR.
 */
async function saslAuth(ctx: ProbeContext, mechanism: 'PLAIN' | OAuthMechanism, response: string, signal: AbortSignal, auth: AuthOutcome): Promise<Pop3Status> {
  const session = ctx.session!;
  // Base64 is ASCII: its length in characters is its length in octets.
  const fits = `AUTH ${mechanism} ${response}\r\n`.length <= MAX_COMMAND_OCTETS;
  if (fits) session.write(`AUTH ${mechanism} ${response}`, redacted(`AUTH ${mechanism}`));
  else session.write(`AUTH ${mechanism}`);
  let line = await session.readLine('auth', signal);
  if (isContinuation(line) && !fits) {
    session.write(response, REDACTED);
    line = await session.readLine('auth', signal);
  }
  if (isContinuation(line) && mechanism !== 'PLAIN') {
    auth.oauthError = decodeOAuthChallenge(line.slice(1));
    session.write(oauthDummyResponse(mechanism));
    line = await session.readLine('auth', signal);
  }
  if (isContinuation(line)) {
    // A further challenge is not the mechanism. RFC 5034 §4: "*" cancels the exchange.
    session.write('*');
    await session.readLine('auth', signal).catch(() => undefined);
    throw new MaildoctorError('PROTOCOL_ERROR', 'auth', `The server sent an unexpected challenge during AUTH ${mechanism}`);
  }
  return statusOf(line, 'auth');
}

/** RFC 5034 §4: a server challenge is "+" then a space and base64 (possibly empty). */
function isContinuation(line: string): boolean {
  return line === '+' || line.startsWith('+ ');
}

/**
 * Tell the reasons apart by RFC 2449 §8 / RFC 3206 response codes. Servers without RESP-CODES say only -ERR:
 * that is read as refused credentials, unless the session is plaintext and the text says encryption is
 * needed (Dovecot: "Plaintext authentication disallowed on non-secure (SSL/TLS) connections").
 */
export function authFailureCode(reply: Pop3Status, plaintext: boolean): ErrorCode {
  // RFC 3206 §4: SYS/TEMP is a transient server problem; RFC 2449 §8.1.2: IN-USE, the maildrop is locked.
  if (reply.responseCode === 'SYS/TEMP' || reply.responseCode === 'IN-USE') return 'AUTH_TEMP_FAILURE';
  // [AUTH] (RFC 3206 §5) and a bare -ERR both mean the credentials were not accepted.
  return plaintext && ENCRYPTION_WANTED.test(reply.text) ? 'AUTH_ENCRYPTION_REQUIRED' : 'AUTH_FAILED';
}

const ENCRYPTION_WANTED = /plaintext|ssl|tls|encrypt/i;

/** STAT (RFC 1939 §5): "+OK nn mm", the message count and the maildrop size in octets. */
async function stat(ctx: ProbeContext, send: Send): Promise<void> {
  const reply = await send('mailbox', 'STAT');
  if (!reply.ok) throw new MaildoctorError('COMMAND_REJECTED', 'mailbox', `STAT refused: -ERR ${reply.text}`, evidence(reply));
  const m = /^(\d+)\s+(\d+)(?:\s|$)/.exec(reply.text);
  if (!m) throw new MaildoctorError('PROTOCOL_ERROR', 'mailbox', `STAT answer is not "+OK count octets": ${reply.text}`, evidence(reply));
  ctx.result.mailbox = { messages: Number(m[1]), octets: Number(m[2]) };
}

async function readStatus(ctx: ProbeContext, phase: string, signal: AbortSignal): Promise<Pop3Status> {
  return statusOf(await ctx.session!.readLine(phase, signal), phase);
}

function statusOf(line: string, phase: string): Pop3Status {
  const parsed = parsePop3Status(line);
  if (!('ok' in parsed)) throw new MaildoctorError(parsed.code, phase, parsed.message);
  return parsed;
}

async function readMultiline(ctx: ProbeContext, phase: string, signal: AbortSignal): Promise<string[]> {
  const assembler = new Pop3MultilineAssembler();
  for (;;) {
    const { done, error } = assembler.push(await ctx.session!.readLine(phase, signal));
    if (error) throw new MaildoctorError(error.code, phase, error.message);
    if (done) return done;
  }
}

export function evidence(reply: Pop3Status): ReplyEvidence {
  return { status: reply.status, ...(reply.responseCode ? { responseCode: reply.responseCode } : {}), text: reply.text };
}
