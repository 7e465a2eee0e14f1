/**
 * startExporter() in-process, against real TCP listeners on loopback: the concurrency cap (503 past the
 * deadline), one probe per target within the minimum interval, the routes, the web config's headers, client
 * certificates (RequireAndVerifyClientCert), and close() while a probe is in flight.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { validateExporterConfig } from '../../src/exporter/config.js';
import { startExporter, type ExporterHandle } from '../../src/exporter/server.js';
import type { WebConfig } from '../../src/exporter/web-config.js';
import { testCertificates } from '../helpers/certs.js';
import { eventually } from '../helpers/lab/wait.js';

/** A listener that accepts and never speaks; counts connections. */
async function silentServer(): Promise<{ port: number; connections: () => number; close: () => void }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('exporter server (in-process, loopback)', function () {
  this.timeout(30_000);
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function start(limits: { concurrency?: number; min_interval?: string }, allow: string[], web?: WebConfig): Promise<ExporterHandle> {
    const config = validateExporterConfig({ allow, limits });
    const exporter = await startExporter(config, { listen: '127.0.0.1:0', ...(web ? { web } : {}) });
    cleanup.push(() => exporter.close());
    return exporter;
  }

  it('past limits.concurrency a request waits within its deadline, then gets 503; a reused result costs no connection', async () => {
    const slow = await silentServer();
    const other = await silentServer();
    cleanup.push(slow.close, other.close);
    const exporter = await start({ concurrency: 1, min_interval: '30s' }, ['127.0.0.1:*']);
    const held = fetch(`${exporter.url}/probe?module=smtps&target=127.0.0.1:${slow.port}`, { headers: { 'x-prometheus-scrape-timeout-seconds': '3' } });
    // In flight once it has dialled: a fixed sleep loses the race on a loaded machine (fetch's first call is slow).
    await eventually('the held probe to connect', async () => slow.connections(), (n) => n === 1, 2_000, 5);
    const t0 = performance.now();
    const refused = await fetch(`${exporter.url}/probe?module=tcp&target=127.0.0.1:${other.port}`, { headers: { 'x-prometheus-scrape-timeout-seconds': '1' } });
    const waited = performance.now() - t0;
    assert.equal(refused.status, 503);
    assert.match(await refused.text(), /1 probes are in flight \(limits\.concurrency\)/);
    assert.ok(waited >= 400 && waited < 1_500, `waited ${waited} ms for a 0.5 s deadline`);
    assert.equal(other.connections(), 0, 'the refused probe dialled nothing');
    const first = await held;
    assert.equal(first.status, 200);
    assert.match(await first.text(), /^probe_error_info\{code="PROBE_TIMEOUT",phase="tls"\} 1$/m);

    // The slot is free again; the same module and target within min_interval is the same probe.
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${exporter.url}/probe?module=tcp&target=127.0.0.1:${other.port}`);
      assert.match(await r.text(), /^probe_success 1$/m);
    }
    assert.equal(other.connections(), 1);
    const own = await (await fetch(`${exporter.url}/metrics`)).text();
    assert.match(own, /^maildoctor_exporter_probe_results_reused_total\{module="tcp"\} 2$/m);
    assert.match(own, /^maildoctor_exporter_requests_refused_total\{reason="overloaded"\} 1$/m);
    assert.match(own, /^maildoctor_exporter_concurrency_limit 1$/m);
  });

  it('routes: HEAD, 405 for other methods, 404, /-/healthy, the web config’s headers on every answer', async () => {
    const exporter = await start({}, ['mail.example.com'], { basicAuthUsers: {}, headers: { 'X-Content-Type-Options': 'nosniff' } });
    const head = await fetch(`${exporter.url}/metrics`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('x-content-type-options'), 'nosniff');
    assert.equal((await fetch(`${exporter.url}/probe?module=tcp&target=x`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${exporter.url}/nothing`)).status, 404);
    assert.equal(await (await fetch(`${exporter.url}/-/healthy`)).text(), 'OK\n');
    const noPort = await fetch(`${exporter.url}/probe?module=tcp&target=mail.example.com`);
    assert.equal(noPort.status, 400);
    assert.match(await noPort.text(), /module tcp needs the port/);
    const bad = await fetch(`${exporter.url}/probe?module=smtp&target=${encodeURIComponent('a b@c')}`);
    assert.equal(bad.status, 400);
  });

  it('close() with a probe in flight ends it at once', async () => {
    const slow = await silentServer();
    cleanup.push(slow.close);
    const config = validateExporterConfig({ allow: ['127.0.0.1:*'] });
    const exporter = await startExporter(config, { listen: '127.0.0.1:0' });
    const pending = fetch(`${exporter.url}/probe?module=smtps&target=127.0.0.1:${slow.port}`).catch(() => undefined);
    await eventually('the probe to connect', async () => slow.connections(), (n) => n === 1, 5_000, 5);
    const t0 = performance.now();
    await exporter.close();
    await pending;
    assert.ok(performance.now() - t0 < 1_000);
  });

  it('RequireAndVerifyClientCert: a client without a certificate of the client CA is refused at the handshake', async () => {
    const certs = await testCertificates();
    const dir = await mkdtemp(join(tmpdir(), 'maildoctor-exporter-tls-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    // A client certificate of the test CA, for clientAuth (the harness's leaves are serverAuth only).
    const run = promisify(execFile);
    const key = join(dir, 'client.key');
    const csr = join(dir, 'client.csr');
    const crt = join(dir, 'client.crt');
    await writeFile(join(dir, 'ext.cnf'), 'extendedKeyUsage = clientAuth\n');
    await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-subj', '/CN=prometheus', '-out', csr]);
    await run('openssl', ['x509', '-req', '-in', csr, '-CA', certs.ca.certFile, '-CAkey', certs.ca.keyFile, '-CAcreateserial', '-days', '2', '-extfile', join(dir, 'ext.cnf'), '-out', crt]);
    const exporter = await start({}, ['mail.example.com'], {
      basicAuthUsers: {},
      headers: {},
      tls: { certFile: certs.valid.certFile, keyFile: certs.valid.keyFile, clientAuth: 'RequireAndVerifyClientCert', clientCaFile: certs.ca.certFile, minVersion: 'TLSv1.2' },
    });
    assert.match(exporter.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const get = (extra: https.RequestOptions): Promise<number> =>
      new Promise((resolve) => {
        const req = https.get(`${exporter.url}/-/healthy`, { ca: certs.ca.cert, ...extra }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => resolve(0));
      });
    assert.equal(await get({}), 0, 'no client certificate: no connection');
    assert.equal(await get({ cert: certs.valid.cert, key: certs.valid.key }), 0, 'a serverAuth-only certificate is not a client certificate');
    assert.equal(await get({ cert: await readFile(crt), key: await readFile(key) }), 200);
  });
});
