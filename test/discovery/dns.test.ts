import assert from 'node:assert/strict';
import { lookupMx, lookupSrv, lookupTxt } from '../../src/discovery/index.js';
import { DnsClient, lookupAddresses, lookupPtr, parseResolverSpec, reverseName } from '../../src/lookup/index.js';
import { DMARC_TAG, SPF_TAG } from '../../src/discovery/dns-lookups.js';
import { parseNodeServers, parseResolvConf, resolveResolverSpecs } from '../../src/lookup/resolvers.js';
import { UsageError } from '../../src/lib/errors.js';
import { closedUdpPort, loadZone, TestDnsServer } from '../helpers/servers/dns-server.js';
import { fixture } from '../helpers/discovery/world.js';

/** Short timeouts so that failure cases take a fraction of a second. */
const FAST = { attemptTimeoutMs: 250, queryTimeoutMs: 1_000, retries: 1 };

describe('discovery: DNS client against a real (test) DNS server', () => {
  let server: TestDnsServer;
  let client: DnsClient;

  before(async () => {
    server = await TestDnsServer.start(loadZone(fixture('zones', 'test.zone')));
    client = new DnsClient({ servers: [{ host: server.host, port: server.port }], ...FAST });
  });
  after(async () => server.stop());
  beforeEach(() => {
    server.mode = 'answer';
    server.overrides.clear();
    server.queries.length = 0;
  });

  it('returns MX records in preference order', async () => {
    const mx = await lookupMx(client, 'example.test');
    assert.equal(mx.ok, true);
    assert.equal(mx.transport, 'udp');
    assert.deepEqual(mx.records, [
      { preference: 10, exchange: 'mx1.provider.test' },
      { preference: 20, exchange: 'mx2.provider.test' },
    ]);
    assert.equal(mx.nullMx, false);
  });

  it('understands a null MX (RFC 7505)', async () => {
    const mx = await lookupMx(client, 'nullmx.test');
    assert.equal(mx.nullMx, true);
    assert.deepEqual(mx.records, [{ preference: 0, exchange: '.' }]);
  });

  it('reads SRV records and a "." target as not offered', async () => {
    const s = await lookupSrv(client, 'example.test', '_submissions._tcp');
    assert.deepEqual(s.records, [{ priority: 0, weight: 1, port: 465, target: 'smtp.example.test' }]);
    assert.equal(s.security, 'tls');
    assert.equal(s.role, 'smtp');
    const imap = await lookupSrv(client, 'example.test', '_imap._tcp');
    assert.equal(imap.notOffered, true);
    const none = await lookupSrv(client, 'hosted.test', '_imaps._tcp');
    assert.equal(none.error?.code, 'DNS_NOT_FOUND');
  });

  it('concatenates TXT strings and picks SPF and DMARC records', async () => {
    const spf = await lookupTxt(client, 'example.test', SPF_TAG);
    assert.equal(spf.records.length, 2);
    assert.deepEqual(spf.matching, ['v=spf1 include:_spf.provider.test -all']);
    const dmarc = await lookupTxt(client, '_dmarc.example.test', DMARC_TAG);
    assert.match(dmarc.matching[0]!, /^v=DMARC1; p=reject/);
  });

  it('resolves A and AAAA, following a CNAME', async () => {
    const a = await lookupAddresses(client, 'mail.example.test');
    assert.deepEqual(a.addresses, ['127.0.0.25', '::1']);
    assert.equal(a.status, 'resolves');
    const none = await lookupAddresses(client, 'pop3.example.test');
    assert.equal(none.status, 'not-found');
    assert.equal(none.error?.code, 'DNS_NOT_FOUND');
  });

  it('looks up PTR names', async () => {
    assert.equal(reverseName('203.0.113.77'), '77.113.0.203.in-addr.arpa');
    assert.equal(reverseName('2001:db8::1'), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
    const p = await lookupPtr(client, '203.0.113.77');
    assert.deepEqual(p.names, ['host-77.pool.isp.test']);
  });

  it('NXDOMAIN → DNS_NOT_FOUND, not retried', async () => {
    const r = await client.query('nosuch.test', 'MX');
    assert.equal(r.ok, false);
    assert.equal(r.rcode, 'NXDOMAIN');
    assert.equal(r.error?.code, 'DNS_NOT_FOUND');
    assert.equal(r.attempts, 1);
  });

  it('SERVFAIL and REFUSED → DNS_SERVFAIL after the retries', async () => {
    server.overrides.set('servfail.test', 'servfail');
    server.overrides.set('refused.test', 'refused');
    const s = await client.query('servfail.test', 'MX');
    assert.equal(s.error?.code, 'DNS_SERVFAIL');
    assert.equal(s.attempts, 2);
    const r = await client.query('refused.test', 'MX');
    assert.equal(r.error?.code, 'DNS_SERVFAIL');
    assert.match(r.error!.message, /REFUSED/);
  });

  it('a truncated UDP answer (TC bit) is asked again over TCP', async () => {
    server.overrides.set('big.test', 'truncate');
    const r = await lookupMx(client, 'big.test');
    assert.equal(r.ok, true);
    assert.equal(r.transport, 'tcp');
    assert.deepEqual(r.records, [{ preference: 10, exchange: 'mx.big.test' }]);
    assert.deepEqual(
      server.queries.filter((q) => q.name === 'big.test').map((q) => q.transport),
      ['udp', 'tcp'],
    );
  });

  it('an undecodable packet → DNS_MALFORMED_RESPONSE', async () => {
    server.overrides.set('garbage.test', 'malformed');
    const r = await client.query('garbage.test', 'MX');
    assert.equal(r.error?.code, 'DNS_MALFORMED_RESPONSE');
    assert.match(r.error!.message, /undecodable/);
  });

  it('a response with the wrong id or the wrong question is not accepted', async () => {
    server.overrides.set('spoofed.test', 'wrong-id');
    const r = await client.query('spoofed.test', 'MX');
    assert.equal(r.error?.code, 'DNS_MALFORMED_RESPONSE');
    assert.match(r.error!.message, /id/);
    server.overrides.set('other.test', 'wrong-question');
    const q = await client.query('other.test', 'MX');
    assert.equal(q.error?.code, 'DNS_MALFORMED_RESPONSE');
    assert.match(q.error!.message, /another question/);
  });

  it('a malformed or mismatched answer over TCP ends the exchange at once', async () => {
    server.overrides.set('big.test', 'truncate');
    const tcpOnly = new DnsClient({ servers: [{ host: server.host, port: server.port }], ...FAST, retries: 0 });
    // Truncate over UDP, then answer garbage over TCP: the server's mode applies per transport in respond().
    const orig = server.respond.bind(server);
    server.respond = (q, transport) => (transport === 'tcp' ? Buffer.from([0, 1, 2]) : orig(q, transport));
    try {
      const t = performance.now();
      const r = await tcpOnly.query('big.test', 'MX');
      assert.equal(r.error?.code, 'DNS_MALFORMED_RESPONSE');
      assert.ok(performance.now() - t < 200);
    } finally {
      server.respond = orig;
    }
  });

  it('a silent resolver → DNS_TIMEOUT within the query cap', async () => {
    server.mode = 'silent';
    const t = performance.now();
    const r = await client.query('example.test', 'MX');
    const elapsed = performance.now() - t;
    assert.equal(r.error?.code, 'DNS_TIMEOUT');
    assert.equal(r.attempts, 2);
    assert.ok(elapsed >= 450 && elapsed < 1_100, `elapsed ${elapsed}`);
  });

  it('the caller’s abort → ABORTED, at once', async () => {
    server.mode = 'silent';
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const t = performance.now();
    const r = await client.query('example.test', 'MX', ac.signal);
    assert.equal(r.error?.code, 'ABORTED');
    assert.ok(performance.now() - t < 200);
  });

  it('a closed port (ICMP port unreachable) → DNS_RESOLVER_UNREACHABLE, fast', async () => {
    const port = await closedUdpPort();
    const c = new DnsClient({ servers: [{ host: '127.0.0.1', port }], ...FAST });
    const t = performance.now();
    const r = await c.query('example.test', 'MX');
    assert.equal(r.error?.code, 'DNS_RESOLVER_UNREACHABLE');
    assert.ok(performance.now() - t < 250);
  });

  it('rotates to the next resolver on retry', async () => {
    const port = await closedUdpPort();
    const c = new DnsClient({ servers: [{ host: '127.0.0.1', port }, { host: server.host, port: server.port }], ...FAST });
    const r = await c.query('example.test', 'MX');
    assert.equal(r.ok, true);
    assert.equal(r.attempts, 2);
    assert.equal(r.server, server.spec);
  });

  it('with no resolver at all → DNS_RESOLVER_UNREACHABLE', async () => {
    const r = await new DnsClient({ servers: [] }).query('example.test', 'A');
    assert.equal(r.error?.code, 'DNS_RESOLVER_UNREACHABLE');
  });
});

describe('discovery: resolver configuration', () => {
  it('parses HOST[:PORT] forms', () => {
    assert.deepEqual(parseResolverSpec('192.0.2.53'), { host: '192.0.2.53', port: 53 });
    assert.deepEqual(parseResolverSpec('192.0.2.53:5353'), { host: '192.0.2.53', port: 5353 });
    assert.deepEqual(parseResolverSpec('[2001:db8::53]:5353'), { host: '2001:db8::53', port: 5353 });
    assert.deepEqual(parseResolverSpec('2001:db8::53'), { host: '2001:db8::53', port: 53 });
    assert.deepEqual(parseResolverSpec('dns.example.test:53'), { host: 'dns.example.test', port: 53 });
    for (const bad of ['', '192.0.2.53:0', '192.0.2.53:99999', '192.0.2.53:x', '[192.0.2.53]:53', 'a b', 'http://x/']) {
      assert.throws(() => parseResolverSpec(bad), UsageError, bad);
    }
  });

  it('refuses a resolver name that does not resolve, as a usage error', async () => {
    await assert.rejects(resolveResolverSpecs('no-such-name.invalid'), UsageError);
  });

  it('reads nameserver lines of resolv.conf', () => {
    const text = '# comment\nsearch example.test\nnameserver 192.0.2.53\nnameserver  2001:db8::53 # trailing\n;nameserver 192.0.2.1\nnameserver not-an-ip\noptions edns0\n';
    assert.deepEqual(parseResolvConf(text), [
      { host: '192.0.2.53', port: 53 },
      { host: '2001:db8::53', port: 53 },
    ]);
  });

  it('reads node’s dns.getServers() entries', () => {
    assert.deepEqual(parseNodeServers(['192.0.2.1', '192.0.2.2:5353', '[2001:db8::1]:53', '2001:db8::2']), [
      { host: '192.0.2.1', port: 53 },
      { host: '192.0.2.2', port: 5353 },
      { host: '2001:db8::1', port: 53 },
      { host: '2001:db8::2', port: 53 },
    ]);
  });
});
