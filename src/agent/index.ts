/** The agent as a library: `startAgent(config, deps?)` and what it is made of. */
export { startAgent, RunAbortedError, ACCOUNTS_IN_PARALLEL, STOP_CHECK_GRACE_MS, STOP_NOTIFY_GRACE_MS } from './agent.js';
export type { AgentDeps, AgentEventMap, AgentHandle, CheckFunction } from './agent.js';
export {
  validateAgentConfig,
  loadAgentConfig,
  checkSecrets,
  readAccountSecret,
  parseListen,
  ConfigError,
  SecretUnavailableError,
  DEFAULT_POLL_MS,
  DEFAULT_DEBOUNCE_MS,
  DEFAULT_RECHECK_MS,
  DEFAULT_METRICS_LISTEN,
} from './config.js';
export type { AccountConfig, AgentConfig, CommandConfig, ConfigIssue, LogConfig, LogLevel, WebhookConfig, ValidateOptions } from './config.js';
export { systemClock, ManualClock, type Clock, type TimerHandle } from './clock.js';
export { defaultStateDir, defaultConfigFile } from './paths.js';
export { NetworkWatcher, TRIGGER_COALESCE_MS, type FingerprintSource } from './watcher.js';
export { watchNetworkEvents, monitorCommand, type NetworkEventSource } from './os-events.js';
export { StateStore, parseState, STATE_FILE, MAX_NETWORKS, type AgentState, type NetworkMemory } from './state.js';
export { AgentMetrics } from './metrics.js';
export { Redactor, REDACTED } from './redact.js';
export { createAgentLogger, memoryLogger, type Logger } from './log.js';
export { summarize, diffSummaries, buildAlert, alertKind, settingKey, workingSettings } from './summary.js';
export type { AccountSummary, Alert, AlertKind, Change, NetworkLabel, RunReason, SettingSummary, WorkingSettings } from './summary.js';
export { callbackNotifier, createNotifiers, logNotifier, webhookNotifier, commandNotifier, desktopNotifier, alertEnv, desktopCommand } from './notify/index.js';
export type { Notifier, NotifierContext, DeliveryOutcome } from './notify/index.js';
