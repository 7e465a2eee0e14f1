/**
 * OAuth2 logins as a user runs them: the built CLI (`maildoctor probe`) as a child process against a real
 * Dovecot (IMAP, POP3) and Postfix (587 STARTTLS, 465) whose SASL goes through Dovecot's oauth2 passdb, which
 * asks the test's introspection endpoint (test/helpers/harness/oauth.ts). Every protocol with a good and a wrong token,
 * for OAUTHBEARER (RFC 7628) and for XOAUTH2 (a Dovecot offering only that); the token must appear nowhere in
 * stdout or stderr, in any encoding.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ProbeResult } from '../../src/lib/types.js';
import type { Endpoint, MailBackend } from '../helpers/harness/backend.js';
import { leaksOf } from '../helpers/harness/leaks.js';
import { useNativeBackend } from '../helpers/harness/mocha.js';
import { assertBuilt, runBuiltCli } from '../helpers/cli/built-cli.js';

const PROTOCOLS: Array<{ protocol: string; endpoint: (b: MailBackend) => Endpoint; extra: string[] }> = [
  { protocol: 'smtp', endpoint: (b) => b.submission, extra: ['--starttls', 'required'] },
  { protocol: 'smtps', endpoint: (b) => b.smtps, extra: [] },
  { protocol: 'imap', endpoint: (b) => b.imap, extra: ['--starttls', 'required'] },
  { protocol: 'imaps', endpoint: (b) => b.imaps, extra: [] },
  { protocol: 'pop3', endpoint: (b) => b.pop3, extra: ['--starttls', 'required'] },
  { protocol: 'pop3s', endpoint: (b) => b.pop3s, extra: [] },
];

/** A token-shaped string no one issued. */
const neverIssued = (): string => `eyJ0eXAiOiJKV1QifQ.${randomBytes(24).toString('base64url')}.${randomBytes(32).toString('base64url')}`;

describe('cli (built, child process): OAuth2 logins on real Dovecot and Postfix', function () {
  this.timeout(30_000);
  let dir: string;
  let caFile: string;
  before(async () => {
    assertBuilt();
    dir = await mkdtemp(path.join(tmpdir(), 'md-oauth-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const variant of [
    { mechanism: 'OAUTHBEARER', oauth2: true as const },
    { mechanism: 'XOAUTH2', oauth2: { mechanisms: ['xoauth2' as const] } },
  ]) {
    describe(`${variant.mechanism}${variant.mechanism === 'XOAUTH2' ? ' (a server that offers only XOAUTH2)' : ''}`, () => {
      const backend = useNativeBackend({ oauth2: variant.oauth2 });
      before(async () => {
        caFile = path.join(dir, 'ca.pem');
        await writeFile(caFile, backend().ca);
      });

      PROTOCOLS.forEach(({ protocol, endpoint, extra }, i) => {
        const common = (b: MailBackend): string[] => ['probe', protocol, `${endpoint(b).host}:${endpoint(b).port}`, '--user', 'alice@example.test', '--ca', caFile, '--servername', b.tlsName, ...extra];

        it(`${protocol}: a good token logs in with ${variant.mechanism}; the token appears nowhere`, async () => {
          const b = backend();
          const token = b.oauth!.issue('alice');
          // Half the cases read the token from a file, half from the environment: both sources, every protocol covered.
          const fromFile = i % 2 === 1;
          const tokenFile = path.join(dir, `token-${variant.mechanism}-${protocol}`);
          if (fromFile) await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
          const source = fromFile ? ['--oauth-token-file', tokenFile] : ['--oauth-token-env', 'MD_TOKEN'];
          const run = await runBuiltCli([...common(b), ...source, '--json'], fromFile ? {} : { MD_TOKEN: token });
          assert.equal(run.code, 0, run.stdout.slice(-2_000) + run.stderr);
          const r = JSON.parse(run.stdout) as ProbeResult;
          assert.equal(r.auth?.ok, true);
          assert.equal(r.auth?.mechanism, variant.mechanism);
          assert.ok(r.transcript.some((e) => e.dir === 'C' && /(AUTH|AUTHENTICATE) (OAUTHBEARER|XOAUTH2) <redacted>$|^<redacted>$/.test(e.line)), 'the token is sent with its redacted transcript form');
          assert.ok(b.oauth!.asked.includes(token), 'Dovecot introspected this very token');
          assert.deepEqual(leaksOf(run.stdout + run.stderr, [token]), []);
        });

        it(`${protocol}: a wrong token is refused after the error challenge and the dummy reply (RFC 7628 §3.2.3)`, async () => {
          const b = backend();
          const token = neverIssued();
          const run = await runBuiltCli([...common(b), '--oauth-token-env', 'MD_TOKEN'], { MD_TOKEN: token });
          assert.equal(run.code, 1, run.stdout + run.stderr);
          assert.match(run.stdout, new RegExp(`^FAIL ${protocol} .*AUTH_FAILED in auth`, 'm'));
          // The server's challenge (base64 JSON), then the dummy reply: %x01 for OAUTHBEARER, empty for XOAUTH2.
          assert.match(run.stdout, /S: (334|\+) eyJzdGF0dXMiOi/, 'a base64 {"status": … challenge');
          assert.match(run.stdout, variant.mechanism === 'OAUTHBEARER' ? /C: AQ==$/m : /C: $/m);
          assert.deepEqual(leaksOf(run.stdout + run.stderr, [token]), []);
          if (i > 0) return; // the decoded challenge once per mechanism: each wrong-token run costs Dovecot's 0.5 s failure flush
          const json = await runBuiltCli([...common(b), '--oauth-token-env', 'MD_TOKEN', '--json'], { MD_TOKEN: token });
          const r = JSON.parse(json.stdout) as ProbeResult;
          // Dovecot answers OAUTHBEARER with RFC 7628's status, XOAUTH2 the way Google does (an HTTP status).
          assert.equal(r.auth?.oauthError?.status, variant.mechanism === 'OAUTHBEARER' ? 'invalid_token' : '401');
          assert.deepEqual(leaksOf(json.stdout + json.stderr, [token]), []);
        });
      });
    });
  }

  describe('token sources: usage errors (exit 2, one line, never the token)', () => {
    for (const [name, args, env, message] of [
      ['a token without --user', ['--oauth-token-env', 'MD_TOKEN'], { MD_TOKEN: 'abc.def' }, /an OAuth2 token needs --user/],
      ['a token and a password', ['--user', 'a', '--oauth-token-env', 'MD_TOKEN', '--password-env', 'PW'], { MD_TOKEN: 'abc.def', PW: 'x' }, /give the secret one way/],
      ['an unset variable', ['--user', 'a', '--oauth-token-env', 'MD_TOKEN'], {}, /MD_TOKEN is not set or empty/],
      ['a missing token file', ['--user', 'a', '--oauth-token-file', '/nonexistent/token'], {}, /cannot read the token file \/nonexistent\/token: no such file/],
      ['a JSON document instead of a token', ['--user', 'a', '--oauth-token-env', 'MD_TOKEN'], { MD_TOKEN: '{"access_token": "s3cr3t-value"}' }, /characters an access token cannot have/],
    ] as const) {
      it(name, async () => {
        const run = await runBuiltCli(['probe', 'imaps', '127.0.0.1:1', ...args], env);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, message);
        assert.equal(run.stderr.split('\n').filter(Boolean).length, 1, run.stderr);
        assert.ok(!run.stderr.includes('s3cr3t-value'));
      });
    }
  });
});
