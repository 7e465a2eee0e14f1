/**
 * The process tier: every command as a user runs it, the BUILT `bin/maildoctor.js` in a child process, in a
 * private network namespace whose only resolver misbehaves for names outside its zone (REFUSED, SERVFAIL,
 * silence, a lost first datagram, undecodable answers). A child process sees what mocha cannot: Node's exit 13
 * when the event loop empties under a pending top-level await (issue 9), a stack trace, a half-written report.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Misbehaviour } from '../helpers/servers/dns-server.js';
import { smtpServer } from '../helpers/servers/gallery.js';
import { testCertificates, type TestCertificates } from '../helpers/certs.js';
import { ensureBuilt, ROOT, runCli, runCommand, STACK_TRACE, type Ran } from '../helpers/process/run.js';

const RESOLVERS: Misbehaviour[] = ['refused', 'servfail', 'silent', 'drop-first', 'malformed'];
const COMMANDS: Array<{ name: string; args: string[] }> = [
  { name: 'check', args: ['check', 'jane@example.test', '--json'] },
  { name: 'discover', args: ['discover', 'jane@example.test', '--json'] },
  { name: 'network', args: ['network', '--json'] },
];
const LIBRARY_SCRIPT = join(ROOT, 'test', 'helpers', 'process', 'library-check.mjs');

function assertCompleteJson(r: Ran, what: string): unknown {
  assert.ok([0, 1].includes(r.code ?? -1), `${what}: exit ${r.code} (signal ${r.signal}); stderr: ${r.stderr.slice(0, 400)}`);
  assert.doesNotMatch(r.stderr, STACK_TRACE, `${what}: stderr ${r.stderr.slice(0, 400)}`);
  try {
    return JSON.parse(r.stdout);
  } catch (err) {
    assert.fail(`${what}: stdout is not one complete JSON document (${(err as Error).message}): ${r.stdout.slice(-200)}`);
  }
}

describe('process tier: commands in a namespace with a broken resolver', function () {
  this.timeout(120_000);
  const ran = new Map<string, Ran>();
  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    ensureBuilt();
    // All at once: each waits on DNS timeouts, not on the CPU.
    const jobs = RESOLVERS.flatMap((resolver) =>
      COMMANDS.map(async (c) => ran.set(`${c.name} ${resolver}`, await runCli(c.args, { resolver }))),
    );
    jobs.push(
      ...RESOLVERS.map(async (resolver) =>
        ran.set(`library ${resolver}`, await runCommand([process.execPath, LIBRARY_SCRIPT, 'jane@example.test'], { resolver })),
      ),
    );
    await Promise.all(jobs);
  });

  for (const resolver of RESOLVERS) {
    for (const c of COMMANDS) {
      it(`${c.args.join(' ')} with a resolver that is ${resolver} outside its zone → exit 0/1, complete JSON, no stack`, () => {
        const r = ran.get(`${c.name} ${resolver}`)!;
        const json = assertCompleteJson(r, `${c.name}/${resolver}`) as Record<string, unknown>;
        if (c.name === 'check') assert.ok((json.findings as unknown[]).length > 0, 'a check in a broken network finds something');
        if (c.name === 'discover') assert.equal((json.address as { domain: string }).domain, 'example.test');
      });
    }
    it(`library: await check() in a plain script resolves with a resolver that is ${resolver}`, () => {
      const r = ran.get(`library ${resolver}`)!;
      assert.equal(r.code, 0, `exit ${r.code}; stdout ${r.stdout} stderr ${r.stderr.slice(0, 400)}`);
      assert.match(r.stdout, /^resolved (works|fails|unverified) (works|fails|unverified) [A-Z_ ]+\n$/);
    });
  }

  it('library: check() aborted by its caller during discovery settles', async () => {
    const r = await runCommand([process.execPath, LIBRARY_SCRIPT, 'jane@example.test', '--abort-after', '300'], { resolver: 'silent' });
    assert.equal(r.code, 0, `exit ${r.code}; stderr ${r.stderr.slice(0, 400)}`);
    assert.match(r.stdout, /^rejected ABORTED .*\nsettled \d+ ms after the abort\n$/);
    const ms = Number(/settled (\d+) ms/.exec(r.stdout)![1]);
    assert.ok(ms < 2_000, `settled ${ms} ms after the abort (the silent resolver would hold it for seconds)`);
  });

  it('a domain with 256 MX records: check and discover print no MaxListenersExceededWarning', async () => {
    const zones = [join(ROOT, 'fixtures', 'process', 'many-mx.zone')];
    for (const args of [['check', 'jane@many.test', '--json'], ['discover', 'jane@many.test', '--json']]) {
      const r = await runCli(args, { resolver: 'refused', zones });
      const json = assertCompleteJson(r, args[0]!) as { facts?: { mx: { records: unknown[] } }; discovery?: { facts: { mx: { records: unknown[] } } } };
      assert.equal((json.facts ?? json.discovery!.facts).mx.records.length, 256, 'every record is still reported');
      assert.equal(r.stderr, '', `${args[0]}: ${r.stderr}`);
    }
  });

  it('check with the resolver of the issue (nothing listens on --dns 127.0.0.1:9) → exit 1 and a report', async () => {
    const r = await runCli(['check', 'someone@example.invalid', '--dns', '127.0.0.1:9', '--timeout', '3000'], { resolver: 'refused' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /No DNS resolver answers from this network \[DNS_RESOLVER_UNREACHABLE\]/);
    assert.doesNotMatch(r.stderr, STACK_TRACE);
  });
});

describe('process tier: a probe whose STARTTLS upgrade finds no TLS', function () {
  this.timeout(30_000);
  let certs: TestCertificates;
  before(async () => {
    ensureBuilt();
    certs = await testCertificates();
  });
  for (const mode of ['flood', 'close'] as const) {
    it(`probe smtp against a server that answers STARTTLS then ${mode === 'flood' ? 'floods plaintext' : 'hangs up'} → exit 1 with a verdict, not 13`, async () => {
      const server = await smtpServer({ starttls: mode, tls: certs.valid });
      try {
        const r = await runCli(['probe', 'smtp', `${server.host}:${server.port}`, '--starttls', 'required', '--json']);
        assert.equal(r.code, 1, `exit ${r.code}; stderr ${r.stderr.slice(0, 400)}`);
        const result = JSON.parse(r.stdout) as { ok: boolean; error: { phase: string } };
        assert.equal(result.error.phase, 'tls');
        assert.doesNotMatch(r.stderr, STACK_TRACE);
      } finally {
        await server.close();
      }
    });
  }
});
