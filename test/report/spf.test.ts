/**
 * SPF as RFC 7208 says, against a zone with includes, redirects, loops and the §4.6.4 limits
 * (fixtures/discovery/zones/spf.zone) served by the test DNS server: the check's facts-gathering
 * (src/check/spf-facts.ts) asks what the pure evaluator (src/report/spf.ts) says it lacks, and the evaluator
 * decides from the recorded answers alone.
 */
import assert from 'node:assert/strict';
import { gatherSpf } from '../../src/check/spf-facts.js';
import { translator } from '../../src/i18n/index.js';
import { DnsClient } from '../../src/lookup/dns-client.js';
import { lookupTxt } from '../../src/discovery/dns-lookups.js';
import { txtAnswer } from '../../src/report/spf-caveat.js';
import { dmarcPolicy, evaluateSpf, expand, spfTable, type SpfDnsAnswer, type SpfEvaluation } from '../../src/report/spf.js';
import { loadZone, TestDnsServer } from '../helpers/servers/dns-server.js';
import { fixture } from '../helpers/discovery/world.js';

const HYBRID = '198.51.100.1';

describe('report/spf: RFC 7208 evaluation over recorded DNS answers', () => {
  let server: TestDnsServer;
  let dns: DnsClient;
  before(async () => {
    server = await TestDnsServer.start(loadZone(fixture('zones', 'spf.zone')));
    server.overrides.set('broken.temp.test', 'servfail');
    dns = new DnsClient({ servers: [{ host: server.host, port: server.port }], attemptTimeoutMs: 250, queryTimeoutMs: 1_000, retries: 1 });
  });
  after(async () => server.stop());

  /** What a check does: discovery's TXT answer as the seed, then gather, then the pure evaluation. */
  async function spf(domain: string, ip = HYBRID): Promise<SpfEvaluation & { asked: SpfDnsAnswer[] }> {
    const seed = [txtAnswer(domain, await lookupTxt(dns, domain, /^v=spf1/i))];
    const q = { domain, ip, sender: `pippo@${domain}`, helo: 'smtp.isp.test' };
    const asked = await gatherSpf(dns, [q], seed, AbortSignal.timeout(10_000));
    const ev = evaluateSpf(q, spfTable([...seed, ...asked]));
    assert.deepEqual(ev.missing, [], 'the gathering leaves nothing missing');
    return { ...ev, asked };
  }

  it('include → include → ip4: pass, decided two levels down', async () => {
    const r = await spf('include.test');
    assert.equal(r.result, 'pass');
    assert.equal(r.decidedBy, 'include:_spf.include.test in include.test → include:_net.include.test in _spf.include.test → ip4:198.51.100.0/24 in _net.include.test');
    assert.equal(r.dnsTerms, 2);
    assert.match((await spf('include.test', '2001:db8::25')).decidedBy!, / → ip6:2001:db8::\/32 in _net\.include\.test$/);
    assert.equal((await spf('include.test', '192.0.2.9')).result, 'fail', 'the includes do not match: the top -all decides');
  });

  it('redirect= to a policy with a and mx: pass through the second MX host, asked in one round', async () => {
    const r = await spf('redirect.test');
    assert.equal(r.result, 'pass');
    assert.equal(r.decidedBy, 'mx:isp-mx.test in _spf.redirect.test');
    assert.deepEqual(r.asked.map((a) => `${a.name} ${a.type}`), ['_spf.redirect.test TXT', 'relay.redirect.test A', 'isp-mx.test MX', 'mx1.isp-mx.test A', 'mx2.isp-mx.test A']);
  });

  it('a policy that does not list the server: fail by -all after an include and mx that do not match', async () => {
    const r = await spf('fail.test');
    assert.equal(r.result, 'fail');
    assert.equal(r.decidedBy, '-all in fail.test');
  });

  it('an include loop is a permerror at the 11th DNS-querying term', async () => {
    const r = await spf('loop.test');
    assert.equal(r.result, 'permerror');
    assert.match(r.reason!, /more than 10 DNS-querying terms/);
    assert.equal(r.dnsTerms, 11);
    // The same reason as a catalogue message, which a report says in the reader's language.
    assert.deepEqual(r.reasonMsg, { msg: 'spf.tooManyTerms', params: { max: 10 } });
    assert.equal(translator('en').text(r.reasonMsg!.msg, r.reasonMsg!.params), r.reason);
    assert.equal(translator('it').text(r.reasonMsg!.msg, r.reasonMsg!.params), 'più di 10 termini che interrogano il DNS (RFC 7208 §4.6.4)');
  });

  it('eleven a: terms are one too many (§4.6.4), even though none would match', async () => {
    const r = await spf('limit.test');
    assert.equal(r.result, 'permerror');
    assert.match(r.reason!, /more than 10 DNS-querying terms/);
  });

  it('a third lookup with no answer is a permerror (2 void lookups allowed)', async () => {
    const r = await spf('void.test');
    assert.equal(r.result, 'permerror');
    assert.match(r.reason!, /more than 2 lookups with no answer/);
    assert.equal(r.voidLookups, 3);
  });

  it('exists with the %{i} macro matches when the expanded name has an A record', async () => {
    assert.equal((await spf('exists.test')).result, 'pass');
    assert.equal((await spf('exists.test', '198.51.100.2')).result, 'fail');
  });

  it('ptr is not evaluated: neutral, with the reason', async () => {
    const r = await spf('ptr.test');
    assert.equal(r.result, 'neutral');
    assert.match(r.reason!, /ptr mechanism is not evaluated/);
  });

  it('two SPF records, an include without SPF: permerror; no SPF record: none', async () => {
    assert.equal((await spf('two.test')).result, 'permerror');
    assert.match((await spf('dangling.test')).reason!, /include:nospf\.test: no SPF record there/);
    assert.equal((await spf('nospf.test')).result, 'none');
  });

  it('a failing name server on the way is a temperror, not a fail', async () => {
    const r = await spf('temp.test');
    assert.equal(r.result, 'temperror');
    assert.match(r.reason!, /TXT lookup of broken\.temp\.test failed/);
  });

  it('without the answers it needs, the evaluator says which instead of guessing', () => {
    const q = { domain: 'include.test', ip: HYBRID, sender: 'pippo@include.test', helo: 'h' };
    const ev = evaluateSpf(q, spfTable([{ name: 'include.test', type: 'TXT', status: 'ok', data: ['v=spf1 include:_spf.include.test -all'] }]));
    assert.equal(ev.result, 'incomplete');
    assert.deepEqual(ev.missing, [{ name: '_spf.include.test', type: 'TXT' }]);
  });

  it('syntax: unknown mechanisms and bad ip4 networks are permerrors; qualifiers decide', () => {
    const one = (record: string, ip = HYBRID): string =>
      evaluateSpf({ domain: 'x.test', ip, sender: 'a@x.test', helo: 'h' }, spfTable([{ name: 'x.test', type: 'TXT', status: 'ok', data: [record] }])).result;
    assert.equal(one('v=spf1 ip4:198.51.100.0/24 -all'), 'pass');
    assert.equal(one('v=spf1 ?ip4:198.51.100.1 -all'), 'neutral');
    assert.equal(one('v=spf1 ip4:203.0.113.0/24 ~all'), 'softfail');
    assert.equal(one('v=spf1 ip4:not-an-ip -all'), 'permerror');
    assert.equal(one('v=spf1 frobnicate -all'), 'permerror');
    assert.equal(one('v=spf1 ip4:198.51.100.0/24 exp=explain.x.test -all'), 'pass', 'exp= changes nothing');
    assert.equal(one('v=spf1 ip4:203.0.113.0/24'), 'neutral', 'no match and no all: neutral (§4.7)');
  });

  it('macros (§7): letters, reversal, label counts, IPv6 nibbles', () => {
    const q = { domain: 'example.test', ip: '192.0.2.3', sender: 'strong-bad@email.example.test', helo: 'mx.example.test' };
    assert.equal(expand('%{s}', q, 'email.example.test'), 'strong-bad@email.example.test');
    assert.equal(expand('%{o}', q, 'x'), 'email.example.test');
    assert.equal(expand('%{d4}', q, 'email.example.test'), 'email.example.test');
    assert.equal(expand('%{d2}', q, 'email.example.test'), 'example.test');
    assert.equal(expand('%{ir}.%{v}._spf.%{d2}', q, 'email.example.test'), '3.2.0.192.in-addr._spf.example.test');
    assert.equal(expand('%{lr-}.lp._spf.%{d2}', q, 'email.example.test'), 'bad.strong.lp._spf.example.test');
    assert.equal(expand('%{ir}.%{v}', { ...q, ip: '2001:db8::cb01' }, 'x'), `1.0.b.c.${'0.'.repeat(20)}8.b.d.0.1.0.0.2.ip6`);
  });

  it('reads the DMARC policy', () => {
    assert.equal(dmarcPolicy('v=DMARC1; p=reject; rua=mailto:x@example.net'), 'reject');
    assert.equal(dmarcPolicy('v=DMARC1;p=quarantine'), 'quarantine');
    assert.equal(dmarcPolicy('v=DMARC1; sp=reject'), undefined);
    assert.equal(dmarcPolicy(undefined), undefined);
  });
});
