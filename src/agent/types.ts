/**
 * What `startAgent()` takes and gives: its injectable dependencies (STYLE §4), the events it emits and the
 * handle of a running agent.
 */
import type { EventEmitter } from 'node:events';
import type { Registry } from 'prom-client';
import type { CheckOptions } from '../check/check.js';
import type { CheckReport } from '../report/types.js';
import type { Alert } from './alert.js';
import type { Clock } from './clock.js';
import type { AgentConfig, ValidateOptions } from './config.js';
import type { Logger } from './log.js';
import type { AgentMetrics } from './metrics.js';
import type { Notifier, NotifierOptions } from './notify/index.js';
import type { NetworkEventSource } from './os-events.js';
import type { AgentState } from './state.js';
import type { AccountSummary, RunReason } from './summary.js';
import type { FingerprintSource } from './watcher.js';

export type CheckFunction = (address: string, options: Partial<CheckOptions>) => Promise<CheckReport>;

export interface AgentDeps {
  /** @default the system clock */
  clock: Clock;
  /** @default networkFingerprint() */
  fingerprint: FingerprintSource;
  /** @default check() */
  check: CheckFunction;
  /** OS network change events; `false` for polling alone. @default Linux `ip monitor`, macOS `route monitor` */
  networkEvents: ((onEvent: () => void, onUnavailable: (reason: string) => void) => NetworkEventSource) | false;
  /** @default a winston logger built from `notifiers.log` */
  logger: Logger;
  /** Replace the notifiers of the config (the log notifier included). */
  notifiers: Notifier[];
  /** Notifiers in addition to those of the config. */
  extraNotifiers: Notifier[];
  /** Options of the config's notifiers (webhook dispatcher, spawn, platform). */
  notifierOptions: NotifierOptions;
  /** What `reload()` without an argument reads (the CLI: the config file). @default the current config */
  loadConfig: () => Promise<unknown>;
  /** Where passwords of `passwordEnv` come from. @default process.env */
  env: NodeJS.ProcessEnv;
  /** Reads secret files and CA files. @default fs.readFile */
  readFile: (file: string) => Promise<Buffer>;
  /** Alert ids. @default randomUUID */
  id: () => string;
  /** Export Node's process metrics (CPU, memory, event loop) too. @default true */
  defaultMetrics: boolean;
  /** Passed to validateAgentConfig (tests: home, defaultStateDir). */
  validate: Partial<ValidateOptions>;
}

/** What `handle.events` emits, by event name. */
export interface AgentEventMap {
  'network-change': { fingerprint: string; previous: string; at: number };
  'run-start': { id: number; reason: RunReason; fingerprint: string };
  check: { account: string; outcome: 'completed' | 'aborted' | 'discarded' | 'error'; summary?: AccountSummary };
  alert: Alert;
  'run-end': { id: number; reason: RunReason; aborted: boolean };
}

/** The event map as Node's typed EventEmitter takes it: each event's listener arguments. */
export type AgentEvents = { [K in keyof AgentEventMap]: [AgentEventMap[K]] };

export interface AgentHandle {
  readonly config: AgentConfig;
  readonly metrics: AgentMetrics;
  readonly registry: Registry;
  /** The metrics endpoint, when listening. */
  readonly http: { host: string; port: number; url: string } | undefined;
  /** The accepted network fingerprint. */
  readonly fingerprint: string;
  /** The per-network memory as it is in the process. */
  readonly state: Readonly<AgentState>;
  readonly stateFile: string;
  readonly events: EventEmitter<AgentEvents>;
  /** Check every account now (what POST /-/check does). */
  checkNow(reason?: RunReason): void;
  /** Re-read the config (or take the one given), apply it and re-check: what SIGHUP does. Throws if refused. */
  reload(config?: unknown): Promise<void>;
  /** Resolves when no check is running and the state file holds everything so far. */
  idle(): Promise<void>;
  /** Abort checks, flush the state, close notifiers, the server and the watchers. Idempotent. */
  stop(): Promise<void>;
}
