/** Waiting helpers of the lab tests: for a line of a child's output, for a condition that polls. */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Lines of a child's stdout, with a way to wait for one that matches. */
export class Lines {
  readonly all: string[] = [];
  #waiters: Array<{ test: (l: string) => boolean; resolve: (l: string) => void }> = [];
  constructor(child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.all.push(line);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.test(line)) return true;
        w.resolve(line);
        return false;
      });
    });
  }
  wait(what: string, test: (l: string) => boolean, ms: number, from = 0): Promise<string> {
    const seen = this.all.slice(from).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      this.#waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }
}

/** Poll `fn` every `everyMs` until `ok` holds; the error names `what` and the last value. */
export async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms: number, everyMs = 250): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}`);
}
