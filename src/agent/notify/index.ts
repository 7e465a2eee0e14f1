import type { AgentConfig } from '../config.js';
import type { Alert } from '../alert.js';
import { commandNotifier } from './command.js';
import { desktopNotifier } from './desktop.js';
import type { SpawnFn } from './spawn.js';
import type { Notifier, NotifierContext } from './types.js';
import { webhookNotifier, type WebhookOptions } from './webhook.js';

export { BoundedQueue, type DeliveryOutcome, type Notifier, type NotifierContext } from './types.js';
export { webhookNotifier, safeUrl } from './webhook.js';
export { commandNotifier, alertEnv } from './command.js';
export { desktopNotifier, desktopCommand } from './desktop.js';
export { runProgram, type RunResult, type SpawnFn } from './spawn.js';

/** The log is a notifier too: one line per alert, at a level that matches its severity. */
export function logNotifier(ctx: NotifierContext): Notifier {
  return {
    name: 'log',
    notify: (alert) => {
      const level = alert.severity === 'error' ? 'error' : alert.severity === 'warning' ? 'warn' : 'info';
      ctx.logger.log(level, `alert: ${alert.summary}`, { event: 'alert', alert });
      ctx.count('log', 'sent');
    },
    close: async () => undefined,
  };
}

/** A notifier that calls a function (tests, the benchmark, a host application). */
export function callbackNotifier(name: string, fn: (alert: Alert) => void): Notifier {
  return { name, notify: fn, close: async () => undefined };
}

export interface NotifierOptions {
  webhook?: WebhookOptions;
  spawn?: SpawnFn;
  platform?: NodeJS.Platform;
}

/** The notifiers a config asks for, log first. */
export function createNotifiers(config: AgentConfig['notifiers'], ctx: NotifierContext, options: NotifierOptions = {}): Notifier[] {
  const out: Notifier[] = [logNotifier(ctx)];
  if (config.webhook) out.push(webhookNotifier(config.webhook, ctx, options.webhook));
  if (config.desktop) out.push(desktopNotifier(ctx, { ...(options.platform ? { platform: options.platform } : {}), ...(options.spawn ? { spawn: options.spawn } : {}) }));
  if (config.command) out.push(commandNotifier(config.command, ctx, options.spawn ? { spawn: options.spawn } : {}));
  return out;
}
