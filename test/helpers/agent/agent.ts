/** Shared set-up of the agent's unit tests: an agent on a ManualClock with a fake network and a fake check. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../src/agent/clock.js';
import { memoryLogger } from '../../../src/agent/log.js';
import { callbackNotifier } from '../../../src/agent/notify/index.js';
import { startAgent, type AgentDeps, type AgentHandle } from '../../../src/agent/agent.js';
import type { Alert } from '../../../src/agent/alert.js';
import { FakeCheck, FakeNetwork } from './fakes.js';

export const PASSWORD = 'S3cret-pässword"\\x';
export const ALICE = 'alice@mailbox.test';
export const BOB = 'bob@other.test';

export interface TestAgent {
  agent: AgentHandle;
  clock: ManualClock;
  net: FakeNetwork;
  fake: FakeCheck;
  alerts: Alert[];
  logger: ReturnType<typeof memoryLogger>;
  dir: string;
  config: Record<string, unknown>;
  /** Fire an OS network event (when `osEvents` was asked for). */
  osEvent(): void;
}

const cleanups: Array<() => Promise<void>> = [];

/** Stop every agent and remove every temp dir made by {@link startTestAgent} (call from afterEach). */
export async function cleanupAgents(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
}

export async function tempDir(prefix = 'maildoctor-agent-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export function baseConfig(stateDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accounts: [{ address: ALICE, user: 'alice', passwordEnv: 'TEST_AGENT_PASSWORD' }],
    intervals: { pollMs: 2_000, debounceMs: 1_500, recheckMs: 900_000 },
    stateDir,
    networkEvents: false,
    notifiers: { log: { console: false }, desktop: false },
    metrics: { listen: false },
    ...extra,
  };
}

export async function startTestAgent(
  options: { config?: Record<string, unknown>; deps?: Partial<AgentDeps>; fake?: FakeCheck; net?: FakeNetwork; clock?: ManualClock; stateDir?: string; osEvents?: boolean } = {},
): Promise<TestAgent> {
  const dir = options.stateDir ?? (await tempDir());
  const clock = options.clock ?? new ManualClock();
  const net = options.net ?? new FakeNetwork();
  const fake = options.fake ?? new FakeCheck();
  const alerts: Alert[] = [];
  const logger = memoryLogger();
  const config = { ...(options.config ?? baseConfig(dir)), ...(options.osEvents ? { networkEvents: true } : {}) };
  let fire: () => void = () => undefined;
  const agent = await startAgent(config, {
    clock,
    fingerprint: net.source,
    check: fake.fn,
    networkEvents: options.osEvents
      ? (onEvent) => {
          fire = onEvent;
          return { close: () => undefined };
        }
      : false,
    logger,
    extraNotifiers: [callbackNotifier('test', (a) => alerts.push(a))],
    env: { TEST_AGENT_PASSWORD: PASSWORD },
    defaultMetrics: false,
    id: (() => {
      let n = 0;
      return () => `alert-${++n}`;
    })(),
    ...options.deps,
  });
  cleanups.push(() => agent.stop());
  return { agent, clock, net, fake, alerts, logger, dir, config, osEvent: () => fire() };
}

/** The value of a metric series, or undefined when the series does not exist. */
export async function metricValue(agent: AgentHandle, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const m = agent.registry.getSingleMetric(name);
  if (!m) throw new Error(`no metric ${name}`);
  const { values } = await m.get();
  const v = values.find((x) => Object.entries(labels).every(([k, val]) => String((x.labels as Record<string, unknown>)[k]) === val));
  return v?.value;
}
