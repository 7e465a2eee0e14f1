import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../src/cli/main.js';
import { useNativeBackend } from '../helpers/harness/mocha.js';
import { assertBuilt, runBuiltCli } from '../helpers/cli/built-cli.js';
import { memoryIo } from '../helpers/cli/io.js';

describe('cli: maildoctor probe', () => {
  const backend = useNativeBackend();
  let dir: string;
  let caFile: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'md-cli-'));
    caFile = path.join(dir, 'ca.pem');
    await writeFile(caFile, backend().ca);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const hp = (e: { host: string; port: number }): string => `${e.host}:${e.port}`;

  it('prints the transcript and an OK verdict, exit 0, password from an environment variable never shown', async () => {
    const b = backend();
    const u = b.users[0]!;
    const io = memoryIo({ MD_PW: u.password });
    const code = await run(['probe', 'smtp', hp(b.submission), '--user', u.user, '--password-env', 'MD_PW', '--ca', caFile, '--servername', b.tlsName, '--starttls', 'required'], io);
    assert.equal(code, 0, io.err());
    assert.match(io.out(), /C: EHLO maildoctor\.invalid/);
    assert.match(io.out(), /C: AUTH PLAIN <redacted>/);
    assert.match(io.out(), /^OK smtp .* STARTTLS, logged in \(PLAIN\)/m);
    assert.ok(!io.out().includes(u.password) && !io.err().includes(u.password));
  });

  it('the built CLI logs in with the password in MAILDOCTOR_PASSWORD and nothing else said (IMAPS and submission), never printing it', async () => {
    // Issue 9: `probe` honours MAILDOCTOR_PASSWORD as `check` does, as a user runs it (a child process).
    assertBuilt();
    const b = backend();
    const u = b.users[0]!;
    for (const [protocol, endpoint, extra] of [
      ['imaps', b.imaps, []],
      ['smtp', b.submission, ['--starttls', 'required']],
    ] as const) {
      for (const json of [false, true]) {
        const r = await runBuiltCli(['probe', protocol, hp(endpoint), '--user', u.user, '--ca', caFile, '--servername', b.tlsName, ...extra, ...(json ? ['--json'] : [])], { MAILDOCTOR_PASSWORD: u.password });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(r.stderr, '');
        if (json) assert.equal((JSON.parse(r.stdout) as { auth?: { ok: boolean } }).auth?.ok, true);
        else assert.match(r.stdout, new RegExp(`^OK ${protocol} .* logged in`, 'm'));
        assert.ok(!r.stdout.includes(u.password), `${protocol}: the password is printed`);
      }
    }
  });

  it('reads the password from stdin', async () => {
    const b = backend();
    const u = b.users[0]!;
    const io = memoryIo({}, `${u.password}\n`);
    const code = await run(['probe', 'imaps', hp(b.imaps), '--user', u.user, '--password-stdin', '--ca', caFile, '--servername', b.tlsName], io);
    assert.equal(code, 0, io.out() + io.err());
    assert.match(io.out(), /^OK imaps .* logged in/m);
  });

  it('a relay refusal is a verdict of failure: exit 1 with the code, phase and reply', async () => {
    const b = backend();
    const io = memoryIo();
    const code = await run(['probe', 'smtp', hp(b.smtp), '--relay-test', 'alice@example.test', 'someone@elsewhere.example', '--ca', caFile, '--servername', b.tlsName], io);
    assert.equal(code, 1);
    assert.match(io.out(), /^FAIL smtp .*RELAY_DENIED in relay \[554 5\.7\.1\]/m);
  });

  it('--json prints the ProbeResult', async () => {
    const b = backend();
    const io = memoryIo();
    const code = await run(['probe', 'pop3', hp(b.pop3), '--json', '--ca', caFile, '--servername', b.tlsName], io);
    assert.equal(code, 0, io.err());
    const r = JSON.parse(io.out());
    assert.equal(r.protocol, 'pop3');
    assert.equal(r.security, 'starttls');
    assert.ok(Array.isArray(r.phases) && Array.isArray(r.transcript));
  });

  it('the built CLI speaks Italian under LANG=it_IT.UTF-8 and with --lang it: verdict, TLS lines, a failure (issue 14)', async () => {
    assertBuilt();
    const b = backend();
    const u = b.users[0]!;
    const login = ['probe', 'imaps', hp(b.imaps), '--user', u.user, '--ca', caFile, '--servername', b.tlsName];
    const relay = ['probe', 'smtp', hp(b.smtp), '--relay-test', 'alice@example.test', 'someone@elsewhere.example', '--ca', caFile, '--servername', b.tlsName];
    for (const [how, env, extra] of [
      ['LANG=it_IT.UTF-8', { LANG: 'it_IT.UTF-8' }, []],
      ['--lang it', { LANG: 'en_US.UTF-8' }, ['--lang', 'it']],
    ] as const) {
      const ok = await runBuiltCli([...login, ...extra], { ...env, MAILDOCTOR_PASSWORD: u.password });
      assert.equal(ok.code, 0, `${how}: ${ok.stdout}${ok.stderr}`);
      assert.equal(ok.stderr, '');
      assert.match(ok.stdout, new RegExp(`^OK imaps ${hp(b.imaps)}: SSL/TLS, accesso riuscito \\(PLAIN\\), \\d+ messagg(io|i) in \\d+ ms$`, 'm'), how);
      assert.match(ok.stdout, /^TLS TLSv1\.[23] \S+; certificato .+, emesso da .+, valido fino al \d{4}-\d\d-\d\d \(-?\d+ giorni\)$/m, how);
      assert.match(ok.stdout, /^ {2}certificato 1\/\d della catena, inviato dal server: /m, how);
      assert.match(ok.stdout, /^ +[\d.]+ ms C: \S+ AUTHENTICATE PLAIN <redacted>$/m, `${how}: the transcript stays as the wire has it`);
      // Beyond the transcript (the server's words and the probe's record of them), no English is left.
      const own = ok.stdout.split('\n').filter((line) => !/^ +[\d.]+ ms /.test(line));
      assert.doesNotMatch(own.join('\n'), /logged in|certificate |issuer |valid to |sent by|trust store/, `${how}: no English left`);
      assert.ok(!ok.stdout.includes(u.password));

      const fail = await runBuiltCli([...relay, ...extra], env);
      assert.equal(fail.code, 1, `${how}: ${fail.stdout}${fail.stderr}`);
      // The code, the phase and the server's reply stay as they are; the sentence is the catalogue's.
      assert.match(fail.stdout, /^ERRORE smtp \S+: RELAY_DENIED nella fase relay \[554 5\.7\.1\]: non spedisce per te \(\d+ ms\)$/m, how);
    }
    // English is unchanged, and JSON has no words to translate.
    const en = await runBuiltCli(relay, { LANG: 'en_US.UTF-8' });
    assert.match(en.stdout, /^FAIL smtp .*RELAY_DENIED in relay \[554 5\.7\.1\]: /m);
    const json = await runBuiltCli([...relay, '--json'], { LANG: 'it_IT.UTF-8' });
    assert.equal((JSON.parse(json.stdout) as { error?: { code: string } }).error?.code, 'RELAY_DENIED');
  });

  it('a closed port is exit 1 with CONNECT_REFUSED', async () => {
    const io = memoryIo();
    const code = await run(['probe', 'tcp', '127.0.0.1:1', '--timeout', '3000'], io);
    assert.equal(code, 1);
    assert.match(io.out(), /CONNECT_REFUSED in connect/);
  });

  for (const [name, argv, message] of [
    ['an unknown protocol', ['probe', 'gopher', 'localhost'], /unknown protocol/],
    ['a bad port', ['probe', 'smtp', 'localhost:99999'], /not a port number/],
    ['a tcp probe without a port', ['probe', 'tcp', 'localhost'], /needs HOST:PORT/],
    ['--user without a password source', ['probe', 'smtp', 'localhost', '--user', 'alice'], /never a secret on the command line/],
    ['a missing password variable', ['probe', 'smtp', 'localhost', '--user', 'a', '--password-env', 'NOPE_NOT_SET'], /NOPE_NOT_SET is not set/],
    ['a relay test with one address', ['probe', 'smtp', 'localhost', '--relay-test', 'a@b.example'], /exactly two addresses/],
    ['a missing CA file', ['probe', 'smtp', 'localhost', '--ca', '/nonexistent/ca.pem'], /cannot read the CA file .*no such file/],
    ['an unknown option (a password in argv, say)', ['probe', 'smtp', 'localhost', '--password', 'hunter2'], /unknown option/],
  ] as const) {
    it(`usage error, exit 2: ${name}`, async () => {
      const io = memoryIo();
      const code = await run([...argv], io);
      assert.equal(code, 2, io.out() + io.err());
      assert.match(io.err(), message);
      assert.ok(!/\n\s+at /.test(io.err()), 'no stack trace');
    });
  }
});
