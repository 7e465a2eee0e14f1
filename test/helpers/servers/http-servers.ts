/**
 * In-process HTTP and HTTPS servers on 127.0.0.1 (ports chosen at run time) that serve autoconfig documents by
 * Host header and path, as name-based virtual hosts do. The client reaches them by name through the test DNS
 * server (every autoconfig.* name there is 127.0.0.1) with `autoconfigPorts` set to these ports.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { TestPki } from '../certs.js';

export interface Route {
  status?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Send headers then never finish the body (a stalled server). */
  stallBody?: boolean;
  /** Never answer at all. */
  silent?: boolean;
}

export interface RequestLog {
  scheme: 'http' | 'https';
  host: string;
  path: string;
  url: string;
}

export class AutoconfigServers {
  readonly routes = new Map<string, Route>();
  readonly requests: RequestLog[] = [];
  readonly #http: http.Server;
  readonly #https: https.Server;

  private constructor(pki: TestPki) {
    this.#http = http.createServer((req, res) => this.#handle('http', req, res));
    this.#https = https.createServer({ cert: pki.certPem, key: pki.keyPem }, (req, res) => this.#handle('https', req, res));
  }

  static async start(pki: TestPki): Promise<AutoconfigServers> {
    const s = new AutoconfigServers(pki);
    await new Promise<void>((r) => s.#http.listen(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => s.#https.listen(0, '127.0.0.1', () => r()));
    return s;
  }

  get httpPort(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  get httpsPort(): number {
    return (this.#https.address() as AddressInfo).port;
  }

  /** Serve `route` at `scheme://host/path` (`*` for both schemes). */
  serve(scheme: 'http' | 'https' | '*', host: string, path: string, route: Route): this {
    for (const s of scheme === '*' ? (['http', 'https'] as const) : [scheme]) this.routes.set(`${s}://${host}${path}`, route);
    return this;
  }

  /** Serve a fixture file as application/xml. */
  serveFile(scheme: 'http' | 'https' | '*', host: string, path: string, file: string): this {
    return this.serve(scheme, host, path, { body: readFileSync(file), headers: { 'content-type': 'application/xml' } });
  }

  async stop(): Promise<void> {
    this.#http.closeAllConnections();
    this.#https.closeAllConnections();
    await Promise.all([new Promise((r) => this.#http.close(r)), new Promise((r) => this.#https.close(r))]);
  }

  #handle(scheme: 'http' | 'https', req: http.IncomingMessage, res: http.ServerResponse): void {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    this.requests.push({ scheme, host, path, url });
    const route = this.routes.get(`${scheme}://${host}${path}`);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (route.silent) return;
    res.writeHead(route.status ?? 200, route.headers ?? {});
    if (route.stallBody) {
      res.write('<?xml version="1.0"?><clientConfig');
      return;
    }
    res.end(route.body ?? '');
  }
}
