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
import { check as realCheck, type CheckOptions } from '../check/check.js';
import { networkFingerprint } from '../network/fingerprint.js';
import type { CheckReport } from '../report/types.js';
import { accountCheckOptions } from './account-options.js';
import { buildAlert, type Alert } from './alert.js';
import { langFromEnv } from '../i18n/lang.js';
import { systemClock, type Clock } from './clock.js';
import { validateAgentConfig, type AccountConfig, type AgentConfig } from './config.js';
import { startHttpServer, type AgentHttpServer } from './http.js';
import { closeLogger, createAgentLogger, type Logger } from './log.js';
import { AgentMetrics } from './metrics.js';
import { createNotifiers, type Notifier, type NotifierContext } from './notify/index.js';
import { watchNetworkEvents, type NetworkEventSource } from './os-events.js';
import { Redactor } from './redact.js';
import { RunScheduler, type Run } from './schedule.js';
import { envWithoutSecrets } from './secrets.js';
import { StateStore } from './state.js';
import { summarize, workingSettings, type RunReason } from './summary.js';
import type { AgentDeps, AgentEvents, AgentHandle } from './types.js';
import { NetworkWatcher } from './watcher.js';

export { ACCOUNTS_IN_PARALLEL, RunAbortedError } from './schedule.js';
export type { AgentDeps, AgentEventMap, AgentEvents, AgentHandle, CheckFunction } from './types.js';

/** On stop, how long aborted checks get to unwind before the state is flushed anyway. */
export const STOP_CHECK_GRACE_MS = 3_000;
/** On stop, how long notifiers get to deliver what is queued (a dead webhook must not hold the shutdown). */
export const STOP_NOTIFY_GRACE_MS = 2_000;
/** On reload, how long the replaced notifiers get to deliver what they hold, in the background. */
const RELOAD_NOTIFY_GRACE_MS = 10_000;

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
  readonly scheduler: RunScheduler;
  #osEvents: NetworkEventSource | undefined;
  #stopping: Promise<void> | undefined;
  #startedAt: number;

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
    this.scheduler = new RunScheduler({
      clock: this.clock,
      recheckMs: () => this.config.intervals.recheckMs,
      fingerprint: () => this.watcher.current,
      accounts: () => this.config.accounts,
      checkAccount: (run, acc) => this.#checkAccount(run, acc),
      onStart: (run) => {
        this.events.emit('run-start', { id: run.id, reason: run.reason, fingerprint: run.fingerprint });
        this.logger.debug('checking', { event: 'run.start', run: run.id, reason: run.reason, network: run.fingerprint.slice(0, 12) });
      },
      onEnd: (run) => this.events.emit('run-end', { id: run.id, reason: run.reason, aborted: run.controller.signal.aborted }),
      onCrash: (err) => this.logger.error('check round failed', { code: 'CHECK_CRASHED', error: (err as Error)?.stack ?? String(err) }),
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
      childEnv: () => envWithoutSecrets(process.env, this.config.accounts),
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
    const last = this.scheduler.lastRun;
    return {
      ok: !this.#stopping,
      network: this.watcher.current.slice(0, 12),
      uptimeSeconds: Math.round((this.clock.now() - this.#startedAt) / 1000),
      checking: this.scheduler.checking,
      ...(last ? { lastRun: { reason: last.reason, at: new Date(last.at).toISOString() } } : {}),
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

  /** Check every account now: a round in flight is aborted (a scheduled round waits for it instead). */
  startRun(reason: RunReason): void {
    this.scheduler.start(reason);
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
      options = await accountCheckOptions(acc, this.config, { env: this.deps.env, readFile: this.deps.readFile, redactor: this.redactor }, signal);
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
    const lang = this.config.lang ?? langFromEnv(this.deps.env ?? process.env);
    const summary = summarize(report, { fingerprint: run.fingerprint, reason: run.reason, checkedAt: new Date(now).toISOString(), lang });
    this.metrics.recordReport(account, report, now);
    const previous = this.state.lastSummary(account);
    const lastWorkingHere = this.state.lastWorking(run.fingerprint, account);
    const alert = buildAlert(previous, summary, { id: (this.deps.id ?? randomUUID)(), lang, ...(lastWorkingHere ? { lastWorkingHere } : {}) });
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
    await this.scheduler.idle();
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
    await this.scheduler.stop(STOP_CHECK_GRACE_MS);
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
