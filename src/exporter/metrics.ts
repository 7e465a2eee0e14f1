/**
 * The exporter's own metrics (`/metrics`), in a Registry of its own (lib/metrics.ts): what it probed, what it
 * refused and why, how full it is. A probe's results are never here: they are in that probe's `/probe` answer.
 */
import type { Gauge } from 'prom-client';
import { MetricRegistry } from '../lib/metrics.js';

/** Why a request got no probe. */
export type RefusalReason = 'unauthorized' | 'bad_request' | 'unknown_module' | 'not_allowed' | 'overloaded';

/** Probe durations of mail servers: tens of milliseconds on a LAN to the full deadline of a filtered port. */
const DURATION_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30];

export class ExporterMetrics extends MetricRegistry {
  readonly probes = this.counter('maildoctor_exporter_probes_total', 'Probes run, by module and result (success, failure)', ['module', 'result']);
  readonly reused = this.counter('maildoctor_exporter_probe_results_reused_total', 'Scrapes answered with the running or last probe of the same module and target (within limits.min_interval)', ['module']);
  readonly refused = this.counter('maildoctor_exporter_requests_refused_total', 'Requests that ran no probe, by reason (unauthorized, bad_request, unknown_module, not_allowed, overloaded)', ['reason']);
  readonly duration = this.histogram('maildoctor_exporter_probe_duration_seconds', 'Duration of the probes run, by module', ['module'], DURATION_BUCKETS_S);
  readonly inFlight: Gauge;
  readonly waiting: Gauge;

  constructor(slots: { inUse: number; queued: number; size: number }) {
    super();
    this.inFlight = this.gauge('maildoctor_exporter_probes_in_flight', 'Probes running now', [], function () {
      this.set(slots.inUse);
    });
    this.waiting = this.gauge('maildoctor_exporter_probes_waiting', 'Requests waiting for a free probe slot (limits.concurrency)', [], function () {
      this.set(slots.queued);
    });
    this.gauge('maildoctor_exporter_concurrency_limit', 'limits.concurrency: probes allowed in flight at once').set(slots.size);
    for (const reason of ['unauthorized', 'bad_request', 'unknown_module', 'not_allowed', 'overloaded'] satisfies RefusalReason[]) this.refused.inc({ reason }, 0);
    this.processMetrics();
  }
}
