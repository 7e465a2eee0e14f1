import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_DEBOUNCE_MS, DEFAULT_METRICS_LISTEN, DEFAULT_POLL_MS, DEFAULT_RECHECK_MS, loadAgentConfig, validateAgentConfig } from '../../src/agent/config.js';
import { checkSecrets, readAccountSecret } from '../../src/agent/secrets.js';
import { ConfigError } from '../../src/lib/checker.js';
import { UsageError } from '../../src/lib/errors.js';
import { cleanupAgents, tempDir } from '../helpers/agent/agent.js';

const opts = { baseDir: '/etc/maildoctor', home: '/home/u', defaultStateDir: '/home/u/.local/state/maildoctor' };

function issues(input: unknown): Array<{ path: string; message: string }> {
  try {
    validateAgentConfig(input, opts);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.ok(err instanceof UsageError, 'a ConfigError is a UsageError: exit code 2');
    return err.issues;
  }
  assert.fail('expected a ConfigError');
}

function pathsOf(input: unknown): string[] {
  return issues(input).map((i) => i.path);
}

describe('agent config', () => {
  afterEach(cleanupAgents);

  it('fills in the documented defaults', () => {
    const c = validateAgentConfig({ accounts: [{ address: 'alice@example.test' }] }, opts);
    assert.deepEqual(c.intervals, { pollMs: DEFAULT_POLL_MS, debounceMs: DEFAULT_DEBOUNCE_MS, recheckMs: DEFAULT_RECHECK_MS });
    assert.equal(c.stateDir, opts.defaultStateDir);
    assert.deepEqual(c.metrics, { listen: DEFAULT_METRICS_LISTEN, control: false });
    assert.equal(c.notifiers.desktop, true);
    assert.deepEqual(c.notifiers.log, { console: true, json: false, level: 'info' });
    assert.equal(c.notifiers.webhook, undefined);
    assert.equal(c.networkEvents, true);
    assert.equal(DEFAULT_POLL_MS, 2_000);
    assert.equal(DEFAULT_DEBOUNCE_MS, 1_500);
    assert.equal(DEFAULT_RECHECK_MS, 900_000);
  });

  it('resolves paths against the config file’s directory and ~ against home; user defaults to the address', () => {
    const c = validateAgentConfig(
      {
        accounts: [{ address: 'alice@example.test', passwordFile: 'alice.secret', ca: '~/ca.pem' }],
        stateDir: 'state',
        notifiers: { log: { file: '/var/log/md.log' }, webhook: { url: 'https://hooks.example.test/x' } },
      },
      opts,
    );
    assert.equal(c.accounts[0]!.passwordFile, '/etc/maildoctor/alice.secret');
    assert.equal(c.accounts[0]!.ca, '/home/u/ca.pem');
    assert.equal(c.accounts[0]!.user, 'alice@example.test');
    assert.equal(c.stateDir, '/etc/maildoctor/state');
    assert.equal(c.notifiers.log.file, '/var/log/md.log');
    assert.equal(c.notifiers.webhook!.retries, 5);
  });

  it('is idempotent: a validated config validates to itself', () => {
    const c = validateAgentConfig(
      { accounts: [{ address: 'alice@example.test', passwordEnv: 'PW', dns: ['192.0.2.53'] }], metrics: { listen: false }, notifiers: { command: { argv: ['/bin/true'] } } },
      opts,
    );
    assert.deepEqual(validateAgentConfig(c, { ...opts, baseDir: '/elsewhere' }), c);
  });

  it('reads dns and controls with the one HOST[:PORT] parser: what a check would refuse is refused at load', () => {
    const paths = pathsOf({
      accounts: [{ address: 'alice@example.test', dns: ['[192.0.2.53]:53'], controls: ['smtp.example.test:0', '[2001:db8::25]:25', 'smtp.example.test'] }],
      controls: ['2001:db8::25:25'],
    });
    assert.ok(paths.includes('accounts[0].dns[0]'), paths.join(', '));
    assert.ok(paths.includes('accounts[0].controls[0]'), paths.join(', '));
    assert.ok(!paths.includes('accounts[0].controls[1]') && !paths.includes('accounts[0].controls[2]'), paths.join(', '));
    assert.ok(!paths.includes('controls[0]'), `a bare IPv6 address is a host without a port: ${paths.join(', ')}`);
  });

  it('refuses an inline password, with the path of the field', () => {
    const [i] = issues({ accounts: [{ address: 'alice@example.test', password: 'hunter2' }] });
    assert.equal(i!.path, 'accounts[0].password');
    assert.match(i!.message, /never read from the config file/);
    assert.ok(!i!.message.includes('hunter2'));
  });

  it('names every bad field at once', () => {
    const paths = pathsOf({
      accounts: [
        { address: 'not-an-address' },
        { address: 'bob@example.test', passwordEnv: 'BAD-NAME', user: 'bob' },
        { address: 'carol@example.test', passwordEnv: 'A', passwordFile: '/x' },
        { address: 'dave@example.test', user: 'dave' },
        { address: 'bob@example.test' },
        { address: 'erin@example.test', dns: [], timeoutMs: 5, ispdb: 'ftp://x', echoUrl: 'http://plain.example.test', controls: ['a b'], relayRecipient: 'nope', extra: 1 },
      ],
      intervals: { pollMs: 10, debounceMs: -1, recheckMs: 500 },
      notifiers: { log: { level: 'loud', console: 'yes' }, webhook: { url: 'not a url', retries: 99, minBackoffMs: 10, maxBackoffMs: 5 }, command: { argv: [] }, desktop: 1 },
      metrics: { listen: 'localhost' },
      surprise: true,
    });
    for (const p of [
      'accounts[0].address',
      'accounts[1].passwordEnv',
      'accounts[2]',
      'accounts[3].user',
      'accounts[4].address',
      'accounts[5].dns',
      'accounts[5].timeoutMs',
      'accounts[5].ispdb',
      'accounts[5].echoUrl',
      'accounts[5].controls[0]',
      'accounts[5].relayRecipient',
      'accounts[5].extra',
      'intervals.pollMs',
      'intervals.debounceMs',
      'intervals.recheckMs',
      'notifiers.log.level',
      'notifiers.log.console',
      'notifiers.webhook.url',
      'notifiers.webhook.retries',
      'notifiers.webhook.maxBackoffMs',
      'notifiers.command.argv',
      'notifiers.desktop',
      'metrics.listen',
      'surprise',
    ]) {
      assert.ok(paths.includes(p), `missing ${p} in ${paths.join(', ')}`);
    }
  });

  it('an OAuth2 account: oauthTokenEnv or oauthTokenFile, one secret source only, the user defaulting to the address', () => {
    const c = validateAgentConfig({ accounts: [{ address: 'ann@example.test', oauthTokenEnv: 'ANN_TOKEN' }, { address: 'bob@example.test', user: 'bob', oauthTokenFile: '/etc/maildoctor/bob.token' }] });
    assert.equal(c.accounts[0]!.user, 'ann@example.test');
    assert.equal(c.accounts[0]!.oauthTokenEnv, 'ANN_TOKEN');
    assert.equal(c.accounts[1]!.oauthTokenFile, '/etc/maildoctor/bob.token');
    const paths = pathsOf({ accounts: [{ address: 'c@example.test', oauthTokenEnv: 'T', passwordEnv: 'P' }, { address: 'd@example.test', oauthTokenEnv: 'not-a-name' }] });
    assert.deepEqual(paths, ['accounts[0]', 'accounts[1].oauthTokenEnv']);
  });

  it('needs at least one account; the document must be an object', () => {
    assert.deepEqual(pathsOf({ accounts: [] }), ['accounts']);
    assert.deepEqual(pathsOf([]), ['']);
    assert.deepEqual(pathsOf(null), ['']);
  });

  it('reads a file: the message names the file; JSON syntax errors are config errors too', async () => {
    const dir = await tempDir();
    const good = join(dir, 'agent.json');
    await writeFile(good, JSON.stringify({ accounts: [{ address: 'alice@example.test', passwordFile: 'pw' }] }));
    const c = await loadAgentConfig(good);
    assert.equal(c.accounts[0]!.passwordFile, join(dir, 'pw'));
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ "accounts": [ ');
    await assert.rejects(loadAgentConfig(bad), (err: Error) => err instanceof ConfigError && err.message.startsWith(bad) && /not valid JSON/.test(err.message));
    const wrong = join(dir, 'wrong.json');
    await writeFile(wrong, JSON.stringify({ accounts: [{ address: 'x@example.test', passwordEnv: '1X' }] }));
    await assert.rejects(loadAgentConfig(wrong), /wrong\.json: accounts\[0\]\.passwordEnv: must be an environment variable name/);
    await assert.rejects(loadAgentConfig(join(dir, 'missing.json')), (err: Error) => err instanceof UsageError && /ENOENT/.test(err.message));
  });

  it('reads passwords from the environment or the first line of a secret file, and says which is missing without the secret', async () => {
    const dir = await tempDir();
    const file = join(dir, 'secret');
    await writeFile(file, 'pa ss\nsecond line\n', { mode: 0o600 });
    assert.deepEqual(await readAccountSecret({ address: 'a@example.test', passwordFile: file }, {}), { kind: 'password', value: 'pa ss' });
    assert.deepEqual(await readAccountSecret({ address: 'a@example.test', passwordEnv: 'PW' }, { PW: 'x' }), { kind: 'password', value: 'x' });
    assert.equal(await readAccountSecret({ address: 'a@example.test' }, {}), undefined);
    await assert.rejects(readAccountSecret({ address: 'a@example.test', passwordEnv: 'PW' }, {}), /PW is not set/);
    assert.deepEqual(await readAccountSecret({ address: 'a@example.test', oauthTokenEnv: 'TOK' }, { TOK: 'ya29.abc' }), { kind: 'oauth2', value: 'ya29.abc' });
    assert.deepEqual(await readAccountSecret({ address: 'a@example.test', oauthTokenFile: file }, {}), { kind: 'oauth2', value: 'pa ss' });
    await assert.rejects(readAccountSecret({ address: 'a@example.test', oauthTokenFile: `${file}.missing` }, {}), /cannot read token file/);
    const config = validateAgentConfig({ accounts: [{ address: 'a@example.test', passwordEnv: 'PW' }, { address: 'b@example.test', passwordFile: join(dir, 'nope') }] }, opts);
    await assert.rejects(checkSecrets(config, {}), (err: ConfigError) => {
      assert.deepEqual(
        err.issues.map((i) => i.path),
        ['accounts[0].passwordEnv', 'accounts[1].passwordFile'],
      );
      return true;
    });
  });
});
