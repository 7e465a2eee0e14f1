/** `maildoctor agent`: config errors are exit code 2; SIGHUP reloads; SIGTERM stops cleanly with 0. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ManualClock } from '../../src/agent/clock.js';
import { memoryLogger } from '../../src/agent/log.js';
import { parseState } from '../../src/agent/state.js';
import { agentCommand, type SignalSource } from '../../src/cli/agent.js';
import type { Io } from '../../src/cli/io.js';
import { FakeCheck, FakeNetwork } from '../helpers/agent/fakes.js';
import { ALICE, BOB, cleanupAgents, tempDir } from '../helpers/agent/agent.js';

/**
 * main.ts imports its commands on demand (`await import('./agent.js')`). Under mocha the test files may be loaded
 * through tsx's CommonJS hook while a dynamic import goes through the ESM loader, giving two copies of
 * src/lib/errors.ts; importing main.ts dynamically keeps the whole CLI in one (ESM) module graph, as in production.
 */
async function run(argv: string[], o: Io): Promise<number> {
  return (await import('../../src/cli/main.js')).run(argv, o);
}

function io(env: NodeJS.ProcessEnv = {}): Io & { err(): string } {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (d: Buffer) => (text += d.toString()));
  return { stdout: new PassThrough(), stderr, stdin: new PassThrough(), env, err: () => text };
}

describe('maildoctor agent (CLI)', () => {
  afterEach(cleanupAgents);

  it('a bad config file is exit code 2 with the path of the bad field', async () => {
    const dir = await tempDir();
    const file = join(dir, 'agent.json');
    await writeFile(file, JSON.stringify({ accounts: [{ address: ALICE, password: 'hunter2' }] }));
    const o = io();
    assert.equal(await run(['agent', '--config', file], o), 2);
    assert.match(o.err(), /accounts\[0\]\.password: passwords are never read from the config file/);
    assert.ok(!o.err().includes('hunter2'));
  });

  it('a missing password is exit code 2 at start-up, not a failure at the first check', async () => {
    const dir = await tempDir();
    const file = join(dir, 'agent.json');
    await writeFile(file, JSON.stringify({ accounts: [{ address: ALICE, passwordEnv: 'NOT_SET_FOR_THIS_TEST' }], stateDir: dir, metrics: { listen: false } }));
    const o = io();
    assert.equal(await run(['agent', '--config', file], o), 2);
    assert.match(o.err(), /accounts\[0\]\.passwordEnv: .*NOT_SET_FOR_THIS_TEST is not set/);
  });

  it('runs until SIGTERM (exit 0, state flushed); SIGHUP re-reads the file and re-checks', async () => {
    const dir = await tempDir();
    const file = join(dir, 'agent.json');
    const config = (accounts: unknown[]) => JSON.stringify({ accounts, stateDir: 'state', metrics: { listen: false }, networkEvents: false, notifiers: { log: { console: false }, desktop: false } });
    await writeFile(file, config([{ address: ALICE }]));
    const signals = new EventEmitter();
    const fake = new FakeCheck();
    const clock = new ManualClock();
    const done = agentCommand({ config: file }, io(), signals as unknown as SignalSource, {
      check: fake.fn,
      fingerprint: new FakeNetwork().source,
      clock,
      networkEvents: false,
      logger: memoryLogger(),
      defaultMetrics: false,
    });
    // File I/O (config, state) runs on libuv's thread pool: wait in real time, bounded, not in event-loop turns.
    const until = async (cond: () => boolean): Promise<void> => {
      const end = Date.now() + 10_000;
      while (!cond() && Date.now() < end) {
        await clock.advance(10);
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.ok(cond());
    };
    await until(() => fake.calls.length === 1);
    await writeFile(file, config([{ address: ALICE }, { address: BOB }]));
    signals.emit('SIGHUP');
    await until(() => fake.callsFor(BOB).length === 1);
    assert.equal(fake.callsFor(ALICE).length, 2);
    signals.emit('SIGTERM');
    assert.equal(await done, 0);
    assert.equal(signals.listenerCount('SIGHUP'), 0, 'signal handlers removed');
    const state = parseState(await readFile(join(dir, 'state', 'state.json'), 'utf8'));
    assert.deepEqual(Object.keys(state.accounts).sort(), [ALICE, BOB]);
  });
});
