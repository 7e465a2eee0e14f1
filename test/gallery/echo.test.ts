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
