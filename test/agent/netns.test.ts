/**
 * `maildoctor agent` end to end in the lab (test/helpers/lab/lab.ts): network namespaces with real Postfix, Dovecot and a
 * test resolver. The agent runs as a child process inside the user's namespace, on ISP A. The machine moves to
 * ISP B (new address, default route and resolver; ISP B blocks its customers' outgoing 25/465/587 and runs its
 * own relay) while the agent keeps running; within seconds a webhook receiver (on the user namespace's
 * loopback) gets the settings-changed alert with the hybrid recommendation, /metrics changes, a real Prometheus
 * (Debian's package, in the same namespace) scrapes the new values, and the state file holds both networks.
 * Then ISP B's resolver goes down and comes back (broken, recovered), and a SIGTERM in the middle of a check
 * leaves a valid state file and exit code 0.
 *
 * Safety: every non-loopback connection is between namespaces this test (through the lab) made; the host's
 * namespace only starts processes and reads files. Needs root, iproute2, nftables, Postfix, Dovecot; the
 * Prometheus part also needs `prometheus`. Skipped otherwise.
 */
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseState } from '../../src/agent/state.js';
import type { Alert } from '../../src/agent/alert.js';
import { testCertificates } from '../helpers/certs.js';
import { startPostfix, type PostfixInstance } from '../helpers/harness/postfix.js';
import { cleanupStaleLabs, Lab, LAB, labEnv, REPO_ROOT } from '../helpers/lab/lab.js';
import { eventually, Lines } from '../helpers/lab/wait.js';

/** ISP B: a second customer segment behind the lab's router (the lab keeps 192.0.2.128/25 free for it). */
const ISPB = {
  router: '192.0.2.129',
  customers: '192.0.2.128/25',
  user: '192.0.2.177',
  relay: 'smtp.ispb.test',
  zone: [
    '177.2.0.192.in-addr.arpa  PTR  customer-177.cable.ispb.test.',
    'customer-177.cable.ispb.test  A  192.0.2.177',
    'smtp.ispb.test  A  192.0.2.129',
  ].join('\n'),
};
const PASSWORD_ENV = 'MAILDOCTOR_AGENT_TEST_PASSWORD';
/** "Within a few seconds": poll 2 s + debounce 1.5 s + one check in the lab (~1-2 s), with room for a loaded box. */
const ALERT_WITHIN_MS = 15_000;

function missingTool(tools: string[]): string | undefined {
  for (const tool of tools) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return tool;
    }
  }
  return undefined;
}

function whyNot(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root';
  const tool = missingTool(['ip', 'nft', 'postfix', 'dovecot']);
  return tool ? `${tool} is not installed` : undefined;
}

function json(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

describe('agent in the lab: the machine moves from ISP A to ISP B', function () {
  this.timeout(240_000);
  let lab: Lab | undefined;
  let ispbPostfix: PostfixInstance | undefined;
  let dir = '';
  let agent: ChildProcess | undefined;
  let agentOut: Lines;
  let agentErr = '';
  let hooks: Lines;
  let prometheus: ChildProcess | undefined;
  let promPort = 0;
  let metricsPort = 0;
  let stateFile = '';
  let configFile = '';

  /** GET inside the user's namespace (the host's namespace never connects out of loopback). */
  async function get(url: string): Promise<{ status: number; body: string }> {
    const script = `fetch(process.argv[1]).then(async r=>{process.stdout.write(JSON.stringify({status:r.status,body:await r.text()}))},e=>{process.stdout.write(JSON.stringify({status:0,body:String(e&&e.cause&&e.cause.code||e)}))})`;
    const r = await lab!.exec('user', [process.execPath, '-e', script, url], { timeoutMs: 15_000 });
    return JSON.parse(r.stdout || '{"status":0,"body":""}') as { status: number; body: string };
  }

  async function freePortInUserNs(): Promise<number> {
    const r = await lab!.exec('user', [process.execPath, '-e', `const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})`]);
    return Number(r.stdout);
  }

  async function metric(name: string, account?: string): Promise<number | undefined> {
    const { body } = await get(`http://127.0.0.1:${metricsPort}/metrics`);
    const re = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'm');
    for (const line of body.split('\n')) {
      const m = re.exec(line);
      if (m && (!account || (m[1] ?? '').includes(`account="${account}"`))) return Number(m[2]);
    }
    return undefined;
  }

  async function promQuery(query: string): Promise<number | undefined> {
    const { status, body } = await get(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(query)}`);
    if (status !== 200) return undefined;
    const r = JSON.parse(body) as { data?: { result?: Array<{ value: [number, string] }> } };
    const v = r.data?.result?.[0]?.value?.[1];
    return v === undefined ? undefined : Number(v);
  }

  function alerts(): Alert[] {
    return hooks.all.map(json).filter((x): x is Record<string, unknown> => Boolean(x && typeof x.body === 'string')).map((x) => JSON.parse(x.body as string) as Alert);
  }

  function diagnostics(): string {
    return `\n--- agent stdout (last 40)\n${agentOut?.all.slice(-40).join('\n')}\n--- agent stderr\n${agentErr.slice(-3_000)}`;
  }

  before(async function () {
    const why = whyNot();
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    await cleanupStaleLabs();
    lab = await Lab.start({ provider: { submission: true } });
    dir = await mkdtemp(join(tmpdir(), 'maildoctor-agent-netns-'));
    stateFile = join(dir, 'state', 'state.json');

    // ISP B: its segment and resolver address, its zone, its relay (Postfix on the router), its port block.
    await lab.addSegment('ispb', { routerAddress: ISPB.router, prefix: 25, dns: true });
    await lab.setExtraZone(ISPB.zone);
    const certs = await testCertificates({ extraNames: [ISPB.relay, ISPB.router] });
    ispbPostfix = await startPostfix({
      netns: lab.ns.isp!,
      listenAddress: ISPB.router,
      ports: { smtp: 25 },
      mynetworks: [ISPB.customers],
      myhostname: ISPB.relay,
      mydomain: 'ispb.test',
      certificate: certs.valid,
    });
    await lab.setFirewall('reject', { ports: [25, 465, 587], from: ISPB.customers });

    // The webhook receiver, on the user namespace's loopback (reachable by the agent, not by the host).
    const receiver = lab.spawn('user', [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test/helpers/agent/webhook-receiver.ts')]);
    hooks = new Lines(receiver);
    const ready = await hooks.wait('the webhook receiver', (l) => l.startsWith('ready '), 20_000);
    const hookPort = Number(ready.split(' ')[1]);
    metricsPort = await freePortInUserNs();

    configFile = join(dir, 'agent.json');
    await writeFile(
      configFile,
      JSON.stringify(
        {
          accounts: [{ address: LAB.address, user: LAB.user, passwordEnv: PASSWORD_ENV, ca: lab.caFile, controls: lab.controls, ispdb: false, timeoutMs: 20_000 }],
          stateDir: 'state',
          notifiers: {
            log: { console: true, json: true, level: 'debug' },
            webhook: { url: `http://127.0.0.1:${hookPort}/maildoctor`, timeoutMs: 2_000, retries: 3, minBackoffMs: 200 },
            desktop: false,
          },
          metrics: { listen: `127.0.0.1:${metricsPort}` },
        },
        null,
        2,
      ),
    );
    agent = lab.spawn('user', [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'test/helpers/lab/cli.ts'), 'agent', '--config', configFile], {
      env: labEnv({ [PASSWORD_ENV]: lab.password }),
    });
    agentOut = new Lines(agent);
    agent.stderr!.on('data', (d: Buffer) => (agentErr += d.toString()));
    await agentOut.wait('the first check', (l) => json(l)?.event === 'check.done', 60_000).catch((err: Error) => {
      throw new Error(err.message + diagnostics());
    });
  });

  after(async () => {
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    if (prometheus && prometheus.exitCode === null) prometheus.kill('SIGKILL');
    await ispbPostfix?.stop().catch(() => undefined);
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('on ISP A: authenticated submission to the provider, remembered for this network; no alert when all is well', async () => {
    const first = json((await agentOut.wait('check.done', (l) => json(l)?.event === 'check.done', 1)))!;
    assert.equal(first.account, LAB.address);
    assert.equal(first.hybrid, false, diagnostics());
    assert.equal(first.outgoing, 'smtp.disney.test:465', diagnostics());
    // The state write follows the log line by a few milliseconds.
    const state = await eventually('the state file', () => readFile(stateFile, 'utf8').then(parseState, () => undefined), (s) => Boolean(s), 5_000);
    assert.equal(Object.keys(state!.networks).length, 1);
    assert.equal(alerts().length, 0);
    assert.equal(await metric('maildoctor_network_changes_total'), 0);
    assert.equal(await metric('maildoctor_account_hybrid', LAB.address), 0);
  });

  it('a real Prometheus scrapes the agent', async function () {
    if (missingTool(['prometheus'])) {
      console.log('      (skipped: prometheus is not installed)');
      this.skip();
    }
    promPort = await freePortInUserNs();
    const promDir = join(dir, 'prometheus');
    await writeFile(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'rule_files:',
        `  - ${join(REPO_ROOT, 'docs', 'prometheus-alerts.yml')}`,
        'scrape_configs:',
        '  - job_name: maildoctor',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${metricsPort}']`,
        '',
      ].join('\n'),
    );
    prometheus = lab!.spawn('user', [
      'prometheus',
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${promDir}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ]);
    let promErr = '';
    prometheus.stderr!.on('data', (d: Buffer) => (promErr = (promErr + d.toString()).slice(-3_000)));
    await eventually('Prometheus ready', () => get(`http://127.0.0.1:${promPort}/-/ready`), (r) => r.status === 200, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${promErr}`);
    });
    const up = await eventually('a scrape', () => promQuery('up{job="maildoctor"}'), (v) => v === 1, 30_000);
    assert.equal(up, 1);
    assert.equal(await eventually('network changes', () => promQuery('maildoctor_network_changes_total'), (v) => v === 0, 10_000), 0);
  });

  it('moves to ISP B: one settings-changed alert with the hybrid recommendation within seconds; metrics, Prometheus and the state follow', async () => {
    const fromLine = hooks.all.length;
    const t0 = Date.now();
    await lab!.moveUser({ segment: 'ispb', address: ISPB.user, resolvers: [ISPB.router] });
    const moved = Date.now();
    const line = await hooks
      .wait('the webhook alert', (l) => (json(l)?.body as string | undefined)?.includes('"settings-changed"') ?? false, ALERT_WITHIN_MS, fromLine)
      .catch((err: Error) => {
        throw new Error(err.message + diagnostics());
      });
    const received = json(line)!;
    const latency = { fromMoveStart: (received.t as number) - t0, fromMoveEnd: (received.t as number) - moved };
    console.log(`      network change → webhook alert: ${latency.fromMoveEnd} ms after the move (${latency.fromMoveStart} ms from its start)`);
    assert.ok(latency.fromMoveEnd < ALERT_WITHIN_MS);

    const alert = JSON.parse(received.body as string) as Alert;
    assert.equal(alert.kind, 'settings-changed');
    assert.equal(alert.account, LAB.address);
    assert.equal(alert.reason, 'network-change');
    assert.equal(alert.recommendation.hybrid, true, JSON.stringify(alert, null, 1));
    assert.deepEqual(
      { host: alert.recommendation.outgoing?.host, port: alert.recommendation.outgoing?.port, auth: alert.recommendation.outgoing?.auth },
      { host: ISPB.relay, port: 25, auth: 'none' },
    );
    assert.equal(alert.previous?.recommendation.outgoing?.host, 'smtp.disney.test');
    assert.equal(alert.network.provider, 'ispb.test');
    assert.equal(alert.status.sending, 'works');
    assert.equal(alert.status.receiving, 'works');
    assert.ok(!JSON.stringify(alert).includes(lab!.password), 'no password in the alert');

    // One alert for the one change: nothing more arrives over the next polls.
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal(alerts().length, 1, JSON.stringify(alerts().map((a) => a.summary)));

    assert.equal(await metric('maildoctor_network_changes_total'), 1);
    assert.equal(await metric('maildoctor_account_hybrid', LAB.address), 1);
    if (promPort) {
      assert.equal(await eventually('Prometheus sees the change', () => promQuery('maildoctor_network_changes_total'), (v) => v === 1, 20_000), 1);
      assert.equal(await eventually('Prometheus sees the hybrid account', () => promQuery(`maildoctor_account_hybrid{account="${LAB.address}"}`), (v) => v === 1, 20_000), 1);
    }

    const state = parseState(await readFile(stateFile, 'utf8'));
    const nets = Object.values(state.networks);
    assert.equal(nets.length, 2, 'both networks are remembered');
    const worked = nets.map((n) => n.accounts[LAB.address]?.lastWorking?.outgoing?.host).sort();
    assert.deepEqual(worked, [ISPB.relay, 'smtp.disney.test'].sort());
    assert.deepEqual(nets.map((n) => n.label.provider).sort(), ['isp.test', 'ispb.test']);
    assert.ok(!(await readFile(stateFile, 'utf8')).includes(lab!.password));
  });

  it('survives an outage of ISP B’s resolver: broken, then recovered, one alert each', async () => {
    const before = alerts().length;
    const block = `table inet mdagent\ndelete table inet mdagent\ntable inet mdagent {\n  chain input {\n    type filter hook input priority filter; policy accept;\n    ip daddr ${ISPB.router} meta l4proto { tcp, udp } th dport 53 reject\n  }\n}\n`;
    const r = await lab!.exec('isp', ['nft', '-f', '-'], { input: block });
    assert.equal(r.code, 0, r.stderr);
    agent!.kill('SIGHUP');
    await eventually('the broken alert', async () => alerts().slice(before), (a) => a.some((x) => x.kind === 'broken'), 30_000).catch((err: Error) => {
      throw new Error(err.message + diagnostics());
    });
    const broken = alerts().slice(before).find((a) => a.kind === 'broken')!;
    assert.equal(broken.lastWorkingHere?.outgoing?.host, ISPB.relay, 'the alert says what last worked on this network');
    assert.equal(agent!.exitCode, null, 'the agent is still running');
    assert.equal((await get(`http://127.0.0.1:${metricsPort}/healthz`)).status, 200);

    const un = await lab!.exec('isp', ['nft', 'delete', 'table', 'inet', 'mdagent']);
    assert.equal(un.code, 0, un.stderr);
    agent!.kill('SIGHUP');
    await eventually('the recovered alert', async () => alerts().slice(before), (a) => a.some((x) => x.kind === 'recovered'), 30_000);
    const recovered = alerts().slice(before).find((a) => a.kind === 'recovered')!;
    assert.equal(recovered.recommendation.outgoing?.host, ISPB.relay);
    assert.equal(alerts().length - before, 2, JSON.stringify(alerts().slice(before).map((a) => a.summary)));
  });

  it('SIGTERM in the middle of a check: exit code 0, a valid state file with both networks', async () => {
    const from = agentOut.all.length;
    agent!.kill('SIGHUP');
    await agentOut.wait('a check under way', (l) => json(l)?.event === 'run.start', 10_000, from);
    const exited = new Promise<number | null>((resolve) => agent!.once('exit', (code) => resolve(code)));
    const t0 = Date.now();
    agent!.kill('SIGTERM');
    const code = await exited;
    assert.equal(code, 0, diagnostics());
    assert.ok(Date.now() - t0 < 10_000, `stopped in ${Date.now() - t0} ms`);
    assert.ok(agentOut.all.slice(from).some((l) => json(l)?.event === 'agent.stopped'), diagnostics());
    const state = parseState(await readFile(stateFile, 'utf8'));
    assert.equal(Object.keys(state.networks).length, 2);
  });
});
