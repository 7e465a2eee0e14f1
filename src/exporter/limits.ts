/**
 * What keeps the exporter from being turned against the servers it watches, or against itself: a cap on probes
 * in flight, and per module and target one probe at a time whose result serves every scrape within the
 * minimum interval (two Prometheus replicas of an HA pair, or a scrape interval set too short, do not double
 * the connections a mail server sees, and a slow target holds one slot however often it is scraped).
 */

/** A counting semaphore whose waiters give up when their own deadline passes. */
export class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly size: number) {
    this.#free = size;
  }

  get inUse(): number {
    return this.size - this.#free;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /** Resolves with a release function once a slot is free, or rejects with the signal's reason. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const release = (): void => {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(once(release));
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(once(release));
      };
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(grant);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}

interface Entry<T> {
  promise: Promise<T>;
  /** performance.now() when it settled; undefined while in flight. */
  settledAt?: number;
}

/**
 * One probe per key at a time, and its result reused for `minIntervalMs` after it settled. Old entries are
 * dropped as new ones come, so the map holds at most the keys probed within the interval.
 */
export class RecentProbes<T> {
  readonly #entries = new Map<string, Entry<T>>();

  constructor(
    readonly minIntervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The running or recent probe of `key`, with its age in ms (0 while in flight), or undefined. */
  get(key: string): { promise: Promise<T>; ageMs: number } | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (e.settledAt === undefined) return { promise: e.promise, ageMs: 0 };
    const age = this.now() - e.settledAt;
    if (age < this.minIntervalMs) return { promise: e.promise, ageMs: age };
    this.#entries.delete(key);
    return undefined;
  }

  /** Start `run` for `key` and remember it; failures are not remembered (the next scrape tries again). */
  start(key: string, run: () => Promise<T>): Promise<T> {
    this.#sweep();
    const entry: Entry<T> = { promise: run() };
    this.#entries.set(key, entry);
    entry.promise.then(
      () => {
        entry.settledAt = this.now();
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return entry.promise;
  }

  get size(): number {
    return this.#entries.size;
  }

  #sweep(): void {
    const t = this.now();
    for (const [k, e] of this.#entries) if (e.settledAt !== undefined && t - e.settledAt >= this.minIntervalMs) this.#entries.delete(k);
  }
}
