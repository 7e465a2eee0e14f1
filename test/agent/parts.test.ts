/** The agent's parts on their own: watcher, OS event source, default paths, summaries and diffs, redaction. */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { ManualClock } from '../../src/agent/clock.js';
import { monitorCommand, MONITOR_MAX_RESTARTS, watchNetworkEvents } from '../../src/agent/os-events.js';
import { defaultConfigFile, defaultStateDir } from '../../src/agent/paths.js';
import { Redactor, REDACTED } from '../../src/agent/redact.js';
import { buildAlert, diffSummaries } from '../../src/agent/alert.js';
import { summarize, workingSettings } from '../../src/agent/summary.js';
import { NetworkWatcher, TRIGGER_COALESCE_MS } from '../../src/agent/watcher.js';
import type { SpawnFn } from '../../src/agent/notify/index.js';
import { makeReport } from '../helpers/agent/fakes.js';

function watcher(clock: ManualClock, source: () => string, debounceMs = 1_500) {
  const changes: Array<[string, string]> = [];
  const errors: unknown[] = [];
  const w = new NetworkWatcher({ clock, source, pollMs: 2_000, debounceMs, onChange: (a, b) => changes.push([a, b]), onError: (e) => errors.push(e) });
  return { w, changes, errors };
}

describe('agent parts: NetworkWatcher', () => {
  it('coalesces a burst of OS triggers into one sample', async () => {
    const clock = new ManualClock();
    let reads = 0;
    const { w } = watcher(clock, () => {
      reads++;
      return 'A';
    });
    await w.start();
    reads = 0;
    for (let i = 0; i < 50; i++) w.trigger();
    await clock.advance(TRIGGER_COALESCE_MS);
    assert.equal(reads, 1);
    w.stop();
  });

  it('a failing source is reported once per failure streak and the network taken as unchanged', async () => {
    const clock = new ManualClock();
    let fail = false;
    const { w, changes, errors } = watcher(clock, () => {
      if (fail) throw new Error('no /proc');
      return 'A';
    });
    await w.start();
    fail = true;
    await clock.advance(10_000);
    assert.equal(errors.length, 1);
    assert.equal(changes.length, 0);
    assert.equal(w.current, 'A');
    fail = false;
    await clock.advance(2_000);
    fail = true;
    await clock.advance(2_000);
    assert.equal(errors.length, 2, 'a new streak is reported again');
    w.stop();
  });

  it('A → B → C inside the window restarts the debounce; the change is reported from A to C', async () => {
    const clock = new ManualClock();
    let v = 'A';
    const { w, changes } = watcher(clock, () => v);
    await w.start();
    v = 'B';
    await clock.advance(2_000);
    v = 'C';
    await clock.advance(1_400);
    w.trigger();
    await clock.advance(100);
    assert.equal(changes.length, 0);
    await clock.advance(1_500);
    assert.deepEqual(changes, [['C', 'A']]);
    w.stop();
    assert.equal(clock.pending, 0, 'stop() clears every timer');
  });

  it('debounce 0 accepts at the first sample', async () => {
    const clock = new ManualClock();
    let v = 'A';
    const { w, changes } = watcher(clock, () => v, 0);
    await w.start();
    v = 'B';
    await clock.advance(2_000);
    assert.deepEqual(changes, [['B', 'A']]);
    w.stop();
  });
});

describe('agent parts: OS network events', () => {
  function fakeSpawn(behaviour: 'enoent' | 'lines-then-exit') {
    const spawned: string[][] = [];
    const children: Array<EventEmitter & { stdout: PassThrough; kill(): void; unref(): void; exitCode: number | null; signalCode: null }> = [];
    const fn = ((cmd: string, args: string[]) => {
      spawned.push([cmd, ...args]);
      const child = Object.assign(new EventEmitter(), { stdout: new PassThrough(), kill: () => undefined, unref: () => undefined, exitCode: null, signalCode: null });
      children.push(child);
      setImmediate(() => {
        if (behaviour === 'enoent') child.emit('error', Object.assign(new Error('spawn ip ENOENT'), { code: 'ENOENT' }));
        else if (spawned.length === 1) child.stdout.write('2: eth0    inet 192.0.2.7/24 scope global eth0\n');
      });
      return child;
    }) as unknown as SpawnFn;
    return { fn, spawned, children };
  }

  it('uses ip monitor on Linux and route monitor on macOS; none on Windows', () => {
    assert.deepEqual(monitorCommand('linux'), ['ip', 'monitor', 'address', 'route']);
    assert.deepEqual(monitorCommand('darwin'), ['route', '-n', 'monitor']);
    assert.equal(monitorCommand('win32'), undefined);
    const why: string[] = [];
    watchNetworkEvents({ clock: new ManualClock(), onEvent: () => undefined, onUnavailable: (r) => why.push(r), platform: 'win32' }).close();
    assert.match(why[0]!, /no network monitor command/);
  });

  it('degrades gracefully when the tool is missing', async () => {
    const s = fakeSpawn('enoent');
    const why: string[] = [];
    const src = watchNetworkEvents({ clock: new ManualClock(), onEvent: () => undefined, onUnavailable: (r) => why.push(r), platform: 'linux', spawn: s.fn });
    await new Promise((r) => setImmediate(r));
    assert.match(why[0]!, /ENOENT/);
    src.close();
  });

  it('a line is an event; a monitor that keeps exiting silently is restarted with growing delays, then given up', async () => {
    const clock = new ManualClock();
    const s = fakeSpawn('lines-then-exit');
    let events = 0;
    const why: string[] = [];
    const src = watchNetworkEvents({ clock, onEvent: () => events++, onUnavailable: (r) => why.push(r), platform: 'linux', spawn: s.fn });
    await new Promise((r) => setImmediate(r));
    assert.equal(events, 1);
    for (let i = 0; i <= MONITOR_MAX_RESTARTS; i++) {
      s.children.at(-1)!.emit('exit', 1, null);
      await clock.advance(2_000 * 2 ** i);
    }
    assert.equal(s.spawned.length, MONITOR_MAX_RESTARTS + 1);
    assert.match(why.at(-1) ?? '', /giving up/);
    src.close();
  });

  it('the real ip monitor starts and stops (when iproute2 is installed)', async function () {
    if (process.platform !== 'linux') this.skip();
    const why: string[] = [];
    const src = watchNetworkEvents({ clock: new ManualClock(), onEvent: () => undefined, onUnavailable: (r) => why.push(r) });
    await new Promise((r) => setTimeout(r, 100));
    src.close();
    assert.deepEqual(why.filter((w) => !/ENOENT/.test(w)), []);
  });
});

describe('agent parts: default paths', () => {
  it('Linux: XDG_STATE_HOME when absolute, else ~/.local/state', () => {
    assert.equal(defaultStateDir({ platform: 'linux', env: { XDG_STATE_HOME: '/x/state' }, home: '/home/u' }), '/x/state/maildoctor');
    assert.equal(defaultStateDir({ platform: 'linux', env: { XDG_STATE_HOME: 'relative' }, home: '/home/u' }), '/home/u/.local/state/maildoctor');
    assert.equal(defaultStateDir({ platform: 'linux', env: {}, home: '/home/u' }), '/home/u/.local/state/maildoctor');
    assert.equal(defaultConfigFile({ platform: 'linux', env: {}, home: '/home/u' }), '/home/u/.config/maildoctor/agent.json');
  });

  it('macOS: Application Support; Windows: LOCALAPPDATA', () => {
    assert.equal(defaultStateDir({ platform: 'darwin', env: {}, home: '/Users/u' }), '/Users/u/Library/Application Support/maildoctor');
    assert.equal(defaultStateDir({ platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, home: 'C:\\Users\\u' }), 'C:\\Users\\u\\AppData\\Local\\maildoctor');
    assert.equal(defaultStateDir({ platform: 'win32', env: {}, home: 'C:\\Users\\u' }), 'C:\\Users\\u\\AppData\\Local\\maildoctor');
  });
});

describe('agent parts: summaries and diffs', () => {
  const ctx = { fingerprint: 'fp', reason: 'start' as const, checkedAt: '2024-01-01T00:00:00.000Z' };

  it('a summary keeps the verdicts, the settings and the network, not the transcripts', () => {
    const s = summarize(makeReport({ provider: 'isp.test', gateway: '198.51.100.1', certDays: 3 }), ctx);
    assert.equal(s.network.provider, 'isp.test');
    assert.equal(s.recommendation.outgoing?.host, 'mail.mailbox.test');
    assert.deepEqual(s.probes, { total: 2, ok: 2 });
    assert.ok(!JSON.stringify(s).includes('transcript'));
    assert.deepEqual(workingSettings(summarize(makeReport({ sending: 'fails', receiving: 'fails' }), ctx)), undefined);
  });

  it('diffs name each field that changed; an unchanged report has no diff', () => {
    const a = summarize(makeReport(), ctx);
    assert.deepEqual(diffSummaries(a, summarize(makeReport(), ctx)), []);
    const b = summarize(makeReport({ outgoing: 'smtp.isp.test', hybrid: true }), ctx);
    assert.deepEqual(
      diffSummaries(a, b).map((c) => c.field),
      ['outgoing', 'hybrid'],
    );
    const c = summarize(makeReport({ sending: 'unverified' }), ctx);
    assert.deepEqual(diffSummaries(a, c)[0], { field: 'sending', from: 'works', to: 'unverified' });
  });

  it('an alert speaks the agent’s language; its changes stay data (English keys, the same in every language)', () => {
    const before = summarize(makeReport({ provider: 'isp.test' }), ctx);
    const broken = summarize(makeReport({ provider: 'isp.test', sending: 'fails', receiving: 'fails' }), { ...ctx, lang: 'it' });
    const it = buildAlert(before, broken, { id: 'a1', lang: 'it' })!;
    assert.equal(it.lang, 'it');
    assert.equal(it.summary, 'alice@mailbox.test: l’invio e la ricezione non funzionano più sulla rete isp.test');
    const en = buildAlert(before, broken, { id: 'a1' })!;
    assert.equal(en.summary, 'alice@mailbox.test: sending and receiving broken on isp.test');
    assert.deepEqual(it.changes, en.changes);
    const hybrid = summarize(makeReport({ provider: 'isp.test', outgoing: 'smtp.isp.test', hybrid: true }), ctx);
    assert.equal(
      buildAlert(before, hybrid, { id: 'a2', lang: 'it' })!.summary,
      'alice@mailbox.test: spedisci tramite smtp.isp.test:25 STARTTLS, senza accesso (account ibrido: il server di posta in uscita di questa rete, isp.test)',
    );
    assert.equal(buildAlert(before, hybrid, { id: 'a2' })!.summary, 'alice@mailbox.test: send through smtp.isp.test:25 STARTTLS, no login (hybrid: this network’s server on isp.test)');
    const back = buildAlert(broken, before, { id: 'a3', lang: 'it' })!;
    assert.equal(back.summary, 'alice@mailbox.test: l’invio e la ricezione funzionano di nuovo sulla rete isp.test (spedisci tramite mail.mailbox.test:465 SSL/TLS, password normale)');
  });
});

describe('agent parts: Redactor', () => {
  it('scrubs raw and JSON-escaped forms, longest secret first', () => {
    const r = new Redactor();
    r.add('pa"ss');
    r.add('pa');
    const text = JSON.stringify({ a: 'x pa"ss y', b: 'pa' });
    const out = r.redact(text);
    assert.ok(!out.includes('pa'));
    assert.deepEqual(JSON.parse(out), { a: `x ${REDACTED} y`, b: REDACTED });
    assert.deepEqual(r.redactValue({ n: 1, s: ['pa"ss'] }), { n: 1, s: [REDACTED] });
  });
});
