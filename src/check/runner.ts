/**
 * The check's probes, run as sessions (sessions.ts) by a pool of workers, with probes added while others run
 * (issue 13: a probe starts as soon as its server is known; the control endpoints at once, the servers of the
 * DNS sources when they have answered, the rest when discovery and network identity are complete).
 */
import type { LookupFunction } from 'node:net';
import { sleep, type Deadline } from '../lib/deadline.js';
import { PathTimes } from '../lib/dial.js';
import type { PhaseTimeouts, ProbeOptions, ProbeResult } from '../lib/types.js';
import { probes } from '../probes/index.js';
import type { CheckProbe } from '../report/types.js';
import { answerSession, planSessions, type PlannedSession } from './sessions.js';
import { CHECK_CONNECT_TIMEOUT_MS, CHECK_PROBE_TIMEOUT_MS, MAX_CONCURRENT_PROBES, STAGGER_MS } from './defaults.js';
import { compareText } from '../lib/text.js';

/** A probe before it runs: the report's CheckProbe without its result, plus how to run it. */
export type PlannedProbe = Omit<CheckProbe, 'result'> & {
  options: Partial<ProbeOptions>;
  /** The server this probe loads: its first known address, else its name. Starts are staggered per server. */
  server: string;
};

export interface RunnerOptions {
  staggerMs?: number;
  concurrency?: number;
  probeTimeoutMs?: number;
  phaseTimeouts?: Partial<PhaseTimeouts>;
  ca?: ProbeOptions['ca'];
  allowPlaintextAuth?: boolean;
  lookup: LookupFunction;
}

/** What the check's progress line is told. */
export type RunnerProgress = (
  e: { type: 'probe-start' | 'probe-done'; probe: Pick<CheckProbe, 'id' | 'purpose' | 'protocol' | 'host' | 'port'> & { ok?: boolean; code?: string; durationMs?: number }; done?: number },
) => void;

interface Started {
  planned: PlannedProbe;
  /** This probe's record, once its session has answered it. */
  record: Promise<CheckProbe>;
}

/** A plan's probe in the runner's order of starting. */
export interface StartedProbe extends Started {}

interface Queued {
  session: PlannedSession;
  plan: readonly PlannedProbe[];
  notBefore: number;
}

export class PlanRunner {
  readonly #started = new Map<string, Started>();
  /** By the planned probe itself: a probe planned again under the same id (see {@link replace}) is another one. */
  readonly #settle = new WeakMap<PlannedProbe, (record: CheckProbe) => void>();
  readonly #queue: Queued[] = [];
  /** One view of the paths' round trips for the whole check: the first answers shorten the wait for dropped ports. */
  readonly #paths = new PathTimes();
  readonly #perServer = new Map<string, number>();
  readonly #t0 = performance.now();
  #workers = 0;
  #done = 0;

  constructor(
    private readonly options: RunnerOptions,
    private readonly deadline: Deadline,
    private readonly progress: RunnerProgress,
  ) {}

  /** The probe of this id started so far. */
  started(id: string): StartedProbe | undefined {
    return this.#started.get(id);
  }

  /** Every probe started, in the order it was added. */
  all(): StartedProbe[] {
    return [...this.#started.values()];
  }

  /** Start these although probes of their ids were started: a later source changed what they ask (the earlier ones run on, unreported). */
  replace(plan: readonly PlannedProbe[]): void {
    for (const p of plan) this.#started.delete(p.id);
    this.add(plan);
  }

  /**
   * Start these probes (those not started yet), grouped into sessions. Staggered per server: the n-th session
   * of one server starts n × stagger after the runner's start, while different servers are probed at once.
   */
  add(plan: readonly PlannedProbe[]): void {
    const fresh = plan.filter((p) => !this.#started.has(p.id));
    if (!fresh.length) return;
    for (const p of fresh) {
      let settle!: (record: CheckProbe) => void;
      const record = new Promise<CheckProbe>((resolve) => (settle = resolve));
      this.#started.set(p.id, { planned: p, record });
      this.#settle.set(p, settle);
    }
    const stagger = this.options.staggerMs ?? STAGGER_MS;
    const sessions = planSessions(fresh).map((session) => {
      const server = fresh[session.lead]!.server;
      const n = this.#perServer.get(server) ?? 0;
      this.#perServer.set(server, n + 1);
      return { session, plan: fresh, notBefore: n * stagger };
    });
    this.#queue.push(...sessions);
    this.#queue.sort((a, b) => a.notBefore - b.notBefore);
    const limit = Math.max(1, this.options.concurrency ?? MAX_CONCURRENT_PROBES);
    // Every worker running is busy with a session (one that finds the queue empty ends): the new sessions get
    // new workers, up to the cap.
    for (let n = Math.min(limit - this.#workers, this.#queue.length); n > 0; n--) {
      this.#workers++;
      void this.#work().finally(() => this.#workers--);
    }
  }

  /** A worker that finds the queue empty ends: a session queued again is taken by the worker that queued it. */
  async #work(): Promise<void> {
    for (let next = this.#queue.shift(); next; next = this.#queue.shift()) {
      const { session, plan, notBefore } = next;
      const lead = plan[session.lead]!;
      await sleep(Math.max(0, notBefore - (performance.now() - this.#t0)), this.deadline.signal).catch(() => undefined);
      for (const i of session.members) {
        const p = plan[i]!;
        this.progress({ type: 'probe-start', probe: { id: p.id, purpose: p.purpose, protocol: p.protocol, host: p.host, port: p.port } });
      }
      // Every member's own login gate is asked before the session logs in; one "no" withdraws its login.
      const logins = new Map<number, boolean>();
      const gated = session.members.filter((i) => plan[i]!.options.confirmLogin);
      const confirmLogin = async (signal: AbortSignal): Promise<boolean> => {
        const answers = await Promise.all(gated.map((i) => plan[i]!.options.confirmLogin!(signal)));
        gated.forEach((i, k) => logins.set(i, answers[k]!));
        return answers.every(Boolean);
      };
      const result = await this.#run(lead, gated.length ? { ...session.options, confirmLogin } : session.options);
      const answer = answerSession(session, result, plan, (i) => plan[i]!.options, logins);
      // Probes the session could not answer (another name's certificate, AUTH after a hang-up) go next.
      this.#queue.unshift(...answer.again.map((s) => ({ session: s, plan, notBefore: 0 })));
      for (const [i, r] of answer.results) {
        const { options: _options, server: _server, ...rest } = plan[i]!;
        this.#settle.get(plan[i]!)?.({ ...rest, ...(i !== session.lead ? { session: lead.id } : {}), result: r });
        this.#done++;
        this.progress({
          type: 'probe-done',
          probe: { id: rest.id, purpose: rest.purpose, protocol: rest.protocol, host: rest.host, port: rest.port, ok: r.ok, code: r.error?.code, durationMs: r.durationMs },
          done: this.#done,
        });
      }
    }
  }

  #run(lead: PlannedProbe, sessionOptions: Partial<ProbeOptions>): Promise<ProbeResult> {
    const { options, deadline } = this;
    return probes[lead.protocol](
      { host: lead.host, port: lead.port },
      {
        ...sessionOptions,
        timeoutMs: Math.max(1, Math.min(options.probeTimeoutMs ?? CHECK_PROBE_TIMEOUT_MS, deadline.remaining())),
        phaseTimeouts: { connect: CHECK_CONNECT_TIMEOUT_MS, ...options.phaseTimeouts },
        signal: deadline.signal,
        lookup: options.lookup,
        paths: this.#paths,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.allowPlaintextAuth ? { allowPlaintextAuth: true } : {}),
      },
    );
  }
}

/**
 * Two plans of one probe ask the same thing (an early one can stand for the final one): same options, same user.
 * A `confirmLogin` gate is not part of what a probe asks.
 */
export function samePlan(a: PlannedProbe, b: PlannedProbe): boolean {
  const shape = (p: PlannedProbe): string => {
    const { credentials, confirmLogin: _gate, ...rest } = p.options;
    return JSON.stringify([p.protocol, p.host, p.port, p.security, p.withAuth, p.relayTest, credentials?.user ?? null, Object.entries(rest).sort(([x], [y]) => compareText(x, y))]);
  };
  return shape(a) === shape(b);
}

/**
 * The gates of the logins a check starts before its plan is whole (issue 13). Each waits for the final plan and
 * lets its probe log in only when the plan asks the same of it (same options, same user name); a probe the plan
 * no longer has logs in only when every login the plan keeps for its role goes under that same name.
 */
export class LoginGates {
  readonly #waiting = new Map<string, { planned: PlannedProbe; answer: (ok: boolean) => void }>();

  /** This probe with a `confirmLogin` that waits for {@link settle}. */
  gate(p: PlannedProbe): PlannedProbe {
    let answer!: (ok: boolean) => void;
    const decided = new Promise<boolean>((resolve) => (answer = resolve));
    this.#waiting.set(p.id, { planned: p, answer });
    return { ...p, options: { ...p.options, confirmLogin: () => decided } };
  }

  /** Answer every gate from the final plan (an empty one, when the check failed: no early login goes out). Once. */
  settle(plan: readonly PlannedProbe[]): void {
    const final = new Map(plan.map((p) => [p.id, p]));
    const names = new Map<string, Set<string>>();
    for (const p of plan) {
      const user = p.withAuth ? p.options.credentials?.user : undefined;
      if (user !== undefined) names.set(p.role, (names.get(p.role) ?? new Set()).add(user));
    }
    for (const { planned, answer } of this.#waiting.values()) {
      const kept = final.get(planned.id);
      const roleNames = names.get(planned.role);
      const user = planned.options.credentials?.user;
      answer(kept ? samePlan(planned, kept) : user !== undefined && roleNames?.size === 1 && roleNames.has(user));
    }
    this.#waiting.clear();
  }
}
