/**
 * The agent's alerts in the agent's language, as a user runs it: the BUILT `maildoctor agent` in a namespace
 * whose resolver refuses every name outside its zone, so the first check of the account fails and the agent
 * alerts at once. The alert is said in Italian under LANG=it_IT.UTF-8, and with `"lang": "it"` in the config
 * under LANG=C, and with --lang it over the config's; its data (kind, changes) stays the same. SIGTERM then stops the agent cleanly (exit 0).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, runCli, STACK_TRACE } from '../helpers/process/run.js';

/** The first check of an account whose servers cannot even be looked up: well under this. */
const ALERT_WAIT_MS = 60_000;

describe('process tier: the agent alerts in its language', function () {
  this.timeout(120_000);
  let dir: string;
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'md-agent-lang-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  async function firstAlert(name: string, config: Record<string, unknown>, env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<{ console: string; file: Array<{ alert?: { kind: string; lang: string; summary: string; changes: unknown[] } }> }> {
    const file = join(dir, `${name}.json`);
    const logFile = join(dir, `${name}.log`);
    writeFileSync(
      file,
      JSON.stringify({
        accounts: [{ address: 'pippo@example.test', controls: [], ispdb: false, timeoutMs: 10_000 }],
        stateDir: join(dir, `${name}-state`),
        metrics: { listen: false },
        networkEvents: false,
        notifiers: { log: { console: true, file: logFile }, desktop: false },
        ...config,
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    const r = await runCli(['agent', '--config', file, ...args], {
      resolver: 'refused',
      env,
      onStarted: (child) => {
        let out = '';
        // One SIGTERM: a second one while the agent stops would end it by the signal (exit 143).
        let stopped = false;
        const stop = (): void => {
          if (!stopped) child.kill('SIGTERM');
          stopped = true;
        };
        timer = setTimeout(stop, ALERT_WAIT_MS);
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes(' alert: ')) stop();
        });
      },
    });
    clearTimeout(timer);
    assert.equal(r.code, 0, `a clean stop after the alert\n${r.stderr}\n${r.stdout}`);
    assert.doesNotMatch(r.stderr, STACK_TRACE);
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { alert?: { kind: string; lang: string; summary: string; changes: unknown[] } });
    return { console: r.stdout, file: lines };
  }

  const ITALIAN = 'pippo@example.test: l’invio e la ricezione non funzionano più';
  for (const [name, how, config, env, args] of [
    ['env', 'LANG=it_IT.UTF-8', {}, { LANG: 'it_IT.UTF-8' }, []],
    ['config', '"lang": "it" in the config, LANG=C', { lang: 'it' }, { LANG: 'C.UTF-8' }, []],
    ['flag', '--lang it over "lang": "en" in the config', { lang: 'en' }, { LANG: 'C.UTF-8' }, ['--lang', 'it']],
  ] as const) {
    it(`${how}: the broken-mail alert says it in Italian, on the console and in the log file`, async () => {
      const seen = await firstAlert(name, config, env, args);
      assert.ok(seen.console.includes(ITALIAN), seen.console);
      const alert = seen.file.find((l) => l.alert)?.alert;
      assert.ok(alert, 'the alert is in the log file');
      assert.equal(alert.kind, 'broken');
      assert.equal(alert.lang, 'it');
      assert.equal(alert.summary, ITALIAN);
      assert.deepEqual(alert.changes, [
        { field: 'sending', from: 'unknown', to: 'fails' },
        { field: 'receiving', from: 'unknown', to: 'fails' },
      ]);
    });
  }

  it('without either, the alert is English', async () => {
    const seen = await firstAlert('en', {}, { LANG: 'C.UTF-8' });
    assert.equal(seen.file.find((l) => l.alert)?.alert?.summary, 'pippo@example.test: sending and receiving broken');
  });
});
