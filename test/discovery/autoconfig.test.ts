import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAddress, parseClientConfig } from '../../src/discovery/index.js';
import { fetchAutoconfig, fetchIspdb, type AutoconfigContext } from '../../src/discovery/autoconfig.js';
import { autoconfigContext } from '../../src/discovery/claims.js';
import { openSession, type LookupOptions } from '../../src/lookup/session.js';
import { fixture, startWorld, type World } from '../helpers/discovery/world.js';

describe('discovery: clientConfig v1.1', () => {
  it('reads servers, security, authentication and expands username templates', () => {
    const cfg = parseClientConfig(readFileSync(fixture('autoconfig', 'example.test.xml'), 'utf8'), parseAddress('jane@example.test'));
    assert.equal(cfg.displayName, 'Example & Co mail');
    assert.deepEqual(cfg.domains, ['example.test']);
    assert.deepEqual(
      cfg.servers.map((s) => [s.role, s.hostname, s.port, s.security, s.username]),
      [
        ['imap', 'imap.example.test', 993, 'tls', 'jane@example.test'],
        ['pop3', 'pop.example.test', 995, 'tls', 'jane'],
        ['smtp', 'smtp.example.test', 587, 'starttls', 'jane@example.test'],
      ],
    );
    assert.deepEqual(cfg.servers[2]!.authentication, ['password-cleartext', 'OAuth2']);
    assert.equal(cfg.servers[2]!.usernameTemplate, '%EMAILADDRESS%');
    assert.match(cfg.warnings.join('\n'), /exchange/);
  });

  it('skips entries with a bad port, socketType or host name, with a warning', () => {
    const xml = `<clientConfig version="1.1"><emailProvider id="x">
      <outgoingServer type="smtp"><hostname>smtp.x.test</hostname><port>99999</port><socketType>SSL</socketType></outgoingServer>
      <outgoingServer type="smtp"><hostname>smtp.x.test</hostname><port>465</port><socketType>TLS</socketType></outgoingServer>
      <incomingServer type="imap"><hostname>bad host</hostname><port>993</port><socketType>SSL</socketType></incomingServer>
      <incomingServer type="imap"><hostname>imap.x.test</hostname><port>143</port><socketType>plain</socketType></incomingServer>
    </emailProvider></clientConfig>`;
    const cfg = parseClientConfig(xml, parseAddress('a@x.test'));
    assert.deepEqual(cfg.servers.map((s) => `${s.hostname}:${s.port}/${s.security}`), ['imap.x.test:143/plain']);
    assert.equal(cfg.warnings.length, 3);
  });

  it('refuses a document that is not a clientConfig', () => {
    assert.throws(() => parseClientConfig('<html/>', parseAddress('a@x.test')), /not <clientConfig>/);
  });
});

describe('discovery: autoconfig and ISPDB over HTTP(S)', function () {
  this.timeout(10_000);
  let world: World;
  let ac: AbortController;
  const ctxFor = async (extra: Partial<LookupOptions> = {}): Promise<{ ctx: AutoconfigContext; close(): Promise<void> }> => {
    const s = await openSession({ ...world.options(), ...extra, signal: ac.signal }, 5_000);
    return { ctx: autoconfigContext(s, ac.signal, (h) => s.resolveHost(h, ac.signal)), close: () => s.close() };
  };

  before(async () => {
    world = await startWorld();
  });
  after(async () => world.stop());
  beforeEach(() => {
    ac = new AbortController();
  });

  it('fetches https://autoconfig.<domain>/… trusting the test CA through the ca option', async () => {
    const { ctx, close } = await ctxFor();
    try {
      const f = await fetchAutoconfig(parseAddress('jane@example.test'), 'example.test', ctx);
      assert.equal(f.state, 'found');
      assert.equal(f.insecure, false);
      assert.match(f.url!, /^https:\/\/autoconfig\.example\.test:\d+\/mail\/config-v1\.1\.xml\?emailaddress=jane%40example\.test$/);
      assert.equal(f.config?.servers.length, 3);
      const req = world.web.requests.find((r) => r.host === 'autoconfig.example.test');
      assert.equal(req?.scheme, 'https');
    } finally {
      await close();
    }
  });

  it('without the test CA the certificate is not trusted, and checks are never turned off', async () => {
    const { ctx, close } = await ctxFor({ ca: undefined, httpFallback: false });
    try {
      const f = await fetchAutoconfig(parseAddress('jane@example.test'), 'example.test', ctx);
      assert.equal(f.state, 'error');
      assert.equal(f.error?.code, 'TLS_CERT_UNTRUSTED');
    } finally {
      await close();
    }
  });

  it('falls back to plain HTTP only when HTTPS gives nothing, and marks the result insecure', async () => {
    const { ctx, close } = await ctxFor();
    try {
      const f = await fetchAutoconfig(parseAddress('joe@plain.test'), 'plain.test', ctx);
      assert.equal(f.state, 'found');
      assert.equal(f.insecure, true);
      assert.match(f.url!, /^http:\/\/autoconfig\.plain\.test:/);
      // The HTTPS attempt failed on the certificate's name (the test certificate does not cover plain.test).
      assert.equal(f.attempts[0]!.error?.code, 'TLS_CERT_HOSTNAME_MISMATCH');
    } finally {
      await close();
    }
    const off = await ctxFor({ httpFallback: false });
    try {
      const f = await fetchAutoconfig(parseAddress('joe@plain.test'), 'plain.test', off.ctx);
      assert.notEqual(f.state, 'found');
      assert.ok(f.attempts.every((a) => a.url.startsWith('https:')));
    } finally {
      await off.close();
    }
  });

  it('refuses entity expansion (billion laughs) → CONFIG_MALFORMED', async () => {
    const { ctx, close } = await ctxFor({ httpFallback: false });
    try {
      const t = performance.now();
      const f = await fetchAutoconfig(parseAddress('x@hostile.test'), 'hostile.test', ctx);
      assert.equal(f.state, 'error');
      assert.equal(f.error?.code, 'CONFIG_MALFORMED');
      assert.match(f.error!.message, /dtd-refused/);
      assert.ok(performance.now() - t < 1_000);
    } finally {
      await close();
    }
  });

  it('malformed XML → CONFIG_MALFORMED', async () => {
    const { ctx, close } = await ctxFor({ httpFallback: false });
    try {
      const f = await fetchAutoconfig(parseAddress('x@broken.test'), 'broken.test', ctx);
      assert.equal(f.error?.code, 'CONFIG_MALFORMED');
    } finally {
      await close();
    }
  });

  it('a huge document, with or without Content-Length → HTTP_TOO_LARGE', async () => {
    const { ctx, close } = await ctxFor({ httpFallback: false });
    try {
      const f = await fetchAutoconfig(parseAddress('x@huge.test'), 'huge.test', ctx);
      assert.equal(f.error?.code, 'HTTP_TOO_LARGE');
      assert.deepEqual(f.attempts.map((a) => a.error?.code), ['HTTP_TOO_LARGE', 'HTTP_TOO_LARGE']);
      assert.match(f.attempts[0]!.error!.message, /declares/);
      assert.match(f.attempts[1]!.error!.message, /sent more than/);
    } finally {
      await close();
    }
  });

  it('a server that stalls mid-body → HTTP_TIMEOUT at the request cap', async () => {
    world.web.serve('https', 'autoconfig.example.test', '/mail/config-v1.1.xml', { stallBody: true, headers: { 'content-type': 'application/xml' } });
    const { ctx, close } = await ctxFor({ httpFallback: false, httpTimeoutMs: 300 });
    try {
      const t = performance.now();
      const f = await fetchAutoconfig(parseAddress('x@example.test'), 'example.test', ctx);
      assert.equal(f.attempts[0]!.error?.code, 'HTTP_TIMEOUT');
      assert.ok(performance.now() - t < 1_000);
    } finally {
      await close();
      world.web.serveFile('https', 'autoconfig.example.test', '/mail/config-v1.1.xml', fixture('autoconfig', 'example.test.xml'));
    }
  });

  it('follows redirects but refuses HTTPS → HTTP', async () => {
    world.web.serve('https', 'example.test', '/.well-known/autoconfig/mail/config-v1.1.xml', {
      status: 301,
      headers: { location: `http://example.test:${world.web.httpPort}/config.xml` },
    });
    const { ctx, close } = await ctxFor({ httpFallback: false });
    try {
      const f = await fetchAutoconfig(parseAddress('x@example.test'), 'example.test', ctx);
      assert.match(f.attempts[1]!.error!.message, /HTTPS to plain HTTP refused/);
    } finally {
      await close();
      world.web.routes.delete('https://example.test/.well-known/autoconfig/mail/config-v1.1.xml');
    }
  });

  it('asks the ISPDB at <base>/<domain>, and only with the domain', async () => {
    const { ctx, close } = await ctxFor();
    try {
      const f = await fetchIspdb(parseAddress('jane@example.test'), 'example.test', world.ispdbBaseUrl, ctx);
      assert.equal(f.state, 'found');
      assert.equal(f.config?.providerId, 'provider.test');
      const req = world.web.requests.filter((r) => r.host === 'ispdb.test').at(-1)!;
      assert.equal(req.url, '/v1.1/example.test');
      const missing = await fetchIspdb(parseAddress('jane@nosuch.test'), 'nosuch.test', world.ispdbBaseUrl, ctx);
      assert.equal(missing.state, 'not-found');
    } finally {
      await close();
    }
  });
});
