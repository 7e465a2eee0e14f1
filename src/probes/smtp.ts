import { createHmac } from 'node:crypto';
import type { ErrorCode } from '../lib/codes.js';
import { MaildoctorError } from '../lib/errors.js';
import { greetingDomain, SmtpReplyAssembler, type SmtpReply } from '../lib/lines.js';
import { chooseOAuthMechanism, decodeOAuthChallenge, isOAuth, oauthDummyResponse, oauthInitialResponse } from '../lib/oauth.js';
import { probeError, runProbe, type ProbeContext } from '../lib/probe.js';
import { redacted } from '../lib/transcript.js';
import type { ProbeError, ProbeOptions, ProbeResult, ProbeTarget, ReplyEvidence } from '../lib/types.js';

/** RFC 2606 reserves .invalid: our EHLO name claims no real host. */
export const DEFAULT_HELO_NAME = 'maildoctor.invalid';
/** Mechanisms we can speak, in order of preference (over TLS, PLAIN is as safe as any and one round trip). */
const MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5'] as const;

/**
 * SMTP on a plaintext port (25, 587): greeting, EHLO (HELO fallback), STARTTLS per policy, EHLO again,
 * AUTH when credentials are given, the relay test when asked (MAIL FROM, RCPT TO, RSET), QUIT. Never DATA.
 */
export function probeSmtp(target: ProbeTarget, options?: Partial<ProbeOptions>): Promise<ProbeResult> {
  return runProbe('smtp', target, options, (ctx) => smtpScript(ctx, false));
}

/** The script shared by `smtp` and `smtps` (RFC 8314 implicit TLS on 465). */
export async function smtpScript(ctx: ProbeContext, implicitTls: boolean): Promise<void> {
  const { result } = ctx;
  const session = await ctx.connect(implicitTls);
  const read = (phase: string, signal: AbortSignal): Promise<SmtpReply> => readSmtpReply(ctx, phase, signal);
  const send = async (phase: string, line: string, shown?: string): Promise<SmtpReply> =>
    ctx.command(phase, (signal) => {
      session.write(line, shown);
      return read(phase, signal);
    });

  // Greeting: multi-line allowed; a 4xx/5xx greeting is an answer (RFC 5321 §3.1: 554 means "go away").
  const greeting = await ctx.greeting((signal) => read('greeting', signal));
  result.greeting = evidence(greeting);
  const named = greetingDomain(greeting.lines[0]);
  if (named) result.greetingHost = named;
  // A refused greeting is an answer: the session is still usable, so it ends with QUIT too (RFC 5321 §3.1).
  await ctx.converse(
    async () => {
      if (greeting.code !== 220) {
        throw new MaildoctorError('GREETING_REJECTED', 'greeting', `The server refused the session: ${greeting.code} ${greeting.text}`, evidence(greeting));
      }
      await afterGreeting(ctx, send, implicitTls);
    },
    (signal) => {
      session.write('QUIT');
      return read('quit', signal);
    },
  );
}

/** Everything after a 220 greeting: EHLO, STARTTLS per policy, AUTH, relay test, and the test message if asked. */
async function afterGreeting(ctx: ProbeContext, send: Send, implicitTls: boolean): Promise<void> {
  const { options, result } = ctx;
  const heloName = options.heloName ?? DEFAULT_HELO_NAME;
  await hello(ctx, send, heloName);

  if (!implicitTls) {
    const policy = options.starttls ?? 'optional';
    if (policy === 'never') {
      ctx.skip('starttls', 'STARTTLS policy is never');
    } else if (!result.capabilities.includes('STARTTLS')) {
      if (policy === 'required') throw new MaildoctorError('STARTTLS_UNAVAILABLE', 'starttls', 'The server does not advertise STARTTLS');
      ctx.skip('starttls', 'not advertised by the server');
    } else {
      const reply = await send('starttls', 'STARTTLS');
      if (reply.code === 220) {
        await ctx.startTls('starttls');
        // RFC 3207 §4.2: forget everything learnt before TLS and ask again.
        await hello(ctx, send, heloName);
      } else if (policy === 'required') {
        throw new MaildoctorError('STARTTLS_REFUSED', 'starttls', `STARTTLS refused: ${reply.code} ${reply.text}`, evidence(reply));
      } else {
        result.warnings.push({ code: 'STARTTLS_REFUSED', phase: 'starttls', message: `STARTTLS advertised but refused: ${reply.code} ${reply.text}` });
      }
    }
  }

  // Issue 13: with `beforeAuth`, the relay test without AUTH first, in this same session; a server that ended
  // the session there gets no AUTH in it (the check asks in a second session).
  if (options.credentials && options.relayTest?.beforeAuth && !(await relayTestBeforeAuth(ctx, send))) return;
  const authenticated = (await ctx.logIn(() => authenticate(ctx, send))) ?? false;
  // A withdrawn login leaves nothing to ask: the relay test without AUTH was the one before it.
  if (ctx.loginWithdrawn) return;
  if (options.relayTest) await relayTest(ctx, send, authenticated);
  if (options.sendTest) await sendTestMessage(ctx, send, options.sendTest);
}

type Send = (phase: string, line: string, shown?: string) => Promise<SmtpReply>;

async function hello(ctx: ProbeContext, send: Send, heloName: string): Promise<void> {
  const { result } = ctx;
  let reply = await send('ehlo', `EHLO ${heloName}`);
  if (reply.code >= 500 && reply.code <= 502) {
    // RFC 5321 §3.2: a server that does not know EHLO gets HELO; it then has no extensions.
    reply = await send('helo', `HELO ${heloName}`);
    if (reply.code !== 250) throw new MaildoctorError('COMMAND_REJECTED', 'helo', `HELO refused: ${reply.code} ${reply.text}`, evidence(reply));
    result.capabilities = [];
    return;
  }
  if (reply.code !== 250) throw new MaildoctorError('COMMAND_REJECTED', 'ehlo', `EHLO refused: ${reply.code} ${reply.text}`, evidence(reply));
  const capabilities: string[] = [];
  const mechanisms = new Set<string>();
  for (const line of reply.lines.slice(1)) {
    const [keyword = '', ...params] = line.trim().split(/[\s=]+/);
    const kw = keyword.toUpperCase();
    if (!kw) continue;
    if (!capabilities.includes(kw)) capabilities.push(kw);
    if (kw === 'AUTH') params.forEach((p) => mechanisms.add(p.toUpperCase()));
    if (kw === 'SIZE' && params[0] && /^\d+$/.test(params[0])) result.sizeLimit = Number(params[0]);
  }
  result.capabilities = capabilities;
  if (mechanisms.size > 0 || result.auth) {
    result.auth = { ...(result.auth ?? { attempted: false }), mechanisms: [...mechanisms] };
  }
}

async function authenticate(ctx: ProbeContext, send: Send): Promise<boolean> {
  const { result, options } = ctx;
  const creds = options.credentials!;
  const auth = (result.auth ??= { mechanisms: [], attempted: false });
  const oauth = isOAuth(creds);
  if (result.security === 'plain' && !options.allowPlaintextAuth) {
    auth.skipped = 'refused to send credentials over an unencrypted connection';
    throw new MaildoctorError('AUTH_PLAINTEXT_REFUSED', 'auth', `Not sending the ${oauth ? 'token' : 'password'} over an unencrypted connection (the user did not allow it)`);
  }
  const mechanism = oauth ? chooseOAuthMechanism(auth.mechanisms) : MECHANISMS.find((m) => auth.mechanisms.includes(m));
  if (!mechanism) {
    const none = oauth ? 'no OAuth2 mechanism (OAUTHBEARER, XOAUTH2)' : 'no supported mechanism';
    auth.skipped = auth.mechanisms.length ? `${none} among ${auth.mechanisms.join(' ')}` : 'the server advertises no AUTH';
    throw new MaildoctorError('AUTH_UNAVAILABLE', 'auth', auth.skipped);
  }
  auth.attempted = true;
  auth.mechanism = mechanism;
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  let reply: SmtpReply;
  if (isOAuth(creds)) {
    const m = mechanism as 'OAUTHBEARER' | 'XOAUTH2';
    reply = await send('auth', `AUTH ${m} ${oauthInitialResponse(m, creds, ctx.result.target.host, ctx.result.target.port)}`, redacted(`AUTH ${m}`));
    if (reply.code === 334) {
      // RFC 7628 §3.2.2-3: a refused token comes back as an error challenge; the dummy reply gets the 535.
      auth.oauthError = decodeOAuthChallenge(reply.text);
      reply = await send('auth', oauthDummyResponse(m));
    }
  } else if (mechanism === 'PLAIN') {
    // RFC 4616: authzid NUL authcid NUL passwd, sent as the initial response (RFC 4954 §4).
    reply = await send('auth', `AUTH PLAIN ${b64(`\0${creds.user}\0${creds.password}`)}`, redacted('AUTH PLAIN'));
  } else if (mechanism === 'LOGIN') {
    reply = await send('auth', 'AUTH LOGIN');
    if (reply.code === 334) reply = await send('auth', b64(creds.user), redacted(''));
    if (reply.code === 334) reply = await send('auth', b64(creds.password), redacted(''));
  } else {
    // RFC 2195: the response is "user HMAC-MD5(password, challenge)" in hex, base64-encoded.
    reply = await send('auth', 'AUTH CRAM-MD5');
    if (reply.code === 334) {
      const challenge = Buffer.from(reply.text, 'base64').toString('latin1');
      const digest = createHmac('md5', creds.password).update(challenge, 'latin1').digest('hex');
      reply = await send('auth', b64(`${creds.user} ${digest}`), redacted(''));
    }
  }
  auth.reply = evidence(reply);
  if (reply.code === 235) {
    auth.ok = true;
    return true;
  }
  auth.ok = false;
  throw new MaildoctorError(authFailureCode(reply), 'auth', `Authentication refused: ${reply.code} ${reply.enhanced ?? ''} ${reply.text}`.replace(/\s+/g, ' '), evidence(reply));
}

/** RFC 4954 §6 and RFC 3463: tell the reasons apart by code, then enhanced code. */
export function authFailureCode(reply: SmtpReply): ErrorCode {
  switch (reply.code) {
    case 535:
      return 'AUTH_FAILED';
    case 534:
      return 'AUTH_MECHANISM_TOO_WEAK';
    case 538:
      return 'AUTH_ENCRYPTION_REQUIRED';
    case 454:
      return 'AUTH_TEMP_FAILURE';
    case 530:
      // 530 5.7.0 "Must issue a STARTTLS command first" vs 530 5.7.0 "Authentication required".
      return /starttls|tls|encrypt/i.test(reply.text) || reply.enhanced === '5.7.11' ? 'AUTH_ENCRYPTION_REQUIRED' : 'AUTH_REQUIRED';
    default:
      return reply.code >= 400 && reply.code < 500 ? 'AUTH_TEMP_FAILURE' : 'AUTH_FAILED';
  }
}

/**
 * The relay test: would this server take mail for an outside domain from this client? MAIL FROM the user's
 * address, RCPT TO an external address, then RSET, so no message is ever started (never DATA).
 */
async function relayTest(ctx: ProbeContext, send: Send, authenticated: boolean): Promise<void> {
  const { from, to } = ctx.options.relayTest!;
  const relay = (ctx.result.relay = { from, to, authenticated, accepted: false } as NonNullable<ProbeResult['relay']>);
  const mail = await send('relay', `MAIL FROM:<${from}>`);
  relay.mailFrom = evidence(mail);
  if (mail.code !== 250) {
    await reset(send);
    const code: ErrorCode = mail.code === 530 ? 'AUTH_REQUIRED' : mail.code >= 400 && mail.code < 500 ? 'RELAY_TEMP_FAILURE' : 'SENDER_REJECTED';
    throw new MaildoctorError(code, 'relay', `MAIL FROM refused: ${mail.code} ${mail.text}`, evidence(mail));
  }
  const rcpt = await send('relay', `RCPT TO:<${to}>`);
  relay.rcptTo = evidence(rcpt);
  relay.accepted = rcpt.code === 250 || rcpt.code === 251;
  await reset(send);
  if (relay.accepted) return;
  const code: ErrorCode = rcpt.code === 530 ? 'AUTH_REQUIRED' : rcpt.code >= 400 && rcpt.code < 500 ? 'RELAY_TEMP_FAILURE' : 'RELAY_DENIED';
  throw new MaildoctorError(code, 'relay', `RCPT TO an external address refused: ${rcpt.code} ${rcpt.enhanced ?? ''} ${rcpt.text}`.replace(/\s+/g, ' '), evidence(rcpt));
}

/**
 * The relay test without AUTH in the session that logs in next (issue 13: one session per server port): its
 * verdict, a refusal included, goes to `relayBeforeAuth` and the session goes on to AUTH after the RSET. A
 * failure that is not a server's answer (a timeout, a hang-up) ends the probe as it would have ended a probe
 * without credentials. Returns false when the server ended the session (it closed, or said 421: RFC 5321
 * §3.8), so that AUTH is asked in another session instead of read as failed.
 */
async function relayTestBeforeAuth(ctx: ProbeContext, send: Send): Promise<boolean> {
  const { result } = ctx;
  const codes: number[] = [];
  const watched: Send = async (phase, line, shown) => {
    const reply = await send(phase, line, shown);
    codes.push(reply.code);
    return reply;
  };
  let error: ProbeError | undefined;
  let fatal: unknown;
  try {
    await relayTest(ctx, watched, false);
  } catch (err) {
    if (!(err instanceof MaildoctorError)) throw err;
    error = probeError(err);
    if (!err.reply) fatal = err;
  }
  const ended = fatal === undefined && (codes.includes(421) || ctx.session!.ended);
  const { relay } = result;
  delete result.relay;
  result.relayBeforeAuth = {
    ...(relay ?? { from: ctx.options.relayTest!.from, to: ctx.options.relayTest!.to, authenticated: false, accepted: false }),
    endMs: ctx.elapsedMs(),
    ...(error ? { error } : {}),
    ...(ended ? { sessionEnded: true } : {}),
  };
  if (fatal) throw fatal;
  if (ended) ctx.transcript.note('the server ended the session after the relay test without AUTH: AUTH is asked in a second session');
  return !ended;
}

/** Only on the user's explicit request (`--send-test`): one short, real message. */
async function sendTestMessage(ctx: ProbeContext, send: Send, { from, to }: { from: string; to: string }): Promise<void> {
  const fail = (reply: SmtpReply, what: string): MaildoctorError =>
    new MaildoctorError(reply.code >= 400 && reply.code < 500 ? 'RELAY_TEMP_FAILURE' : 'RELAY_DENIED', 'send', `${what} refused: ${reply.code} ${reply.text}`, evidence(reply));
  const mail = await send('send', `MAIL FROM:<${from}>`);
  if (mail.code !== 250) throw fail(mail, 'MAIL FROM');
  const rcpt = await send('send', `RCPT TO:<${to}>`);
  if (rcpt.code !== 250 && rcpt.code !== 251) throw fail(rcpt, 'RCPT TO');
  const data = await send('send', 'DATA');
  if (data.code !== 354) throw fail(data, 'DATA');
  const date = new Date().toUTCString().replace('GMT', '+0000');
  const id = `<${Date.now().toString(36)}.${Math.random().toString(36).slice(2)}@maildoctor.invalid>`;
  const body = [
    `From: <${from}>`,
    `To: <${to}>`,
    `Subject: maildoctor test message`,
    `Date: ${date}`,
    `Message-ID: ${id}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `This is a test message sent by maildoctor through ${ctx.result.target.host}:${ctx.result.target.port}, at the request of the sender.`,
  ];
  // RFC 5321 §4.5.2: lines starting with a dot are stuffed; the body above has none, but stay correct.
  for (const line of body) ctx.session!.write(line.startsWith('.') ? `.${line}` : line, line === '' ? '' : undefined);
  const done = await send('send', '.');
  ctx.result.sent = evidence(done);
  if (done.code !== 250) throw fail(done, 'the message');
}

async function reset(send: Send): Promise<void> {
  await send('reset', 'RSET').catch(() => undefined); // RSET is cleanup; its failure changes no verdict
}

async function readSmtpReply(ctx: ProbeContext, phase: string, signal: AbortSignal): Promise<SmtpReply> {
  const assembler = new SmtpReplyAssembler();
  for (;;) {
    const line = await ctx.session!.readLine(phase, signal);
    const { reply, error } = assembler.push(line);
    if (error) throw new MaildoctorError(error.code, phase, error.message);
    if (reply) return reply;
  }
}

export function evidence(reply: SmtpReply): ReplyEvidence {
  return { code: reply.code, ...(reply.enhanced ? { enhanced: reply.enhanced } : {}), text: reply.text };
}
