/**
 * `maildoctor exporter` as a user runs it: the BUILT bin/maildoctor.js as a child process, on loopback only.
 * Start-up mistakes are exit code 2 with one line on stderr; a running exporter probes an allowed loopback
 * listener, answers 401 without the login its web config asks for, and stops on SIGTERM with exit code 0.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import bcrypt from 'bcryptjs';
import { REPO_ROOT } from '../helpers/lab/lab.js';
import { BIN, ensureBuilt } from '../helpers/build.js';
import { eventually } from '../helpers/lab/wait.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, NO_COLOR: '1', ...env }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

describe('maildoctor exporter (the built CLI)', function () {
  this.timeout(60_000);
  let dir = '';

  before(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), 'maildoctor-exporter-cli-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start without an allow-list: exit 2, one line saying why', async () => {
    const r = await cli(['exporter']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^maildoctor: no target is allowed: give --allow PATTERN/);
    assert.equal(r.stdout, '');
  });

  it('refuses an allow-everything pattern, a bad --listen, a bad config field (with its path), an unset password variable', async () => {
    const star = await cli(['exporter', '--allow', '*']);
    assert.equal(star.code, 2);
    assert.match(star.stderr, /allow pattern "\*": .*open port scanner/);
    const listen = await cli(['exporter', '--allow', 'mail.example.com', '--listen', 'nowhere']);
    assert.equal(listen.code, 2);
    assert.match(listen.stderr, /--listen takes HOST:PORT/);

    const file = join(dir, 'bad.yml');
    await writeFile(file, 'allow: [mail.example.com]\nmodules:\n  acme:\n    prober: smtp\n    auth: { username: u, password: hunter2-in-the-file }\n');
    const bad = await cli(['exporter', '--config', file]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /modules\.acme\.auth\.password: passwords are never read from the config file/);
    assert.ok(!bad.stderr.includes('hunter2-in-the-file'));

    await writeFile(file, 'allow: [mail.example.com]\nmodules:\n  acme:\n    prober: smtp\n    auth: { username: u, password_env: MD_EXPORTER_UNSET }\n');
    const unset = await cli(['exporter', '--config', file]);
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /modules\.acme\.auth\.password_env: environment variable MD_EXPORTER_UNSET is not set/);

    await writeFile(file, 'allow: [mail.example.com\n');
    const yaml = await cli(['exporter', '--config', file]);
    assert.equal(yaml.code, 2);
    assert.match(yaml.stderr, /not valid YAML/);
  });

  it('serves: probes an allowed loopback listener, refuses others, asks for the login of its web config, survives SIGHUP, stops on SIGTERM', async () => {
    const seen: number[] = [];
    const listen = (): Promise<net.Server> =>
      new Promise((resolve) => {
        const s = net.createServer((sock) => {
          seen.push((s.address() as net.AddressInfo).port);
          sock.destroy();
        });
        s.listen(0, '127.0.0.1', () => resolve(s));
      });
    const [allowed, other] = await Promise.all([listen(), listen()]);
    const allowedPort = (allowed.address() as net.AddressInfo).port;
    const otherPort = (other.address() as net.AddressInfo).port;
    const web = join(dir, 'web.yml');
    await writeFile(web, `basic_auth_users:\n  scraper: ${bcrypt.hashSync('letmein', 4)}\n`);
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, [BIN, 'exporter', '--listen', '127.0.0.1:0', '--allow', `127.0.0.1:${allowedPort}`, '--web-config', web, '--log-format', 'json'], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, NO_COLOR: '1' },
      });
      const out: string[] = [];
      const started = new Promise<string>((resolve, reject) => {
        createInterface({ input: child!.stdout! }).on('line', (l) => {
          out.push(l);
          if (l.includes('"exporter listening"')) resolve((JSON.parse(l) as { url: string }).url);
        });
        child!.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const url = await started;
      const login = { authorization: `Basic ${Buffer.from('scraper:letmein').toString('base64')}` };
      const ok = await fetch(`${url}/probe?module=tcp&target=127.0.0.1:${allowedPort}`, { headers: login });
      assert.equal(ok.status, 200);
      assert.match(ok.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const body = await ok.text();
      assert.match(body, /^probe_success 1$/m);
      assert.match(body, /^probe_ip_protocol 4$/m);
      const refused = await fetch(`${url}/probe?module=tcp&target=127.0.0.1:${otherPort}`, { headers: login });
      assert.equal(refused.status, 403);
      const anonymous = await fetch(`${url}/probe?module=tcp&target=127.0.0.1:${allowedPort}`);
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm=/);
      const page = await fetch(`${url}/`, { headers: login });
      assert.match(await page.text(), /<code>smtp_relay<\/code>/);
      assert.deepEqual(seen, [allowedPort], 'one connection, to the allowed port only');

      // SIGHUP (what `systemctl reload` sends) must not kill it: Node's default would.
      child.kill('SIGHUP');
      await eventually('the SIGHUP log line', async () => out.some((l) => l.includes('SIGHUP: the exporter does not reload')), (seen) => seen, 5_000, 20);
      assert.equal((await fetch(`${url}/-/healthy`, { headers: login })).status, 200);

      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.ok(out.some((l) => l.includes('"exporter stopped"')));
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      allowed.close();
      other.close();
    }
  });

  it('is listed in --help', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /exporter \[options\]\s+a Prometheus multi-target exporter/);
  });
});
