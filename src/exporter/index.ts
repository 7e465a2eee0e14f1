/** The multi-target exporter as a library (docs/exporter.md): `startExporter(config, options)` and its parts. */
export { startExporter, probeDeadlineMs, SCRAPE_TIMEOUT_OFFSET_MS, type ExporterHandle, type ExporterOptions } from './server.js';
export { DEFAULT_EXPORTER_LISTEN } from './defaults.js';
export {
  validateExporterConfig,
  loadExporterConfig,
  moduleRuntimes,
  parseDuration,
  DEFAULT_MIN_INTERVAL_MS,
  type ExporterConfig,
  type ExporterLimits,
} from './config.js';
export { BUILTIN_MODULES, DEFAULT_MODULE_TIMEOUT_MS, DEFAULT_RELAY_SENDER, defaultPort, probeOptionsFor, type ExporterModule, type ModuleAuth, type ModuleRuntime } from './modules.js';
export { AllowList, parseAllowPattern, MAIL_PORTS, type AllowPattern } from './allow.js';
export { probeRegistry, renderProbeMetrics, tlsVersionLabel } from './probe-metrics.js';
export { validateWebConfig, loadWebConfig, BasicAuth, type WebConfig } from './web-config.js';
export { ExporterMetrics, type RefusalReason } from './metrics.js';
export { Slots, RecentProbes } from './limits.js';
