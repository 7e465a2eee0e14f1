import type { Alert } from '../alert.js';
import type { Logger } from '../log.js';
import type { Redactor } from '../redact.js';

/** Delivery outcomes counted in `maildoctor_notifications_total`. */
export type DeliveryOutcome = 'sent' | 'failed' | 'dropped' | 'skipped';

/**
 * One way of telling the user. `notify()` queues and returns at once (the agent is never blocked by a slow
 * receiver); delivery happens in the background, bounded in queue length, attempts and time.
 */
export interface Notifier {
  readonly name: string;
  notify(alert: Alert): void;
  /** Deliver what is queued within `graceMs`, then abandon the rest (counted as dropped). */
  close(graceMs: number): Promise<void>;
}

export interface NotifierContext {
  logger: Logger;
  redactor: Redactor;
  /** Counts one delivery outcome. */
  count(notifier: string, outcome: DeliveryOutcome): void;
  /** The environment of a spawned notifier: the agent's, less every variable that holds a password. */
  childEnv(): NodeJS.ProcessEnv;
}

/**
 * A bounded FIFO with one worker: `push()` never waits; past `size` the oldest item is dropped (a fresh alert
 * is worth more than a stale one). `drain(graceMs)` waits for the queue to empty, then aborts the worker.
 */
export class BoundedQueue<T> {
  readonly #items: T[] = [];
  #running: Promise<void> | undefined;
  readonly #abort = new AbortController();
  #closed = false;

  constructor(
    private readonly size: number,
    private readonly work: (item: T, signal: AbortSignal) => Promise<void>,
    private readonly onDrop: (item: T, why: 'full' | 'closed') => void,
  ) {}

  get length(): number {
    return this.#items.length;
  }

  push(item: T): void {
    if (this.#closed) {
      this.onDrop(item, 'closed');
      return;
    }
    this.#items.push(item);
    while (this.#items.length > this.size) this.onDrop(this.#items.shift()!, 'full');
    this.#running ??= this.#loop();
  }

  async #loop(): Promise<void> {
    try {
      while (this.#items.length && !this.#abort.signal.aborted) {
        const item = this.#items.shift()!;
        try {
          await this.work(item, this.#abort.signal);
        } catch {
          // The worker reports its own failures; one bad item must not stop the queue.
        }
      }
    } finally {
      this.#running = undefined;
    }
  }

  async drain(graceMs: number): Promise<void> {
    this.#closed = true;
    if (this.#running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#running, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    this.#abort.abort(new Error('notifier closed'));
    await this.#running;
    for (const item of this.#items.splice(0)) this.onDrop(item, 'closed');
  }
}
