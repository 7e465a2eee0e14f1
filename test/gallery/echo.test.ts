/**
 * Servers that echo credentials, in every auth path (issue 9): no form of the password in the probe's result
 * (JSON, transcript, error, reply, evidence), in its text rendering, or in the built CLI's stdout and stderr.
 */
import assert from 'node:assert/strict';
import { probeImap } from '../../src/probes/imap.js';
import { probePop3 } from '../../src/probes/pop3.js';
import { probeSmtp } from '../../src/probes/smtp.js';
import { renderProbeResult } from '../../src/cli/render-probe.js';
import { plainColors } from '../../src/report/render-text.js';
import type { ProbeOptions, ProbeResult } from '../../src/lib/types.js';
import type { CheckReport } from '../../src/report/types.js';
import { runInPrivateWorld, skipUnlessPrivateWorld, type EchoKind } from '../helpers/cli/private-world.js';
import { ensureBuilt, runCli } from '../helpers/process/run.js';
import { echoingImap, echoingPop3, echoingSmtp } from '../helpers/servers/echo-servers.js';
import type { FaultServer } from '../helpers/servers/gallery.js';

const USER = 'alice';
/** Quote, backslash and non-ASCII: every escaping a form can get. */
const PASSWORD = 'pa"ss\\wörd-7';

/** Every form the password may come back in, written out here independently of the library's list. */
const FORMS = [
  PASSWORD,
  JSON.stringify(PASSWORD).slice(1, -1),
  Buffer.from(PASSWORD, 'utf8').toString('latin1'),
  JSON.stringify(Buffer.from(PASSWORD, 'utf8').toString('latin1')).slice(1, -1),
  Buffer.from(PASSWORD).toString('base64'),
  Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64'),
  'pa\\"ss\\\\wörd-7', // IMAP quoted-string form
  'ss\\w', // a fragment: nothing of the password's middle either
];

function assertNoSecret(text: string, where: string): void {
  for (const form of FORMS) assert.ok(!text.includes(form), `${where} holds ${JSON.stringify(form)}:\n${text.slice(0, 3000)}`);
}

type Probe = (t: { host: string; port: number }, o: Partial<ProbeOptions>) => Promise<ProbeResult>;
const PATHS: Array<{ name: string; start: () => Promise<FaultServer>; probe: Probe; cli: string }> = [
  { name: 'SMTP AUTH PLAIN', start: () => echoingSmtp('PLAIN'), probe: probeSmtp, cli: 'smtp' },
  { name: 'SMTP AUTH LOGIN', start: () => echoingSmtp('LOGIN'), probe: probeSmtp, cli: 'smtp' },
  { name: 'SMTP AUTH CRAM-MD5', start: () => echoingSmtp('CRAM-MD5'), probe: probeSmtp, cli: 'smtp' },
  { name: 'POP3 USER/PASS', start: () => echoingPop3('USER'), probe: probePop3, cli: 'pop3' },
  { name: 'POP3 AUTH PLAIN', start: () => echoingPop3('PLAIN'), probe: probePop3, cli: 'pop3' },
  { name: 'IMAP LOGIN', start: () => echoingImap('LOGIN'), probe: probeImap, cli: 'imap' },
  { name: 'IMAP AUTHENTICATE PLAIN', start: () => echoingImap('PLAIN'), probe: probeImap, cli: 'imap' },
  { name: 'IMAP AUTHENTICATE PLAIN with SASL-IR', start: () => echoingImap('PLAIN-IR'), probe: probeImap, cli: 'imap' },
];

describe('gallery: servers that echo credentials → no secret in any form, anywhere', function () {
  this.timeout(20_000);
  before(() => ensureBuilt());
  for (const path of PATHS) {
    it(`${path.name}: the result, its JSON and its text hold no form of the password; the refusal is still evidence`, async () => {
      const server = await path.start();
      try {
        const result = await path.probe({ host: server.host, port: server.port }, { credentials: { user: USER, password: PASSWORD }, allowPlaintextAuth: true, starttls: 'never', timeoutMs: 5_000 });
        assert.equal(result.ok, false);
        assert.equal(result.error?.code, 'AUTH_FAILED', JSON.stringify(result.error));
        assert.match(JSON.stringify(result), /\[redacted\]|<redacted>/, 'the echo is kept, scrubbed');
        assertNoSecret(JSON.stringify(result), 'the JSON result');
        assertNoSecret(renderProbeResult(result, plainColors), 'the text rendering');
      } finally {
        await server.close();
      }
    });

    it(`${path.name}: the built CLI (password from MAILDOCTOR_PASSWORD) prints no form of it, text or --json`, async () => {
      const server = await path.start();
      try {
        for (const json of [false, true]) {
          const r = await runCli(['probe', path.cli, `${server.host}:${server.port}`, '--user', USER, '--allow-plaintext-auth', '--starttls', 'never', ...(json ? ['--json'] : [])], { env: { MAILDOCTOR_PASSWORD: PASSWORD } });
          assert.equal(r.code, 1, r.stderr);
          assertNoSecret(r.stdout, `stdout${json ? ' (--json)' : ''}`);
          assertNoSecret(r.stderr, 'stderr');
        }
      } finally {
        await server.close();
      }
    });
  }
});

/**
 * The same servers behind a whole `maildoctor check` and the agent (issue 9), as a user runs them: the built CLI
 * in a private network namespace (test/helpers/cli/private-world.ts) whose resolver names them (RFC 6186/8314 SRV,
 * implicit TLS with the test CA's certificate). Every account path of one check meets an echo: the report
 * (text with its evidence, and --json), the agent's log lines, its log file and its state file hold no form
 * of the password.
 */
describe('gallery: servers that echo credentials → no secret in a full check report or the agent’s logs', function () {
  this.timeout(120_000);
  before(function () {
    skipUnlessPrivateWorld(this);
  });

  const ZONE = `
echo.test                    MX   10 mail.test.
_submissions._tcp.echo.test  SRV  0 1 {port:sub} mail.test.
_imaps._tcp.echo.test        SRV  0 1 {port:imap} mail.test.
_pop3s._tcp.echo.test        SRV  0 1 {port:pop} mail.test.
mail.test                    A    127.0.0.1
`;
  const WORLDS: Array<{ name: string; echo: Record<string, EchoKind> }> = [
    { name: 'SMTP AUTH PLAIN, IMAP LOGIN, POP3 USER/PASS', echo: { sub: 'smtp:PLAIN', imap: 'imap:LOGIN', pop: 'pop3:USER' } },
    { name: 'SMTP AUTH LOGIN, IMAP AUTHENTICATE PLAIN with SASL-IR, POP3 AUTH PLAIN', echo: { sub: 'smtp:LOGIN', imap: 'imap:PLAIN-IR', pop: 'pop3:PLAIN' } },
    { name: 'SMTP AUTH CRAM-MD5, IMAP AUTHENTICATE PLAIN', echo: { sub: 'smtp:CRAM-MD5', imap: 'imap:PLAIN', pop: 'pop3:USER' } },
  ];
  const CHECK = ['check', 'alice@echo.test', '--dns', '{dns}', '--ca', '{ca}', '--no-ispdb', '--no-controls', '--user', USER];

  for (const w of WORLDS) {
    it(`check (${w.name}): the text report with its evidence and the --json report hold no form of the password; the refusals are findings`, async () => {
      for (const json of [true, false]) {
        const run = await runInPrivateWorld({ zone: ZONE, echo: w.echo, args: [...CHECK, json ? '--json' : '--verbose'], env: { MAILDOCTOR_PASSWORD: PASSWORD } });
        assert.equal(run.code, 1, `exit ${run.code}\n${run.stderr}`);
        assert.equal(run.stderr, '');
        assertNoSecret(run.stdout, `check${json ? ' --json' : ' --verbose'} stdout`);
        if (json) {
          const r = JSON.parse(run.stdout) as CheckReport;
          const logins = r.probes.filter((p) => p.withAuth && p.result.error?.code === 'AUTH_FAILED');
          assert.equal(logins.length, 3, r.probes.map((p) => `${p.id} ${p.result.error?.code}`).join('\n'));
          assert.ok(r.findings.some((f) => f.code === 'AUTH_FAILED'), r.findings.map((f) => f.code).join(', '));
          assert.match(run.stdout, /you sent .*(\[redacted\]|<redacted>)/, 'the echoes are kept as evidence, scrubbed');
        } else {
          assert.match(run.stdout, /\[AUTH_FAILED\]/);
          assert.match(run.stdout, /evidence:/, '--verbose shows the servers’ replies');
        }
      }
    });
  }

  it('agent (SMTP AUTH PLAIN, IMAP LOGIN, POP3 USER/PASS): its log lines (text and JSON), log file and state file hold no form of the password', async () => {
    for (const json of [false, true]) {
      const config = {
        accounts: [{ address: 'alice@echo.test', user: USER, passwordEnv: 'ALICE_PW', dns: ['{dns}'], ca: '{ca}', ispdb: false, controls: [], probeNetworkSmtp: false }],
        stateDir: '{dir}/state',
        networkEvents: false,
        metrics: { listen: false },
        notifiers: { log: { console: true, json, file: '{dir}/agent.log', level: 'debug' }, desktop: false },
      };
      const run = await runInPrivateWorld({
        zone: ZONE,
        echo: WORLDS[0]!.echo,
        files: { 'agent.json': JSON.stringify(config) },
        args: ['agent', '--config', '{dir}/agent.json'],
        env: { ALICE_PW: PASSWORD },
        stopWhen: 'checked alice@echo.test',
        readBack: ['agent.log', 'state/state.json'],
      });
      assert.equal(run.code, 0, `exit ${run.code} (SIGTERM stops the agent cleanly)\n${run.stderr}\n${run.stdout}`);
      assert.match(run.stdout, /checked alice@echo\.test: sending \w+, receiving fails/);
      assertNoSecret(run.stdout, `agent console${json ? ' (JSON)' : ''}`);
      assertNoSecret(run.stderr, 'agent stderr');
      assert.ok(run.files?.['agent.log'], 'the log file was written');
      assertNoSecret(run.files['agent.log'], 'agent log file');
      assert.ok(run.files['state/state.json'], 'the state file was written');
      assertNoSecret(run.files['state/state.json'], 'agent state file');
    }
  });
});
