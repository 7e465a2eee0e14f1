import { MaildoctorError } from './errors.js';

/**
 * One deadline per probe, a cap per phase, merged with the caller's AbortSignal.
 *
 * Timers are ours (setTimeout + AbortController) rather than `AbortSignal.timeout()` so that they are cleared
 * as soon as a phase ends: a thousand concurrent probes must not leave a thousand live timers behind.
 *
 * Event-loop ownership (docs/ARCHITECTURE.md): the deadline's timer is ref'd. Work a caller awaits keeps the
 * process alive until it settles or its deadline fires; with an unref'd timer, a command whose only pending
 * work was a retry pause or a phase cap ended with Node's exit 13 (unsettled top-level await) and no output.
 * Phase caps and retry pauses live under a deadline and are ref'd too: each is cleared when its work settles.
 * The abort reason is always a MaildoctorError that names the phase and the cap
 * ("Timeout awaiting 'greeting' for 8000ms"), so whoever observes the abort can report it as data.
 */
/**
 * The longest delay a Node timer holds (2^31 - 1 ms, about 24.8 days): a longer one fires after 1 ms, with a
 * TimeoutOverflowWarning, so a "very long" deadline would end everything at once.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** A delay a timer holds: a finite number of milliseconds from 1 to MAX_TIMER_MS. */
export function isTimerDelay(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 && ms <= MAX_TIMER_MS;
}

export class Deadline {
  readonly startedAt = performance.now();
  readonly #end: number;
  readonly #totalMs: number;
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #parent?: AbortSignal;
  readonly #onParentAbort = (): void => this.#controller.abort(abortedReason(this.#parent?.reason));

  constructor(totalMs: number, parent?: AbortSignal) {
    if (!isTimerDelay(totalMs)) throw new RangeError(`deadline must be 1 to ${MAX_TIMER_MS} ms, got ${totalMs}`);
    this.#end = this.startedAt + totalMs;
    this.#totalMs = totalMs;
    this.#timer = setTimeout(
      () => this.#controller.abort(new MaildoctorError('PROBE_TIMEOUT', 'deadline', `Probe deadline of ${totalMs}ms reached`)),
      totalMs,
    );
    this.#parent = parent;
    if (parent) {
      if (parent.aborted) this.#onParentAbort();
      else parent.addEventListener('abort', this.#onParentAbort, { once: true });
    }
  }

  /** Aborts at the deadline or when the caller aborts. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Milliseconds since the deadline started. */
  elapsed(): number {
    return performance.now() - this.startedAt;
  }

  remaining(): number {
    return Math.max(0, this.#end - performance.now());
  }

  /**
   * A phase scope: its signal aborts after `capMs`, at the deadline, or on the caller's abort, whichever comes
   * first. Always `dispose()` it (or use `using`), which clears its timer. `PROBE_TIMEOUT` is for a phase whose
   * cap is what is left of this deadline (see PhaseRecorder).
   */
  phase(name: string, capMs: number, code: PhaseTimeoutCode = 'REPLY_TIMEOUT'): PhaseScope {
    const message = code === 'PROBE_TIMEOUT' ? `Probe deadline of ${this.#totalMs}ms reached during '${name}'` : undefined;
    return new PhaseScope(name, capMs, code, this.#controller.signal, message);
  }

  /**
   * Abort everything under this deadline now: for an owner that gave up (one of several parallel steps threw),
   * so that the others stop instead of running on, ref'd, to their own deadlines.
   */
  cancel(reason: MaildoctorError): void {
    this.#controller.abort(reason);
  }

  /** Release the timer and the parent listener; the deadline's signal is left as it is. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

export type PhaseTimeoutCode = 'GREETING_TIMEOUT' | 'REPLY_TIMEOUT' | 'CONNECT_TIMEOUT' | 'TLS_HANDSHAKE_FAILED' | 'DNS_TIMEOUT' | 'PROBE_TIMEOUT';

export class PhaseScope {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #outer: AbortSignal;
  readonly #onOuterAbort = (): void => this.#controller.abort(this.#outer.reason);
  readonly startedAt = performance.now();

  constructor(
    readonly name: string,
    readonly capMs: number,
    code: PhaseTimeoutCode,
    outer: AbortSignal,
    message = `Timeout awaiting '${name}' for ${capMs}ms`,
  ) {
    this.#outer = outer;
    this.#timer = setTimeout(
      () => this.#controller.abort(new MaildoctorError(code, name, message)),
      Math.max(0, capMs),
    );
    if (outer.aborted) this.#onOuterAbort();
    else outer.addEventListener('abort', this.#onOuterAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#outer.removeEventListener('abort', this.#onOuterAbort);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Turn whatever a caller aborted with into our error, keeping our own errors as they are. */
export function abortedReason(reason: unknown, phase = 'aborted'): MaildoctorError {
  if (reason instanceof MaildoctorError) return reason;
  return new MaildoctorError('ABORTED', phase, 'Aborted by the caller', undefined, { cause: reason });
}

/** Reject with the signal's reason as a MaildoctorError if it is already aborted. */
export function throwIfAborted(signal: AbortSignal, phase: string): void {
  if (signal.aborted) throw abortedReason(signal.reason, phase);
}

/** Sleep that wakes early, rejecting, when the signal aborts. Used by retries and staggered starts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedReason(signal.reason));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedReason(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** After a deadline, how long work gets to settle its own abort before a placeholder stands in for it. */
export const SETTLE_GRACE_MS = 200;

/** Resolve `p`, or `fallback()` if it has not settled `SETTLE_GRACE_MS` after `signal` aborted. */
export function settleBy<T>(p: Promise<T>, signal: AbortSignal, fallback: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      // Ref'd: after the deadline fired, this grace timer is all that keeps the awaiting caller alive.
      timer = setTimeout(() => resolve(fallback()), SETTLE_GRACE_MS);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}
