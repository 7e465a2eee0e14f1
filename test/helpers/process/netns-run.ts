/**
 * Runs one command as a user would, in a private network and mount namespace whose only resolver is a test
 * DNS server that misbehaves as told:
 *
 *     unshare --net --mount node --import tsx test/helpers/process/netns-run.ts --resolver refused [--zone FILE] -- CMD ARGS…
 *
 * Inside: loopback up, /etc/resolv.conf bind-mounted to `nameserver 127.0.0.1`, the resolver on 127.0.0.1:53
 * (UDP and TCP), then CMD as a child process with this process's stdio. Names in the zone files are answered;
 * every other name gets the misbehaviour (`--resolver answer` answers NXDOMAIN there). SIGINT and SIGTERM are
 * passed on to CMD. Exits with CMD's exit code, or 128 + the signal number that ended it. On fd 3, when open:
 * `started PID` once CMD runs, `queries N` (how many DNS questions the resolver got) once it has ended.
 *
 * Nothing here can reach another host: the namespace has only loopback.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadZone, TestDnsServer, type Misbehaviour } from '../servers/dns-server.js';

const args = process.argv.slice(2);
const sep = args.indexOf('--');
if (sep < 0 || sep === args.length - 1) throw new Error('usage: netns-run.ts [--resolver MODE] [--zone FILE]… -- CMD ARGS…');
const own = args.slice(0, sep);
const [cmd, ...cmdArgs] = args.slice(sep + 1) as [string, ...string[]];
let mode: Misbehaviour = 'answer';
const zones: string[] = [];
for (let i = 0; i < own.length; i++) {
  if (own[i] === '--resolver') mode = own[++i] as Misbehaviour;
  else if (own[i] === '--zone') zones.push(own[++i]!);
  else throw new Error(`netns-run.ts: unknown option ${own[i]}`);
}

const must = (argv: string[]): void => {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr || r.error?.message}`);
};
// The namespace must be ours: never touch the host's resolv.conf or interfaces.
const netns = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.trim().split('\n');
if (netns.length !== 1 || !/: lo:/.test(netns[0]!)) throw new Error('netns-run.ts must run under `unshare --net --mount`');
must(['ip', 'link', 'set', 'lo', 'up']);
const dir = mkdtempSync(join(tmpdir(), 'md-netns-run-'));
writeFileSync(join(dir, 'resolv.conf'), 'nameserver 127.0.0.1\n');
must(['mount', '--make-rprivate', '/']);
must(['mount', '--bind', join(dir, 'resolv.conf'), '/etc/resolv.conf']);

const dns = await TestDnsServer.start(loadZone(...zones), { host: '127.0.0.1', port: 53 });
dns.outsideZones = mode === 'answer' ? undefined : mode;
const child = spawn(cmd, cmdArgs, { stdio: ['inherit', 'inherit', 'inherit'] });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
// The caller may wait for this before signalling (fd 3, when it gave one): until now a signal would end
// this runner instead of reaching the command.
try {
  writeSync(3, `started ${child.pid}\n`);
} catch {
  // no fd 3: nobody waits
}
const code = await new Promise<number>((resolve) => {
  child.on('error', (err) => {
    process.stderr.write(`netns-run.ts: ${err.message}\n`);
    resolve(127);
  });
  child.on('exit', (c, signal) => resolve(c ?? 128 + (signal ? constants.signals[signal] : 0)));
});
try {
  writeSync(3, `queries ${dns.queries.length}\n`);
} catch {
  // no fd 3
}
await dns.stop();
rmSync(dir, { recursive: true, force: true });
process.exitCode = code;
