/**
 * Desktop notifications where the platform has a command for them: `notify-send` (libnotify) on Linux and
 * other freedesktop systems, `osascript` on macOS. Absent (ENOENT) means no desktop: the notifier turns itself
 * off without a word above debug level. The text goes in argv (notify-send) or as `on run argv` arguments
 * (AppleScript), never spliced into a script or a shell line.
 */
import { translator } from '../../i18n/index.js';
import type { Alert } from '../alert.js';
import { runProgram, type SpawnFn } from './spawn.js';
import { BoundedQueue, type Notifier, type NotifierContext } from './types.js';

/** notify-send and osascript return at once; more is a stuck session bus. */
const DESKTOP_TIMEOUT_MS = 5_000;
/** Notifications pile up on a screen: keep only the last few while the desktop is slow. */
const DESKTOP_QUEUE = 5;

/** The program and arguments that show `title`/`body`, or undefined on a platform without a known command. */
export function desktopCommand(platform: NodeJS.Platform, title: string, body: string, urgent: boolean): string[] | undefined {
  if (platform === 'darwin') {
    return ['osascript', '-e', 'on run argv', '-e', 'display notification (item 2 of argv) with title (item 1 of argv)', '-e', 'end run', title, body];
  }
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') {
    return ['notify-send', '--app-name=maildoctor', `--urgency=${urgent ? 'critical' : 'normal'}`, '--', title, body];
  }
  return undefined;
}

export function desktopNotifier(ctx: NotifierContext, options: { platform?: NodeJS.Platform; spawn?: SpawnFn } = {}): Notifier {
  const name = 'desktop';
  const platform = options.platform ?? process.platform;
  let available = desktopCommand(platform, '', '', false) !== undefined;
  const queue = new BoundedQueue<Alert>(
    DESKTOP_QUEUE,
    async (alert, signal) => {
      if (!available) {
        ctx.count(name, 'skipped');
        return;
      }
      const title = ctx.redactor.redact(translator(alert.lang ?? 'en').text(alert.kind === 'broken' ? 'alert.title.broken' : alert.kind === 'recovered' ? 'alert.title.recovered' : 'alert.title.settingsChanged'));
      const body = ctx.redactor.redact(alert.summary);
      const argv = desktopCommand(platform, title, body, alert.kind === 'broken')!;
      const r = await runProgram(argv, { env: ctx.childEnv(), timeoutMs: DESKTOP_TIMEOUT_MS, signal, ...(options.spawn ? { spawn: options.spawn } : {}) });
      if (r.outcome === 'ok') return ctx.count(name, 'sent');
      if (r.outcome === 'missing') {
        available = false;
        ctx.count(name, 'skipped');
        ctx.logger.debug('no desktop notification command; desktop notifications off', { notifier: name, program: argv[0] });
        return;
      }
      // No session bus (a headless machine, a system service): not worth more than debug either.
      ctx.count(name, 'failed');
      ctx.logger.debug('desktop notification failed', { notifier: name, program: argv[0], outcome: r.outcome, stderr: r.stderr });
    },
    () => ctx.count(name, 'dropped'),
  );
  return { name, notify: (a) => queue.push(a), close: (g) => queue.drain(g) };
}
