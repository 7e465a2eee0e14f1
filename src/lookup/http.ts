import * as dnsErrors from 'node:dns';
import { secureContextFor } from '../lib/tls.js';
import { isIP, type LookupFunction } from 'node:net';
import type { Agent, Dispatcher } from 'undici';
import { MaildoctorError } from '../lib/errors.js';
import type { ErrorCode } from '../lib/codes.js';
import type { AddressFacts, DiscoveryError, HttpAttempt } from './types.js';

/** Connect (name resolution included), per request: a config server that does not accept in 3 s is not there. */
export const HTTP_CONNECT_TIMEOUT_MS = 3_000;
/** Headers after the request was sent. */
export const HTTP_HEADERS_TIMEOUT_MS = 4_000;
/** Silence between body chunks. */
export const HTTP_BODY_TIMEOUT_MS = 4_000;
/** Whole request cap, redirects included. */
export const HTTP_REQUEST_TIMEOUT_MS = 5_000;
/** Autoconfig documents are a few KB; 256 KiB is generous and still bounded. */
export const HTTP_MAX_BODY_BYTES = 256 * 1024;
/** Redirects followed per fetch. */
export const HTTP_MAX_REDIRECTS = 3;

export interface AgentOptions {
  /** Extra trusted CAs; added to the system's, never replacing them. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** How names are resolved (our DNS client, so --dns applies to HTTP too and tests need no /etc/hosts). */
  lookup?: LookupFunction;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

/**
 * An undici Agent with short timeouts, our resolver and the extra CAs. Certificate checks stay on: `ca` is
 * appended to Node's bundled roots (a bare `ca` would replace them) in a secure context built once per CA set,
 * and nothing sets rejectUnauthorized.
 */
type Undici = (typeof import('undici'))['default'];
let undici: Promise<Undici> | undefined;

/**
 * undici is loaded on first use: importing it costs ~50 ms of start-up, which every check would otherwise pay
 * before its first DNS query. Started when discovery starts, it loads while DNS answers come in. Its `default`
 * export: undici is CommonJS, whose module.exports is the default export both in Node's own ESM loader and in
 * the bundled CLI (scripts/bundle.mjs), where a dynamic import of CommonJS has no named exports.
 */
export function loadUndici(): Promise<Undici> {
  return (undici ??= import('undici').then((m) => m.default));
}

export async function createAgent(options: AgentOptions = {}): Promise<Agent> {
  const { Agent } = await loadUndici();
  const extra = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
  return new Agent({
    connect: {
      timeout: options.connectTimeoutMs ?? HTTP_CONNECT_TIMEOUT_MS,
      ...(extra.length > 0 ? { secureContext: secureContextFor(extra) } : {}),
      ...(options.lookup ? { lookup: options.lookup } : {}),
    },
    headersTimeout: options.headersTimeoutMs ?? HTTP_HEADERS_TIMEOUT_MS,
    bodyTimeout: options.bodyTimeoutMs ?? HTTP_BODY_TIMEOUT_MS,
    // One request per host here; do not hold sockets open after discovery.
    keepAliveTimeout: 1_000,
    connections: 4,
  });
}

/** An error a lookup function hands to net.connect, carrying our catalogue code through undici. */
interface LookupError extends NodeJS.ErrnoException {
  maildoctorCode?: ErrorCode;
}

/** A `lookup` for net/tls/undici that resolves through `resolve` (A and AAAA through our DNS client). */
export function lookupThrough(resolve: (host: string) => Promise<AddressFacts>): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname.toLowerCase()).then(
      (facts) => {
        let list = facts.addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
        if (options.family === 4 || options.family === 6) list = list.filter((a) => a.family === options.family);
        if (list.length === 0) {
          const err: LookupError = new Error(facts.error?.message ?? `${hostname} has no address`);
          err.code = facts.status === 'not-found' ? dnsErrors.NOTFOUND : dnsErrors.SERVFAIL;
          err.maildoctorCode = facts.error?.code ?? 'DNS_NOT_FOUND';
          return callback(err, '', 0);
        }
        if (options.all) callback(null, list);
        else callback(null, list[0]!.address, list[0]!.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}

export interface FetchOptions {
  /** A dispatcher, or a function that makes one on first use (undici loads only when a request is made). */
  dispatcher: Dispatcher | (() => Promise<Dispatcher>);
  /**
   * Resolve the URL's host first, through the same resolver the dispatcher uses: a name that does not resolve
   * ends the request with its DNS code before undici is even loaded (~50 ms of start-up a check would pay).
   */
  resolve?: (host: string) => Promise<AddressFacts>;
  signal: AbortSignal;
  maxBytes?: number;
  timeoutMs?: number;
  accept?: string;
}

export interface FetchOutcome extends HttpAttempt {
  body?: string;
  finalUrl: string;
  contentType?: string;
}

const TLS_CODES: Record<string, ErrorCode> = {
  CERT_HAS_EXPIRED: 'TLS_CERT_EXPIRED',
  CERT_NOT_YET_VALID: 'TLS_CERT_EXPIRED',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS_CERT_SELF_SIGNED',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS_CERT_UNTRUSTED',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS_CERT_UNTRUSTED',
  UNABLE_TO_GET_ISSUER_CERT: 'TLS_CERT_UNTRUSTED',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'TLS_CERT_UNTRUSTED',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS_CERT_HOSTNAME_MISMATCH',
};

const NET_CODES: Record<string, ErrorCode> = {
  ECONNREFUSED: 'CONNECT_REFUSED',
  ECONNRESET: 'CONNECTION_RESET',
  EPIPE: 'CONNECTION_RESET',
  EHOSTUNREACH: 'CONNECT_UNREACHABLE',
  ENETUNREACH: 'CONNECT_UNREACHABLE',
  EHOSTDOWN: 'CONNECT_UNREACHABLE',
  ETIMEDOUT: 'CONNECT_TIMEOUT',
  UND_ERR_CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  UND_ERR_HEADERS_TIMEOUT: 'HTTP_TIMEOUT',
  UND_ERR_BODY_TIMEOUT: 'HTTP_TIMEOUT',
  UND_ERR_SOCKET: 'CONNECTION_CLOSED',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'CONNECTION_CLOSED',
};

/** Map whatever undici/net/tls threw (or the abort reason) to a catalogue code. */
export function httpError(err: unknown, signal: AbortSignal): DiscoveryError {
  if (signal.aborted) {
    const reason = signal.reason;
    if (reason instanceof MaildoctorError && reason.code === 'ABORTED') return { code: 'ABORTED', message: 'aborted by the caller' };
    return { code: 'HTTP_TIMEOUT', message: reason instanceof Error ? `no complete response in time (${reason.message})` : 'no complete response in time' };
  }
  if (err instanceof MaildoctorError) return { code: err.code, message: err.message };
  // undici wraps the socket's error; walk the cause chain for the most specific code.
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const x = e as LookupError;
    if (x.maildoctorCode) return { code: x.maildoctorCode, message: x.message };
    const code = x.code ?? '';
    if (Object.hasOwn(TLS_CODES, code)) return { code: TLS_CODES[code]!, message: `${code}: ${x.message}` };
    if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /SSL|TLS/.test(x.message ?? '')) {
      return { code: 'TLS_HANDSHAKE_FAILED', message: `${code}: ${x.message}` };
    }
    if (Object.hasOwn(NET_CODES, code)) {
      const deeper = (x as { cause?: { code?: string } }).cause?.code;
      if (deeper && (Object.hasOwn(NET_CODES, deeper) || Object.hasOwn(TLS_CODES, deeper))) continue;
      return { code: NET_CODES[code]!, message: `${code}: ${x.message}` };
    }
  }
  return { code: 'HTTP_ERROR', message: err instanceof Error ? err.message : String(err) };
}

/** Drop a response body we will not read; undici reports the destroy as an error event, which is expected here. */
function discard(body: { on(event: 'error', f: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => undefined);
  body.destroy();
}

/**
 * GET a small document: bounded time (per-request cap plus undici's connect/headers/body timeouts), bounded
 * size, redirects followed by hand so that an HTTPS→HTTP downgrade is refused and plain HTTP is flagged.
 * Never rejects: failures are `ok: false` with a code.
 */
export async function fetchSmall(url: string, options: FetchOptions): Promise<FetchOutcome> {
  const started = performance.now();
  const maxBytes = options.maxBytes ?? HTTP_MAX_BODY_BYTES;
  const controller = new AbortController();
  const onOuter = (): void => controller.abort(options.signal.reason);
  if (options.signal.aborted) onOuter();
  else options.signal.addEventListener('abort', onOuter, { once: true });
  const capMs = options.timeoutMs ?? HTTP_REQUEST_TIMEOUT_MS;
  const timer = setTimeout(() => controller.abort(new MaildoctorError('HTTP_TIMEOUT', 'http', `Timeout awaiting 'http' for ${capMs}ms`)), capMs);
  let current = url;
  let insecure = false;
  let status: number | undefined;
  const done = (rest: Partial<FetchOutcome> & { ok: boolean }): FetchOutcome => ({
    url,
    finalUrl: current,
    insecure,
    durationMs: Math.round(performance.now() - started),
    ...(status !== undefined ? { status } : {}),
    ...rest,
  });
  try {
    for (let hop = 0; ; hop++) {
      const u = new URL(current);
      if (u.protocol === 'http:') insecure = true;
      const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
      if (options.resolve && isIP(host) === 0) {
        const facts = await new Promise<AddressFacts>((resolve, reject) => {
          const onAbort = (): void => reject(controller.signal.reason);
          if (controller.signal.aborted) return onAbort();
          controller.signal.addEventListener('abort', onAbort, { once: true });
          options.resolve!(host.toLowerCase()).then(resolve, reject).finally(() => controller.signal.removeEventListener('abort', onAbort));
        });
        if (facts.addresses.length === 0) {
          return done({ ok: false, error: facts.error ?? { code: 'DNS_NOT_FOUND', message: `${host} has no address` } });
        }
      }
      const [{ request }, dispatcher] = await Promise.all([
        loadUndici(),
        typeof options.dispatcher === 'function' ? options.dispatcher() : options.dispatcher,
      ]);
      const res = await request(current, {
        method: 'GET',
        dispatcher,
        signal: controller.signal,
        headers: { accept: options.accept ?? 'application/xml, text/xml;q=0.9, */*;q=0.1', 'user-agent': 'maildoctor' },
      });
      status = res.statusCode;
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers['location'] !== undefined) {
        discard(res.body);
        const location = String(res.headers['location']);
        if (hop >= HTTP_MAX_REDIRECTS) return done({ ok: false, error: { code: 'HTTP_ERROR', message: `more than ${HTTP_MAX_REDIRECTS} redirects` } });
        const next = new URL(location, current);
        if (next.protocol !== 'https:' && next.protocol !== 'http:') {
          return done({ ok: false, error: { code: 'HTTP_ERROR', message: `redirect to a non-HTTP URL refused (${next.protocol})` } });
        }
        if (u.protocol === 'https:' && next.protocol === 'http:') {
          return done({ ok: false, error: { code: 'HTTP_ERROR', message: `redirect from HTTPS to plain HTTP refused (${next.href})` } });
        }
        current = next.href;
        continue;
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        discard(res.body);
        return done({ ok: false, error: { code: 'HTTP_ERROR', message: `HTTP ${res.statusCode} from ${current}` } });
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        discard(res.body);
        return done({ ok: false, error: { code: 'HTTP_TOO_LARGE', message: `${current} declares ${declared} bytes (cap ${maxBytes})` } });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          discard(res.body);
          return done({ ok: false, error: { code: 'HTTP_TOO_LARGE', message: `${current} sent more than ${maxBytes} bytes` } });
        }
        chunks.push(chunk as Buffer);
      }
      const contentType = res.headers['content-type'] === undefined ? undefined : String(res.headers['content-type']);
      return done({ ok: true, body: Buffer.concat(chunks).toString('utf8'), ...(contentType ? { contentType } : {}) });
    }
  } catch (err) {
    return done({ ok: false, error: httpError(err, controller.signal) });
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onOuter);
  }
}
