/**
 * Notifiers: the webhook against live loopback receivers that fail in each way (5xx, refused, silent), the
 * alert command through a real child process, the desktop notifier through an injected spawn. Only 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { memoryLogger } from '../../src/agent/log.js';
import { commandNotifier, desktopCommand, desktopNotifier, webhookNotifier, type NotifierContext, type SpawnFn } from '../../src/agent/notify/index.js';
import { Redactor } from '../../src/agent/redact.js';
import { buildAlert, type Alert } from '../../src/agent/alert.js';
import { summarize } from '../../src/agent/summary.js';
import type { WebhookConfig } from '../../src/agent/config.js';
import { makeReport } from '../helpers/agent/fakes.js';
import { ALICE, baseConfig, cleanupAgents, metricValue, PASSWORD, startTestAgent, tempDir } from '../helpers/agent/agent.js';

function alert(n = 1, summaryText?: string): Alert {
  const prev = summarize(makeReport(), { fingerprint: 'net-A', reason: 'start', checkedAt: new Date().toISOString() });
  const cur = summarize(makeReport({ sending: 'fails', ...(summaryText ? { findingText: summaryText } : {}) }), { fingerprint: 'net-A', reason: 'schedule', checkedAt: new Date().toISOString() });
  const a = buildAlert(prev, cur, { id: `alert-${n}` })!;
  return summaryText ? { ...a, summary: summaryText } : a;
}

function context(redactor = new Redactor()): NotifierContext & { counts: Record<string, number>; logger: ReturnType<typeof memoryLogger> } {
  const counts: Record<string, number> = {};
  return {
    logger: memoryLogger(),
    redactor,
    counts,
    count: (n, o) => {
      counts[`${n}:${o}`] = (counts[`${n}:${o}`] ?? 0) + 1;
    },
    childEnv: () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin' }),
  };
}

interface Receiver {
  url: string;
  requests: Array<{ body: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1:0 that answers `status`, or never answers (`'hang'`). */
async function receiver(status: number | 'hang'): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ body, headers: req.headers });
      if (status !== 'hang') res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook?token=abc`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function closedPortUrl(): Promise<string> {
  const r = await receiver(200);
  await r.close();
  return r.url;
}

function hook(url: string, extra: Partial<WebhookConfig> = {}): WebhookConfig {
  return { url, timeoutMs: 500, retries: 2, minBackoffMs: 5, maxBackoffMs: 20, queueSize: 10, headers: { 'x-test': '1' }, ...extra };
}

async function until(what: string, cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('agent notifiers: webhook', () => {
  const receivers: Receiver[] = [];
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await cleanupAgents();
  });

  it('POSTs the alert as JSON, once, with the configured headers', async () => {
    const r = await receiver(204);
    receivers.push(r);
    const ctx = context();
    const n = webhookNotifier(hook(r.url), ctx);
    n.notify(alert());
    await until('delivery', () => ctx.counts['webhook:sent'] === 1);
    await n.close(1_000);
    assert.equal(r.requests.length, 1);
    assert.equal(r.requests[0]!.headers['content-type'], 'application/json');
    assert.equal(r.requests[0]!.headers['x-test'], '1');
    const body = JSON.parse(r.requests[0]!.body) as Alert;
    assert.equal(body.kind, 'broken');
    assert.equal(body.account, ALICE);
  });

  it('a receiver answering 503 gets exactly 1 + retries attempts per alert, then the alert is counted failed', async () => {
    const r = await receiver(503);
    receivers.push(r);
    const ctx = context();
    const n = webhookNotifier(hook(r.url, { retries: 2 }), ctx);
    n.notify(alert(1));
    n.notify(alert(2));
    await until('two failures', () => ctx.counts['webhook:failed'] === 2);
    assert.equal(r.requests.length, 6);
    assert.ok(ctx.logger.entries.some((e) => e.code === 'NOTIFY_FAILED' && !String(e.url).includes('token')), 'the URL is logged without its query');
    await n.close(100);
  });

  it('a 4xx other than 408/429 is final: no retry', async () => {
    const r = await receiver(400);
    receivers.push(r);
    const ctx = context();
    const n = webhookNotifier(hook(r.url, { retries: 5 }), ctx);
    n.notify(alert());
    await until('failure', () => ctx.counts['webhook:failed'] === 1);
    assert.equal(r.requests.length, 1);
    await n.close(100);
  });

  it('a refused connection and a silent receiver fail within the bounds; notify() never blocks; the queue is bounded', async () => {
    const ctx = context();
    const refused = webhookNotifier(hook(await closedPortUrl()), ctx);
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) refused.notify(alert(i));
    assert.ok(performance.now() - t0 < 50, 'notify() returns at once');
    await until('refused failures', () => ctx.counts['webhook:failed'] === 3);
    await refused.close(100);

    const silent = await receiver('hang');
    receivers.push(silent);
    const ctx2 = context();
    const n = webhookNotifier(hook(silent.url, { timeoutMs: 200, retries: 1, queueSize: 2 }), ctx2);
    for (let i = 0; i < 6; i++) n.notify(alert(i));
    // One in flight, two queued: three dropped at once.
    assert.equal(ctx2.counts['webhook:dropped'], 3);
    assert.ok(ctx2.logger.entries.some((e) => e.code === 'NOTIFY_QUEUE_FULL'));
    const t1 = performance.now();
    await n.close(300);
    assert.ok(performance.now() - t1 < 1_500, `close() is bounded (${Math.round(performance.now() - t1)} ms)`);
  });

  it('a dead receiver does not block the agent: other notifiers get every alert at once, retries stay bounded, stop() is quick', async () => {
    const r = await receiver(503);
    receivers.push(r);
    const dir = await tempDir();
    const t = await startTestAgent({
      config: baseConfig(dir, { notifiers: { log: { console: false }, desktop: false, webhook: { url: r.url, retries: 2, minBackoffMs: 20, maxBackoffMs: 40, timeoutMs: 500 } } }),
    });
    await t.agent.idle();
    const states = ['fails', 'works', 'fails'] as const;
    for (const s of states) {
      t.fake.respond = (address) => makeReport({ address, sending: s });
      t.agent.checkNow();
      await t.agent.idle();
    }
    assert.equal(t.alerts.length, 3, 'the agent went on checking and alerting');
    await until('three failed deliveries', () => r.requests.length === 9, 10_000);
    // The ninth request is counted when it arrives, its failure once its 503 is read: on a loaded machine that
    // is a moment later, so wait for the count too (bounded) rather than read it at once.
    const failed = (): Promise<number | undefined> => metricValue(t.agent, 'maildoctor_notifications_total', { notifier: 'webhook', outcome: 'failed' });
    for (const end = performance.now() + 5_000; (await failed()) !== 3 && performance.now() < end; ) await new Promise((res) => setTimeout(res, 20));
    assert.equal(await failed(), 3);
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(r.requests.length, 9, 'no attempt past the retries');
    const t0 = performance.now();
    await t.agent.stop();
    assert.ok(performance.now() - t0 < 3_000);
  });
});

describe('agent notifiers: command and desktop', () => {
  afterEach(cleanupAgents);

  it('runs the command without a shell: alert JSON on stdin, MAILDOCTOR_ALERT_* in the environment, nothing interpreted', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out.json');
    const pwned = join(dir, 'pwned');
    const script = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>require('fs').writeFileSync(process.argv[1],JSON.stringify({stdin:s,env:process.env})))`;
    const ctx = context();
    const n = commandNotifier({ argv: [process.execPath, '-e', script, out], timeoutMs: 5_000 }, ctx);
    const hostile = `$(touch ${pwned}); touch ${pwned} \`touch ${pwned}\``;
    n.notify(alert(1, hostile));
    await until('command ran', () => ctx.counts['command:sent'] === 1 || ctx.counts['command:failed'] === 1);
    assert.equal(ctx.counts['command:sent'], 1, JSON.stringify(ctx.logger.entries));
    const got = JSON.parse(await readFile(out, 'utf8')) as { stdin: string; env: Record<string, string> };
    const a = JSON.parse(got.stdin) as Alert;
    assert.equal(a.summary, hostile);
    assert.equal(got.env.MAILDOCTOR_ALERT_SUMMARY, hostile);
    assert.equal(got.env.MAILDOCTOR_ALERT_KIND, 'broken');
    assert.equal(got.env.MAILDOCTOR_ALERT_ACCOUNT, ALICE);
    assert.equal(got.env.MAILDOCTOR_ALERT_SENDING, 'fails');
    assert.equal(existsSync(pwned), false, 'nothing in the alert was run');
    await n.close(100);
  });

  it('a failing or hanging command is logged and killed; the agent’s password variables are not passed to it', async () => {
    const dir = await tempDir();
    const out = join(dir, 'env.json');
    const t = await startTestAgent({
      config: baseConfig(dir, {
        notifiers: {
          log: { console: false },
          desktop: false,
          command: { argv: [process.execPath, '-e', `require('fs').writeFileSync(process.argv[1], JSON.stringify(process.env)); process.exit(3)`, out], timeoutMs: 5_000 },
        },
      }),
    });
    process.env.TEST_AGENT_PASSWORD = PASSWORD;
    try {
      t.fake.respond = (address) => makeReport({ address, sending: 'fails' });
      t.agent.checkNow();
      await t.agent.idle();
      await until('command failure', () => t.logger.entries.some((e) => e.code === 'NOTIFY_FAILED' && e.exitCode === 3));
      const env = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
      assert.equal(env.TEST_AGENT_PASSWORD, undefined);
      assert.ok(!JSON.stringify(env).includes(PASSWORD));
    } finally {
      delete process.env.TEST_AGENT_PASSWORD;
    }

    const ctx = context();
    const slow = commandNotifier({ argv: [process.execPath, '-e', 'setTimeout(()=>{}, 60000)'], timeoutMs: 300 }, ctx);
    slow.notify(alert());
    await until('timeout', () => ctx.counts['command:failed'] === 1);
    assert.ok(ctx.logger.entries.some((e) => e.outcome === 'timeout'));
    await slow.close(100);
  });

  it('desktop: notify-send / osascript get the text as arguments; an absent command turns the notifier off silently', async () => {
    assert.deepEqual(desktopCommand('linux', 'T', 'B', true), ['notify-send', '--app-name=maildoctor', '--urgency=critical', '--', 'T', 'B']);
    const mac = desktopCommand('darwin', 'T', '"; do shell script "x', false)!;
    assert.equal(mac[0], 'osascript');
    assert.equal(mac.at(-1), '"; do shell script "x', 'the text is an argument of the script, never part of it');
    assert.equal(desktopCommand('win32', 'T', 'B', false), undefined);

    const seen: string[][] = [];
    const fakeSpawn = ((cmd: string, args: string[]) => {
      seen.push([cmd, ...args]);
      const child = new EventEmitter() as EventEmitter & { stdin: PassThrough; stderr: PassThrough; kill(): void };
      child.stdin = new PassThrough();
      child.stderr = new PassThrough();
      child.kill = () => undefined;
      setImmediate(() => child.emit('error', Object.assign(new Error('spawn notify-send ENOENT'), { code: 'ENOENT' })));
      return child;
    }) as unknown as SpawnFn;
    const ctx = context();
    const n = desktopNotifier(ctx, { platform: 'linux', spawn: fakeSpawn });
    n.notify(alert(1));
    await until('first', () => ctx.counts['desktop:skipped'] === 1);
    n.notify(alert(2));
    await until('second', () => ctx.counts['desktop:skipped'] === 2);
    assert.equal(seen.length, 1, 'not tried again once known absent');
    assert.equal(seen[0]![0], 'notify-send');
    assert.ok(!ctx.logger.entries.some((e) => e.level === 'warn' || e.level === 'error'), 'silently');
    await n.close(100);
  });
});
