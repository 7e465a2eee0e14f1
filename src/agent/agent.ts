/**
 * `startAgent(config, deps?)`: the long-running watcher. It polls the network fingerprint (plus OS change
 * events), debounces flaps, and on a change aborts the check in flight and checks every account again; it also
 * re-checks on a schedule and on reload (SIGHUP). Each completed check is summarised, remembered per network,
 * exported as metrics, and compared with the previous one: a difference is one alert, sent to every notifier.
 *
 * The clock, the fingerprint source, the check function, the OS event source and the notifiers are injectable
 * (STYLE §4): the scheduling logic is tested without sleeping on the wall clock and without a network.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { Registry } from 'prom-client';
import { check as realCheck, type CheckOptions } from '../check/check.js';
import { networkFingerprint } from '../network/fingerprint.js';
import type { CheckReport } from '../report/types.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { readAccountSecret, validateAgentConfig, type AccountConfig, type AgentConfig, type ValidateOptions } from './config.js';
import { startHttpServer, type AgentHttpServer } from './http.js';
import { closeLogger, createAgentLogger, type Logger } from './log.js';
import { AgentMetrics } from './metrics.js';
import { createNotifiers, type Notifier, type NotifierContext, type NotifierOptions } from './notify/index.js';
import { watchNetworkEvents, type NetworkEventSource } from './os-events.js';
import { Redactor } from './redact.js';
import { StateStore, type AgentState } from './state.js';
import { buildAlert, summarize, workingSettings, type AccountSummary, type Alert, type RunReason } from './summary.js';
import { NetworkWatcher, type FingerprintSource } from './watcher.js';

/** Checks at once: servers rate-limit connections per client (Postfix anvil, Dovecot's per-IP cap). */
export const ACCOUNTS_IN_PARALLEL = 2;
/** On stop, how long aborted checks get to unwind before the state is flushed anyway. */
export const STOP_CHECK_GRACE_MS = 3_000;
/** On stop, how long notifiers get to deliver what is queued (a dead webhook must not hold the shutdown). */
export const STOP_NOTIFY_GRACE_MS = 2_000;
/** On reload, how long the replaced notifiers get to deliver what they hold, in the background. */
const RELOAD_NOTIFY_GRACE_MS = 10_000;

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

interface Run {
  id: number;
  reason: RunReason;
  fingerprint: string;
  controller: AbortController;
  done: boolean;
}

/** Why a check was aborted, as the abort reason of its signal. */
export class RunAbortedError extends Error {
  override readonly name = 'RunAbortedError';
  constructor(readonly why: RunReason | 'shutdown') {
    super(`check aborted: ${why}`);
  }
}

export async function startAgent(input: unknown, deps: Partial<AgentDeps> = {}): Promise<AgentHandle> {
  const agent = new Agent(validateAgentConfig(input, deps.validate), deps);
  try {
    await agent.start();
  } catch (err) {
    // E.g. the metrics address is taken: release what was opened (log file, watcher) before reporting it.
    await agent.stop().catch(() => undefined);
    throw err;
  }
  return agent.handle();
}

class Agent {
  config: AgentConfig;
  readonly clock: Clock;
  readonly redactor = new Redactor();
  readonly metrics: AgentMetrics;
  readonly events = new EventEmitter<AgentEvents>();
  logger: Logger;
  readonly #ownLogger: boolean;
  state: StateStore;
  notifiers: Notifier[] = [];
  server: AgentHttpServer | undefined;
  readonly watcher: NetworkWatcher;
  #osEvents: NetworkEventSource | undefined;
  #run: Run | undefined;
  #runSeq = 0;
  readonly #inflight = new Set<Promise<void>>();
  #recheckTimer: TimerHandle | undefined;
  #stopping: Promise<void> | undefined;
  #startedAt: number;
  #lastRun: { reason: RunReason; at: number } | undefined;

  constructor(
    config: AgentConfig,
    private readonly deps: Partial<AgentDeps>,
  ) {
    this.config = config;
    this.clock = deps.clock ?? systemClock;
    this.#startedAt = this.clock.now();
    this.metrics = new AgentMetrics({ defaultMetrics: deps.defaultMetrics ?? true, now: this.#startedAt });
    this.#ownLogger = !deps.logger;
    this.logger = deps.logger ?? createAgentLogger(config.notifiers.log, this.redactor);
    this.state = this.#newStore(config.stateDir);
    this.watcher = new NetworkWatcher({
      clock: this.clock,
      source: deps.fingerprint ?? (() => networkFingerprint()),
      pollMs: config.intervals.pollMs,
      debounceMs: config.intervals.debounceMs,
      onChange: (fp, previous) => this.#onNetworkChange(fp, previous),
      onError: (err) => this.logger.warn('network fingerprint failed', { code: 'FINGERPRINT_FAILED', error: (err as Error)?.message ?? String(err) }),
    });
  }

  #newStore(dir: string): StateStore {
    return new StateStore(dir, this.clock, {
      onError: (op, code, message, extra) => {
        this.metrics.stateError(op);
        this.logger.error(message, { code, op, ...extra });
      },
      redact: (text) => this.redactor.redact(text),
    });
  }

  #notifierContext(): NotifierContext {
    return {
      logger: this.logger,
      redactor: this.redactor,
      count: (n, o) => this.metrics.notification(n, o),
      childEnv: () => {
        const env = { ...process.env };
        for (const a of this.config.accounts) for (const v of [a.passwordEnv, a.oauthTokenEnv]) if (v) delete env[v];
        return env;
      },
    };
  }

  #buildNotifiers(): Notifier[] {
    const base = this.deps.notifiers ?? createNotifiers(this.config.notifiers, this.#notifierContext(), this.deps.notifierOptions);
    return [...base, ...(this.deps.extraNotifiers ?? [])];
  }

  async start(): Promise<void> {
    await this.state.load();
    this.notifiers = this.#buildNotifiers();
    if (this.config.metrics.listen !== false) this.server = await this.#listen(this.config.metrics.listen);
    const fp = await this.watcher.start();
    this.metrics.setNetwork(fp);
    this.#startOsEvents();
    this.logger.info('agent started', {
      event: 'agent.start',
      accounts: this.config.accounts.map((a) => a.address),
      network: fp.slice(0, 12),
      stateFile: this.state.file,
      ...(this.server ? { metrics: `${this.server.url}/metrics` } : {}),
      intervals: this.config.intervals,
    });
    this.startRun('start');
  }

  async #listen(listen: string): Promise<AgentHttpServer> {
    return startHttpServer(listen, {
      registry: this.metrics.registry,
      health: () => this.#health(),
      control: {
        // Asked at request time, so a reload that turns control on or off needs no new server.
        enabled: () => this.config.metrics.control,
        reload: () => this.reload(),
        check: () => this.startRun('manual'),
      },
    });
  }

  #health(): { ok: boolean; [k: string]: unknown } {
    return {
      ok: !this.#stopping,
      network: this.watcher.current.slice(0, 12),
      uptimeSeconds: Math.round((this.clock.now() - this.#startedAt) / 1000),
      checking: Boolean(this.#run && !this.#run.done),
      ...(this.#lastRun ? { lastRun: { reason: this.#lastRun.reason, at: new Date(this.#lastRun.at).toISOString() } } : {}),
      stateWritable: this.state.healthy,
    };
  }

  #startOsEvents(): void {
    this.#osEvents?.close();
    this.#osEvents = undefined;
    if (!this.config.networkEvents || this.deps.networkEvents === false) return;
    const onEvent = (): void => this.watcher.trigger();
    const onUnavailable = (reason: string): void => {
      this.logger.info('network events unavailable; polling only', { code: 'NETWORK_EVENTS_UNAVAILABLE', reason });
    };
    this.#osEvents = this.deps.networkEvents ? this.deps.networkEvents(onEvent, onUnavailable) : watchNetworkEvents({ clock: this.clock, onEvent, onUnavailable });
  }

  #onNetworkChange(fp: string, previous: string): void {
    const at = this.clock.now();
    this.metrics.networkChanged(at, fp);
    this.logger.info('network changed', { event: 'network.change', network: fp.slice(0, 12), previous: previous.slice(0, 12) });
    this.events.emit('network-change', { fingerprint: fp, previous, at });
    this.startRun('network-change');
  }

  #scheduleRecheck(): void {
    this.clock.clearTimeout(this.#recheckTimer);
    this.#recheckTimer = undefined;
    if (this.#stopping || this.config.intervals.recheckMs <= 0) return;
    this.#recheckTimer = this.clock.setTimeout(() => {
      this.#recheckTimer = undefined;
      this.startRun('schedule');
    }, this.config.intervals.recheckMs);
  }

  startRun(reason: RunReason): void {
    if (this.#stopping) return;
    const current = this.#run;
    if (current && !current.done) {
      if (reason === 'schedule') {
        // A check is already under way: its results are as fresh as the scheduled ones would be.
        this.#scheduleRecheck();
        return;
      }
      current.controller.abort(new RunAbortedError(reason));
    }
    const run: Run = { id: ++this.#runSeq, reason, fingerprint: this.watcher.current, controller: new AbortController(), done: false };
    this.#run = run;
    this.#lastRun = { reason, at: this.clock.now() };
    this.#scheduleRecheck();
    this.events.emit('run-start', { id: run.id, reason, fingerprint: run.fingerprint });
    this.logger.debug('checking', { event: 'run.start', run: run.id, reason, network: run.fingerprint.slice(0, 12) });
    const p = this.#execute(run)
      .catch((err: unknown) => {
        this.logger.error('check round failed', { code: 'CHECK_CRASHED', error: (err as Error)?.stack ?? String(err) });
      })
      .finally(() => {
        run.done = true;
        this.#inflight.delete(p);
        this.events.emit('run-end', { id: run.id, reason, aborted: run.controller.signal.aborted });
      });
    this.#inflight.add(p);
  }

  async #execute(run: Run): Promise<void> {
    const queue = [...this.config.accounts];
    const worker = async (): Promise<void> => {
      for (let acc = queue.shift(); acc; acc = queue.shift()) {
        if (run.controller.signal.aborted) return;
        await this.#checkAccount(run, acc);
      }
    };
    await Promise.all(Array.from({ length: Math.min(ACCOUNTS_IN_PARALLEL, queue.length) }, worker));
  }

  async #checkOptions(acc: AccountConfig, signal: AbortSignal): Promise<Partial<CheckOptions>> {
    const read = this.deps.readFile ?? ((f: string) => readFile(f));
    const secret = await readAccountSecret(acc, this.deps.env ?? process.env, read);
    this.redactor.add(secret?.value);
    const ispdb = acc.ispdb === false ? false : typeof acc.ispdb === 'string' ? acc.ispdb : undefined;
    const controls = acc.controls ?? this.config.controls;
    return {
      signal,
      ...(acc.user && secret ? { credentials: secret.kind === 'oauth2' ? { user: acc.user, oauthToken: secret.value } : { user: acc.user, password: secret.value } } : {}),
      ...(acc.dns ? { dns: acc.dns } : {}),
      ...(acc.ca ? { ca: await read(acc.ca) } : {}),
      ...(controls ? { controls } : {}),
      ...(acc.relayRecipient ? { relayRecipient: acc.relayRecipient } : {}),
      ...(acc.allowPlaintextAuth ? { allowPlaintextAuth: true } : {}),
      ...(acc.timeoutMs ? { timeoutMs: acc.timeoutMs } : {}),
      ...(acc.probeNetworkSmtp === false ? { probeNetworkSmtp: false } : {}),
      ...(ispdb !== undefined ? { ispdbBaseUrl: ispdb } : {}),
      ...(acc.echoUrl ? { network: { echoUrl: acc.echoUrl } } : {}),
    };
  }

  async #checkAccount(run: Run, acc: AccountConfig): Promise<void> {
    const account = acc.address;
    const signal = run.controller.signal;
    const ended = (outcome: 'aborted' | 'discarded' | 'error'): void => {
      this.metrics.checkEnded(account, outcome);
      this.events.emit('check', { account, outcome });
    };
    let options: Partial<CheckOptions>;
    try {
      options = await this.#checkOptions(acc, signal);
    } catch (err) {
      this.logger.error('account not checked', { code: 'SECRET_UNAVAILABLE', account, error: (err as Error).message });
      return ended('error');
    }
    const check = this.deps.check ?? realCheck;
    let report: CheckReport;
    try {
      report = await check(account, options);
    } catch (err) {
      if (signal.aborted) return ended('aborted');
      this.logger.error('check failed', { code: 'CHECK_CRASHED', account, error: (err as Error)?.message ?? String(err) });
      return ended('error');
    }
    if (signal.aborted || this.#stopping) return ended('aborted');
    if (this.watcher.unsettled || this.watcher.current !== run.fingerprint) {
      // The network moved under the check: its results may mix two networks. The coming re-check replaces them.
      this.logger.debug('check result discarded: the network changed during the check', { account });
      return ended('discarded');
    }
    this.#record(run, account, report);
  }

  #record(run: Run, account: string, report: CheckReport): void {
    const now = this.clock.now();
    const summary = summarize(report, { fingerprint: run.fingerprint, reason: run.reason, checkedAt: new Date(now).toISOString() });
    this.metrics.recordReport(account, report, now);
    const previous = this.state.lastSummary(account);
    const lastWorkingHere = this.state.lastWorking(run.fingerprint, account);
    const alert = buildAlert(previous, summary, { id: (this.deps.id ?? randomUUID)(), ...(lastWorkingHere ? { lastWorkingHere } : {}) });
    this.state.record(summary, workingSettings(summary));
    this.logger.info(`checked ${account}: sending ${summary.status.sending}, receiving ${summary.status.receiving}`, {
      event: 'check.done',
      account,
      reason: run.reason,
      network: run.fingerprint.slice(0, 12),
      ...(summary.network.provider ? { provider: summary.network.provider } : {}),
      outgoing: summary.recommendation.outgoing ? `${summary.recommendation.outgoing.host}:${summary.recommendation.outgoing.port}` : 'none',
      hybrid: summary.recommendation.hybrid,
      durationMs: summary.durationMs,
    });
    this.events.emit('check', { account, outcome: 'completed', summary });
    if (alert) this.#dispatch(alert);
  }

  #dispatch(raw: Alert): void {
    const alert = this.redactor.redactValue(raw);
    this.metrics.alert(alert.account, alert.kind);
    for (const n of this.notifiers) {
      try {
        n.notify(alert);
      } catch (err) {
        this.logger.warn('notifier threw', { code: 'NOTIFY_FAILED', notifier: n.name, error: (err as Error).message });
      }
    }
    this.events.emit('alert', alert);
  }

  async reload(input?: unknown): Promise<void> {
    if (this.#stopping) return;
    let next: AgentConfig;
    try {
      const raw = input ?? (this.deps.loadConfig ? await this.deps.loadConfig() : this.config);
      next = validateAgentConfig(raw, this.deps.validate);
    } catch (err) {
      this.metrics.reloads.inc({ outcome: 'refused' });
      this.logger.error('config reload refused; keeping the running config', { code: 'CONFIG_RELOAD_FAILED', error: (err as Error).message });
      throw err;
    }
    await this.#apply(next);
    this.metrics.reloads.inc({ outcome: 'applied' });
    this.logger.info('config reloaded', { event: 'agent.reload', accounts: next.accounts.map((a) => a.address) });
    this.startRun('reload');
  }

  async #apply(next: AgentConfig): Promise<void> {
    const prev = this.config;
    this.config = next;
    if (this.#ownLogger && JSON.stringify(prev.notifiers.log) !== JSON.stringify(next.notifiers.log)) {
      const old = this.logger;
      this.logger = createAgentLogger(next.notifiers.log, this.redactor);
      void closeLogger(old);
    }
    const oldNotifiers = this.notifiers;
    this.notifiers = this.#buildNotifiers();
    // The old ones finish what they hold in the background; the reload does not wait for a slow webhook.
    void Promise.all(oldNotifiers.filter((n) => !this.notifiers.includes(n)).map((n) => n.close(RELOAD_NOTIFY_GRACE_MS)));
    this.watcher.retime(next.intervals.pollMs, next.intervals.debounceMs);
    if (prev.stateDir !== next.stateDir) {
      await this.state.flush();
      this.state = this.#newStore(next.stateDir);
      await this.state.load();
    }
    const addresses = next.accounts.map((a) => a.address);
    for (const a of prev.accounts) if (!addresses.includes(a.address)) this.metrics.forgetAccount(a.address);
    this.state.keepAccounts(addresses);
    if (prev.metrics.listen !== next.metrics.listen) {
      await this.server?.close();
      this.server = undefined;
      if (next.metrics.listen !== false) {
        try {
          this.server = await this.#listen(next.metrics.listen);
        } catch (err) {
          this.logger.error('metrics endpoint not started', { error: (err as Error).message });
        }
      }
    }
    if (prev.networkEvents !== next.networkEvents) this.#startOsEvents();
  }

  async idle(): Promise<void> {
    while (this.#inflight.size) await Promise.allSettled([...this.#inflight]);
    await this.state.flush();
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.logger.info('agent stopping', { event: 'agent.stop' });
    this.watcher.stop();
    this.#osEvents?.close();
    this.clock.clearTimeout(this.#recheckTimer);
    this.#run?.controller.abort(new RunAbortedError('shutdown'));
    // Aborted checks unwind in milliseconds; one that ignores its signal is not waited for past the grace.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#inflight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_CHECK_GRACE_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    await this.state.flush();
    await Promise.all(this.notifiers.map((n) => n.close(STOP_NOTIFY_GRACE_MS).catch(() => undefined)));
    await this.server?.close();
    this.logger.info('agent stopped', { event: 'agent.stopped' });
    if (this.#ownLogger) await closeLogger(this.logger);
  }

  handle(): AgentHandle {
    const agent = this;
    return {
      get config() {
        return agent.config;
      },
      metrics: agent.metrics,
      registry: agent.metrics.registry,
      get http() {
        const s = agent.server;
        return s ? { host: s.host, port: s.port, url: s.url } : undefined;
      },
      get fingerprint() {
        return agent.watcher.current;
      },
      get state() {
        return agent.state.state;
      },
      get stateFile() {
        return agent.state.file;
      },
      events: agent.events,
      checkNow: (reason = 'manual') => agent.startRun(reason),
      reload: (config) => agent.reload(config),
      idle: () => agent.idle(),
      stop: () => agent.stop(),
    };
  }
}
