/**
 * `maildoctor exporter [--listen HOST:PORT] [--config FILE] [--allow PATTERN]… [--web-config FILE]`: load and
 * check everything (config, allow-list, secrets, CA, web config) so that a mistake stops the start with exit
 * code 2 and one line on stderr, then serve until SIGTERM or SIGINT (exit 0). Everything else is the
 * library's (src/exporter).
 */
import net from 'node:net';
import { createAgentLogger } from '../agent/log.js';
import { Redactor } from '../agent/redact.js';
import { parseListen } from '../lib/listen.js';
import { UsageError } from '../lib/errors.js';
import { EXIT } from '../lib/exit-codes.js';
import { parseAllowPattern } from '../exporter/allow.js';
import { loadExporterConfig, moduleRuntimes, validateExporterConfig } from '../exporter/config.js';
import { DEFAULT_EXPORTER_LISTEN } from '../exporter/defaults.js';
import { startExporter } from '../exporter/server.js';
import { loadWebConfig, type WebConfig } from '../exporter/web-config.js';
import { readCaFile, type Io } from './io.js';
import type { SignalSource } from './agent.js';

export interface ExporterCommandOptions {
  listen?: string;
  config?: string;
  allow?: string[];
  webConfig?: string;
  ca?: string;
  logLevel?: string;
  logFormat?: string;
}

export async function exporterCommand(opts: ExporterCommandOptions, io: Io, signals: SignalSource = process): Promise<number> {
  const listen = opts.listen ?? DEFAULT_EXPORTER_LISTEN;
  const where = parseListen(listen);
  if (!where) {
    const params = { example: DEFAULT_EXPORTER_LISTEN, value: JSON.stringify(listen) };
    throw new UsageError(`--listen takes HOST:PORT (e.g. ${params.example}), got ${params.value}`, { msg: 'usage.exporter.listen', params });
  }
  const level = opts.logLevel ?? 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(level)) throw new UsageError('--log-level takes error, warn, info or debug', { msg: 'usage.exporter.logLevel' });
  const format = opts.logFormat ?? 'text';
  if (!['text', 'json'].includes(format)) throw new UsageError('--log-format takes text or json', { msg: 'usage.exporter.logFormat' });
  for (const p of opts.allow ?? []) parseAllowPattern(p);

  const config = opts.config ? await loadExporterConfig(opts.config) : validateExporterConfig(undefined);
  config.allow = [...config.allow, ...(opts.allow ?? [])];
  if (config.allow.length === 0) {
    throw new UsageError('no target is allowed: give --allow PATTERN (e.g. --allow "*.example.com") or an `allow:` list in --config; an open /probe is a port scanner and relay tester for anyone who reaches it', {
      msg: 'usage.exporter.noAllow',
    });
  }
  const ca = opts.ca ? await readCaFile(opts.ca) : undefined;
  const runtimes = await moduleRuntimes(config, io.env, ca);
  const web: WebConfig = opts.webConfig ? await loadWebConfig(opts.webConfig) : { basicAuthUsers: {}, headers: {} };

  // Second line of defence: no module password may reach a log line, whatever an error message carries.
  const redactor = new Redactor();
  for (const r of runtimes.values()) redactor.add(r.credentials?.password);
  const logger = createAgentLogger({ console: true, json: format === 'json', level: level as 'info' }, redactor);

  const exporter = await startExporter(config, { listen, runtimes, web, logger });
  const authenticated = Object.keys(web.basicAuthUsers).length > 0;
  if (!isLoopback(where.host) && !authenticated && !web.tls) {
    logger.warn('listening beyond loopback without basic auth or TLS: anyone who reaches this address can run probes of the allowed targets (see --web-config)', { listen });
  }
  logger.info('exporter listening', {
    url: exporter.url,
    modules: Object.keys(config.modules).length,
    allow: config.allow.length,
    tls: Boolean(web.tls),
    basicAuth: authenticated,
  });

  return new Promise<number>((resolve) => {
    // Node's default for SIGHUP is to die; `systemctl reload` sends it. There is no reload: say so and go on.
    const onHup = (): void => void logger.warn('SIGHUP: the exporter does not reload; restart it to read a changed config');
    const onStop = (): void => {
      signals.off('SIGHUP', onHup);
      signals.off('SIGTERM', onStop);
      signals.off('SIGINT', onStop);
      void exporter.close().then(() => {
        logger.info('exporter stopped');
        resolve(EXIT.OK);
      });
    };
    signals.on('SIGHUP', onHup);
    signals.on('SIGTERM', onStop);
    signals.on('SIGINT', onStop);
  });
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1';
}
