/**
 * A bad config file as a user meets it (issue 14): the BUILT bin/maildoctor.js as a child process, the agent's
 * JSON and the exporter's YAML and web config, under LANG=it_IT.UTF-8 and in English. Every issue on its own
 * line after its field path (never translated: it is what the reader types), exit 2. Nothing here reaches a
 * network: each command stops at its config check.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuiltCli as run } from '../helpers/cli/built-cli.js';

describe('cli: config errors in the reader’s language (built CLI, child process)', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'md-lang-config-'));
    writeFileSync(join(dir, 'agent.json'), JSON.stringify({ accounts: [{ address: 'alice@example.test', password: 'hunter2', timeoutMs: 5 }], lang: 'fr', intervals: { pollMs: 'x' } }));
    writeFileSync(join(dir, 'agent-secret.json'), JSON.stringify({ accounts: [{ address: 'alice@example.test', user: 'alice', passwordEnv: 'MD_TEST_UNSET_PASSWORD' }] }));
    writeFileSync(join(dir, 'agent.notjson'), '{ "accounts": [');
    writeFileSync(join(dir, 'exporter.yml'), 'modules:\n  m1:\n    prober: smtq\n    timeout: 99h\n    tls:\n      insecure_skip_verify: true\n');
    writeFileSync(join(dir, 'exporter-secret.yml'), 'modules:\n  sub:\n    prober: smtp\n    auth:\n      username: alice\n      password_env: MD_TEST_UNSET_PASSWORD\n');
    writeFileSync(join(dir, 'web.yml'), 'http_server_config:\n  http2: true\nbasic_auth_users:\n  "a:b": hunter2\n');
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, string[], string, string]> = [
    [
      'agent: a bad JSON config',
      ['agent', '--config', '<dir>/agent.json'],
      [
        '<dir>/agent.json: 4 problemi:',
        '  accounts[0].password: le password non si scrivono mai nel file di configurazione: usa passwordEnv (una variabile d’ambiente) o passwordFile (un file che puoi leggere solo tu)',
        '  accounts[0].timeoutMs: deve essere un numero da 1000 a 600000, invece è 5',
        '  intervals.pollMs: deve essere un numero intero, invece è "x"',
        '  lang: deve essere una di queste lingue: en, it; invece è "fr"',
      ].join('\n'),
      [
        '<dir>/agent.json: 4 problems:',
        '  accounts[0].password: passwords are never read from the config file: use passwordEnv (an environment variable) or passwordFile (a file readable only by you)',
        '  accounts[0].timeoutMs: must be between 1000 and 600000, got 5',
        '  intervals.pollMs: must be a whole number, got "x"',
        '  lang: must be one of en, it, got "fr"',
      ].join('\n'),
    ],
    [
      'agent: a password variable that is not set',
      ['agent', '--config', '<dir>/agent-secret.json'],
      'config: accounts[0].passwordEnv: alice@example.test: la variabile d’ambiente MD_TEST_UNSET_PASSWORD non è impostata o è vuota',
      'config: accounts[0].passwordEnv: alice@example.test: environment variable MD_TEST_UNSET_PASSWORD is not set or empty',
    ],
    ['agent: a file that is not JSON', ['agent', '--config', '<dir>/agent.notjson'], '<dir>/agent.notjson: non è JSON valido: ', '<dir>/agent.notjson: not valid JSON: '],
    [
      'exporter: a bad YAML config',
      ['exporter', '--config', '<dir>/exporter.yml', '--allow', 'mail.example.test'],
      [
        '<dir>/exporter.yml: 3 problemi:',
        '  modules.m1.prober: deve essere uno di questi: smtp, smtps, pop3, pop3s, imap, imaps, tcp',
        '  modules.m1.timeout: deve essere fra 100 ms e 300 s, invece è 99h',
        '  modules.m1.tls.insecure_skip_verify: i certificati vengono sempre verificati: un certificato sbagliato è un problema da segnalare (probe_error_info), non da saltare; aggiungi la sua CA con ca_file',
      ].join('\n'),
      [
        '<dir>/exporter.yml: 3 problems:',
        '  modules.m1.prober: must be one of: smtp, smtps, pop3, pop3s, imap, imaps, tcp',
        '  modules.m1.timeout: must be between 100 ms and 300 s, got 99h',
        '  modules.m1.tls.insecure_skip_verify: certificates are always verified: a bad certificate is a finding (probe_error_info), not something to skip; add its CA with ca_file',
      ].join('\n'),
    ],
    [
      'exporter: a module’s password variable that is not set',
      ['exporter', '--config', '<dir>/exporter-secret.yml', '--allow', 'mail.example.test'],
      'config: modules.sub.auth.password_env: la variabile d’ambiente MD_TEST_UNSET_PASSWORD non è impostata o è vuota',
      'config: modules.sub.auth.password_env: environment variable MD_TEST_UNSET_PASSWORD is not set or empty',
    ],
    [
      'exporter: a bad web config',
      ['exporter', '--web-config', '<dir>/web.yml', '--allow', 'mail.example.test'],
      [
        '<dir>/web.yml: 3 problemi:',
        '  http_server_config.http2: maildoctor non lo supporta (il server parla HTTP/1.1)',
        '  basic_auth_users.a:b: un nome utente non può contenere ":" (RFC 7617)',
        '  basic_auth_users.a:b: deve essere un hash bcrypt ($2y$…, come lo crea htpasswd -B), mai una password in chiaro',
      ].join('\n'),
      [
        '<dir>/web.yml: 3 problems:',
        '  http_server_config.http2: is not supported by maildoctor (the listener speaks HTTP/1.1)',
        '  basic_auth_users.a:b: a user name cannot contain ":" (RFC 7617)',
        '  basic_auth_users.a:b: must be a bcrypt hash ($2y$…, as htpasswd -B makes), never a password',
      ].join('\n'),
    ],
  ];
  for (const [name, args, italian, english] of cases) {
    it(`${name}: Italian under LANG=it_IT.UTF-8, English under LANG=C.UTF-8, exit 2`, async () => {
      const argv = args.map((a) => a.replace('<dir>', dir));
      for (const [env, expected] of [
        [{ LANG: 'it_IT.UTF-8' }, italian],
        [{ LANG: 'C.UTF-8' }, english],
      ] as const) {
        const r = await run(argv, env);
        assert.equal(r.code, 2, `${env.LANG}: exit ${r.code}\n${r.stderr}`);
        assert.equal(r.stdout, '');
        const want = `maildoctor: ${expected.replaceAll('<dir>', dir)}`;
        // A JSON parser's own words follow "not valid JSON:" (Node's, in English): only the start is ours.
        if (expected.endsWith(': ')) assert.ok(r.stderr.startsWith(want) && r.stderr.split('\n').length === 2, `${env.LANG}: ${r.stderr}`);
        else assert.equal(r.stderr, `${want}\n`, env.LANG);
      }
    });
  }
});
