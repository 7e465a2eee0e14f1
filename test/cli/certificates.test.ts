/**
 * Certificates as a user sees them: the built CLI (`maildoctor probe`) as a child process against a real
 * Dovecot and Postfix presenting a certificate of the test CA that expires in a few days, the full chain (leaf
 * and intermediate), and a leaf without its intermediate.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ProbeResult } from '../../src/lib/types.js';
import { EXPIRES_SOON_DAYS, testCertificates, type CertificateKind } from '../helpers/certs.js';
import { startDovecot, type DovecotInstance } from '../helpers/harness/dovecot.js';
import { BACKEND_START_TIMEOUT_MS, BACKEND_STOP_TIMEOUT_MS } from '../helpers/harness/mocha.js';
import { startPostfix, type PostfixInstance } from '../helpers/harness/postfix.js';
import { assertBuilt, runBuiltCli } from '../helpers/cli/built-cli.js';

const LISTEN = { listenAddress: '127.0.0.3', extraListenAddresses: ['127.0.0.1'] };

describe('cli (built, child process): certificates from real Dovecot and Postfix', function () {
  this.timeout(20_000);
  let dir: string;
  let caFile: string;
  const dovecots: Partial<Record<CertificateKind, DovecotInstance>> = {};
  let postfix: PostfixInstance;

  before(async function () {
    this.timeout(BACKEND_START_TIMEOUT_MS * 2);
    assertBuilt();
    dir = await mkdtemp(path.join(tmpdir(), 'md-certs-'));
    caFile = path.join(dir, 'ca.pem');
    await writeFile(caFile, (await testCertificates({ extraNames: ['127.0.0.3', '127.0.0.1'] })).ca.cert);
    const [soon, chained, incomplete] = await Promise.all([
      startDovecot({ ...LISTEN, certificate: 'expiresSoon' }),
      startDovecot({ ...LISTEN, certificate: 'chained' }),
      startPostfix({ ...LISTEN, certificate: 'chainIncomplete' }),
    ]);
    Object.assign(dovecots, { expiresSoon: soon, chained });
    postfix = incomplete;
  });
  after(async function () {
    this.timeout(BACKEND_STOP_TIMEOUT_MS);
    await Promise.allSettled([...Object.values(dovecots).map((d) => d.stop()), postfix?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  const probe = (protocol: string, e: { host: string; port: number }, ...extra: string[]) =>
    runBuiltCli(['probe', protocol, `${e.host}:${e.port}`, '--ca', caFile, '--servername', 'localhost', ...extra]);

  it(`a certificate that expires in ${EXPIRES_SOON_DAYS} days: the login goes on, with a TLS_CERT_EXPIRES_SOON warning and the days left`, async () => {
    const text = await probe('imaps', dovecots.expiresSoon!.imaps);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, new RegExp(`^warning TLS_CERT_EXPIRES_SOON \\(tls\\): The certificate expires on \\S+ \\(${EXPIRES_SOON_DAYS} days left\\)$`, 'm'));
    assert.match(text.stdout, /^ {2}chain 1\/2 sent by the server: CN=localhost, O=maildoctor test; issuer CN=maildoctor test CA /m);
    assert.match(text.stdout, /^ {2}chain 2\/2 from the trust store: CN=maildoctor test CA /m);
    const json = await probe('pop3', dovecots.expiresSoon!.pop3, '--starttls', 'required', '--json');
    const r = JSON.parse(json.stdout) as ProbeResult;
    assert.equal(r.ok, true);
    assert.equal(r.tls?.certificate?.daysLeft, EXPIRES_SOON_DAYS);
    assert.deepEqual(r.warnings.map((w) => w.code), ['TLS_CERT_EXPIRES_SOON']);
  });

  it('the full chain as the server sent it: leaf and intermediate from the server, the root from the trust store', async () => {
    const run = await probe('imaps', dovecots.chained!.imaps, '--json');
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as ProbeResult;
    assert.equal(r.tls?.trusted, true);
    assert.deepEqual(
      r.tls?.chain?.map((c) => [c.subject.replace(/ \d{4}-.*Z/, ''), c.sentByServer, c.selfSigned]),
      [
        ['CN=localhost, O=maildoctor test', true, false],
        ['CN=maildoctor test intermediate CA, O=maildoctor test', true, false],
        ['CN=maildoctor test CA, O=maildoctor test', false, true],
      ],
    );
    for (const c of r.tls!.chain!) assert.ok(Date.parse(c.validFrom!) < Date.now() && Date.now() < Date.parse(c.validTo!));
    assert.deepEqual(r.warnings, []);
  });

  it('a leaf without its intermediate (Postfix, STARTTLS): TLS_CERT_CHAIN_INCOMPLETE, nothing sent after the handshake', async () => {
    const run = await probe('smtp', postfix.smtp, '--starttls', 'required');
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /^FAIL smtp .*: TLS_CERT_CHAIN_INCOMPLETE in tls: Certificate not trusted: UNABLE_TO_VERIFY_LEAF_SIGNATURE/m);
    assert.match(run.stdout, /^ {2}chain 1\/1 sent by the server: CN=localhost, O=maildoctor test; issuer CN=maildoctor test intermediate CA/m);
    const afterTls = run.stdout.split('\n').slice(run.stdout.split('\n').findIndex((l) => / -- TLS /.test(l)));
    assert.ok(!afterTls.some((l) => / C: /.test(l)), 'no command after the handshake');
  });
});
