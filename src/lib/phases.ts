import { abortedReason, type Deadline } from './deadline.js';
import { MaildoctorError } from './errors.js';

type TimeoutCode = 'GREETING_TIMEOUT' | 'REPLY_TIMEOUT' | 'CONNECT_TIMEOUT' | 'TLS_HANDSHAKE_FAILED' | 'DNS_TIMEOUT';

/** One phase of a probe as data, in the order run (a failed phase has ok=false and is the result's `error.phase`). */
export interface PhaseTiming {
  /** resolve | connect | tls | greeting | capabilities | starttls | auth | relay | mailbox | quit | … */
  name: string;
  /** Milliseconds since the probe started. */
  startMs: number;
  durationMs: number;
  ok: boolean;
}

/**
 * Records phase timings as data (blackbox_exporter's `phase="resolve|connect|tls|processing"`) and runs each
 * phase under its cap. A phase that fails is recorded with ok=false and its error re-thrown as a
 * MaildoctorError that names the phase.
 */
export class PhaseRecorder {
  readonly phases: PhaseTiming[] = [];
  constructor(private readonly deadline: Deadline) {}

  async run<T>(
    name: string,
    capMs: number,
    timeoutCode: TimeoutCode,
    fn: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    // When less of the probe's deadline is left than this phase's cap, the deadline is what ends the phase: that
    // is PROBE_TIMEOUT (in this phase), not a phase timeout blaming the server for a cap it was never given.
    // Otherwise the phase timer and the deadline timer race, and either code could come out.
    const remaining = this.deadline.remaining();
    const scope = this.deadline.phase(name, Math.min(capMs, remaining), remaining < capMs ? 'PROBE_TIMEOUT' : timeoutCode);
    const startMs = this.deadline.elapsed();
    const timing: PhaseTiming = { name, startMs: round(startMs), durationMs: 0, ok: false };
    this.phases.push(timing);
    try {
      const value = await fn(scope.signal);
      timing.ok = true;
      return value;
    } catch (err) {
      if (scope.signal.aborted) throw inPhase(abortedReason(scope.signal.reason, name), name);
      if (err instanceof MaildoctorError) throw err;
      throw new MaildoctorError('PROTOCOL_ERROR', name, String((err as Error)?.message ?? err), undefined, { cause: err });
    } finally {
      timing.durationMs = round(this.deadline.elapsed() - startMs);
      scope.dispose();
    }
  }
}

/**
 * The deadline's own timer and the caller's abort are created outside any phase (phase 'deadline', 'aborted');
 * reported from inside one, they name the phase that was running, which is what a rule or a reader needs.
 */
function inPhase(err: MaildoctorError, name: string): MaildoctorError {
  if ((err.code !== 'PROBE_TIMEOUT' && err.code !== 'ABORTED') || err.phase === name) return err;
  return new MaildoctorError(err.code, name, err.message, err.reply, { cause: err.cause });
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
