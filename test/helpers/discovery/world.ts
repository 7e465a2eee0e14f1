/**
 * The test world of discovery: a DNS server serving fixtures/discovery/zones/test.zone, HTTP and HTTPS servers
 * serving the autoconfig fixtures, and a test CA. Used by the tests and by bench/discovery.ts.
 * Everything listens on 127.0.0.1; nothing here reaches past loopback.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DiscoverOptions } from '../../../src/discovery/index.js';
import { testPki, type TestPki } from '../certs.js';
import { loadZone, TestDnsServer } from '../servers/dns-server.js';
import { AutoconfigServers } from '../servers/http-servers.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'discovery');
export const fixture = (...p: string[]): string => join(FIXTURES, ...p);

/** Names the test certificate covers. plain.test is left out on purpose (its HTTPS fails the name check). */
const CERT_NAMES = [
  'autoconfig.example.test',
  'example.test',
  'ispdb.test',
  'autoconfig.hostile.test',
  'autoconfig.huge.test',
  'huge.test',
  'autoconfig.broken.test',
  'autoconfig.isp.test',
  'isp.test',
  'echo.test',
];

export interface World {
  dns: TestDnsServer;
  web: AutoconfigServers;
  pki: TestPki;
  /** Options that point discover() at this world, with short DNS timeouts. */
  options(extra?: Partial<DiscoverOptions>): Partial<DiscoverOptions>;
  ispdbBaseUrl: string;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const pki = await testPki(CERT_NAMES);
  const dns = await TestDnsServer.start(loadZone(fixture('zones', 'test.zone')));
  dns.overrides.set('big.test', 'truncate');
  dns.overrides.set('servfail.test', 'servfail');
  dns.overrides.set('refused.test', 'refused');
  dns.overrides.set('silent.test', 'silent');
  dns.overrides.set('garbage.test', 'malformed');
  dns.overrides.set('spoofed.test', 'wrong-id');
  const web = await AutoconfigServers.start(pki);
  const ac = '/mail/config-v1.1.xml';
  const wk = '/.well-known/autoconfig/mail/config-v1.1.xml';
  web
    .serveFile('https', 'autoconfig.example.test', ac, fixture('autoconfig', 'example.test.xml'))
    .serveFile('https', 'ispdb.test', '/v1.1/example.test', fixture('autoconfig', 'ispdb-example.test.xml'))
    .serveFile('https', 'ispdb.test', '/v1.1/provider.test', fixture('autoconfig', 'ispdb-provider.test.xml'))
    .serveFile('http', 'autoconfig.plain.test', ac, fixture('autoconfig', 'plain.test.xml'))
    .serveFile('https', 'autoconfig.hostile.test', ac, fixture('autoconfig', 'billion-laughs.xml'))
    .serveFile('https', 'autoconfig.broken.test', ac, fixture('autoconfig', 'broken.xml'))
    .serveFile('https', 'autoconfig.isp.test', ac, fixture('autoconfig', 'isp.test.xml'))
    // 1 MiB with a Content-Length, and 1 MiB chunked (no length): both must stop at the cap.
    .serve('https', 'autoconfig.huge.test', ac, { body: Buffer.alloc(1024 * 1024, 0x20), headers: { 'content-type': 'application/xml', 'content-length': String(1024 * 1024) } })
    .serve('https', 'huge.test', wk, { body: Buffer.alloc(1024 * 1024, 0x20), headers: { 'transfer-encoding': 'chunked' } })
    .serve('https', 'echo.test', '/ip', { body: '203.0.113.77\n', headers: { 'content-type': 'text/plain' } })
    .serve('https', 'echo.test', '/json', { body: '{"ip":"203.0.113.77"}', headers: { 'content-type': 'application/json' } })
    .serve('https', 'echo.test', '/bad', { body: 'hello there', headers: { 'content-type': 'text/plain' } });
  const ispdbBaseUrl = `https://ispdb.test:${web.httpsPort}/v1.1`;
  return {
    dns,
    web,
    pki,
    ispdbBaseUrl,
    options: (extra = {}) => ({
      dns: dns.spec,
      ca: pki.caPem,
      ispdbBaseUrl,
      autoconfigPorts: { http: web.httpPort, https: web.httpsPort },
      dnsTimeouts: { attemptTimeoutMs: 300, queryTimeoutMs: 1_000, retries: 1 },
      timeoutMs: 5_000,
      ...extra,
    }),
    stop: async () => {
      await Promise.all([dns.stop(), web.stop()]);
    },
  };
}
