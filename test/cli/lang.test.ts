/**
 * The language of the CLI, as a user meets it: the BUILT bin/maildoctor.js (`npm run build` first) as a child
 * process. A usage error is said in the locale's language (LC_ALL > LC_MESSAGES > LANG) unless --lang says
 * otherwise; an unknown --lang is itself a usage error. Nothing here reaches a network: each command stops at
 * its input check.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/maildoctor.js', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 70) : 0, stdout, stderr });
    });
  });
}

describe('cli: the language of messages (built CLI, child process)', function () {
  this.timeout(30_000);

  it('LANG=it_IT.UTF-8: a malformed address is said in Italian, exit 2, one line, nothing on stdout', async () => {
    const r = await run(['check', 'pippo.disney.test'], { LANG: 'it_IT.UTF-8' });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, 'maildoctor: "pippo.disney.test" non è un indirizzo di posta: serve nome@dominio\n');
    assert.equal(r.stdout, '');
  });

  it('LC_ALL wins over LANG, and --lang over both', async () => {
    assert.equal((await run(['check', 'pippo@'], { LC_ALL: 'en_US.UTF-8', LANG: 'it_IT.UTF-8' })).stderr, 'maildoctor: "pippo@" has nothing after the @\n');
    assert.equal((await run(['check', 'pippo@', '--lang', 'it'], { LC_ALL: 'en_US.UTF-8' })).stderr, 'maildoctor: in "pippo@" non c’è niente dopo la @\n');
    assert.equal((await run(['check', '--lang=en', 'pippo@'], { LANG: 'it_IT.UTF-8' })).stderr, 'maildoctor: "pippo@" has nothing after the @\n');
  });

  it('an unknown --lang is a usage error, in the locale’s language', async () => {
    const r = await run(['check', 'pippo@disney.test', '--lang', 'xx', '--no-controls', '--timeout', '1000'], { LANG: 'it_IT.UTF-8' });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, 'maildoctor: --lang: "xx" non è una lingua di maildoctor (en, it)\n');
  });

  it('no address and no --thunderbird-profile: exit 2 with what is missing', async () => {
    const r = await run(['check'], { LANG: 'C.UTF-8' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^maildoctor: missing the e-mail address to check \(or --thunderbird-profile/);
  });
});
