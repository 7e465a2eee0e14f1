/**
 * OS network change events, where they are cheap: a long-lived child process that prints a line per change
 * (Linux: `ip monitor address route`, iproute2; macOS: `route -n monitor`). Each line only *triggers* a sample
 * of the fingerprint, which stays the single source of truth; so a missing tool, a crash of the child or a
 * platform without one costs nothing but latency: polling carries on. The child is restarted a few times with
 * a growing delay, then given up on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Clock, TimerHandle } from './clock.js';

/** Restarts of a monitor child that exited, before polling alone is relied on. */
export const MONITOR_MAX_RESTARTS = 5;
/** First restart delay; doubles each time. */
export const MONITOR_RESTART_DELAY_MS = 2_000;

export interface NetworkEventSource {
  close(): void;
}

export interface NetworkEventOptions {
  clock: Clock;
  /** Called for every burst of change lines (the watcher coalesces further). */
  onEvent(): void;
  /** The source is not available, or was given up on: polling alone from now on. */
  onUnavailable(reason: string): void;
  /** @default process.platform */
  platform?: NodeJS.Platform;
  /** Injectable for tests. @default node:child_process spawn */
  spawn?: typeof spawn;
}

/** The monitor command of a platform, or undefined where none is known. */
export function monitorCommand(platform: NodeJS.Platform): string[] | undefined {
  if (platform === 'linux') return ['ip', 'monitor', 'address', 'route'];
  if (platform === 'darwin' || platform === 'freebsd') return ['route', '-n', 'monitor'];
  return undefined;
}

export function watchNetworkEvents(opts: NetworkEventOptions): NetworkEventSource {
  const argv = monitorCommand(opts.platform ?? process.platform);
  const doSpawn = opts.spawn ?? spawn;
  let closed = false;
  let child: ChildProcess | undefined;
  let restartTimer: TimerHandle | undefined;
  let restarts = 0;
  if (!argv) {
    opts.onUnavailable(`no network monitor command on ${opts.platform ?? process.platform}`);
    return { close: () => undefined };
  }

  const start = (): void => {
    let failed = false;
    try {
      child = doSpawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch (err) {
      opts.onUnavailable(`${argv.join(' ')}: ${(err as Error).message}`);
      return;
    }
    const c = child;
    // Never keep the process alive for the monitor alone.
    c.unref();
    (c.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    c.stdout?.on('data', () => {
      restarts = 0;
      opts.onEvent();
    });
    c.once('error', (err: NodeJS.ErrnoException) => {
      failed = true;
      // ENOENT: the tool is not installed. Nothing to retry.
      if (!closed) opts.onUnavailable(`${argv.join(' ')}: ${err.code ?? err.message}`);
    });
    c.once('exit', (code, signal) => {
      if (closed || failed) return;
      if (restarts >= MONITOR_MAX_RESTARTS) {
        opts.onUnavailable(`${argv.join(' ')} exited (${signal ?? code}) ${restarts} times; giving up`);
        return;
      }
      const delay = MONITOR_RESTART_DELAY_MS * 2 ** restarts++;
      restartTimer = opts.clock.setTimeout(() => {
        restartTimer = undefined;
        if (!closed) start();
      }, delay);
      // The monitor may have missed a change while it was down.
      opts.onEvent();
    });
  };
  start();
  return {
    close: () => {
      closed = true;
      opts.clock.clearTimeout(restartTimer);
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
