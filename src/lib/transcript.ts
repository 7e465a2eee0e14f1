import type { TranscriptEntry } from './types.js';

/** Transcripts longer than this keep their head and tail: a hostile server must not grow a result unboundedly. */
export const MAX_TRANSCRIPT_ENTRIES = 400;

/**
 * Every line of a session with its direction and time. Secrets never reach it: callers pass the redacted form
 * of a secret-bearing command (see `redacted()`), and every line is scrubbed of the probe's secrets on the
 * way in (a server may echo them), server lines recorded as printable text.
 */
export class Transcript {
  readonly entries: TranscriptEntry[] = [];
  #dropped = 0;

  /** @param scrub removes the probe's secrets, in every encoding, from text that came from outside */
  constructor(
    private readonly clock: () => number,
    readonly scrub: (text: string) => string = (text) => text,
  ) {}

  add(dir: TranscriptEntry['dir'], text: string): void {
    const line = this.scrub(text);
    if (this.entries.length >= MAX_TRANSCRIPT_ENTRIES) {
      this.#dropped++;
      this.entries[this.entries.length - 1] = { t: this.#now(), dir: 'I', line: `… ${this.#dropped} more lines not kept` };
      return;
    }
    this.entries.push({ t: this.#now(), dir, line });
  }

  note(line: string): void {
    this.add('I', line);
  }

  #now(): number {
    return Math.round(this.clock() * 10) / 10;
  }
}

/** The transcript form of a secret: its shape without its content. */
export const REDACTED = '<redacted>';

/** "AUTH PLAIN <redacted>", "PASS <redacted>", 'a1 LOGIN "alice" <redacted>'. */
export function redacted(visiblePrefix: string): string {
  return `${visiblePrefix} ${REDACTED}`;
}
