/**
 * prom-client as maildoctor uses it, set up once for the agent's metrics, the exporter's own and each
 * `/probe` answer: every metric in a Registry of its own (never prom-client's global one, so two agents or
 * exporters in one process, or a host application's metrics, do not collide), declared by name, help and
 * label names in one call.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type CollectFunction } from 'prom-client';

export class MetricRegistry {
  readonly registry = new Registry();

  counter<L extends string = string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** `collect` sets the value at scrape time (a gauge of something the process holds, like free slots). */
  gauge<L extends string = string>(name: string, help: string, labelNames: readonly L[] = [], collect?: CollectFunction<Gauge<L>>): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry], ...(collect ? { collect } : {}) });
  }

  histogram<L extends string = string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /**
   * Node's process metrics (CPU, memory, event loop, `process_*` and `nodejs_*`) in this registry too. Called
   * after the registry's own metrics are declared, so they come first in the exposition.
   */
  processMetrics(eventLoopPrecisionMs?: number): void {
    collectDefaultMetrics({ register: this.registry, ...(eventLoopPrecisionMs === undefined ? {} : { eventLoopMonitoringPrecision: eventLoopPrecisionMs }) });
  }
}
