/**
 * The agent's scheduling, debounce, abort, alert and memory logic, on a ManualClock with an injected network
 * fingerprint and a fake check: no test here sleeps on the wall clock or touches the network.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunAbortedError } from '../../src/agent/agent.js';
import { ConfigError } from '../../src/lib/checker.js';
import { parseState } from '../../src/agent/state.js';
import { makeReport, FakeCheck } from '../helpers/agent/fakes.js';
import { ALICE, BOB, PASSWORD, baseConfig, cleanupAgents, metricValue, startTestAgent, tempDir } from '../helpers/agent/agent.js';

const POLL = 2_000;
const DEBOUNCE = 1_500;

describe('agent: scheduling and debounce', () => {
  afterEach(cleanupAgents);

  it('checks every account at start, with the password from the environment, and raises no alert when all is well', async () => {
    const t = await startTestAgent();
    await t.agent.idle();
    assert.equal(t.fake.calls.length, 1);
    const call = t.fake.calls[0]!;
    assert.equal(call.address, ALICE);
    assert.deepEqual(call.options.credentials, { user: 'alice', password: PASSWORD });
    assert.equal(t.alerts.length, 0);
    assert.ok(t.agent.state.networks['net-A']?.accounts[ALICE], 'the network is remembered');
    assert.equal(await metricValue(t.agent, 'maildoctor_checks_total', { account: ALICE, outcome: 'completed' }), 1);
  });

  it('an OAuth2 account: the token from oauthTokenFile reaches the check as oauthToken, and nothing it reports can leak it', async () => {
    const dir = await tempDir();
    const token = 'ya29.a0AfH6SMBx-token_value~for/the+agent';
    await writeFile(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
    const fake = new FakeCheck();
    fake.respond = (address) => makeReport({ address, sending: 'fails', findingText: `server echoed ${token}` });
    const t = await startTestAgent({ fake, config: { ...baseConfig(dir), accounts: [{ address: ALICE, oauthTokenFile: join(dir, 'token') }] } });
    await t.agent.idle();
    assert.deepEqual(fake.calls[0]!.options.credentials, { user: ALICE, oauthToken: token });
    for (const text of [JSON.stringify(t.alerts), JSON.stringify(t.logger.entries), await readFile(t.agent.stateFile, 'utf8'), await t.agent.registry.metrics()]) {
      assert.ok(!text.includes(token), text.slice(0, 500));
    }
  });

  it('a change held for the debounce period is one network change and one re-check', async () => {
    const t = await startTestAgent();
    await t.agent.idle();
    const changes: unknown[] = [];
    t.agent.events.on('network-change', (e) => changes.push(e));
    t.net.value = 'net-B';
    await t.clock.advance(POLL); // the poll sees B: debounce starts
    assert.equal(changes.length, 0, 'not before the debounce period');
    assert.equal(t.fake.calls.length, 1);
    await t.clock.advance(DEBOUNCE);
    await t.agent.idle();
    assert.equal(changes.length, 1);
    assert.equal(t.fake.calls.length, 2);
    assert.equal(t.agent.fingerprint, 'net-B');
    // Later polls of the same network change nothing.
    await t.clock.advance(10 * POLL);
    await t.agent.idle();
    assert.equal(changes.length, 1);
    assert.equal(t.fake.calls.length, 2);
    assert.equal(await metricValue(t.agent, 'maildoctor_network_changes_total'), 1);
  });

  it('a flap back inside the debounce window is no change at all', async () => {
    const t = await startTestAgent();
    await t.agent.idle();
    t.net.value = 'net-B';
    await t.clock.advance(POLL);
    t.net.value = 'net-A';
    await t.clock.advance(DEBOUNCE);
    await t.clock.advance(5 * POLL);
    await t.agent.idle();
    assert.equal(t.fake.calls.length, 1);
    assert.equal(t.agent.fingerprint, 'net-A');
    assert.equal(await metricValue(t.agent, 'maildoctor_network_changes_total'), 0);
  });

  it('a storm of flaps (OS events every 400 ms) makes no change until the network holds, then exactly one', async () => {
    const t = await startTestAgent({ osEvents: true });
    t.fake.respond = (address) => makeReport({ address, outgoing: `smtp.${t.net.value}.test`, hybrid: true, provider: t.net.value });
    await t.agent.idle();
    const nets = ['net-B', 'net-C', 'net-D'];
    for (let i = 0; i < 30; i++) {
      t.net.value = nets[i % 3]!;
      t.osEvent();
      await t.clock.advance(400);
    }
    await t.agent.idle();
    assert.equal(t.fake.calls.length, 1, 'no check while the network flaps');
    assert.equal(t.alerts.length, 0, 'no alert storm');
    // It settles on net-D.
    t.net.value = 'net-D';
    t.osEvent();
    await t.clock.advance(DEBOUNCE + 100);
    await t.agent.idle();
    await t.clock.advance(10 * POLL);
    await t.agent.idle();
    assert.equal(t.fake.calls.length, 2);
    assert.equal(await metricValue(t.agent, 'maildoctor_network_changes_total'), 1);
    assert.equal(t.alerts.length, 1, 'one alert for the one change');
    assert.equal(t.alerts[0]!.kind, 'settings-changed');
  });

  it('an OS event makes the change visible without waiting for the poll', async () => {
    const t = await startTestAgent({ osEvents: true, config: baseConfig(await tempDir(), { intervals: { pollMs: 60_000, debounceMs: DEBOUNCE, recheckMs: 0 } }) });
    await t.agent.idle();
    t.net.value = 'net-B';
    t.osEvent();
    await t.clock.advance(DEBOUNCE + 100);
    await t.agent.idle();
    assert.equal(t.agent.fingerprint, 'net-B');
    assert.equal(t.fake.calls.length, 2);
  });

  it('a change aborts the check in flight and its late result is ignored', async () => {
    const fake = new FakeCheck();
    fake.hold = true;
    fake.honourAbort = false; // a check that finishes anyway after the abort must still be ignored
    const t = await startTestAgent({ fake });
    assert.equal(fake.calls.length, 1);
    const first = fake.calls[0]!;
    t.net.value = 'net-B';
    await t.clock.advance(POLL + DEBOUNCE);
    assert.equal(first.signal.aborted, true, 'the check in flight is aborted');
    assert.ok(first.signal.reason instanceof RunAbortedError);
    assert.equal((first.signal.reason as RunAbortedError).why, 'network-change');
    assert.equal(fake.calls.length, 2, 'and a new one started');
    first.resolve(makeReport({ sending: 'fails' }));
    fake.calls[1]!.resolve(makeReport());
    await t.agent.idle();
    assert.equal(t.agent.state.networks['net-A'], undefined, 'the aborted result is not remembered');
    assert.ok(t.agent.state.networks['net-B']);
    assert.equal(t.alerts.length, 0, 'and raises no alert');
    assert.equal(await metricValue(t.agent, 'maildoctor_checks_total', { account: ALICE, outcome: 'aborted' }), 1);
    assert.equal(await metricValue(t.agent, 'maildoctor_checks_total', { account: ALICE, outcome: 'completed' }), 1);
  });

  it('a result that arrives while a change is being debounced is discarded', async () => {
    const fake = new FakeCheck();
    fake.hold = true;
    const t = await startTestAgent({ fake });
    t.net.value = 'net-B';
    await t.clock.advance(POLL); // unsettled
    fake.calls[0]!.resolve(makeReport());
    await t.clock.advance(0);
    assert.equal(await metricValue(t.agent, 'maildoctor_checks_total', { account: ALICE, outcome: 'discarded' }), 1);
    assert.deepEqual(Object.keys(t.agent.state.networks), []);
    fake.hold = false;
    await t.clock.advance(DEBOUNCE);
    await t.agent.idle();
    assert.deepEqual(Object.keys(t.agent.state.networks), ['net-B']);
  });

  it('re-checks on the schedule, skips a scheduled run while one is in flight, and a network change restarts the schedule', async () => {
    const t = await startTestAgent({ config: baseConfig(await tempDir(), { intervals: { pollMs: POLL, debounceMs: DEBOUNCE, recheckMs: 60_000 } }) });
    const reasons: string[] = [];
    t.agent.events.on('run-start', (e: { reason: string }) => reasons.push(e.reason));
    await t.agent.idle();
    await t.clock.advance(60_000);
    await t.agent.idle();
    await t.clock.advance(60_000);
    await t.agent.idle();
    assert.deepEqual(reasons, ['schedule', 'schedule']);
    // A change at +30 s re-checks and pushes the next scheduled run to +30 s + 60 s.
    await t.clock.advance(30_000 - POLL - DEBOUNCE);
    t.net.value = 'net-B';
    await t.clock.advance(POLL + DEBOUNCE);
    await t.agent.idle();
    assert.deepEqual(reasons, ['schedule', 'schedule', 'network-change']);
    await t.clock.advance(59_000);
    await t.agent.idle();
    assert.equal(reasons.length, 3, 'the schedule restarted at the change');
    await t.clock.advance(2_000);
    await t.agent.idle();
    assert.deepEqual(reasons.slice(3), ['schedule']);

    // While a check hangs, the scheduled run is skipped rather than piled up.
    t.fake.hold = true;
    t.agent.checkNow();
    await t.clock.advance(0);
    const before = t.fake.calls.length;
    await t.clock.advance(3 * 60_000);
    assert.equal(t.fake.calls.length, before, 'no scheduled run on top of the one in flight');
    t.fake.calls.at(-1)!.resolve(makeReport());
    await t.agent.idle();
  });

  it('reload (the SIGHUP path) applies the new config and re-checks every account; a bad config is refused and the old one kept', async () => {
    const dir = await tempDir();
    let onDisk: unknown = baseConfig(dir);
    const t = await startTestAgent({ config: baseConfig(dir), deps: { loadConfig: async () => onDisk } });
    await t.agent.idle();
    onDisk = baseConfig(dir, { accounts: [{ address: ALICE, user: 'alice', passwordEnv: 'TEST_AGENT_PASSWORD' }, { address: BOB }] });
    await t.agent.reload();
    await t.agent.idle();
    assert.equal(t.fake.callsFor(ALICE).length, 2);
    assert.equal(t.fake.callsFor(BOB).length, 1);
    assert.equal(t.fake.callsFor(BOB)[0]!.options.credentials, undefined, 'no password source, no login');
    assert.equal(t.agent.config.accounts.length, 2);

    onDisk = { accounts: [] };
    await assert.rejects(t.agent.reload(), ConfigError);
    assert.equal(t.agent.config.accounts.length, 2, 'the running config is kept');
    assert.equal(await metricValue(t.agent, 'maildoctor_config_reloads_total', { outcome: 'refused' }), 1);
    assert.ok(t.logger.entries.some((e) => e.code === 'CONFIG_RELOAD_FAILED'));
  });

  it('an account whose password cannot be had is skipped with SECRET_UNAVAILABLE; the others are checked', async () => {
    const dir = await tempDir();
    const t = await startTestAgent({
      config: baseConfig(dir, { accounts: [{ address: ALICE, passwordEnv: 'UNSET_VARIABLE_FOR_TEST' }, { address: BOB }] }),
    });
    await t.agent.idle();
    assert.equal(t.fake.callsFor(ALICE).length, 0);
    assert.equal(t.fake.callsFor(BOB).length, 1);
    assert.ok(t.logger.entries.some((e) => e.code === 'SECRET_UNAVAILABLE'));
    assert.equal(await metricValue(t.agent, 'maildoctor_checks_total', { account: ALICE, outcome: 'error' }), 1);
  });

  it('a check that throws is logged as CHECK_CRASHED and the agent carries on', async () => {
    const fake = new FakeCheck();
    let fail = true;
    fake.respond = (address) => {
      if (fail) throw new Error('boom');
      return makeReport({ address });
    };
    const t = await startTestAgent({ fake });
    await t.agent.idle();
    assert.ok(t.logger.entries.some((e) => e.code === 'CHECK_CRASHED'));
    fail = false;
    t.agent.checkNow();
    await t.agent.idle();
    assert.ok(t.agent.state.networks['net-A']);
  });
});

describe('agent: alerts', () => {
  afterEach(cleanupAgents);

  it('one alert per change: broken, then nothing while it stays broken, then recovered', async () => {
    const t = await startTestAgent();
    await t.agent.idle();
    t.fake.respond = (address) => makeReport({ address, sending: 'fails' });
    for (let i = 0; i < 5; i++) {
      t.agent.checkNow();
      await t.agent.idle();
    }
    await t.clock.advance(20 * POLL);
    await t.agent.idle();
    assert.equal(t.alerts.length, 1);
    const broken = t.alerts[0]!;
    assert.equal(broken.kind, 'broken');
    assert.equal(broken.severity, 'error');
    assert.deepEqual(broken.changes.find((c) => c.field === 'sending'), { field: 'sending', from: 'works', to: 'fails' });
    assert.match(broken.summary, /sending broken/);
    assert.ok(broken.lastWorkingHere?.outgoing, 'says what last worked on this network');

    t.fake.respond = (address) => makeReport({ address });
    t.agent.checkNow();
    await t.agent.idle();
    t.agent.checkNow();
    await t.agent.idle();
    assert.equal(t.alerts.length, 2);
    assert.equal(t.alerts[1]!.kind, 'recovered');
    assert.equal(await metricValue(t.agent, 'maildoctor_alerts_total', { account: ALICE, kind: 'broken' }), 1);
    assert.equal(await metricValue(t.agent, 'maildoctor_alerts_total', { account: ALICE, kind: 'recovered' }), 1);
  });

  it('a new network with other working settings is one settings-changed alert with the new recommendation; both networks are remembered', async () => {
    const fake = new FakeCheck();
    const net = { current: 'A' };
    fake.respond = (address) =>
      net.current === 'A'
        ? makeReport({ address, provider: 'isp-a.test', gateway: '198.51.100.1' })
        : makeReport({ address, outgoing: 'smtp.isp-b.test', hybrid: true, provider: 'isp-b.test', gateway: '203.0.113.1' });
    const t = await startTestAgent({ fake });
    await t.agent.idle();
    net.current = 'B';
    t.net.value = 'net-B';
    await t.clock.advance(POLL + DEBOUNCE);
    await t.agent.idle();
    assert.equal(t.alerts.length, 1);
    const a = t.alerts[0]!;
    assert.equal(a.kind, 'settings-changed');
    assert.equal(a.severity, 'warning');
    assert.equal(a.reason, 'network-change');
    assert.equal(a.recommendation.outgoing?.host, 'smtp.isp-b.test');
    assert.equal(a.recommendation.hybrid, true);
    assert.equal(a.previous?.recommendation.outgoing?.host, 'mail.mailbox.test');
    assert.deepEqual(
      a.changes.map((c) => c.field),
      ['outgoing', 'hybrid'],
    );
    assert.equal(a.network.provider, 'isp-b.test');
    assert.match(a.summary, /send through smtp\.isp-b\.test:25/);

    const s = t.agent.state;
    assert.deepEqual(Object.keys(s.networks).sort(), ['net-A', 'net-B']);
    assert.equal(s.networks['net-A']!.accounts[ALICE]!.lastWorking?.outgoing?.host, 'mail.mailbox.test');
    assert.equal(s.networks['net-B']!.accounts[ALICE]!.lastWorking?.outgoing?.host, 'smtp.isp-b.test');
    assert.equal(s.networks['net-B']!.label.provider, 'isp-b.test');

    // Back to A: the settings change back, one alert.
    net.current = 'A';
    t.net.value = 'net-A';
    await t.clock.advance(POLL + DEBOUNCE);
    await t.agent.idle();
    assert.equal(t.alerts.length, 2);
    assert.equal(t.alerts[1]!.recommendation.outgoing?.host, 'mail.mailbox.test');
  });

  it('the first check of an account alerts only when something is broken', async () => {
    const fake = new FakeCheck();
    fake.respond = (address) => makeReport({ address, receiving: 'fails' });
    const t = await startTestAgent({ fake });
    await t.agent.idle();
    assert.equal(t.alerts.length, 1);
    assert.equal(t.alerts[0]!.kind, 'broken');
    assert.deepEqual(t.alerts[0]!.changes, [{ field: 'receiving', from: 'unknown', to: 'fails' }]);
  });

  it('never lets the password out: alerts, logs and the state file are scrubbed even when a report leaks it', async () => {
    const fake = new FakeCheck();
    fake.respond = (address) => makeReport({ address, sending: 'fails', findingText: `server said: bad password ${PASSWORD}` });
    const t = await startTestAgent({ fake });
    await t.agent.idle();
    assert.equal(fake.calls[0]!.options.credentials?.password, PASSWORD, 'the check itself gets the password');
    assert.equal(t.alerts.length, 1);
    const alertText = JSON.stringify(t.alerts[0]);
    assert.ok(!alertText.includes(PASSWORD), alertText);
    assert.match(alertText, /\[redacted\]/);
    const logText = JSON.stringify(t.logger.entries);
    assert.ok(!logText.includes(PASSWORD));
    await t.agent.idle();
    const stateText = await readFile(t.agent.stateFile, 'utf8');
    assert.ok(!stateText.includes(PASSWORD));
    assert.ok(!stateText.includes(JSON.stringify(PASSWORD).slice(1, -1)));
    const metrics = await t.agent.registry.metrics();
    assert.ok(!metrics.includes(PASSWORD));
  });
});

describe('agent: per-network memory on disk', () => {
  afterEach(cleanupAgents);

  it('is written atomically (mode 0600, no temp file left) and restored on restart: same results, no alert', async () => {
    const dir = await tempDir();
    const t1 = await startTestAgent({ stateDir: dir, config: baseConfig(dir) });
    for (let i = 0; i < 20; i++) t1.agent.checkNow();
    await t1.agent.idle();
    await t1.agent.stop();
    const files = await readdir(dir);
    assert.deepEqual(files, ['state.json']);
    assert.equal((await stat(join(dir, 'state.json'))).mode & 0o777, 0o600);
    const onDisk = parseState(await readFile(join(dir, 'state.json'), 'utf8'));
    assert.ok(onDisk.networks['net-A']?.accounts[ALICE]?.lastWorking);

    const t2 = await startTestAgent({ stateDir: dir, config: baseConfig(dir) });
    await t2.agent.idle();
    assert.equal(t2.alerts.length, 0, 'the remembered summary is the baseline');
    t2.fake.respond = (address) => makeReport({ address, sending: 'fails' });
    t2.agent.checkNow();
    await t2.agent.idle();
    assert.equal(t2.alerts.length, 1);
  });

  it('a corrupt state file is reported (log and metric), set aside, and replaced by a valid one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'state.json'), '{"version": 1, "networks": {"trunc');
    const t = await startTestAgent({ stateDir: dir, config: baseConfig(dir) });
    await t.agent.idle();
    assert.equal(await metricValue(t.agent, 'maildoctor_state_errors_total', { op: 'parse' }), 1);
    assert.ok(t.logger.entries.some((e) => e.code === 'STATE_CORRUPT'));
    const files = await readdir(dir);
    assert.ok(files.some((f) => f.startsWith('state.json.corrupt-')), files.join());
    assert.ok(parseState(await readFile(join(dir, 'state.json'), 'utf8')).networks['net-A']);
  });

  it('an unwritable state directory is reported on every failed write and the agent keeps alerting', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a-file'), 'x');
    const stateDir = join(dir, 'a-file', 'state'); // under a regular file: ENOTDIR even for root
    const fake = new FakeCheck();
    const t = await startTestAgent({ fake, stateDir, config: baseConfig(stateDir) });
    await t.agent.idle();
    assert.ok((await metricValue(t.agent, 'maildoctor_state_errors_total', { op: 'write' }))! >= 1);
    assert.ok(t.logger.entries.some((e) => e.code === 'STATE_UNWRITABLE'));
    fake.respond = (address) => makeReport({ address, sending: 'fails' });
    t.agent.checkNow();
    await t.agent.idle();
    assert.equal(t.alerts.length, 1, 'alerts still flow');
    assert.equal(t.agent.state.networks['net-A']?.accounts[ALICE]?.last.status.sending, 'fails', 'memory is kept in the process');
  });
});

describe('agent: metrics', () => {
  afterEach(cleanupAgents);

  it('exports per-account and per-server gauges and removes the series of servers no longer probed', async () => {
    const fake = new FakeCheck();
    fake.respond = (address) => makeReport({ address, certDays: 20 });
    const t = await startTestAgent({ fake });
    await t.agent.idle();
    const labels = { account: ALICE, purpose: 'outgoing', protocol: 'smtps', host: 'mail.mailbox.test', port: '465', auth: 'password' };
    assert.equal(await metricValue(t.agent, 'maildoctor_probe_success', labels), 1);
    assert.equal(await metricValue(t.agent, 'maildoctor_probe_duration_seconds', { ...labels, phase: 'tls' }), 0.012);
    assert.equal(await metricValue(t.agent, 'maildoctor_probe_cert_expiry_days', { account: ALICE, host: 'mail.mailbox.test', port: '465' }), 20);
    assert.ok((await metricValue(t.agent, 'maildoctor_probe_cert_expiry_timestamp_seconds', { account: ALICE }))! > Date.now() / 1000);
    assert.equal(await metricValue(t.agent, 'maildoctor_account_status', { account: ALICE, direction: 'sending', status: 'works' }), 1);
    assert.equal(await metricValue(t.agent, 'maildoctor_account_status', { account: ALICE, direction: 'sending', status: 'fails' }), 0);
    assert.equal(await metricValue(t.agent, 'maildoctor_check_last_timestamp_seconds', { account: ALICE }), Math.round(t.clock.now() / 1000));

    fake.respond = (address) => makeReport({ address, outgoing: 'smtp.isp-b.test', hybrid: true });
    t.agent.checkNow();
    await t.agent.idle();
    assert.equal(await metricValue(t.agent, 'maildoctor_probe_success', labels), undefined, 'stale server series removed');
    assert.equal(await metricValue(t.agent, 'maildoctor_probe_success', { host: 'smtp.isp-b.test', port: '25', purpose: 'network-smtp' }), 1);
    assert.equal(await metricValue(t.agent, 'maildoctor_account_hybrid', { account: ALICE }), 1);
  });

  it('serves /metrics and /healthz over HTTP; control endpoints only when turned on', async () => {
    const dir = await tempDir();
    const t = await startTestAgent({ config: baseConfig(dir, { metrics: { listen: '127.0.0.1:0' } }) });
    await t.agent.idle();
    const url = t.agent.http!.url;
    const metrics = await fetch(`${url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    const text = await metrics.text();
    assert.match(text, /^maildoctor_checks_total\{account="alice@mailbox.test",outcome="completed"\} 1$/m);
    assert.match(text, /^maildoctor_network_changes_total 0$/m);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { ok: boolean }).ok, true);
    assert.equal((await fetch(`${url}/-/check`, { method: 'POST' })).status, 404);

    await t.agent.reload(baseConfig(dir, { metrics: { listen: '127.0.0.1:0', control: true } }));
    await t.agent.idle();
    const url2 = t.agent.http!.url;
    const before = t.fake.calls.length;
    assert.equal((await fetch(`${url2}/-/check`, { method: 'POST' })).status, 202);
    await t.agent.idle();
    assert.equal(t.fake.calls.length, before + 1);
    assert.equal((await fetch(`${url2}/-/reload`, { method: 'POST' })).status, 200);
    await t.agent.stop();
    await assert.rejects(fetch(`${url2}/metrics`), 'the server is closed on stop');
  });

  it('refuses to start when the metrics address is taken (UsageError, exit code 2)', async () => {
    const dir = await tempDir();
    const first = await startTestAgent({ config: baseConfig(dir, { metrics: { listen: '127.0.0.1:0' } }) });
    const taken = `127.0.0.1:${first.agent.http!.port}`;
    await assert.rejects(startTestAgent({ config: baseConfig(await tempDir(), { metrics: { listen: taken } }) }), /address already in use/);
  });
});
