/**
 * `startExporter()`: the HTTP(S) listener of the multi-target exporter, blackbox_exporter's shape:
 *
 *     GET /probe?module=NAME&target=HOST[:PORT]   one probe, its metrics in the Prometheus text format
 *     GET /metrics                                the exporter's own metrics
 *     GET /                                       the modules
 *
 * Every target passes the allow-list before anything is resolved or dialled (403 otherwise); the scrape
 * timeout Prometheus sends caps the probe's deadline; probes in flight are capped, and one module and target is
 * probed at most once per minimum interval. A failed probe is a 200 answer with probe_success 0: the HTTP
 * status speaks only of the request.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type tls from 'node:tls';
import type { Logger } from 'winston';
import { createAgentLogger } from '../agent/log.js';
import { isUsageError, UsageError } from '../lib/errors.js';
import { parseHostPort } from '../lookup/host-port.js';
import { listenFailed, parseListen } from '../lib/listen.js';
import { Redactor } from '../lib/redact.js';
import type { Probe, ProbeResult, Protocol } from '../lib/types.js';
import { probes as builtinProbes } from '../probes/index.js';
import { AllowList, normalizeHost } from './allow.js';
import { DEFAULT_EXPORTER_LISTEN } from './defaults.js';
import type { ExporterConfig } from './config.js';
import { RecentProbes, Slots } from './limits.js';
import { ExporterMetrics, type RefusalReason } from './metrics.js';
import { defaultPort, probeOptionsFor, type ModuleRuntime } from './modules.js';
import { renderProbeMetrics } from './probe-metrics.js';
import { renderModuleList } from './page.js';
import { BasicAuth, type WebConfig } from './web-config.js';

/** Taken off Prometheus' scrape timeout so the answer arrives before Prometheus gives up (blackbox's default). */
export const SCRAPE_TIMEOUT_OFFSET_MS = 500;
/** A request's headers must arrive within this; a stuck client must not pile up sockets. */
const HEADERS_TIMEOUT_MS = 10_000;

export interface ExporterOptions {
  /** `HOST:PORT`. @default DEFAULT_EXPORTER_LISTEN */
  listen: string;
  /** Secrets and CA text per module ({@link moduleRuntimes}); modules without an entry run without. */
  runtimes: Map<string, ModuleRuntime>;
  /** TLS and basic auth of the listener. */
  web: WebConfig;
  /** Where probes (debug) and internal errors go. @default silent */
  logger: Logger;
  /** Injectable probe registry (tests); the real probes by default. */
  probes: Readonly<Record<Protocol, Probe>>;
}

export interface ExporterHandle {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly metrics: ExporterMetrics;
  /** Stop listening, abort the probes in flight, close every connection. */
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: string;
  type?: string;
  headers?: Record<string, string>;
}

const TEXT = 'text/plain; charset=utf-8';

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

/** The probe deadline: the module's timeout, capped by what Prometheus will wait (less an offset). */
export function probeDeadlineMs(moduleTimeoutMs: number, scrapeTimeoutHeader: string | string[] | undefined): number {
  const header = Array.isArray(scrapeTimeoutHeader) ? scrapeTimeoutHeader[0] : scrapeTimeoutHeader;
  const seconds = header === undefined ? NaN : Number(header);
  if (!Number.isFinite(seconds) || seconds <= 0) return moduleTimeoutMs;
  const scrapeMs = seconds * 1_000;
  // A very short scrape timeout keeps half of itself rather than nothing.
  return Math.min(moduleTimeoutMs, Math.max(scrapeMs - SCRAPE_TIMEOUT_OFFSET_MS, scrapeMs / 2));
}

export async function startExporter(config: ExporterConfig, options: Partial<ExporterOptions> = {}): Promise<ExporterHandle> {
  const allow = new AllowList(config.allow);
  if (allow.size === 0) {
    throw new UsageError('no target is allowed: give --allow PATTERN or an `allow:` list in the config (an open /probe would be a port scanner and relay tester for anyone who reaches it)', {
      msg: 'usage.exporter.noAllowConfig',
    });
  }
  const listen = options.listen ?? DEFAULT_EXPORTER_LISTEN;
  const where = parseListen(listen);
  if (!where) throw new UsageError(`--listen: not HOST:PORT: ${JSON.stringify(listen)}`, { msg: 'usage.exporter.listenBad', params: { value: JSON.stringify(listen) } });
  const web = options.web ?? { basicAuthUsers: {}, headers: {} };
  const runtimes = options.runtimes ?? new Map<string, ModuleRuntime>();
  const probes = options.probes ?? builtinProbes;
  const log = options.logger ?? createAgentLogger({ console: false, json: false, level: 'error' }, new Redactor());
  const auth = new BasicAuth(web.basicAuthUsers);
  const slots = new Slots(config.limits.concurrency);
  const recent = new RecentProbes<{ body: string; result: ProbeResult }>(config.limits.minIntervalMs);
  const metrics = new ExporterMetrics(slots);
  const stopping = new AbortController();

  async function probe(url: URL, req: http.IncomingMessage): Promise<Answer> {
    const moduleName = url.searchParams.get('module');
    if (!moduleName) throw new Refusal(400, 'bad_request', 'the module parameter is missing (/probe?module=NAME&target=HOST[:PORT])');
    if (!Object.hasOwn(config.modules, moduleName)) {
      throw new Refusal(400, 'unknown_module', `unknown module ${JSON.stringify(moduleName.slice(0, 64))}; modules: ${Object.keys(config.modules).join(', ')}`);
    }
    const module = config.modules[moduleName]!;
    const targetText = url.searchParams.get('target');
    if (!targetText) throw new Refusal(400, 'bad_request', 'the target parameter is missing (/probe?module=NAME&target=HOST[:PORT])');
    let target: { host: string; port?: number };
    try {
      target = parseHostPort(targetText);
    } catch (err) {
      throw new Refusal(400, 'bad_request', `target: ${(err as Error).message}`);
    }
    const port = target.port ?? defaultPort(module);
    if (port === undefined) throw new Refusal(400, 'bad_request', `module ${moduleName} needs the port in the target (HOST:PORT)`);
    const host = normalizeHost(target.host);
    if (!allow.allows(host, port)) throw new Refusal(403, 'not_allowed', `target ${host}:${port} is not in the allow-list`);

    const deadlineMs = probeDeadlineMs(module.timeoutMs, req.headers['x-prometheus-scrape-timeout-seconds']);
    const deadline = AbortSignal.any([AbortSignal.timeout(deadlineMs), stopping.signal]);
    const started = performance.now();
    const key = `${moduleName} ${host}:${port}`;
    const running = recent.get(key);
    if (running) metrics.reused.inc({ module: moduleName });
    const outcome =
      running?.promise ??
      recent.start(key, async () => {
        const release = await slots.acquire(deadline).catch(() => {
          throw new Refusal(503, 'overloaded', `${slots.size} probes are in flight (limits.concurrency) and none finished within this probe's deadline`);
        });
        try {
          const remainingMs = Math.max(1, deadlineMs - (performance.now() - started));
          const result = await probes[module.prober]({ host, port }, probeOptionsFor(module, runtimes.get(moduleName) ?? {}, Math.round(remainingMs), stopping.signal));
          metrics.probes.inc({ module: moduleName, result: result.ok ? 'success' : 'failure' });
          metrics.duration.observe({ module: moduleName }, result.durationMs / 1_000);
          log.debug('probe', { module: moduleName, target: `${host}:${port}`, success: result.ok, code: result.error?.code, phase: result.error?.phase, ms: Math.round(result.durationMs) });
          return { body: await renderProbeMetrics(result), result };
        } finally {
          release();
        }
      });
    // The probe's own deadline ends the request that started it; a request that joined a running probe waits
    // no longer than its own deadline.
    const { body } = running ? await raceDeadline(outcome, deadline, moduleName, key) : await outcome;
    return { status: 200, body, type: metrics.registry.contentType };
  }

  async function route(req: http.IncomingMessage): Promise<Answer> {
    if (auth.enabled && !(await auth.check(req.headers.authorization))) {
      throw Object.assign(new Refusal(401, 'unauthorized', 'unauthorized'), { headers: { 'www-authenticate': 'Basic realm="maildoctor exporter", charset="UTF-8"' } });
    }
    const url = new URL(req.url ?? '/', 'http://exporter.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, body: 'method not allowed\n', headers: { allow: 'GET, HEAD' } };
    switch (url.pathname) {
      case '/probe':
        return probe(url, req);
      case '/metrics':
        return { status: 200, body: await metrics.registry.metrics(), type: metrics.registry.contentType };
      case '/-/healthy':
        return { status: 200, body: 'OK\n' };
      case '/':
        return { status: 200, body: renderModuleList(config.modules, allow.size), type: 'text/html; charset=utf-8' };
      default:
        return { status: 404, body: 'not found\n' };
    }
  }

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    void route(req)
      .catch((err: unknown): Answer => {
        if (err instanceof Refusal) {
          metrics.refused.inc({ reason: err.reason });
          log.debug('refused', { reason: err.reason, status: err.status, message: err.message });
          return { status: err.status, body: `${err.message}\n`, headers: (err as Refusal & { headers?: Record<string, string> }).headers ?? {} };
        }
        if (isUsageError(err)) return { status: 400, body: `${(err as Error).message}\n` };
        log.error('internal error', { error: (err as Error)?.stack ?? String(err) });
        return { status: 500, body: 'internal error\n' };
      })
      .then((a) => {
        if (res.headersSent || res.destroyed) return;
        res.writeHead(a.status, { 'content-type': a.type ?? TEXT, 'cache-control': 'no-store', ...web.headers, ...a.headers });
        res.end(req.method === 'HEAD' ? undefined : a.body);
      });
  };

  const server = web.tls ? await httpsServer(web.tls, onRequest) : http.createServer(onRequest);
  if (web.tls?.clientAuth === 'VerifyClientCertIfGiven') {
    // A client certificate is optional, but one that is given must verify (the toolkit's semantics).
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      if (!socket.authorized && Object.keys(socket.getPeerCertificate() ?? {}).length > 0) socket.destroy();
    });
  }
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = HEADERS_TIMEOUT_MS;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenFailed('--listen', listen, err)));
    server.listen({ host: where.host, port: where.port, exclusive: true }, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `${web.tls ? 'https' : 'http'}://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
  return {
    url,
    host: addr.address,
    port: addr.port,
    metrics,
    close: () =>
      new Promise<void>((resolve) => {
        stopping.abort(new Error('exporter stopping'));
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  async function raceDeadline<T>(outcome: Promise<T>, deadline: AbortSignal, moduleName: string, key: string): Promise<T> {
    if (deadline.aborted) throw new Refusal(503, 'overloaded', `the probe of ${key} did not finish within this scrape's deadline`);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(new Refusal(503, 'overloaded', `the probe of ${key} (module ${moduleName}) is still running past this scrape's deadline`));
      deadline.addEventListener('abort', onAbort, { once: true });
      outcome.then(
        (v) => {
          deadline.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (err: unknown) => {
          deadline.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }
}

async function httpsServer(t: NonNullable<WebConfig['tls']>, onRequest: http.RequestListener): Promise<https.Server> {
  const read = (file: string, what: string): Promise<Buffer> =>
    readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new UsageError(`web config: cannot read ${what} ${file}: ${err.code ?? err.message}`, {
        msg: 'usage.exporter.webFileUnreadable',
        params: { what, file, reason: { msg: 'usage.fileError', params: { code: err.code ?? err.message } } },
      });
    });
  const [cert, key, ca] = await Promise.all([read(t.certFile, 'cert_file'), read(t.keyFile, 'key_file'), t.clientCaFile ? read(t.clientCaFile, 'client_ca_file') : undefined]);
  const options: https.ServerOptions = {
    cert,
    key,
    ...(ca ? { ca } : {}),
    requestCert: t.clientAuth !== 'NoClientCert',
    rejectUnauthorized: t.clientAuth === 'RequireAndVerifyClientCert',
    ...(t.minVersion ? { minVersion: t.minVersion } : {}),
    ...(t.maxVersion ? { maxVersion: t.maxVersion } : {}),
  };
  try {
    return https.createServer(options, onRequest);
  } catch (err) {
    throw new UsageError(`web config: the TLS certificate, key or client CA is not usable: ${(err as Error).message}`, {
      msg: 'usage.exporter.webTlsUnusable',
      params: { error: (err as Error).message },
    });
  }
}
