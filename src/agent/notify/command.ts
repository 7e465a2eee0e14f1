/**
 * A command of the user's: run without a shell for every alert, with the alert as JSON on stdin and its main
 * fields in MAILDOCTOR_ALERT_* environment variables. The alert text is only ever data (stdin, environment
 * values), never part of a command line, so no quoting of it can go wrong.
 */
import type { Alert } from '../alert.js';
import type { CommandConfig } from '../config.js';
import { settingKey } from '../summary.js';
import { runProgram, type SpawnFn } from './spawn.js';
import { BoundedQueue, type Notifier, type NotifierContext } from './types.js';

/** The MAILDOCTOR_ALERT_* variables of an alert. */
export function alertEnv(alert: Alert): Record<string, string> {
  return {
    MAILDOCTOR_ALERT_ID: alert.id,
    MAILDOCTOR_ALERT_TIME: alert.time,
    MAILDOCTOR_ALERT_KIND: alert.kind,
    MAILDOCTOR_ALERT_SEVERITY: alert.severity,
    MAILDOCTOR_ALERT_ACCOUNT: alert.account,
    MAILDOCTOR_ALERT_SUMMARY: alert.summary,
    MAILDOCTOR_ALERT_SENDING: alert.status.sending,
    MAILDOCTOR_ALERT_RECEIVING: alert.status.receiving,
    MAILDOCTOR_ALERT_OUTGOING: settingKey(alert.recommendation.outgoing),
    MAILDOCTOR_ALERT_INCOMING: settingKey(alert.recommendation.incoming),
    MAILDOCTOR_ALERT_HYBRID: String(alert.recommendation.hybrid),
    MAILDOCTOR_ALERT_NETWORK: alert.network.provider ?? alert.network.fingerprint.slice(0, 12),
  };
}

export function commandNotifier(config: CommandConfig, ctx: NotifierContext, options: { spawn?: SpawnFn; queueSize?: number } = {}): Notifier {
  const name = 'command';
  const queue = new BoundedQueue<Alert>(
    options.queueSize ?? 20,
    async (alert, signal) => {
      const env: NodeJS.ProcessEnv = { ...ctx.childEnv() };
      for (const [k, v] of Object.entries(alertEnv(alert))) env[k] = ctx.redactor.redact(v);
      const r = await runProgram(config.argv, {
        input: `${ctx.redactor.redact(JSON.stringify(alert))}\n`,
        env,
        timeoutMs: config.timeoutMs,
        signal,
        ...(options.spawn ? { spawn: options.spawn } : {}),
      });
      if (r.outcome === 'ok') {
        ctx.count(name, 'sent');
        return;
      }
      ctx.count(name, 'failed');
      ctx.logger.warn('alert command failed', {
        code: 'NOTIFY_FAILED',
        notifier: name,
        program: config.argv[0],
        alert: alert.id,
        outcome: r.outcome,
        ...(r.code !== undefined && r.code !== null ? { exitCode: r.code } : {}),
        ...(r.signal ? { signal: r.signal } : {}),
        ...(r.error ? { error: r.error } : {}),
        ...(r.stderr ? { stderr: r.stderr } : {}),
      });
    },
    (alert) => {
      ctx.count(name, 'dropped');
      ctx.logger.warn('alert command queue full or closing: alert dropped', { code: 'NOTIFY_QUEUE_FULL', notifier: name, alert: alert.id });
    },
  );
  return { name, notify: (a) => queue.push(a), close: (g) => queue.drain(g) };
}
