import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { discover, type DiscoveryResult, type ServerCandidate } from '../../src/discovery/index.js';
import { UsageError } from '../../src/lib/errors.js';
import { closedUdpPort } from '../helpers/servers/dns-server.js';
import { startWorld, type World } from '../helpers/discovery/world.js';

const endpoints = (list: ServerCandidate[]): string[] => list.map((c) => `${c.host}:${c.port}/${c.security}`);
const source = (r: DiscoveryResult, name: string) => r.sources.find((s) => s.source === name)!;

describe('discovery: discover()', function () {
  this.timeout(15_000);
  let world: World;

  before(async () => {
    world = await startWorld();
  });
  after(async () => world.stop());

  describe('a domain whose every source answers (example.test)', () => {
    let r: DiscoveryResult;
    before(async () => {
      r = await discover('Jane@Example.test', world.options());
    });

    it('finishes well before its deadline, with no error', () => {
      assert.equal(r.deadlineReached, false);
      assert.equal(r.aborted, false);
      assert.ok(r.durationMs < 2_000);
      assert.deepEqual(r.resolvers, { servers: [world.dns.spec], source: 'option' });
    });

    it('lists the raw facts: MX, SRV, SPF, DMARC, MTA-STS', () => {
      assert.deepEqual(r.facts.mx.records.map((m) => m.exchange), ['mx1.provider.test', 'mx2.provider.test']);
      assert.equal(r.facts.srv.length, 6);
      assert.equal(r.facts.srv.find((s) => s.service === '_imap._tcp')?.notOffered, true);
      assert.deepEqual(r.facts.spf.matching, ['v=spf1 include:_spf.provider.test -all']);
      assert.match(r.facts.dmarc.matching[0]!, /p=reject/);
      assert.match(r.facts.mtaSts.matching[0]!, /^v=STSv1/);
      for (const s of ['mx', 'srv', 'spf', 'dmarc', 'mta-sts', 'autoconfig', 'ispdb', 'guess']) assert.equal(source(r, s).state, 'found', s);
    });

    it('orders SMTP candidates: the domain’s own servers first, with provenance per host and per endpoint', () => {
      const smtp = r.candidates.smtp;
      assert.deepEqual(endpoints(smtp).slice(0, 3), ['smtp.example.test:465/tls', 'smtp.example.test:587/starttls', 'smtp.example.test:25/starttls']);
      const first = smtp[0]!;
      assert.deepEqual(first.sources, ['srv', 'autoconfig', 'guess']);
      assert.deepEqual(first.endpointSources, ['srv']);
      assert.deepEqual(smtp[1]!.endpointSources, ['srv', 'autoconfig']);
      assert.equal(smtp[2]!.optional, true);
      assert.deepEqual(smtp[2]!.endpointSources, []);
      assert.deepEqual(first.addresses, ['127.0.0.25', '::1']);
      assert.equal(first.username, 'Jane@example.test');
      // ISPDB names the provider's server; MX hosts come last.
      assert.ok(smtp.some((c) => c.host === 'smtp.provider.test' && c.sources.includes('ispdb')));
      assert.deepEqual([...new Set(smtp.slice(-6).map((c) => c.host))], ['mx1.provider.test', 'mx2.provider.test']);
      assert.ok(smtp.filter((c) => c.host.startsWith('mx')).every((c) => c.sources.join() === 'mx'));
    });

    it('gives each host the standard port set for its role', () => {
      const pop = r.candidates.pop3.filter((c) => c.host === 'pop.example.test');
      assert.deepEqual(pop.map((c) => `${c.port}/${c.security}`), ['995/tls', '110/starttls']);
      const imapGuess = r.candidates.imap.filter((c) => c.host === 'imap.provider.test');
      assert.deepEqual(imapGuess.map((c) => `${c.port}/${c.security}`), ['993/tls', '143/starttls']);
    });

    it('reports where sources disagree', () => {
      const kinds = r.disagreements.map((d) => `${d.role}/${d.kind}/${d.sources.join('+')}`);
      assert.ok(kinds.includes('smtp/host/srv+ispdb'), kinds.join());
      assert.ok(kinds.includes('imap/security/autoconfig+ispdb'), kinds.join());
      assert.match(r.disagreements.find((d) => d.kind === 'security')!.detail, /imap\.example\.test:993 is tls/);
    });

    it('filters guesses to names that resolve and records the others', () => {
      const ghost = r.facts.guesses.find((g) => g.host === 'pop3.example.test')!;
      assert.equal(ghost.resolves, false);
      assert.equal(ghost.error?.code, 'DNS_NOT_FOUND');
      const all = [...r.candidates.smtp, ...r.candidates.imap, ...r.candidates.pop3];
      assert.ok(!all.some((c) => c.host === 'pop3.example.test' || c.host === 'mail.provider.test'));
      // Guesses under the MX host's registrable domain (hosted mail).
      assert.ok(r.facts.guesses.some((g) => g.basis === 'mx-domain' && g.host === 'smtp.provider.test' && g.resolves));
    });
  });

  it('onCandidates: the DNS sources’ candidates come first, before autoconfig and the ISPDB are in (issue 13)', async () => {
    let early: DiscoveryResult['candidates'] | undefined;
    let calls = 0;
    let beforeResult = false;
    let settled = false;
    const p = discover(
      'Jane@Example.test',
      world.options({
        onCandidates: (c) => {
          calls++;
          early = c;
          beforeResult = !settled;
        },
      }),
    ).finally(() => (settled = true));
    const r = await p;
    assert.equal(calls, 1);
    assert.ok(beforeResult, 'told before discovery resolved');
    const all = [...early!.smtp, ...early!.imap, ...early!.pop3];
    assert.ok(all.length > 0);
    for (const c of all) assert.ok(c.sources.every((s) => s === 'mx' || s === 'srv' || s === 'guess'), `${c.host}: ${c.sources.join()}`);
    // Every early server is a server of the result, which has the HTTP sources' too.
    const final = new Set([...r.candidates.smtp, ...r.candidates.imap, ...r.candidates.pop3].map((c) => `${c.role}:${c.host}:${c.port}`));
    for (const c of all) assert.ok(final.has(`${c.role}:${c.host}:${c.port}`), `${c.role}:${c.host}:${c.port}`);
    assert.ok(r.candidates.smtp.some((c) => c.sources.includes('autoconfig')));
  });

  it('hosted mail: ISPDB entry and guesses under the MX host’s domain', async () => {
    const r = await discover('a@hosted.test', world.options());
    assert.equal(source(r, 'ispdb').state, 'not-found');
    assert.equal(source(r, 'ispdb-mx').state, 'found');
    assert.equal(r.facts.ispdbMx?.domain, 'provider.test');
    assert.deepEqual(endpoints(r.candidates.smtp).slice(0, 2), ['smtp.provider.test:465/tls', 'smtp.provider.test:587/starttls']);
    assert.deepEqual(r.candidates.smtp[0]!.sources, ['ispdb', 'guess']);
    assert.equal(r.candidates.imap[0]!.host, 'imap.provider.test');
  });

  it('plain-HTTP autoconfig is used but its provenance says so', async () => {
    const r = await discover('joe@plain.test', world.options());
    assert.equal(r.facts.autoconfig.insecure, true);
    const c = r.candidates.smtp[0]!;
    assert.equal(c.host, 'mail.plain.test');
    assert.deepEqual(c.endpointSources, ['autoconfig-http']);
    assert.match(c.evidence.join('\n'), /plain HTTP/);
  });

  it('an internationalised domain is looked up in A-labels', async () => {
    const r = await discover('jörg@bücher.test', world.options({ autoconfig: false, ispdbBaseUrl: false }));
    assert.equal(r.address.domain, 'xn--bcher-kva.test');
    assert.equal(r.facts.mx.records[0]!.exchange, 'mx1.provider.test');
    assert.ok(world.dns.queries.some((q) => q.name === 'xn--bcher-kva.test' && q.type === 'MX'));
  });

  it('a null MX is understood and MX gives no candidate', async () => {
    const r = await discover('a@nullmx.test', world.options({ ispdbBaseUrl: false }));
    assert.equal(r.facts.mx.nullMx, true);
    assert.match(source(r, 'mx').detail!, /null MX/);
    assert.ok(!r.candidates.smtp.some((c) => c.sources.includes('mx')));
  });

  it('a domain that does not exist: DNS_NOT_FOUND everywhere, no candidate', async () => {
    const r = await discover('a@nosuch.test', world.options({ ispdbBaseUrl: false }));
    assert.equal(r.facts.mx.error?.code, 'DNS_NOT_FOUND');
    assert.equal(source(r, 'mx').state, 'not-found');
    assert.equal(source(r, 'autoconfig').state, 'not-found');
    assert.deepEqual([...r.candidates.smtp, ...r.candidates.imap, ...r.candidates.pop3], []);
  });

  it('SERVFAIL is told apart from NXDOMAIN', async () => {
    const r = await discover('a@servfail.test', world.options({ autoconfig: false, ispdbBaseUrl: false }));
    assert.equal(source(r, 'mx').state, 'error');
    assert.equal(source(r, 'mx').error?.code, 'DNS_SERVFAIL');
  });

  it('a truncated answer is completed over TCP inside discovery', async () => {
    const r = await discover('a@big.test', world.options({ autoconfig: false, ispdbBaseUrl: false }));
    assert.equal(r.facts.mx.transport, 'tcp');
    assert.deepEqual(r.facts.spf.matching, ['v=spf1 -all']);
  });

  it('resolver unreachable: every source says DNS_RESOLVER_UNREACHABLE, quickly, without crashing', async () => {
    const port = await closedUdpPort();
    const t = performance.now();
    const r = await discover('a@example.test', world.options({ dns: `127.0.0.1:${port}` }));
    assert.ok(performance.now() - t < 2_000);
    assert.equal(r.deadlineReached, false);
    for (const s of r.sources) assert.equal(s.error?.code, 'DNS_RESOLVER_UNREACHABLE', `${s.source}: ${JSON.stringify(s)}`);
    assert.equal(r.facts.autoconfig.error?.code, 'DNS_RESOLVER_UNREACHABLE');
  });

  it('a silent resolver: discovery ends at its deadline with DNS_TIMEOUT results', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((res) => silent.bind(0, '127.0.0.1', () => res()));
    try {
      const t = performance.now();
      const r = await discover('a@example.test', world.options({ dns: `127.0.0.1:${silent.address().port}`, timeoutMs: 600, dnsTimeouts: { attemptTimeoutMs: 1_500, queryTimeoutMs: 4_000, retries: 2 } }));
      const elapsed = performance.now() - t;
      assert.ok(elapsed >= 580 && elapsed < 1_000, `elapsed ${elapsed}`);
      assert.equal(r.deadlineReached, true);
      for (const s of r.sources) assert.ok(['DNS_TIMEOUT', 'HTTP_TIMEOUT'].includes(s.error?.code ?? ''), `${s.source}: ${JSON.stringify(s)}`);
      assert.equal(source(r, 'mx').state, 'timeout');
    } finally {
      silent.close();
    }
  });

  it('the caller’s abort ends discovery at once, reported as ABORTED', async () => {
    world.dns.mode = 'silent';
    try {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const t = performance.now();
      const r = await discover('a@example.test', world.options({ signal: ac.signal }));
      assert.ok(performance.now() - t < 600);
      assert.equal(r.aborted, true);
      assert.equal(r.deadlineReached, false);
      assert.equal(source(r, 'mx').error?.code, 'ABORTED');
    } finally {
      world.dns.mode = 'answer';
    }
  });

  it('throws UsageError for a malformed address or option, before any I/O', async () => {
    await assert.rejects(discover('not an address'), UsageError);
    await assert.rejects(discover('a@example.test', { dns: '127.0.0.1:70000' }), UsageError);
    await assert.rejects(discover('a@example.test', { timeoutMs: -1 }), UsageError);
    await assert.rejects(discover('a@example.test', { ispdbBaseUrl: 'ftp://x' }), UsageError);
    await assert.rejects(discover('a@example.test', { dns: world.dns.spec, autoconfigPorts: { https: 0 } }), UsageError);
  });
});
