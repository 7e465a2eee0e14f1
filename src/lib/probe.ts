import net from 'node:net';
import tls from 'node:tls';
import { Deadline, abortedReason, throwIfAborted } from './deadline.js';
import { dial } from './dial.js';
import type { ErrorCode } from './codes.js';
import { MaildoctorError } from './errors.js';
import { PhaseRecorder } from './phases.js';
import { assertSendableCredentials, validateTarget } from './probe-input.js';
import { LineSession } from './session.js';
import { CERT_EXPIRY_WARNING_DAYS, upgradeToTls } from './tls.js';
import { Redactor } from './redact.js';
import { REDACTED, Transcript } from './transcript.js';
import type { FamilyAttempt, PhaseTimeouts, ProbeError, ProbeOptions, ProbeRecord, ProbeResult, ProbeTarget, Protocol } from './types.js';

/** Whole-probe deadline: a probe that needs longer than this is reporting a problem, not waiting for one. */
export const PROBE_TIMEOUT_MS = 20_000;

/** Phase caps. Seconds, not minutes: a blocked port must not stall a check. */
export const DEFAULT_PHASE_TIMEOUTS: PhaseTimeouts = {
  resolve: 5_000, // system resolver; a dead resolver shows here
  connect: 5_000, // a filtered (DROP) port costs exactly this
  tls: 5_000, // handshake, implicit or after STARTTLS
  greeting: 8_000, // a silent server after connect (RFC 5321 §4.5.3.2.1 suggests 5 min; we diagnose, not deliver)
  command: 8_000, // each command's complete reply
};

/** QUIT/LOGOUT is a courtesy: a server slow to say goodbye must not cost a full command cap. */
export const GOODBYE_CAP_MS = 2_000;

/** Errors a probe raises itself, without a server reply, while the session is in good order. */
const OWN_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['STARTTLS_UNAVAILABLE', 'AUTH_PLAINTEXT_REFUSED', 'AUTH_ENCRYPTION_REQUIRED', 'AUTH_UNAVAILABLE']);

/**
 * Whether to say goodbye before reporting: the server answered (a refusal is an answer; RFC 5321 §3.1 even
 * after a 554 greeting), or the probe stopped by its own decision. Not after timeouts, framing errors or a
 * failed TLS handshake: that session is not in step.
 */
/** A probe's failure as its result records it: the code, the phase, the message and the reply that carried it. */
export function probeError(e: MaildoctorError): ProbeError {
  return { code: e.code, phase: e.phase, message: e.message, ...(e.reply ? { reply: e.reply } : {}) };
}

export function sessionStillUsable(err: unknown): boolean {
  return err instanceof MaildoctorError && (err.reply !== undefined || OWN_REFUSALS.has(err.code));
}

/** Give an implicit-TLS port this long to greet in plaintext before testing whether it speaks TLS instead. */
export const TLS_SNIFF_AFTER_MS = 1_500;
/** The side connection that tests for implicit TLS gets this long. */
const TLS_SNIFF_CAP_MS = 3_000;

/** What a probe script gets: the cross-cutting machinery, and the result it fills in. */
export class ProbeContext {
  readonly deadline: Deadline;
  /** Time since the probe started, in ms to two decimals (as the result's durations are written). */
  elapsedMs(): number {
    return Math.round(this.deadline.elapsed() * 100) / 100;
  }
  readonly phases: PhaseRecorder;
  readonly transcript: Transcript;
  /** The credentials' every form, scrubbed from all a server sends and from the result. */
  readonly redactor: Redactor;
  readonly timeouts: PhaseTimeouts;
  session?: LineSession;
  /** Both families' attempts, when the name has both: awaited before the result is final. */
  families?: Promise<FamilyAttempt[]>;

  constructor(
    readonly result: ProbeRecord,
    readonly options: Partial<ProbeOptions>,
  ) {
    this.deadline = new Deadline(options.timeoutMs ?? PROBE_TIMEOUT_MS, options.signal);
    this.phases = new PhaseRecorder(this.deadline);
    this.redactor = Redactor.forCredentials(options.credentials, REDACTED, result.target);
    this.transcript = new Transcript(
      () => this.deadline.elapsed(),
      (text) => this.redactor.redact(text),
    );
    this.timeouts = { ...DEFAULT_PHASE_TIMEOUTS, ...options.phaseTimeouts };
  }

  /** Resolve, connect and, for implicit TLS, handshake. The session is kept on the context. */
  async connect(implicitTls: boolean): Promise<LineSession> {
    let socket: net.Socket = await this.#dial();
    if (implicitTls) socket = await this.#handshake(socket, 'implicit');
    this.session = new LineSession(socket, this.transcript);
    return this.session;
  }

  /** Resolve and connect, then hang up: the `tcp` probe. */
  async dialOnly(): Promise<void> {
    const socket = await this.#dial();
    socket.destroy();
  }

  async #dial(): Promise<net.Socket> {
    const { host, port } = this.result.target;
    const dialled = await dial({
      host,
      port,
      phases: this.phases,
      resolveTimeoutMs: this.timeouts.resolve,
      connectTimeoutMs: this.timeouts.connect,
      localAddress: this.options.localAddress,
      lookup: this.options.lookup,
      ...(this.options.paths ? { paths: this.options.paths } : {}),
      signal: this.deadline.signal,
      onFamilies: (families) => (this.families = families),
      // Recorded before the connect: a refused or filtered connect must still say which address it was.
      onResolved: (addresses) =>
        Object.assign(this.result.target, {
          address: addresses[0]!.address,
          family: addresses[0]!.family,
          addresses: addresses.map((a) => a.address),
        }),
    });
    this.result.target.localAddress = dialled.localAddress;
    Object.assign(this.result.target, { address: dialled.address, family: dialled.family });
    this.transcript.note(`connected to ${dialled.address}:${port}${dialled.localAddress ? ` from ${dialled.localAddress}` : ''}`);
    return dialled.socket;
  }

  /**
   * Upgrade the current session after the server said yes to STARTTLS/STLS. RFC 3207 §6: the client MUST
   * discard any knowledge obtained from the server before TLS, so the buffered plaintext is dropped here and
   * the capability list must be asked again by the caller. Bytes found buffered are a warning (an injection).
   */
  async startTls(phase: string): Promise<LineSession> {
    const session = this.#requireSession();
    const { socket, leftover, broken } = session.detachForUpgrade();
    if (broken) {
      // The server said yes to STARTTLS and then did not do TLS: a broken STARTTLS, not a wrong TLS mode
      // (whose advice, "set SSL/TLS", would send the user to the wrong fix).
      socket.destroy();
      const why = broken === 'closed' ? 'closed the connection' : `went on in plaintext (${broken.code}: ${broken.message})`;
      this.transcript.note(`the server accepted STARTTLS, then ${why}`);
      throw new MaildoctorError('STARTTLS_BROKEN', 'tls', `The server accepted STARTTLS, then ${why} instead of a TLS handshake`);
    }
    if (leftover.length > 0) {
      this.result.warnings.push({
        code: 'STARTTLS_PLAINTEXT_INJECTION',
        phase,
        message: `${leftover.length} plaintext bytes arrived after the STARTTLS reply and were discarded (RFC 3207 §6)`,
      });
      this.transcript.note(`discarded ${leftover.length} plaintext bytes received after the STARTTLS reply`);
    }
    const received = socket.bytesRead;
    const upgraded = await this.#handshake(socket, 'starttls', leftover.length).catch((err: unknown) => {
      throw brokenStartTls(err, socket.bytesRead === received);
    });
    session.attachUpgraded(upgraded);
    this.result.capabilitiesBeforeTls = this.result.capabilities;
    this.result.capabilities = [];
    return session;
  }

  async #handshake(socket: net.Socket, mode: 'implicit' | 'starttls', discarded = 0): Promise<tls.TLSSocket> {
    const { host } = this.result.target;
    const up = await upgradeToTls({
      socket,
      mode,
      host,
      servername: this.options.servername,
      ca: this.options.ca,
      phases: this.phases,
      capMs: this.timeouts.tls,
      tcpRttMs: this.phases.phases.find((ph) => ph.name === 'connect' && ph.ok)?.durationMs,
      onHandshake: (facts) => (this.result.tlsHandshake = facts),
    }).catch((err: unknown) => {
      socket.destroy();
      throw err;
    });
    this.result.tls = discarded ? { ...up.facts, discardedPlaintextBytes: discarded } : up.facts;
    this.result.security = mode === 'implicit' ? 'tls' : 'starttls';
    this.transcript.note(
      `TLS ${up.facts.protocol ?? '?'} ${up.facts.cipher ?? ''}; certificate ${up.facts.trusted ? 'trusted' : `NOT trusted (${up.facts.trustError})`}, name ${up.facts.hostnameMatch ? 'matches' : 'does NOT match'}`,
    );
    const cert = up.facts.certificate;
    if (!up.verdict && cert?.daysLeft !== undefined && cert.daysLeft <= CERT_EXPIRY_WARNING_DAYS && !this.result.warnings.some((w) => w.code === 'TLS_CERT_EXPIRES_SOON')) {
      // Still valid, so the session goes on; a mail client will refuse it in a few days.
      this.result.warnings.push({ code: 'TLS_CERT_EXPIRES_SOON', phase: 'tls', message: `The certificate expires on ${cert.validTo} (${cert.daysLeft} days left)` });
    }
    if (up.verdict) {
      // A bad certificate is a finding, not a bypass: nothing more is sent over this connection.
      up.socket.destroy();
      throw up.verdict;
    }
    return up.socket;
  }

  /**
   * Run the greeting read under the greeting cap. On a plaintext port, a long silence may mean the port speaks
   * implicit TLS (the client is expected to talk first): after TLS_SNIFF_AFTER_MS without a single byte, a
   * second connection tries a handshake, and if that succeeds the probe ends with TLS_MODE_MISMATCH instead of a generic timeout.
   */
  async greeting<T>(read: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const implicit = this.result.security === 'tls';
    return this.phases.run('greeting', this.timeouts.greeting, 'GREETING_TIMEOUT', async (signal) => {
      if (implicit) return read(signal);
      const local = new AbortController();
      const onAbort = (): void => local.abort(signal.reason);
      if (signal.aborted) onAbort(); // an aborted signal fires no 'abort' event again
      else signal.addEventListener('abort', onAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      const sniffed = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // A greeting in progress (Postfix postscreen's multi-line `220-` with a pause) is plaintext: a side
          // ClientHello then would be a pregreet violation that can get the user's address blocked. Sniff
          // only when not one byte has arrived.
          if ((this.session?.socket.bytesRead ?? 0) > 0) return;
          void this.#sniffImplicitTls(local.signal).then((isTls) => {
            if (!isTls) return;
            this.transcript.note('no greeting, but a TLS handshake on a second connection succeeded: this port speaks implicit TLS');
            reject(new MaildoctorError('TLS_MODE_MISMATCH', 'greeting', 'The server sent no plaintext greeting but accepts a TLS handshake: this port speaks implicit TLS'));
          });
        }, this.options.tlsSniffAfterMs ?? TLS_SNIFF_AFTER_MS);
      });
      sniffed.catch(() => {}); // the race below observes it; this keeps an unobserved rejection quiet
      try {
        return await Promise.race([read(local.signal), sniffed]);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        local.abort(new MaildoctorError('ABORTED', 'greeting', 'greeting phase over'));
      }
    });
  }

  #sniffImplicitTls(signal: AbortSignal): Promise<boolean> {
    const { address, port, localAddress } = this.result.target;
    if (!address || signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const raw = net.connect({ host: address, port, localAddress });
      raw.on('error', () => {}); // reported through the TLS socket below
      const s = tls.connect({
        socket: raw,
        servername: net.isIP(this.result.target.host) ? undefined : this.result.target.host,
        // Only asks "is this TLS?"; nothing is sent over it and the result is discarded.
        rejectUnauthorized: false,
      });
      const done = (answer: boolean): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        s.destroy();
        raw.destroy();
        resolve(answer);
      };
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), TLS_SNIFF_CAP_MS);
      signal.addEventListener('abort', onAbort, { once: true });
      s.once('secureConnect', () => done(true));
      s.once('error', () => done(false));
    });
  }

  /**
   * The session after the greeting: `steps`, then goodbye (`say`: QUIT, LOGOUT) under a short cap. When a step
   * fails while the session is still usable (see sessionStillUsable), goodbye comes before the failure is
   * reported (RFC 5321 §3.1: even after a 554 greeting the client SHOULD send QUIT).
   */
  async converse(steps: () => Promise<void>, say: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    try {
      await steps();
    } catch (err) {
      if (sessionStillUsable(err)) await this.#goodbye(say);
      throw err;
    }
    await this.#goodbye(say);
  }

  /** A server that hangs up instead of answering goodbye has still answered everything: not an error. */
  #goodbye(say: (signal: AbortSignal) => Promise<unknown>): Promise<void> {
    return this.phases.run('quit', Math.min(GOODBYE_CAP_MS, this.timeouts.command), 'REPLY_TIMEOUT', say).then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * Log in when the caller gave credentials, then read the mailbox (POP3 STAT, IMAP STATUS); without them, say
   * the login was not tried and, where there is a mailbox, that it was not read. Returns what `login` returns.
   */
  async logIn<T>(login: () => Promise<T>, readMailbox?: () => Promise<void>): Promise<T | undefined> {
    if (!this.options.credentials) {
      if (this.result.auth) this.result.auth.skipped = 'no credentials given';
      if (readMailbox) this.skip('mailbox', 'not logged in: no credentials given');
      return undefined;
    }
    if (!(await this.#loginConfirmed())) {
      this.loginWithdrawn = true;
      if (this.result.auth) this.result.auth.skipped = 'login withdrawn by the caller';
      if (readMailbox) this.skip('mailbox', 'not logged in: login withdrawn by the caller');
      return undefined;
    }
    const outcome = await login();
    await readMailbox?.();
    return outcome;
  }

  /** Set when `confirmLogin` withdrew the login: the probe ends as it would without credentials. */
  loginWithdrawn = false;

  /** The caller's `confirmLogin`, raced against the probe's deadline (a wait for it is no phase: nothing is on the wire). */
  async #loginConfirmed(): Promise<boolean> {
    const confirm = this.options.confirmLogin;
    if (!confirm) return true;
    const { signal } = this.deadline;
    throwIfAborted(signal, 'auth');
    let onAbort!: () => void;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortedReason(signal.reason, 'auth'));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([confirm(signal), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Run a command phase under the command cap. */
  command<T>(phase: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.phases.run(phase, this.timeouts.command, 'REPLY_TIMEOUT', fn);
  }

  #requireSession(): LineSession {
    if (!this.session) throw new MaildoctorError('PROTOCOL_ERROR', 'session', 'No session');
    return this.session;
  }

  /** Record a step that was not performed, with why: never reported as passing. */
  skip(step: string, reason: string): void {
    this.result.skipped.push({ step, reason });
    this.transcript.note(`skipped ${step}: ${reason}`);
  }
}

/**
 * The one entry point every probe goes through: validates the caller's input (throws only for that),
 * runs the protocol script, and turns every server or network failure into `result.error`.
 */
export async function runProbe(
  protocol: Protocol,
  target: ProbeTarget,
  options: Partial<ProbeOptions> | undefined,
  script: (ctx: ProbeContext) => Promise<void>,
): Promise<ProbeResult> {
  const port = validateTarget(protocol, target);
  assertSendableCredentials(options?.credentials);
  const implicit = protocol === 'smtps' || protocol === 'pop3s' || protocol === 'imaps';
  const result: ProbeRecord = {
    protocol,
    target: { host: target.host, port },
    ok: false,
    security: implicit ? 'tls' : 'plain',
    startedAt: new Date().toISOString(),
    durationMs: 0,
    phases: [],
    capabilities: [],
    warnings: [],
    skipped: [],
    transcript: [],
  };
  const ctx = new ProbeContext(result, options ?? {});
  try {
    await script(ctx);
    result.ok = true;
  } catch (err) {
    const e = err instanceof MaildoctorError ? err : ctx.deadline.signal.aborted ? abortedReason(ctx.deadline.signal.reason) : internal(err);
    result.error = probeError(e);
    ctx.transcript.note(`error ${e.code} in ${e.phase}: ${e.message}`);
  } finally {
    ctx.session?.close();
    // The other family's attempt is bounded by the connect cap; its outcome is part of the result.
    if (ctx.families) result.target.families = await ctx.families;
    ctx.deadline.dispose();
    result.phases = ctx.phases.phases;
    result.transcript = ctx.transcript.entries;
    result.durationMs = ctx.elapsedMs();
  }
  // The catch-all behind the line boundary: IMAP literals folded into replies, anything a script copied.
  // `ok` and `error` were set together above: ok with no error, or not ok with one.
  const done = result as ProbeResult;
  return ctx.redactor.size > 0 ? ctx.redactor.redactValue(done) : done;
}

/**
 * A handshake after a yes to STARTTLS that met plaintext (OpenSSL's "wrong version number") or a hang-up
 * before any TLS byte came back is STARTTLS_BROKEN; other handshake failures (an alert, a bad certificate)
 * stay what they are.
 */
function brokenStartTls(err: unknown, nothingReceived: boolean): unknown {
  if (!(err instanceof MaildoctorError)) return err;
  if (err.code === 'TLS_MODE_MISMATCH') {
    return new MaildoctorError('STARTTLS_BROKEN', 'tls', 'The server accepted STARTTLS, then answered the TLS handshake in plaintext', undefined, { cause: err });
  }
  const errno = (err.cause as NodeJS.ErrnoException | undefined)?.code;
  if (err.code === 'TLS_HANDSHAKE_FAILED' && nothingReceived && (errno === 'ECONNRESET' || errno === 'EPIPE')) {
    return new MaildoctorError('STARTTLS_BROKEN', 'tls', 'The server accepted STARTTLS, then closed the connection without a TLS handshake', undefined, { cause: err });
  }
  return err;
}

function internal(err: unknown): MaildoctorError {
  // Not a server fault we know how to name: keep it as data (a check must go on), with the message as evidence.
  return new MaildoctorError('PROTOCOL_ERROR', 'internal', `Unexpected: ${(err as Error)?.message ?? String(err)}`, undefined, { cause: err });
}
