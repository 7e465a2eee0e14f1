/**
 * Watches the network fingerprint: a cheap poll every `pollMs`, plus an immediate sample when the OS says
 * something changed (a trigger). A new fingerprint is accepted only once it has held for `debounceMs`: a flap
 * (A → B → A, or A → B → C while DHCP and the resolver settle) inside that window is one change or none, never an
 * alert storm.
 */
import type { Clock, TimerHandle } from './clock.js';

/** A burst of netlink messages is one event: sample once, this long after the first. */
export const TRIGGER_COALESCE_MS = 50;

export type FingerprintSource = () => string | Promise<string>;

export interface WatcherOptions {
  clock: Clock;
  source: FingerprintSource;
  pollMs: number;
  debounceMs: number;
  /** A change held for the debounce period. */
  onChange(fingerprint: string, previous: string): void;
  /** The source started failing (reported once until it works again); the network is taken as unchanged. */
  onError(err: unknown): void;
}

export class NetworkWatcher {
  #current = '';
  /** A fingerprint seen but not yet held for the debounce period. */
  #candidate: string | undefined;
  #candidateSince = 0;
  #pollTimer: TimerHandle | undefined;
  #debounceTimer: TimerHandle | undefined;
  #triggerTimer: TimerHandle | undefined;
  #sampling = false;
  #resample = false;
  #stopped = true;
  #failing = false;

  constructor(private opts: WatcherOptions) {}

  /** The accepted fingerprint. */
  get current(): string {
    return this.#current;
  }

  /** A change is being debounced: results measured now may belong to either network. */
  get unsettled(): boolean {
    return this.#candidate !== undefined;
  }

  /** Take the first sample (accepted at once) and start polling. */
  async start(): Promise<string> {
    this.#stopped = false;
    try {
      this.#current = await this.opts.source();
    } catch (err) {
      this.opts.onError(err);
      this.#current = '';
    }
    this.#schedulePoll();
    return this.#current;
  }

  /** New intervals (config reload); the current fingerprint is kept. */
  retime(pollMs: number, debounceMs: number): void {
    this.opts = { ...this.opts, pollMs, debounceMs };
    if (!this.#stopped) this.#schedulePoll();
  }

  /** The OS reported a change: sample soon, whatever the poll timer says. */
  trigger(): void {
    if (this.#stopped || this.#triggerTimer) return;
    this.#triggerTimer = this.opts.clock.setTimeout(() => {
      this.#triggerTimer = undefined;
      void this.#sample();
    }, TRIGGER_COALESCE_MS);
  }

  stop(): void {
    this.#stopped = true;
    const c = this.opts.clock;
    c.clearTimeout(this.#pollTimer);
    c.clearTimeout(this.#debounceTimer);
    c.clearTimeout(this.#triggerTimer);
    this.#pollTimer = this.#debounceTimer = this.#triggerTimer = undefined;
  }

  #schedulePoll(): void {
    this.opts.clock.clearTimeout(this.#pollTimer);
    this.#pollTimer = this.opts.clock.setTimeout(() => {
      this.#pollTimer = undefined;
      void this.#sample().finally(() => {
        if (!this.#stopped) this.#schedulePoll();
      });
    }, this.opts.pollMs);
  }

  async #sample(): Promise<void> {
    if (this.#stopped) return;
    if (this.#sampling) {
      // One sample at a time; another is taken right after this one.
      this.#resample = true;
      return;
    }
    this.#sampling = true;
    let fp: string | undefined;
    try {
      fp = await this.opts.source();
      this.#failing = false;
    } catch (err) {
      // Once per failure streak: a broken /proc read every 2 s must not flood the log.
      if (!this.#failing) this.opts.onError(err);
      this.#failing = true;
    } finally {
      this.#sampling = false;
    }
    if (fp !== undefined && !this.#stopped) this.#observe(fp);
    if (this.#resample) {
      this.#resample = false;
      await this.#sample();
    }
  }

  #observe(fp: string): void {
    const c = this.opts.clock;
    if (fp === this.#current) {
      // Back where we were: a flap, not a change.
      this.#candidate = undefined;
      c.clearTimeout(this.#debounceTimer);
      this.#debounceTimer = undefined;
      return;
    }
    if (fp !== this.#candidate) {
      // A new candidate: (re)start the debounce window.
      this.#candidate = fp;
      this.#candidateSince = c.now();
    }
    const held = c.now() - this.#candidateSince;
    if (held >= this.opts.debounceMs) {
      this.#accept(fp);
      return;
    }
    if (fp === this.#candidate && this.#debounceTimer && held > 0) return; // still settling; the timer will sample again
    c.clearTimeout(this.#debounceTimer);
    this.#debounceTimer = c.setTimeout(() => {
      this.#debounceTimer = undefined;
      void this.#sample();
    }, this.opts.debounceMs - held);
  }

  #accept(fp: string): void {
    const previous = this.#current;
    this.#current = fp;
    this.#candidate = undefined;
    this.opts.clock.clearTimeout(this.#debounceTimer);
    this.#debounceTimer = undefined;
    this.opts.onChange(fp, previous);
  }
}
