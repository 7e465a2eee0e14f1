/**
 * The agent's documentation and service files stay true: every config field and every metric is documented,
 * the example alert rules load in promtool, the systemd unit verifies, the launchd plist parses.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentMetrics } from '../../src/agent/metrics.js';
import { validateAgentConfig } from '../../src/agent/config.js';
import { cleanupAgents, tempDir } from '../helpers/agent/agent.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every key path of a validated config with everything set. */
function keyPaths(v: unknown, prefix = ''): string[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return [prefix];
  return Object.entries(v).flatMap(([k, x]) => (k === 'headers' ? [`${prefix}${k}`] : keyPaths(x, `${prefix}${k}.`)));
}

describe('agent docs and service files', () => {
  afterEach(cleanupAgents);

  it('docs/agent.md names every config field and every metric', async () => {
    const doc = await readFile(join(ROOT, 'docs', 'agent.md'), 'utf8');
    const full = validateAgentConfig({
      accounts: [
        { address: 'a@example.test', user: 'a', passwordEnv: 'X', dns: ['192.0.2.53'], ca: 'ca.pem', controls: [], relayRecipient: 'x@example.net', allowPlaintextAuth: true, timeoutMs: 5_000, ispdb: false, echoUrl: 'https://echo.example.test/', probeNetworkSmtp: false },
        { address: 'b@example.test', passwordFile: 'pw' },
        { address: 'c@example.test', oauthTokenEnv: 'T' },
        { address: 'd@example.test', oauthTokenFile: 'token' },
      ],
      controls: [],
      notifiers: { log: { file: 'x.log' }, webhook: { url: 'https://hooks.example.test/' }, command: { argv: ['true'] } },
    });
    const fields = new Set(
      keyPaths(full)
        .map((p) => p.replace(/\.$/, '').replace(/^accounts\.\d+\./, ''))
        .flatMap((p) => p.split('.').slice(-1)),
    );
    for (const f of fields) {
      if (/^\d+$/.test(f)) continue;
      assert.ok(new RegExp(`\`[^\`\\n]*\\b${f}\\b[^\`\\n]*\``).test(doc), `docs/agent.md does not mention the field ${f}`);
    }
    const names = (await new AgentMetrics({ defaultMetrics: false }).registry.getMetricsAsJSON()).map((m) => m.name);
    for (const n of names) assert.ok(doc.includes(`\`${n}\``), `docs/agent.md does not mention the metric ${n}`);
  });

  it('the example alert rules pass promtool', function () {
    if (!has('promtool')) this.skip();
    const out = execFileSync('promtool', ['check', 'rules', join(ROOT, 'docs', 'prometheus-alerts.yml')], { encoding: 'utf8' });
    assert.match(out, /SUCCESS: \d+ rules found/);
  });

  it('the alert rules only use metrics the agent exports (or Prometheus’ own)', async () => {
    const rules = await readFile(join(ROOT, 'docs', 'prometheus-alerts.yml'), 'utf8');
    const exported = new Set((await new AgentMetrics({ defaultMetrics: false }).registry.getMetricsAsJSON()).map((m) => m.name));
    for (const m of rules.matchAll(/\b(maildoctor_[a-z_]+)/g)) assert.ok(exported.has(m[1]!), `${m[1]} is not exported`);
  });

  it('the systemd user unit verifies and reloads with SIGHUP', async function () {
    const unit = await readFile(join(ROOT, 'contrib', 'systemd', 'maildoctor-agent.service'), 'utf8');
    assert.match(unit, /^ExecStart=.* agent --config /m);
    assert.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    assert.match(unit, /^RestartPreventExitStatus=2$/m);
    if (!has('systemd-analyze')) this.skip();
    const dir = await tempDir();
    const copy = join(dir, 'maildoctor-agent.service');
    await copyFile(join(ROOT, 'contrib', 'systemd', 'maildoctor-agent.service'), copy);
    execFileSync('systemd-analyze', ['verify', copy], { stdio: 'pipe' });
  });

  it('the launchd plist parses and runs `maildoctor agent`', async function () {
    const file = join(ROOT, 'contrib', 'launchd', 'maildoctor.agent.plist');
    const text = await readFile(file, 'utf8');
    assert.match(text, /<string>agent<\/string>/);
    if (!has('python3')) this.skip();
    const out = execFileSync('python3', ['-c', 'import plistlib,sys,json; p=plistlib.load(open(sys.argv[1],"rb")); print(json.dumps(p))', file], { encoding: 'utf8' });
    const p = JSON.parse(out) as { Label: string; ProgramArguments: string[]; KeepAlive: { SuccessfulExit: boolean } };
    assert.equal(p.Label, 'maildoctor.agent');
    assert.deepEqual(p.ProgramArguments.slice(1, 3), ['agent', '--config']);
    assert.equal(p.KeepAlive.SuccessfulExit, false);
  });
});
