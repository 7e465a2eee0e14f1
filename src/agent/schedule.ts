/**
 * When the agent checks: rounds of checks over every account, started by the agent (start, network change,
 * reload, a manual request) or by the re-check timer on the injectable clock. One round at a time: a new one
 * aborts the one in flight, except a scheduled one, which a running round makes redundant. Within a round,
 * accounts are checked ACCOUNTS_IN_PARALLEL at a time.
 */
import type { Clock, TimerHandle } from './clock.js';
import type { AccountConfig } from './config.js';
import type { RunReason } from './summary.js';

/** Checks at once: servers rate-limit connections per client (Postfix anvil, Dovecot's per-IP cap). */
export const ACCOUNTS_IN_PARALLEL = 2;

/** One round of checks, on the network accepted when it started. */
export interface Run {
  id: number;
  reason: RunReason;
  fingerprint: string;
  controller: AbortController;
  done: boolean;
}

/** Why a check was aborted, as the abort reason of its signal. */
export class RunAbortedError extends Error {
  override readonly name = 'RunAbortedError';
  constructor(readonly why: RunReason | 'shutdown') {
    super(`check aborted: ${why}`);
  }
}

/** What the scheduler asks of the agent, at the time it needs it (a reload changes the answers). */
export interface ScheduleHost {
  clock: Clock;
  /** 0: no scheduled re-checks. */
  recheckMs(): number;
  /** The accepted network fingerprint. */
  fingerprint(): string;
  accounts(): AccountConfig[];
  checkAccount(run: Run, account: AccountConfig): Promise<void>;
  onStart(run: Run): void;
  onEnd(run: Run): void;
  /** A round that threw (a bug: checkAccount handles its own failures). */
  onCrash(err: unknown): void;
}

export class RunScheduler {
  #run: Run | undefined;
  #seq = 0;
  readonly #inflight = new Set<Promise<void>>();
  #recheckTimer: TimerHandle | undefined;
  #stopped = false;
  #last: { reason: RunReason; at: number } | undefined;

  constructor(private readonly host: ScheduleHost) {}

  /** A round is under way. */
  get checking(): boolean {
    return Boolean(this.#run && !this.#run.done);
  }

  /** The last round started: why and when. */
  get lastRun(): { reason: RunReason; at: number } | undefined {
    return this.#last;
  }

  start(reason: RunReason): void {
    if (this.#stopped) return;
    const current = this.#run;
    if (current && !current.done) {
      if (reason === 'schedule') {
        // A check is already under way: its results are as fresh as the scheduled ones would be.
        this.#scheduleRecheck();
        return;
      }
      current.controller.abort(new RunAbortedError(reason));
    }
    const run: Run = { id: ++this.#seq, reason, fingerprint: this.host.fingerprint(), controller: new AbortController(), done: false };
    this.#run = run;
    this.#last = { reason, at: this.host.clock.now() };
    this.#scheduleRecheck();
    this.host.onStart(run);
    const p = this.#execute(run)
      .catch((err: unknown) => this.host.onCrash(err))
      .finally(() => {
        run.done = true;
        this.#inflight.delete(p);
        this.host.onEnd(run);
      });
    this.#inflight.add(p);
  }

  #scheduleRecheck(): void {
    const { clock } = this.host;
    clock.clearTimeout(this.#recheckTimer);
    this.#recheckTimer = undefined;
    const ms = this.host.recheckMs();
    if (this.#stopped || ms <= 0) return;
    this.#recheckTimer = clock.setTimeout(() => {
      this.#recheckTimer = undefined;
      this.start('schedule');
    }, ms);
  }

  async #execute(run: Run): Promise<void> {
    const queue = [...this.host.accounts()];
    const worker = async (): Promise<void> => {
      for (let acc = queue.shift(); acc; acc = queue.shift()) {
        if (run.controller.signal.aborted) return;
        await this.host.checkAccount(run, acc);
      }
    };
    await Promise.all(Array.from({ length: Math.min(ACCOUNTS_IN_PARALLEL, queue.length) }, worker));
  }

  /** Resolves when no round is running (rounds started meanwhile included). */
  async idle(): Promise<void> {
    while (this.#inflight.size) await Promise.allSettled([...this.#inflight]);
  }

  /**
   * No more rounds: the timer is cleared, the round in flight aborted and given `graceMs` to unwind (aborted
   * checks take milliseconds; one that ignores its signal is not waited for past the grace).
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopped = true;
    this.host.clock.clearTimeout(this.#recheckTimer);
    this.#run?.controller.abort(new RunAbortedError('shutdown'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#inflight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }
}
