/**
 * The agent's HTTP endpoint, on a local address by default: `GET /metrics` (Prometheus text format from the
 * agent's own Registry), `GET /healthz`, and, when `metrics.control` is on, `POST /-/reload` and `POST /-/check`
 * (Prometheus' own convention for lifecycle endpoints). Nothing else: no aggregation, no UI.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { UsageError } from '../lib/errors.js';
import { listenFailed, parseListen } from '../lib/listen.js';

/** A scrape or health request that takes longer is cut (a stuck client must not pile up sockets). */
const REQUEST_TIMEOUT_MS = 10_000;

export interface HttpHandlers {
  registry: Registry;
  health(): { ok: boolean; [k: string]: unknown };
  /** Control endpoints; `enabled()` is asked per request, so a reload can turn them on or off. */
  control?: { enabled(): boolean; reload(): Promise<void>; check(): void };
}

export interface AgentHttpServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startHttpServer(listen: string, handlers: HttpHandlers): Promise<AgentHttpServer> {
  const where = parseListen(listen);
  if (!where) throw new UsageError(`metrics.listen: not HOST:PORT: ${listen}`, { msg: 'usage.agent.metricsListen', params: { value: listen } });
  const server = http.createServer((req, res) => {
    void handle(req, res, handlers).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${err.message}\n`);
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  // A scraper's keep-alive connection must not hold the shutdown; close() below cuts idle ones.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenFailed('metrics.listen', listen, err)));
    server.listen({ host: where.host, port: where.port, exclusive: true }, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.address;
  return {
    host,
    port: addr.port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, h: HttpHandlers): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const send = (status: number, type: string, body: string): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
    return send(200, h.registry.contentType, await h.registry.metrics());
  }
  if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
    const body = h.health();
    return send(body.ok ? 200 : 503, 'application/json', `${JSON.stringify(body)}\n`);
  }
  if (h.control?.enabled() && req.method === 'POST' && path === '/-/reload') {
    try {
      await h.control.reload();
      return send(200, 'text/plain; charset=utf-8', 'reloaded\n');
    } catch (err) {
      return send(400, 'text/plain; charset=utf-8', `reload refused: ${(err as Error).message}\n`);
    }
  }
  if (h.control?.enabled() && req.method === 'POST' && path === '/-/check') {
    h.control.check();
    return send(202, 'text/plain; charset=utf-8', 'check started\n');
  }
  if (path === '/') {
    return send(200, 'text/html; charset=utf-8', '<!doctype html><title>maildoctor agent</title><p><a href="/metrics">metrics</a> · <a href="/healthz">healthz</a></p>\n');
  }
  return send(404, 'text/plain; charset=utf-8', 'not found\n');
}
