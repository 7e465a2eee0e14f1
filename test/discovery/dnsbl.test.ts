/**
 * DNSBL lookups (RFC 5782) against the test DNS server: a listing, no listing, Spamhaus's "query refused"
 * codes (not a listing), a resolver that rewrites NXDOMAIN into an address (not a listing either), a failing
 * resolver, and IPv6 nibble order.
 */
import assert from 'node:assert/strict';
import { DnsClient } from '../../src/lookup/dns-client.js';
import { dnsblQueryName, lookupBlocklists } from '../../src/network/dnsbl.js';
import { parseZone, TestDnsServer } from '../helpers/servers/dns-server.js';

const ZONE = `
77.100.51.198.zen.spamhaus.org   A    127.0.0.11
77.100.51.198.zen.spamhaus.org   A    127.0.0.4
77.100.51.198.zen.spamhaus.org   TXT  "listed: see the lookup page"
78.100.51.198.zen.spamhaus.org   A    127.255.255.254
79.100.51.198.zen.spamhaus.org   A    203.0.113.99
`;

describe('discovery: DNS blocklist lookups (RFC 5782)', () => {
  let server: TestDnsServer;
  let client: DnsClient;
  before(async () => {
    server = await TestDnsServer.start(parseZone(ZONE));
    client = new DnsClient({ servers: [{ host: server.host, port: server.port }], attemptTimeoutMs: 250, queryTimeoutMs: 1_000, retries: 1 });
  });
  after(async () => server.stop());
  afterEach(() => server.overrides.clear());

  it('builds the query name: IPv4 octets and IPv6 nibbles reversed under the zone', () => {
    assert.equal(dnsblQueryName('198.51.100.77', 'zen.spamhaus.org'), '77.100.51.198.zen.spamhaus.org');
    assert.equal(dnsblQueryName('2001:db8::1', 'zen.spamhaus.org'), `1.0.0.0.${'0.'.repeat(20)}8.b.d.0.1.0.0.2.zen.spamhaus.org`);
  });

  it('a listing: every return code and the TXT reason; another list that has nothing says not-listed', async () => {
    const [zen, spamcop] = await lookupBlocklists(client, '198.51.100.77', ['zen.spamhaus.org', 'bl.spamcop.net']);
    assert.equal(zen!.status, 'listed');
    assert.deepEqual([...zen!.codes].sort(), ['127.0.0.11', '127.0.0.4']);
    assert.equal(zen!.reason, 'listed: see the lookup page');
    assert.deepEqual(spamcop, { zone: 'bl.spamcop.net', query: '77.100.51.198.bl.spamcop.net', codes: [], status: 'not-listed' });
  });

  it('127.255.255.254 (query through a public resolver) is "refused", not a listing', async () => {
    const [zen] = await lookupBlocklists(client, '198.51.100.78', ['zen.spamhaus.org']);
    assert.equal(zen!.status, 'refused');
    assert.deepEqual(zen!.codes, ['127.255.255.254']);
  });

  it('an answer outside 127.0.0.0/8 (NXDOMAIN rewritten by the resolver) is an error, not a listing', async () => {
    const [zen] = await lookupBlocklists(client, '198.51.100.79', ['zen.spamhaus.org']);
    assert.equal(zen!.status, 'error');
    assert.match(zen!.error!.message, /outside 127\.0\.0\.0\/8/);
  });

  it('a resolver that fails (SERVFAIL) gives an error with its code, never "not listed"', async () => {
    server.overrides.set('77.100.51.198.zen.spamhaus.org', 'servfail');
    const [zen] = await lookupBlocklists(client, '198.51.100.77', ['zen.spamhaus.org']);
    assert.equal(zen!.status, 'error');
    assert.equal(zen!.error!.code, 'DNS_SERVFAIL');
  });
});
