/**
 * The exporter's own metrics (`/metrics`), in a Registry of its own: what it probed, what it refused and why,
 * how full it is. A probe's results are never here: they are in that probe's `/probe` answer.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Why a request got no probe. */
export type RefusalReason = 'unauthorized' | 'bad_request' | 'unknown_module' | 'not_allowed' | 'overloaded';

/** Probe durations of mail servers: tens of milliseconds on a LAN to the full deadline of a filtered port. */
const DURATION_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30];

export class ExporterMetrics {
  readonly registry = new Registry();

  readonly probes = new Counter({
    name: 'maildoctor_exporter_probes_total',
    help: 'Probes run, by module and result (success, failure)',
    labelNames: ['module', 'result'] as const,
    registers: [this.registry],
  });
  readonly reused = new Counter({
    name: 'maildoctor_exporter_probe_results_reused_total',
    help: 'Scrapes answered with the running or last probe of the same module and target (within limits.min_interval)',
    labelNames: ['module'] as const,
    registers: [this.registry],
  });
  readonly refused = new Counter({
    name: 'maildoctor_exporter_requests_refused_total',
    help: 'Requests that ran no probe, by reason (unauthorized, bad_request, unknown_module, not_allowed, overloaded)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'maildoctor_exporter_probe_duration_seconds',
    help: 'Duration of the probes run, by module',
    labelNames: ['module'] as const,
    buckets: DURATION_BUCKETS_S,
    registers: [this.registry],
  });
  readonly inFlight: Gauge;
  readonly waiting: Gauge;

  constructor(slots: { inUse: number; queued: number; size: number }) {
    this.inFlight = new Gauge({
      name: 'maildoctor_exporter_probes_in_flight',
      help: 'Probes running now',
      registers: [this.registry],
      collect() {
        this.set(slots.inUse);
      },
    });
    this.waiting = new Gauge({
      name: 'maildoctor_exporter_probes_waiting',
      help: 'Requests waiting for a free probe slot (limits.concurrency)',
      registers: [this.registry],
      collect() {
        this.set(slots.queued);
      },
    });
    new Gauge({ name: 'maildoctor_exporter_concurrency_limit', help: 'limits.concurrency: probes allowed in flight at once', registers: [this.registry] }).set(slots.size);
    for (const reason of ['unauthorized', 'bad_request', 'unknown_module', 'not_allowed', 'overloaded'] satisfies RefusalReason[]) this.refused.inc({ reason }, 0);
    collectDefaultMetrics({ register: this.registry });
  }
}
