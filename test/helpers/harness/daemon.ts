/**
 * Runs a server daemon (Postfix master, Dovecot master) in the foreground inside a PID namespace of its
 * own, under a minimal shell init:
 *
 *     setpriv --pdeathsig SIGKILL [ip netns exec NS] \
 *       unshare --pid --fork --kill-child=SIGKILL sh -c '"$@"; ...' maildoctor-harness-init <daemon argv>
 *
 *   node ─ unshare (host PID hostPid) ─ sh (namespace PID 1, host PID initPid) ─ daemon (daemonPid) ─ ...
 *
 * Why:
 * - Teardown is the kernel's job: when a namespace's init exits or is SIGKILLed, every process in it is
 *   killed and reaped. A plain `postfix start` daemonises and re-parents its children to the machine's
 *   init, which on this kind of sandbox does not reap them promptly (zombies linger in `ps`).
 * - "Nothing left behind" is checkable: stop() fails if any process remains in the namespace.
 * - Even a SIGKILLed test runner takes its servers along: the parent-death signal (setpriv) kills
 *   unshare, whose --kill-child SIGKILLs the init. The init is a shell, not the daemon, because the
 *   kernel clears a parent-death signal when a process changes its credentials, which both Postfix
 *   and Dovecot do at start-up.
 *
 * Pitfall: the masters write their namespace PIDs (small numbers) into their pid files. Never use
 * `postfix stop`, `doveadm stop` or `doveadm reload` on these instances: from the host they would signal
 * some unrelated process. Always stop through {@link Daemon.stop}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { readFile, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Endpoint } from './backend.js';

/** Poll interval while waiting for a daemon to bind its listeners (ms). */
const POLL_INTERVAL_MS = 20;
/** How long a daemon may take to bind every listener before start fails (ms). */
export const START_TIMEOUT_MS = 10_000;
/** How long a daemon may take to exit after SIGTERM before it is SIGKILLed (ms). */
export const STOP_TIMEOUT_MS = 5_000;
/** How long the namespace may take to empty after its init exited (ms). */
const NAMESPACE_DRAIN_MS = 2_000;

// ---------------------------------------------------------------------------------------------------
// Process-exit safety net: if a test process exits without calling stop() (crash, forgotten after hook,
// mocha --exit), kill every namespace init we started and remove our temp dirs, synchronously.

const liveInits = new Set<number>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function cleanupNow(): void {
  // SIGKILL of a namespace's init makes the kernel kill the whole namespace.
  for (const pid of liveInits) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  liveInits.clear();
  for (const dir of liveDirs) {
    try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
  liveDirs.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', cleanupNow);
  // A runner killed by a signal (`timeout`, CI cancel) emits no 'exit': clean up, then let the signal
  // do what it would have done. If someone else (mocha) handles the signal, leave the decision to them.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      cleanupNow();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

/**
 * A fresh temp dir for one server instance, removed on {@link removeRunDir} or at process exit.
 * Mode 0755 because the daemons' unprivileged processes (postfix, dovecot users) must traverse it.
 */
export function makeRunDir(prefix: string): string {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), `maildoctor-${prefix}-`));
  chmodSync(dir, 0o755);
  liveDirs.add(dir);
  return dir;
}

export async function removeRunDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/** The last lines of a log file ('' if it does not exist yet), for start-up errors. */
export async function tail(file: string, lines = 40): Promise<string> {
  try { return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n'); } catch { return ''; }
}

/** Runs `fn` on the first call only; later calls get the same promise (idempotent stop()). */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => (p ??= fn());
}

// ---------------------------------------------------------------------------------------------------
// /proc helpers

async function childPids(pid: number): Promise<number[]> {
  try {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return text.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function pidNamespaceOf(pid: number): Promise<string | undefined> {
  try { return await readlink(`/proc/${pid}/ns/pid`); } catch { return undefined; }
}

/** Host PIDs of every process whose PID namespace is `ns` (e.g. `pid:[4026532178]`). */
export async function processesInNamespace(ns: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if ((await pidNamespaceOf(Number(entry))) === ns) found.push(Number(entry));
  }
  return found;
}

function decodeProcAddress(hex: string): string {
  // /proc/net/tcp prints addresses as 32-bit words in host (little-endian) order.
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/**
 * TCP listeners in the network namespace of `pid`, as `address:port` -> socket inode. Reading
 * /proc/PID/net works for a daemon inside another network namespace too, where we could not connect.
 */
export async function listenersOf(pid: number): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try { text = await readFile(`/proc/${pid}/net/${file}`, 'utf8'); } catch { continue; }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] !== '0A') continue; // 0A = TCP_LISTEN
      const [addr, port] = (cols[1] ?? '').split(':');
      if (addr && port && cols[9]) result.set(`${decodeProcAddress(addr)}:${parseInt(port, 16)}`, cols[9]);
    }
  }
  return result;
}

/** Inodes of the sockets process `pid` holds open. */
async function socketInodesOf(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  let fds: string[];
  try { fds = await readdir(`/proc/${pid}/fd`); } catch { return inodes; }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch { /* closed meanwhile */ }
  }
  return inodes;
}

// ---------------------------------------------------------------------------------------------------

export interface DaemonSpec {
  /** For messages: 'postfix', 'dovecot'. */
  name: string;
  /** The daemon's foreground command line. */
  argv: string[];
  /** Run inside this existing network namespace (`ip netns exec NAME`). */
  netns?: string;
  /** Appended to start errors, e.g. the tail of the daemon's log file. */
  diagnostics?: () => Promise<string>;
}

export class Daemon {
  private output = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly spec: DaemonSpec,
    private readonly child: ChildProcess,
    /** Host PID of the process we spawned (setpriv, exec'd into ip/unshare); in the daemon's netns. */
    readonly hostPid: number,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
    });
    const keep = (chunk: Buffer) => { this.output = (this.output + chunk.toString()).slice(-8_000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** Host PID of the namespace's init (the shell); SIGKILL on it tears the whole namespace down. */
  initPid = 0;
  /** Host PID of the daemon (the shell's only child): it holds the listeners and gets SIGTERM on stop. */
  daemonPid = 0;
  /** The daemon's PID namespace, as `readlink /proc/PID/ns/pid` prints it. */
  pidNamespace = '';

  static async start(spec: DaemonSpec): Promise<Daemon> {
    installExitHook();
    const argv = [
      'setpriv', '--pdeathsig', 'SIGKILL',
      ...(spec.netns ? ['ip', 'netns', 'exec', spec.netns] : []),
      'unshare', '--pid', '--fork', '--kill-child=SIGKILL',
      // Not `exec`: the shell must stay PID 1 (see the module comment). It exits with the daemon's status.
      'sh', '-c', '"$@"; status=$?; exit $status', 'maildoctor-harness-init',
      ...spec.argv,
    ];
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const daemon = new Daemon(spec, child, child.pid!);
    // A test that forgets stop() must not hang the runner; the exit hook cleans up instead.
    daemon.unref();
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline && daemon.running) {
      if (!daemon.initPid) {
        const [init] = await childPids(daemon.hostPid);
        const ns = init ? await pidNamespaceOf(init) : undefined;
        if (init && ns) {
          daemon.initPid = init;
          daemon.pidNamespace = ns;
          liveInits.add(init);
        }
      }
      if (daemon.initPid) {
        const [pid] = await childPids(daemon.initPid);
        if (pid) {
          daemon.daemonPid = pid;
          return daemon;
        }
      }
      await sleep(2);
    }
    const error = await daemon.startError(daemon.running ? 'its process did not appear' : 'daemon exited during start-up');
    await daemon.stop().catch(() => undefined);
    throw error;
  }

  get running(): boolean { return this.exitInfo === undefined; }

  private unref(): void {
    this.child.unref();
    for (const s of [this.child.stdout, this.child.stderr]) (s as unknown as { unref?: () => void })?.unref?.();
  }

  private ref(): void {
    this.child.ref();
    for (const s of [this.child.stdout, this.child.stderr]) (s as unknown as { ref?: () => void })?.ref?.();
  }

  async startError(why: string): Promise<Error> {
    const status = this.exitInfo ? ` (exited: code ${this.exitInfo.code}, signal ${this.exitInfo.signal})` : '';
    let diag = '';
    try { diag = (await this.spec.diagnostics?.()) ?? ''; } catch { /* keep the original error */ }
    return new Error(
      `${this.spec.name} failed to start: ${why}${status}\n` +
      `command: ${this.spec.netns ? `ip netns exec ${this.spec.netns} ` : ''}${this.spec.argv.join(' ')}\n` +
      (this.output.trim() ? `output:\n${this.output.trim()}\n` : '') +
      (diag.trim() ? `log:\n${diag.trim()}\n` : ''),
    );
  }

  /**
   * Resolves once every endpoint is in LISTEN state in the daemon's network namespace and `ready()`
   * (if given) holds; rejects with the daemon's output and log if it exits or times out first.
   */
  async waitUntilReady(endpoints: Endpoint[], ready?: () => Promise<boolean>): Promise<void> {
    const wanted = endpoints.map((e) => `${e.host}:${e.port}`);
    const deadline = Date.now() + START_TIMEOUT_MS;
    let missing = wanted;
    while (Date.now() < deadline) {
      if (!this.running) throw await this.startError('daemon exited during start-up');
      // A listener counts only if the daemon's master holds the socket: an unrelated process on the
      // same address and port (a port taken after allocation) must not pass for a started daemon.
      const [listening, owned] = await Promise.all([listenersOf(this.hostPid), socketInodesOf(this.daemonPid)]);
      missing = wanted.filter((w) => !owned.has(listening.get(w) ?? ''));
      if (missing.length === 0 && (!ready || (await ready()))) return;
      await sleep(POLL_INTERVAL_MS);
    }
    throw await this.startError(`not ready after ${START_TIMEOUT_MS} ms; not listening on ${missing.join(', ') || '(all listening; readiness check failed)'}`);
  }

  /**
   * SIGTERM to the daemon (its master then stops its own children), SIGKILL of the namespace after
   * {@link STOP_TIMEOUT_MS}; resolves when no process is left in the namespace. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.ref();
    try {
      if (this.running) {
        // Before the daemon appeared there is nothing to stop gracefully.
        if (this.daemonPid) try { process.kill(this.daemonPid, 'SIGTERM'); } catch { /* already gone */ }
        const timedOut = !this.daemonPid || await Promise.race([
          this.exited.then(() => false),
          sleep(STOP_TIMEOUT_MS).then(() => true),
        ]);
        if (timedOut) {
          // SIGKILL of the namespace init makes the kernel kill everything in it; then unshare exits.
          for (const pid of [this.initPid, this.hostPid]) {
            if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
          }
          await this.exited;
        }
      }
      if (this.pidNamespace) {
        // The kernel kills what is left in the namespace when its init exits; give that a moment.
        let left = await processesInNamespace(this.pidNamespace);
        for (const deadline = Date.now() + NAMESPACE_DRAIN_MS; left.length && Date.now() < deadline;) {
          await sleep(POLL_INTERVAL_MS);
          left = await processesInNamespace(this.pidNamespace);
        }
        if (left.length) throw new Error(`${this.spec.name}: processes left after stop: ${left.join(', ')}`);
      }
    } finally {
      liveInits.delete(this.initPid);
      this.unref();
    }
  }
}

/** Attempts at starting a server whose run-time-chosen port was taken between choosing and binding it. */
const PORT_RACE_ATTEMPTS = 3;

/**
 * Start a server, again with new ports when the ports chosen at run time were taken in the meantime
 * ("Address already in use"). Ports the caller fixed are never retried: that error is the caller's.
 */
export async function retryPortRace<T>(start: () => Promise<T>, fixedPorts: boolean): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      const portRace = /Address already in use/.test(String(err)) && !fixedPorts;
      if (!portRace || attempt >= PORT_RACE_ATTEMPTS) throw err;
    }
  }
}
