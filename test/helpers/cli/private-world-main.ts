/**
 * A small world inside a private network namespace (`unshare -n`, only `lo`): the test resolver serving a
 * zone, scripted SMTP servers from the gallery, and the BUILT CLI (bin/maildoctor.js) run as a child process
 * against them. Prints `{code, stdout, stderr}` of the CLI as one JSON line. Started by
 * {@link runInPrivateWorld} (test/helpers/cli/private-world.ts); never by hand from the host's own namespace.
 *
 * Safety: it refuses to start anything unless `lo` is its only interface, so whatever the CLI tries (its
 * default control endpoints, the ISP database) cannot leave the namespace.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseZone, TestDnsServer } from '../servers/dns-server.js';
import { echoingImap, echoingPop3, echoingSmtp } from '../servers/echo-servers.js';
import { smtpServer, closeAll, type FaultServer, type SmtpFaultOptions } from '../servers/gallery.js';
import { testCertificates, withNotAfter } from '../certs.js';
import type { PrivateWorld } from './private-world.js';

const BIN = fileURLToPath(new URL('../../../bin/maildoctor.js', import.meta.url));
/** The CLI's own deadline plus margin: a hung CLI is killed and reported, not waited for. */
const CLI_KILL_AFTER_MS = 60_000;

const others = Object.keys(networkInterfaces()).filter((n) => n !== 'lo');
if (others.length > 0) {
  process.stderr.write(`private-world: refusing to run outside a private namespace (interfaces: ${others.join(', ')})\n`);
  process.exit(3);
}

const world = JSON.parse(process.argv[2] ?? '{}') as PrivateWorld;
const certs = await testCertificates();
const servers: Record<string, FaultServer> = {};
const pair = world.notAfter === undefined ? { key: certs.valid.key, cert: certs.valid.cert } : withNotAfter(certs.valid, certs.ca, world.notAfter);
for (const [name, opts] of Object.entries(world.smtp ?? {})) {
  servers[name] = await smtpServer({ ...(opts as SmtpFaultOptions), tls: pair });
}
for (const [name, kind] of Object.entries(world.echo ?? {})) {
  const [protocol, mode] = kind.split(':') as [string, string];
  servers[name] = await (protocol === 'smtp' ? echoingSmtp(mode as 'PLAIN', pair) : protocol === 'pop3' ? echoingPop3(mode as 'USER', pair) : echoingImap(mode as 'LOGIN', pair));
}
// `{port:NAME}` in the zone and the arguments is the port the scripted server NAME listens on.
const fill = (text: string): string => text.replace(/\{port:([a-z0-9-]+)\}/g, (_m, n: string) => String(servers[n]!.port));
const dns = await TestDnsServer.start(parseZone(fill(world.zone)));
const dir = await mkdtemp(join(tmpdir(), 'maildoctor-world-'));
const caFile = join(dir, 'ca.pem');
await writeFile(caFile, certs.ca.cert);
const fillAll = (text: string): string => fill(text).replaceAll('{dns}', `127.0.0.1:${dns.port}`).replaceAll('{ca}', caFile).replaceAll('{dir}', dir);
for (const [name, text] of Object.entries(world.files ?? {})) {
  await mkdir(dirname(join(dir, name)), { recursive: true });
  await writeFile(join(dir, name), fillAll(text));
}
const args = world.args.map(fillAll);
const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
  const child = execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH, ...world.env }, timeout: CLI_KILL_AFTER_MS, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
    resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
  });
  if (world.stopWhen !== undefined) {
    let seen = '';
    const watch = (d: Buffer): void => {
      seen += d.toString();
      if (!seen.includes(world.stopWhen!)) return;
      child.stdout!.off('data', watch); // one SIGTERM: a second one may mean "stop now" to a long-running command
      child.kill('SIGTERM');
    };
    child.stdout!.on('data', watch);
  }
});
const files: Record<string, string> = {};
for (const name of world.readBack ?? []) {
  try {
    files[name] = await readFile(join(dir, name), 'utf8');
  } catch {
    // not written
  }
}
process.stdout.write(`${JSON.stringify({ ...out, queries: dns.queries.map((q) => `${q.name} ${q.type}`), files })}\n`);
await closeAll(Object.values(servers));
await dns.stop();
await rm(dir, { recursive: true, force: true });
