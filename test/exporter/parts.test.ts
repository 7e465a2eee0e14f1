/** The exporter's parts: allow-list, config and web config validation, basic auth, deadlines, limits. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { ConfigError } from '../../src/lib/checker.js';
import { AllowList, parseAllowPattern } from '../../src/exporter/allow.js';
import { moduleRuntimes, parseDuration, validateExporterConfig } from '../../src/exporter/config.js';
import { RecentProbes, Slots } from '../../src/exporter/limits.js';
import { BUILTIN_MODULES, probeOptionsFor } from '../../src/exporter/modules.js';
import { tlsVersionLabel } from '../../src/exporter/probe-metrics.js';
import { probeDeadlineMs } from '../../src/exporter/server.js';
import { BasicAuth, validateWebConfig } from '../../src/exporter/web-config.js';
import { UsageError } from '../../src/lib/errors.js';

function issues(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

describe('exporter: the allow-list', () => {
  it('names, *.domain, ports, :* and CIDR networks', () => {
    const allow = new AllowList(['mail.example.com', '*.example.net:587', 'relay.example.org:*', '203.0.113.0/24', '[2001:db8::/32]:25', 'SMTP.Example.COM.']);
    const yes: Array<[string, number]> = [
      ['mail.example.com', 25],
      ['MAIL.example.com.', 993],
      ['smtp.example.net', 587],
      ['a.b.example.net', 587],
      ['relay.example.org', 2525],
      ['203.0.113.9', 465],
      ['2001:db8::1', 25],
      ['smtp.example.com', 110],
    ];
    const no: Array<[string, number]> = [
      ['mail.example.com', 8080], // not a mail port
      ['example.net', 587], // *.example.net is below example.net only
      ['smtp.example.net', 25],
      ['evilexample.net', 587],
      ['mail.example.com.evil.test', 25],
      ['203.0.114.1', 25],
      ['2001:db9::1', 25],
      ['2001:db8::1', 587],
      ['203.0.113.9', 22],
    ];
    for (const [h, p] of yes) assert.ok(allow.allows(h, p), `${h}:${p} should be allowed`);
    for (const [h, p] of no) assert.ok(!allow.allows(h, p), `${h}:${p} should be refused`);
  });

  it('refuses patterns that would allow everything, and malformed ones, with the pattern in the message', () => {
    for (const bad of ['*', '*:25', '0.0.0.0/0', '[::/0]', 'bad host', 'a:b:c', 'mail.example.com:0', 'mail.example.com:70000', '10.0.0.0/33', 'exa$mple.com']) {
      assert.throws(() => parseAllowPattern(bad), (err: Error) => err instanceof UsageError && err.message.includes(JSON.stringify(bad)), bad);
    }
  });
});

describe('exporter: the config file', () => {
  it('parses Prometheus durations', () => {
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1h'), 3_600_000);
    for (const bad of ['', '10', 's', '1s1m', '1.5s', '-1s']) assert.equal(parseDuration(bad), undefined, bad);
  });

  it('no file: the built-in modules, no allow-list, default limits', () => {
    const c = validateExporterConfig(undefined);
    assert.deepEqual(Object.keys(c.modules), ['tcp', 'smtp', 'smtp_starttls', 'smtps', 'submission', 'smtp_relay', 'pop3s', 'pop3_starttls', 'imaps', 'imap_starttls']);
    assert.deepEqual(c.allow, []);
    assert.equal(c.limits.concurrency, 16);
  });

  it('adds modules and replaces built-ins by name; relative paths are the file’s', () => {
    const c = validateExporterConfig(
      {
        allow: ['*.example.com'],
        limits: { concurrency: 4, min_interval: '30s' },
        modules: {
          acme: { prober: 'smtp', port: 587, starttls: 'required', timeout: '5s', auth: { username: 'monitor@example.com', password_file: 'secret' }, tls: { ca_file: 'ca.pem' } },
          smtp_relay: { prober: 'smtp', relay: { from: 'me@example.com', to: 'you@example.net' } },
        },
      },
      { baseDir: '/etc/maildoctor' },
    );
    assert.deepEqual(c.modules.acme, {
      prober: 'smtp',
      port: 587,
      starttls: 'required',
      timeoutMs: 5_000,
      auth: { user: 'monitor@example.com', passwordFile: '/etc/maildoctor/secret' },
      tls: { caFile: '/etc/maildoctor/ca.pem' },
    });
    assert.deepEqual(c.modules.smtp_relay!.relay, { from: 'me@example.com', to: 'you@example.net' });
    assert.deepEqual(c.limits, { concurrency: 4, minIntervalMs: 30_000 });
    assert.ok(c.modules.imaps, 'the other built-ins stay');
  });

  it('reports every bad field with its path, and never repeats a password', () => {
    const msg = issues(() =>
      validateExporterConfig({
        allow: ['*', 'ok.example.com'],
        bogus: 1,
        limits: { concurrency: 0, min_interval: 'soon' },
        modules: {
          a: { prober: 'smtps', starttls: 'required' },
          b: { prober: 'imap', auth: { username: 'u', password: 'hunter2-secret' } },
          c: { prober: 'smtp', tls: { insecure_skip_verify: true } },
          d: { port: 25 },
          e: { prober: 'pop3', relay: { from: 'a@b', to: 'c@d' } },
          'bad-name!': { prober: 'tcp' },
        },
      }),
    );
    for (const path of [
      'allow[0]:',
      'bogus: unknown field',
      'limits.concurrency: must be between 1 and 1024',
      'limits.min_interval: must be a duration',
      'modules.a.starttls: is for the smtp, pop3 and imap probers',
      'modules.b.auth.password: passwords are never read from the config file',
      'modules.c.tls.insecure_skip_verify: certificates are always verified',
      'modules.d.prober: is required',
      'modules.e.relay: is for the smtp and smtps probers',
      'modules.bad-name!: a module name is letters, digits and _',
    ]) {
      assert.ok(msg.includes(path), `missing "${path}" in:\n${msg}`);
    }
    assert.ok(!msg.includes('hunter2-secret'));
  });

  it('reads secrets at start-up: a missing variable or file is an error with its path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'maildoctor-exporter-'));
    try {
      await writeFile(join(dir, 'pw'), 's3cret\nignored\n');
      const c = validateExporterConfig(
        { modules: { f: { prober: 'imaps', auth: { username: 'u', password_file: 'pw' } }, e: { prober: 'imaps', auth: { username: 'u', password_env: 'MD_EXPORTER_TEST_UNSET' } } } },
        { baseDir: dir },
      );
      await assert.rejects(moduleRuntimes(c, {}), (err: Error) => /modules\.e\.auth\.password_env: environment variable MD_EXPORTER_TEST_UNSET is not set/.test(err.message));
      const runtimes = await moduleRuntimes(c, { MD_EXPORTER_TEST_UNSET: 'from-env' }, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
      assert.deepEqual(runtimes.get('f')!.credentials, { user: 'u', password: 's3cret' });
      assert.deepEqual(runtimes.get('e')!.credentials, { user: 'u', password: 'from-env' });
      assert.match(runtimes.get('imaps')!.ca!, /BEGIN CERTIFICATE/, '--ca reaches every module');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a module becomes probe options: policy, relay test, credentials, CA; the deadline and signal are the caller’s', () => {
    const signal = new AbortController().signal;
    const o = probeOptionsFor(BUILTIN_MODULES.smtp_relay!, { credentials: { user: 'u', password: 'p' }, ca: 'PEM' }, 1_234, signal);
    assert.deepEqual(o, { timeoutMs: 1_234, signal, starttls: 'optional', relayTest: BUILTIN_MODULES.smtp_relay!.relay, credentials: { user: 'u', password: 'p' }, ca: 'PEM' });
  });
});

describe('exporter: the web config (exporter toolkit format) and basic auth', () => {
  it('accepts the toolkit’s TLS and basic auth settings', () => {
    const hash = bcrypt.hashSync('pw', 4);
    const w = validateWebConfig(
      {
        tls_server_config: { cert_file: 'c.pem', key_file: 'k.pem', client_auth_type: 'RequireAndVerifyClientCert', client_ca_file: 'ca.pem', min_version: 'TLS13' },
        http_server_config: { headers: { 'Strict-Transport-Security': 'max-age=31536000' } },
        basic_auth_users: { prometheus: hash.replace(/^\$2b\$/, '$2y$') },
      },
      'web.yml',
      '/etc/x',
    );
    assert.deepEqual(w.tls, { certFile: '/etc/x/c.pem', keyFile: '/etc/x/k.pem', clientAuth: 'RequireAndVerifyClientCert', clientCaFile: '/etc/x/ca.pem', minVersion: 'TLSv1.3' });
    assert.deepEqual(w.headers, { 'Strict-Transport-Security': 'max-age=31536000' });
  });

  it('refuses a password where a hash belongs (without repeating it), unsupported settings by name, a client CA missing', () => {
    const msg = issues(() =>
      validateWebConfig({
        tls_server_config: { cert_file: 'c', key_file: 'k', client_auth_type: 'VerifyClientCertIfGiven', cipher_suites: ['x'] },
        http_server_config: { http2: true, headers: { 'X-Mine': 'y' } },
        basic_auth_users: { prometheus: 'plain-password-here' },
      }),
    );
    for (const path of [
      'tls_server_config.cipher_suites: is not supported',
      'tls_server_config.client_ca_file: is required',
      'http_server_config.http2: is not supported',
      'http_server_config.headers.X-Mine: unknown field',
      'basic_auth_users.prometheus: must be a bcrypt hash',
    ]) {
      assert.ok(msg.includes(path), `missing "${path}" in:\n${msg}`);
    }
    assert.ok(!msg.includes('plain-password-here'));
  });

  it('checks users against bcrypt hashes ($2y$ as htpasswd writes them); unknown users and bad headers fail', async () => {
    const auth = new BasicAuth({ prometheus: bcrypt.hashSync('right', 4).replace(/^\$2b\$/, '$2y$') });
    const basic = (s: string): string => `Basic ${Buffer.from(s).toString('base64')}`;
    assert.equal(await auth.check(basic('prometheus:right')), true);
    assert.equal(await auth.check(basic('prometheus:right')), true, 'cached');
    assert.equal(await auth.check(basic('prometheus:wrong')), false);
    assert.equal(await auth.check(basic('nobody:right')), false);
    assert.equal(await auth.check(basic('prometheus')), false);
    assert.equal(await auth.check('Bearer abc'), false);
    assert.equal(await auth.check(undefined), false);
    assert.equal(new BasicAuth({}).enabled, false);
  });
});

describe('exporter: deadlines and limits', () => {
  it('the scrape timeout header caps the module timeout, less an offset', () => {
    assert.equal(probeDeadlineMs(10_000, undefined), 10_000);
    assert.equal(probeDeadlineMs(10_000, '4'), 3_500);
    assert.equal(probeDeadlineMs(3_000, '10'), 3_000);
    assert.equal(probeDeadlineMs(10_000, '0.6'), 300, 'a very short timeout keeps half of itself');
    assert.equal(probeDeadlineMs(10_000, 'soon'), 10_000);
    assert.equal(probeDeadlineMs(10_000, ['2', '9']), 1_500);
  });

  it('TLS versions as blackbox labels them', () => {
    assert.equal(tlsVersionLabel('TLSv1.3'), 'TLS 1.3');
    assert.equal(tlsVersionLabel('TLSv1.2'), 'TLS 1.2');
    assert.equal(tlsVersionLabel('TLSv1'), 'TLS 1.0');
  });

  it('slots: at most N at once; a waiter gives up at its deadline and leaves the queue', async () => {
    const slots = new Slots(2);
    const never = new AbortController().signal;
    const r1 = await slots.acquire(never);
    await slots.acquire(never);
    assert.equal(slots.inUse, 2);
    const gaveUp = new AbortController();
    const waiting = slots.acquire(gaveUp.signal);
    const third = slots.acquire(never);
    assert.equal(slots.queued, 2);
    gaveUp.abort(new Error('deadline'));
    await assert.rejects(waiting, /deadline/);
    assert.equal(slots.queued, 1);
    r1();
    r1(); // releasing twice frees one slot only
    await third;
    assert.equal(slots.inUse, 2);
  });

  it('recent probes: one run per key while in flight and within the interval; failures are not kept', async () => {
    let now = 0;
    const recent = new RecentProbes<number>(1_000, () => now);
    let runs = 0;
    const run = (): Promise<number> => Promise.resolve(++runs);
    assert.equal(await recent.start('k', run), 1);
    now = 999;
    assert.equal(await recent.get('k')!.promise, 1);
    now = 2_000;
    assert.equal(recent.get('k'), undefined, 'expired');
    await assert.rejects(recent.start('f', () => Promise.reject(new Error('x'))));
    await Promise.resolve();
    assert.equal(recent.get('f'), undefined);
  });
});
