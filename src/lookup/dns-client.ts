import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as DnsPacket from 'dns-packet';
import pRetry from 'p-retry';
import { Deadline } from '../lib/deadline.js';
import { MaildoctorError } from '../lib/errors.js';
import type { ErrorCode } from '../lib/codes.js';
import { formatResolver } from './resolvers.js';
import type { DnsTimeouts, LookupStatus, ResolverAddress } from './types.js';

// dns-packet is CommonJS: an ESM `import` of it makes Node scan its source for export names (cjs-module-lexer),
// 20-50 ms of every check's start-up; require() loads the same module in a fraction of that (issue 13).
const packet = createRequire(import.meta.url)('dns-packet') as typeof DnsPacket;

/** One UDP (or TCP) exchange with one resolver; glibc's default is 5 s, we want a quick answer or the next resolver. */
export const DNS_ATTEMPT_TIMEOUT_MS = 1_500;
/** A whole query, retries and TCP fallback included. */
export const DNS_QUERY_TIMEOUT_MS = 4_000;
/** Retries after the first attempt; each goes to the next resolver in the list. */
export const DNS_RETRIES = 2;
/** First pause before a retry (doubled each time, capped): a refused or SERVFAIL answer comes back at once. */
const DNS_RETRY_DELAY_MS = 40;
const DNS_RETRY_DELAY_MAX_MS = 200;
/** EDNS(0) UDP payload size of DNS Flag Day 2020: avoids IP fragmentation; larger answers come back truncated. */
export const EDNS_UDP_PAYLOAD_BYTES = 1_232;
/** A DNS message over TCP is framed by a 2-byte length (RFC 1035 §4.2.2), so 65535 is the hard cap either way. */
export const MAX_DNS_MESSAGE_BYTES = 65_535;
/** More records than this in one section is not an answer we will read. */
export const MAX_RECORDS_PER_SECTION = 256;

export type QueryType = 'A' | 'AAAA' | 'MX' | 'SRV' | 'TXT' | 'PTR';

/** A decoded answer plus how it was obtained. */
export interface DnsQueryResult extends LookupStatus {
  answers: DnsPacket.Answer[];
}

export interface DnsClientOptions extends Partial<DnsTimeouts> {
  servers: ResolverAddress[];
  /** Aborts every query of this client (the discovery deadline or the caller). */
  signal?: AbortSignal;
}

interface Question {
  id: number;
  name: string;
  type: QueryType;
}

/**
 * A small stub resolver on dns-packet: UDP first, TCP when the answer is truncated (RFC 7766 §5), retries
 * rotating through the resolvers (p-retry), a per-attempt cap and a whole-query cap. Its answers are data:
 * server and network failures come back as `ok: false` with a catalogue code, never as a rejection.
 */
export class DnsClient {
  readonly servers: readonly ResolverAddress[];
  readonly timeouts: DnsTimeouts;
  readonly #signal?: AbortSignal;

  constructor(options: DnsClientOptions) {
    this.servers = [...options.servers];
    this.timeouts = {
      attemptTimeoutMs: options.attemptTimeoutMs ?? DNS_ATTEMPT_TIMEOUT_MS,
      queryTimeoutMs: options.queryTimeoutMs ?? DNS_QUERY_TIMEOUT_MS,
      retries: options.retries ?? DNS_RETRIES,
    };
    for (const [k, v] of Object.entries(this.timeouts)) {
      if (!Number.isFinite(v) || v < 0 || (k !== 'retries' && v === 0)) throw new RangeError(`dns ${k} must be a positive number, got ${v}`);
    }
    this.#signal = options.signal;
  }

  /** Ask `type` records of `name`. Never rejects for DNS, network or timeout failures. */
  async query(name: string, type: QueryType, signal?: AbortSignal): Promise<DnsQueryResult> {
    const started = performance.now();
    const qname = name.endsWith('.') && name.length > 1 ? name.slice(0, -1) : name;
    const base = { name: qname, type, answers: [] as DnsPacket.Answer[] };
    if (this.servers.length === 0) {
      return { ...base, ok: false, attempts: 0, durationMs: 0, error: { code: 'DNS_RESOLVER_UNREACHABLE', message: 'no DNS resolver is configured' } };
    }
    const outer = anySignal([this.#signal, signal]);
    const deadline = new Deadline(this.timeouts.queryTimeoutMs, outer.signal);
    let attempts = 0;
    let lastServer: string | undefined;
    let lastError: MaildoctorError | undefined;
    try {
      const res = await pRetry(
        async (attemptNumber) => {
          attempts = attemptNumber;
          const server = this.servers[(attemptNumber - 1) % this.servers.length]!;
          lastServer = formatResolver(server);
          try {
            return await this.#attempt(server, qname, type, deadline);
          } catch (err) {
            lastError = toDnsError(err);
            throw lastError;
          }
        },
        {
          retries: this.timeouts.retries,
          minTimeout: DNS_RETRY_DELAY_MS,
          maxTimeout: DNS_RETRY_DELAY_MAX_MS,
          factor: 2,
          // Ref'd (p-retry's default): the pause is awaited work, bounded by the query deadline's signal.
          signal: deadline.signal,
          shouldRetry: ({ error }) => (error as MaildoctorError).code !== 'ABORTED',
        },
      );
      const durationMs = performance.now() - started;
      const common = { ...base, rcode: res.rcode, server: lastServer, transport: res.transport, attempts, durationMs };
      if (res.rcode === 'NOERROR') return { ...common, ok: true, answers: res.answers };
      // NXDOMAIN is an authoritative "no such name" (RFC 8020: nothing exists below it either); not retried.
      return { ...common, ok: false, error: { code: 'DNS_NOT_FOUND', message: `${qname} does not exist (NXDOMAIN from ${lastServer})` } };
    } catch (err) {
      let e = toDnsError(err);
      // When the query deadline cuts a retry pause, the last attempt's failure says more than "timeout".
      if (e.code !== 'ABORTED' && lastError && deadline.signal.aborted) e = lastError;
      return {
        ...base,
        ok: false,
        server: lastServer,
        attempts,
        durationMs: performance.now() - started,
        error: { code: e.code, message: `${type} ${qname}: ${e.message}` },
      };
    } finally {
      deadline.dispose();
      outer.dispose();
    }
  }

  async #attempt(server: ResolverAddress, name: string, type: QueryType, deadline: Deadline): Promise<Exchange> {
    const question: Question = { id: randomInt(0, 0x1_0000), name, type };
    const query = packet.encode({
      type: 'query',
      id: question.id,
      flags: packet.RECURSION_DESIRED,
      questions: [{ type, name, class: 'IN' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_PAYLOAD_BYTES } as unknown as DnsPacket.Answer],
    });
    const where = formatResolver(server);
    let response: DnsPacket.Packet;
    let transport: 'udp' | 'tcp' = 'udp';
    const udpScope = deadline.phase(`dns ${where}`, this.timeouts.attemptTimeoutMs, 'DNS_TIMEOUT');
    try {
      response = await udpExchange(server, query, question, udpScope.signal);
    } finally {
      udpScope.dispose();
    }
    if (isTruncated(response)) {
      // RFC 7766 §5 / RFC 1035 §4.2.1: a truncated UDP answer is retried over TCP, same resolver, same question.
      transport = 'tcp';
      const tcpScope = deadline.phase(`dns-tcp ${where}`, this.timeouts.attemptTimeoutMs, 'DNS_TIMEOUT');
      try {
        response = await tcpExchange(server, query, question, tcpScope.signal);
      } finally {
        tcpScope.dispose();
      }
    }
    const rcode = (response as { rcode?: string }).rcode ?? 'NOERROR';
    if (rcode === 'NOERROR' || rcode === 'NXDOMAIN') {
      return { rcode, transport, answers: response.answers ?? [] };
    }
    if (rcode === 'SERVFAIL' || rcode === 'REFUSED') {
      throw new MaildoctorError('DNS_SERVFAIL', 'dns', `resolver ${where} answered ${rcode}`);
    }
    throw new MaildoctorError('DNS_FAILURE', 'dns', `resolver ${where} answered ${rcode}`);
  }
}

interface Exchange {
  rcode: string;
  transport: 'udp' | 'tcp';
  answers: DnsPacket.Answer[];
}

function isTruncated(p: DnsPacket.Packet): boolean {
  return ((p.flags ?? 0) & packet.TRUNCATED_RESPONSE) !== 0;
}

/** Why a decoded packet is not the answer to our question, or undefined when it is. */
export function mismatch(p: DnsPacket.Packet, q: Question): string | undefined {
  if (p.type !== 'response') return 'a packet that is not a response (QR bit clear)';
  if (p.id !== q.id) return `a response with id ${p.id} to a query with id ${q.id}`;
  const qs = p.questions ?? [];
  // RFC 5452 §9.1: accept only an answer whose question section repeats ours (name compared case-insensitively).
  if (qs.length !== 1) return `a response with ${qs.length} questions`;
  const rq = qs[0]!;
  if (rq.name.toLowerCase() !== q.name.toLowerCase() || rq.type !== q.type || (rq.class ?? 'IN') !== 'IN') {
    return `a response to another question (${rq.type} ${rq.name})`;
  }
  for (const section of [p.answers, p.authorities, p.additionals]) {
    if ((section?.length ?? 0) > MAX_RECORDS_PER_SECTION) return `a response with more than ${MAX_RECORDS_PER_SECTION} records in a section`;
  }
  return undefined;
}

function udpExchange(server: ResolverAddress, query: Buffer, q: Question, signal: AbortSignal): Promise<DnsPacket.Packet> {
  return new Promise((resolve, reject) => {
    const where = formatResolver(server);
    const socket = dgram.createSocket({ type: net.isIPv6(server.host.split('%')[0]!) ? 'udp6' : 'udp4' });
    // Packets that are not our answer are ignored (an off-path spoofer or a stale reply must not end the
    // exchange), but remembered: when no good answer follows, that is what we report instead of a bare timeout.
    let rejected: string | undefined;
    let done = false;
    const finish = (err: MaildoctorError | undefined, value?: DnsPacket.Packet): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      try {
        socket.close();
      } catch {
        // already closed
      }
      if (err) reject(err);
      else resolve(value!);
    };
    const onAbort = (): void => {
      const reason = toDnsError(signal.reason);
      if (rejected && reason.code === 'DNS_TIMEOUT') {
        finish(new MaildoctorError('DNS_MALFORMED_RESPONSE', 'dns', `resolver ${where} sent ${rejected} and no valid answer`));
      } else finish(reason);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => finish(socketError(err as NodeJS.ErrnoException, where, 'udp')));
    socket.on('message', (msg) => {
      if (msg.length > MAX_DNS_MESSAGE_BYTES) {
        rejected = `an oversized packet (${msg.length} bytes)`;
        return;
      }
      let decoded: DnsPacket.Packet;
      try {
        decoded = packet.decode(msg);
      } catch (err) {
        rejected = `an undecodable packet (${(err as Error).message})`;
        return;
      }
      const why = mismatch(decoded, q);
      if (why) {
        rejected = why;
        return;
      }
      finish(undefined, decoded);
    });
    // A connected UDP socket receives only from the resolver, and an ICMP port unreachable surfaces as ECONNREFUSED.
    socket.connect(server.port, server.host, () => {
      socket.send(query, (err) => {
        if (err) finish(socketError(err as NodeJS.ErrnoException, where, 'udp'));
      });
    });
  });
}

function tcpExchange(server: ResolverAddress, query: Buffer, q: Question, signal: AbortSignal): Promise<DnsPacket.Packet> {
  return new Promise((resolve, reject) => {
    const where = formatResolver(server);
    const socket = net.connect({ host: server.host, port: server.port });
    const chunks: Buffer[] = [];
    let received = 0;
    let expected = -1;
    let done = false;
    const finish = (err: MaildoctorError | undefined, value?: DnsPacket.Packet): void => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const onAbort = (): void => finish(toDnsError(signal.reason));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => finish(socketError(err as NodeJS.ErrnoException, where, 'tcp')));
    socket.on('connect', () => {
      const framed = Buffer.alloc(2 + query.length);
      framed.writeUInt16BE(query.length, 0);
      query.copy(framed, 2);
      socket.write(framed);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received > 2 + MAX_DNS_MESSAGE_BYTES) {
        return finish(new MaildoctorError('DNS_MALFORMED_RESPONSE', 'dns', `resolver ${where} sent more than one message over TCP`));
      }
      const buf = Buffer.concat(chunks);
      if (expected < 0 && buf.length >= 2) expected = buf.readUInt16BE(0);
      if (expected < 0 || buf.length < 2 + expected) return;
      let decoded: DnsPacket.Packet;
      try {
        decoded = packet.decode(buf.subarray(2, 2 + expected));
      } catch (err) {
        return finish(new MaildoctorError('DNS_MALFORMED_RESPONSE', 'dns', `resolver ${where} sent an undecodable TCP answer (${(err as Error).message})`));
      }
      // Over TCP nobody off-path can inject, so a mismatch is the resolver's fault and ends the exchange.
      const why = mismatch(decoded, q);
      if (why) return finish(new MaildoctorError('DNS_MALFORMED_RESPONSE', 'dns', `resolver ${where} sent ${why} over TCP`));
      finish(undefined, decoded);
    });
    socket.on('end', () => finish(new MaildoctorError('DNS_MALFORMED_RESPONSE', 'dns', `resolver ${where} closed the TCP connection before a complete answer`)));
  });
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'EAFNOSUPPORT']);

function socketError(err: NodeJS.ErrnoException, where: string, transport: 'udp' | 'tcp'): MaildoctorError {
  const code = err.code ?? 'error';
  if (UNREACHABLE.has(code)) {
    const why = code === 'ECONNREFUSED' ? (transport === 'udp' ? 'port unreachable (nothing listens there)' : 'refused the TCP connection') : code;
    return new MaildoctorError('DNS_RESOLVER_UNREACHABLE', 'dns', `resolver ${where} over ${transport}: ${why}`, undefined, { cause: err });
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new MaildoctorError('DNS_MALFORMED_RESPONSE', 'dns', `resolver ${where} reset the ${transport} connection`, undefined, { cause: err });
  }
  return new MaildoctorError('DNS_FAILURE', 'dns', `resolver ${where} over ${transport}: ${code}`, undefined, { cause: err });
}

const DNS_CODES = new Set<ErrorCode>(['DNS_NOT_FOUND', 'DNS_SERVFAIL', 'DNS_TIMEOUT', 'DNS_RESOLVER_UNREACHABLE', 'DNS_MALFORMED_RESPONSE', 'DNS_FAILURE', 'ABORTED']);

/** Any failure as a DNS error: the caller's abort stays ABORTED, every deadline becomes DNS_TIMEOUT. */
function toDnsError(err: unknown): MaildoctorError {
  if (err instanceof MaildoctorError) {
    if (DNS_CODES.has(err.code)) return err;
    return new MaildoctorError('DNS_TIMEOUT', 'dns', `no answer before the deadline (${err.message})`, undefined, { cause: err });
  }
  return new MaildoctorError('DNS_FAILURE', 'dns', err instanceof Error ? err.message : String(err), undefined, { cause: err });
}

/** A signal that aborts when any of the given ones does; `dispose()` removes the listeners. */
export function anySignal(signals: Array<AbortSignal | undefined>): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  const listeners: Array<() => void> = [];
  for (const s of live) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    const l = (): void => controller.abort(s.reason);
    s.addEventListener('abort', l, { once: true });
    listeners.push(() => s.removeEventListener('abort', l));
  }
  return { signal: controller.signal, dispose: () => listeners.forEach((f) => f()) };
}
