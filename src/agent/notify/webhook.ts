/**
 * Webhook: each alert POSTed as JSON through undici, retried with exponential backoff (p-retry) on network
 * errors, timeouts, 408, 429 and 5xx; any other 4xx is final (the receiver refuses this alert). Runs in the
 * background from a bounded queue: a dead receiver costs a bounded number of attempts and never blocks the agent.
 */
import pRetry, { AbortError } from 'p-retry';
import { Agent, request, type Dispatcher } from 'undici';
import type { WebhookConfig } from '../config.js';
import type { Alert } from '../alert.js';
import { BoundedQueue, type Notifier, type NotifierContext } from './types.js';

export const WEBHOOK_USER_AGENT = 'maildoctor-agent';

class HttpStatusError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** Where an alert goes, for logs: scheme, host and path only (query strings often hold tokens). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export interface WebhookOptions {
  /** Injectable for tests. @default an undici Agent of its own */
  dispatcher?: Dispatcher;
}

export function webhookNotifier(config: WebhookConfig, ctx: NotifierContext, options: WebhookOptions = {}): Notifier {
  const name = 'webhook';
  const own = options.dispatcher ? undefined : new Agent({ connect: { timeout: config.timeoutMs }, keepAliveTimeout: 10_000 });
  const dispatcher = options.dispatcher ?? own!;
  const target = safeUrl(config.url);

  const post = async (body: string, signal: AbortSignal): Promise<void> => {
    const attempt = AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]);
    const res = await request(config.url, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT, ...config.headers },
      body,
      signal: attempt,
      headersTimeout: config.timeoutMs,
      bodyTimeout: config.timeoutMs,
    });
    await res.body.dump().catch(() => undefined);
    if (res.statusCode >= 200 && res.statusCode < 300) return;
    const err = new HttpStatusError(res.statusCode);
    const retriable = res.statusCode === 408 || res.statusCode === 429 || res.statusCode >= 500;
    throw retriable ? err : new AbortError(err);
  };

  const queue = new BoundedQueue<Alert>(
    config.queueSize,
    async (alert, signal) => {
      const body = ctx.redactor.redact(JSON.stringify(alert));
      try {
        await pRetry((n) => post(body, signal).then(() => n), {
          retries: config.retries,
          minTimeout: config.minBackoffMs,
          maxTimeout: config.maxBackoffMs,
          factor: 2,
          randomize: true,
          signal,
          unref: true,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            ctx.logger.debug('webhook attempt failed', { notifier: name, url: target, alert: alert.id, attempt: attemptNumber, retriesLeft, error: error.message });
          },
        });
        ctx.count(name, 'sent');
      } catch (err) {
        ctx.count(name, 'failed');
        ctx.logger.warn('webhook delivery failed', { code: 'NOTIFY_FAILED', notifier: name, url: target, alert: alert.id, attempts: config.retries + 1, error: (err as Error).message });
      }
    },
    (alert, why) => {
      ctx.count(name, 'dropped');
      ctx.logger.warn(why === 'full' ? 'webhook queue full: oldest alert dropped' : 'webhook closing: alert not delivered', {
        code: why === 'full' ? 'NOTIFY_QUEUE_FULL' : 'NOTIFY_FAILED',
        notifier: name,
        alert: alert.id,
      });
    },
  );

  return {
    name,
    notify: (alert) => queue.push(alert),
    close: async (graceMs) => {
      await queue.drain(graceMs);
      await own?.destroy().catch(() => undefined);
    },
  };
}
