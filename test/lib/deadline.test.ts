/**
 * Deadline, PhaseScope, sleep and PhaseRecorder: caps, the caller's abort, which code comes out when, and
 * that every timer and listener is released. Real timers, all short (≤ 100 ms): the deadline reads
 * `performance.now()`, so fake timers would disagree with it.
 */
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { Deadline, abortedReason, sleep, throwIfAborted } from '../../src/lib/deadline.js';
import { MaildoctorError } from '../../src/lib/errors.js';
import { PhaseRecorder } from '../../src/lib/phases.js';

/**
 * Node arms a timer against the event loop's cached clock, which can lag `performance.now()` by a few ms when
 * the loop is busy: a timer may fire that much "early" as measured here.
 */
const EARLY_MS = 5;

/** Resolves with the signal's reason when it aborts. */
function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(signal.reason);
    signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
  });
}

function assertError(err: unknown, code: string, phase: string): MaildoctorError {
  assert.ok(err instanceof MaildoctorError, `not a MaildoctorError: ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.equal(err.phase, phase, err.message);
  return err;
}

/**
 * Timers created while `fn` runs and still live afterwards (async_hooks sees every setTimeout, ref'd or not,
 * and its destroy when it is cleared or has fired).
 */
async function liveTimersAfter(fn: () => Promise<void> | void): Promise<number> {
  // Start on a fresh turn: mocha arms its own per-test timer right after a test function returns its promise.
  await new Promise((r) => setImmediate(r));
  const live = new Set<number>();
  let recording = true;
  const hook = createHook({
    init(id, type) {
      if (recording && type === 'Timeout') live.add(id);
    },
    destroy(id) {
      live.delete(id);
    },
  });
  hook.enable();
  try {
    await fn();
    recording = false;
    // Destroy hooks are delivered asynchronously, in a batch: give them a turn of the loop.
    await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setImmediate(r));
  } finally {
    hook.disable();
  }
  return live.size;
}

/** A listener count on an AbortSignal (Node keeps them on the EventTarget). */
function listeners(signal: AbortSignal): number {
  const sym = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kEvents');
  const events = sym ? (signal as unknown as Record<symbol, Map<string, { size: number }>>)[sym] : undefined;
  return events?.get('abort')?.size ?? 0;
}

describe('lib/deadline', () => {
  describe('Deadline', () => {
    it('rejects a non-positive or non-finite total', () => {
      for (const ms of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => new Deadline(ms), RangeError, String(ms));
    });

    it('counts elapsed and remaining time', async () => {
      const d = new Deadline(1_000);
      await sleep(20);
      assert.ok(d.elapsed() >= 20 - EARLY_MS, `elapsed ${d.elapsed()}`);
      assert.ok(d.remaining() <= 980 + EARLY_MS && d.remaining() > 800, `remaining ${d.remaining()}`);
      d.dispose();
    });

    it('aborts with PROBE_TIMEOUT at the total, naming the total', async () => {
      const d = new Deadline(30);
      const reason = assertError(await aborted(d.signal), 'PROBE_TIMEOUT', 'deadline');
      assert.match(reason.message, /30ms/);
      assert.ok(d.elapsed() >= 30 - EARLY_MS, `elapsed ${d.elapsed()}`);
      assert.ok(d.remaining() <= EARLY_MS, `remaining ${d.remaining()}`);
      d.dispose();
    });

    it('aborts with ABORTED on the caller’s abort, keeping the caller’s reason as the cause', async () => {
      const caller = new AbortController();
      const d = new Deadline(10_000, caller.signal);
      const why = new Error('user pressed ^C');
      caller.abort(why);
      const reason = assertError(d.signal.reason, 'ABORTED', 'aborted');
      assert.equal(reason.cause, why);
      d.dispose();
    });

    it('is aborted from the start when the caller’s signal already is', () => {
      const d = new Deadline(10_000, AbortSignal.abort());
      assert.equal(d.signal.aborted, true);
      assertError(d.signal.reason, 'ABORTED', 'aborted');
      d.dispose();
    });

    it('dispose() clears its timer and removes its listener from the caller’s signal', async () => {
      const caller = new AbortController();
      let d!: Deadline;
      const live = await liveTimersAfter(() => {
        d = new Deadline(60_000, caller.signal);
        assert.equal(listeners(caller.signal), 1);
        d.dispose();
      });
      assert.equal(live, 0, 'no timer left behind');
      assert.equal(listeners(caller.signal), 0);
      caller.abort();
      assert.equal(d.signal.aborted, false, 'a disposed deadline no longer follows the caller');
    });

    it('supports `using` (Symbol.dispose)', async () => {
      const live = await liveTimersAfter(() => {
        using d = new Deadline(60_000);
        assert.equal(d.signal.aborted, false);
      });
      assert.equal(live, 0);
    });
  });

  describe('PhaseScope', () => {
    it('aborts at its cap with the phase’s code, naming phase and cap; the deadline is untouched', async () => {
      const d = new Deadline(10_000);
      const scope = d.phase('greeting', 25, 'GREETING_TIMEOUT');
      const reason = assertError(await aborted(scope.signal), 'GREETING_TIMEOUT', 'greeting');
      assert.equal(reason.message, "Timeout awaiting 'greeting' for 25ms");
      assert.ok(performance.now() - scope.startedAt >= 25 - EARLY_MS);
      assert.equal(d.signal.aborted, false);
      scope.dispose();
      d.dispose();
    });

    it('defaults to REPLY_TIMEOUT', async () => {
      const d = new Deadline(10_000);
      using scope = d.phase('ehlo', 5);
      assertError(await aborted(scope.signal), 'REPLY_TIMEOUT', 'ehlo');
      d.dispose();
    });

    it('aborts with the deadline’s reason when the deadline comes first', async () => {
      const d = new Deadline(20);
      using scope = d.phase('greeting', 5_000, 'GREETING_TIMEOUT');
      assertError(await aborted(scope.signal), 'PROBE_TIMEOUT', 'deadline');
      d.dispose();
    });

    it('PROBE_TIMEOUT as its own code says it is the probe’s deadline, with the total', async () => {
      const d = new Deadline(40);
      using scope = d.phase('greeting', 10, 'PROBE_TIMEOUT');
      const reason = assertError(await aborted(scope.signal), 'PROBE_TIMEOUT', 'greeting');
      assert.equal(reason.message, "Probe deadline of 40ms reached during 'greeting'");
      d.dispose();
    });

    it('aborts at once, with the caller’s abort, when opened on an aborted deadline', () => {
      const d = new Deadline(10_000, AbortSignal.abort());
      using scope = d.phase('connect', 5_000, 'CONNECT_TIMEOUT');
      assert.equal(scope.signal.aborted, true);
      assertError(scope.signal.reason, 'ABORTED', 'aborted');
      d.dispose();
    });

    it('dispose() clears its timer and its listener on the deadline', async () => {
      const d = new Deadline(60_000);
      let scope!: ReturnType<Deadline['phase']>;
      const live = await liveTimersAfter(() => {
        scope = d.phase('ehlo', 30);
        assert.equal(listeners(d.signal), 1);
        scope.dispose();
      });
      assert.equal(live, 0);
      assert.equal(listeners(d.signal), 0);
      await sleep(50);
      assert.equal(scope.signal.aborted, false, 'a disposed scope never fires');
      d.dispose();
    });
  });

  describe('sleep, abortedReason, throwIfAborted', () => {
    it('sleep resolves after its time and leaves no listener', async () => {
      const c = new AbortController();
      const t0 = performance.now();
      await sleep(20, c.signal);
      assert.ok(performance.now() - t0 >= 20 - EARLY_MS);
      assert.equal(listeners(c.signal), 0);
    });

    it('sleep rejects early with ABORTED when the signal aborts, clearing its timer', async () => {
      const c = new AbortController();
      const live = await liveTimersAfter(async () => {
        const p = sleep(60_000, c.signal);
        c.abort('stop');
        const err = await p.then(() => undefined, (e: unknown) => e);
        assertError(err, 'ABORTED', 'aborted');
      });
      assert.equal(live, 0);
      await assert.rejects(sleep(10, AbortSignal.abort()), (e: unknown) => assertError(e, 'ABORTED', 'aborted') !== undefined);
    });

    it('abortedReason keeps our errors and wraps anything else as ABORTED in the given phase', () => {
      const ours = new MaildoctorError('GREETING_TIMEOUT', 'greeting');
      assert.equal(abortedReason(ours, 'other'), ours);
      const wrapped = assertError(abortedReason(new DOMException('x', 'AbortError'), 'auth'), 'ABORTED', 'auth');
      assert.ok(wrapped.cause instanceof DOMException);
      assertError(abortedReason(undefined), 'ABORTED', 'aborted');
    });

    it('throwIfAborted throws only on an aborted signal', () => {
      throwIfAborted(new AbortController().signal, 'x');
      assert.throws(() => throwIfAborted(AbortSignal.abort(), 'quit'), (e: unknown) => assertError(e, 'ABORTED', 'quit') !== undefined);
    });
  });

  describe('PhaseRecorder', () => {
    it('records each phase with its start, duration and outcome', async () => {
      const d = new Deadline(10_000);
      const rec = new PhaseRecorder(d);
      assert.equal(await rec.run('connect', 1_000, 'CONNECT_TIMEOUT', async () => 'socket'), 'socket');
      await assert.rejects(rec.run('greeting', 1_000, 'GREETING_TIMEOUT', async () => {
        await sleep(10);
        throw new MaildoctorError('CONNECTION_CLOSED', 'greeting');
      }));
      assert.deepEqual(rec.phases.map((p) => [p.name, p.ok]), [['connect', true], ['greeting', false]]);
      assert.ok(rec.phases[1]!.durationMs >= 10 - EARLY_MS);
      assert.ok(rec.phases[1]!.startMs >= rec.phases[0]!.startMs);
      d.dispose();
    });

    it('a phase that outlives its cap fails with the phase’s timeout code', async () => {
      const d = new Deadline(10_000);
      const rec = new PhaseRecorder(d);
      const err = await rec.run('greeting', 20, 'GREETING_TIMEOUT', (signal) => aborted(signal).then((r) => Promise.reject(r))).catch((e: unknown) => e);
      assertError(err, 'GREETING_TIMEOUT', 'greeting');
      assert.equal(rec.phases[0]!.ok, false);
      d.dispose();
    });

    it('a non-MaildoctorError is kept as PROTOCOL_ERROR of that phase, with the cause', async () => {
      const d = new Deadline(10_000);
      const rec = new PhaseRecorder(d);
      const boom = new Error('boom');
      const err = await rec.run('ehlo', 1_000, 'REPLY_TIMEOUT', async () => Promise.reject(boom)).catch((e: unknown) => e);
      assert.equal(assertError(err, 'PROTOCOL_ERROR', 'ehlo').cause, boom);
      d.dispose();
    });

    it('the probe deadline inside a longer phase cap → PROBE_TIMEOUT in that phase (not the phase’s code)', async () => {
      // The phase cap (5 s) is longer than what is left of the deadline (40 ms): the deadline ends the phase.
      for (let i = 0; i < 5; i++) {
        const d = new Deadline(40);
        const rec = new PhaseRecorder(d);
        const err = await rec.run('greeting', 5_000, 'GREETING_TIMEOUT', (signal) => aborted(signal).then((r) => Promise.reject(r))).catch((e: unknown) => e);
        const e = assertError(err, 'PROBE_TIMEOUT', 'greeting');
        assert.match(e.message, /40ms/);
        d.dispose();
      }
    });

    it('a phase cap shorter than what is left keeps the phase’s code', async () => {
      const d = new Deadline(5_000);
      const rec = new PhaseRecorder(d);
      const err = await rec.run('resolve', 20, 'DNS_TIMEOUT', (signal) => aborted(signal).then((r) => Promise.reject(r))).catch((e: unknown) => e);
      assertError(err, 'DNS_TIMEOUT', 'resolve');
      d.dispose();
    });

    it('the caller’s abort inside a phase → ABORTED in that phase', async () => {
      const caller = new AbortController();
      const d = new Deadline(10_000, caller.signal);
      const rec = new PhaseRecorder(d);
      setTimeout(() => caller.abort(), 10);
      const err = await rec.run('auth', 5_000, 'REPLY_TIMEOUT', (signal) => aborted(signal).then((r) => Promise.reject(r))).catch((e: unknown) => e);
      assertError(err, 'ABORTED', 'auth');
      d.dispose();
    });

    it('a phase started after the deadline fails at once with PROBE_TIMEOUT in that phase', async () => {
      const d = new Deadline(5);
      await aborted(d.signal);
      const rec = new PhaseRecorder(d);
      let ran = false;
      const err = await rec.run('quit', 2_000, 'REPLY_TIMEOUT', async (signal) => {
        ran = true;
        if (signal.aborted) throw signal.reason;
      }).catch((e: unknown) => e);
      assert.ok(ran);
      assertError(err, 'PROBE_TIMEOUT', 'quit');
      d.dispose();
    });

    it('leaves no timer and no listener behind, whether the phase succeeds or fails', async () => {
      const d = new Deadline(60_000);
      const rec = new PhaseRecorder(d);
      const live = await liveTimersAfter(async () => {
        await rec.run('a', 60_000, 'REPLY_TIMEOUT', async () => 1);
        await rec.run('b', 60_000, 'REPLY_TIMEOUT', async () => Promise.reject(new Error('x'))).catch(() => undefined);
      });
      assert.equal(live, 0);
      assert.equal(listeners(d.signal), 0);
      d.dispose();
    });
  });
});
