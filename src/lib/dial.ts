import { lookup as systemLookup } from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import { MaildoctorError } from './errors.js';
import { socketReady } from './events.js';
import type { ErrorCode } from './codes.js';
import type { PhaseRecorder } from './phases.js';

/**
 * RFC 8305 §5 "Connection Attempt Delay": a client that has not connected over the first family after this long
 * starts the other one (the recommended default is 250 ms).
 */
export const CONNECTION_ATTEMPT_DELAY_MS = 250;

/**
 * A lost SYN is sent again after the initial retransmission timeout, 1 s (RFC 6298 §2.1 and §5.7; Linux's
 * TCP_TIMEOUT_INIT). A connect deadline shorter than this would call a port filtered for one lost packet.
 */
export const SYN_RETRANSMIT_MS = 1_000;
/** Round trips the retransmitted SYN's answer gets, on top of {@link SYN_RETRANSMIT_MS}. */
export const ADAPTIVE_CONNECT_RTTS = 4;
/** …and at least this long: a path measured at 1 ms still gets 200 ms for the answer to the resent SYN. */
export const ADAPTIVE_CONNECT_MARGIN_MS = 200;

/**
 * Round trips measured on this machine's paths, shared by the probes of one check (nmap adapts its timeouts to
 * measured RTTs the same way). Every answered connect (SYN-ACK or RST) records its duration for the address it
 * dialled; a connect that has had no answer after {@link connectDeadlineMs} is then given up as filtered,
 * instead of waiting out the fixed cap that stays for a first contact, when nothing has answered yet.
 * A pending connect is re-timed when a round trip becomes known while it waits (probes start together).
 */
export class PathTimes {
  /** The smallest connect time seen per address: the path's round trip (larger ones are our event loop's delay). */
  readonly #rtt = new Map<string, number>();
  readonly #listeners = new Set<() => void>();

  /** An answered connect to `address` took `ms`. */
  record(address: string, ms: number): void {
    const known = this.#rtt.get(address);
    if (known !== undefined && known <= ms) return;
    this.#rtt.set(address, ms);
    for (const listener of [...this.#listeners]) listener();
  }

  /** The round trip to `address`: its own when measured, else the longest of the other paths' (any answered connection). */
  rttMs(address: string): number | undefined {
    const own = this.#rtt.get(address);
    if (own !== undefined) return own;
    return this.#rtt.size ? Math.max(...this.#rtt.values()) : undefined;
  }

  /**
   * How long a SYN to `address` may go unanswered before the port is called filtered: past the first SYN
   * retransmission plus a few round trips; undefined while no round trip is known (the caller's cap applies).
   */
  connectDeadlineMs(address: string): number | undefined {
    const rtt = this.rttMs(address);
    return rtt === undefined ? undefined : SYN_RETRANSMIT_MS + Math.max(ADAPTIVE_CONNECT_MARGIN_MS, ADAPTIVE_CONNECT_RTTS * rtt);
  }

  /** Called whenever a round trip is learnt or gets shorter; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** One address family's connection attempt to a name that has both (RFC 8305 order). */
export interface FamilyAttempt {
  family: 4 | 6;
  address: string;
  /** `connected`, or the error code of the failed attempt. */
  outcome: 'connected' | ErrorCode;
  durationMs: number;
}

export interface DialRequest {
  host: string;
  port: number;
  phases: PhaseRecorder;
  /** Caps of the two phases this step runs. */
  resolveTimeoutMs: number;
  connectTimeoutMs: number;
  localAddress?: string;
  lookup?: LookupFunction;
  /** Told the addresses before the connect, so a failed connect still reports which address it dialled. */
  onResolved?: (addresses: Array<{ address: string; family: 4 | 6 }>) => void;
  /** Bounds the other family's attempt after the session's connect is decided (the probe's deadline). */
  signal?: AbortSignal;
  /** A name with both A and AAAA: told the attempts' outcomes (settled once both are decided), failure or not. */
  onFamilies?: (families: Promise<FamilyAttempt[]>) => void;
  /** Round trips learnt by the other probes of the check: they shorten the wait for an unanswered SYN. */
  paths?: PathTimes;
}

export interface Dialled {
  socket: net.Socket;
  address: string;
  family: 4 | 6;
  addresses: string[];
  localAddress?: string;
}

/** What the OS said, mapped to our codes. Exported for the gallery tests and for the TLS layer. */
export function classifySocketError(err: unknown, phase: string): MaildoctorError {
  if (err instanceof MaildoctorError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = socketErrorCode(e?.code, phase);
  return new MaildoctorError(code, phase, `${ERROR_TEXT[code] ?? 'socket error'}${e?.code ? ` (${e.code})` : ''}`, undefined, { cause: err });
}

function socketErrorCode(errno: string | undefined, phase: string): ErrorCode {
  switch (errno) {
    case 'ENOTFOUND':
    case 'ENODATA':
      return 'DNS_NOT_FOUND';
    case 'EAI_AGAIN':
      return 'DNS_SERVFAIL';
    case 'ECONNREFUSED':
      return 'CONNECT_REFUSED';
    case 'ETIMEDOUT':
      return 'CONNECT_TIMEOUT';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return 'CONNECT_UNREACHABLE';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'CONNECTION_RESET';
    case 'ECONNABORTED':
      return 'CONNECTION_CLOSED';
    default:
      return phase === 'resolve' ? 'DNS_FAILURE' : 'CONNECTION_RESET';
  }
}

const ERROR_TEXT: Partial<Record<ErrorCode, string>> = {
  DNS_NOT_FOUND: 'Name not found',
  DNS_SERVFAIL: 'Resolver failure',
  CONNECT_REFUSED: 'Connection refused',
  CONNECT_TIMEOUT: 'Connection timed out',
  CONNECT_UNREACHABLE: 'Host or network unreachable',
  CONNECTION_RESET: 'Connection reset',
  CONNECTION_CLOSED: 'Connection closed',
};

/** Resolve a name with the system resolver (or an injected lookup), bounded by a phase cap. */
export async function resolveHost(
  host: string,
  phases: PhaseRecorder,
  capMs: number,
  lookup: LookupFunction = systemLookup as unknown as LookupFunction,
): Promise<Array<{ address: string; family: 4 | 6 }>> {
  const literal = net.isIP(host);
  if (literal) return [{ address: host, family: literal as 4 | 6 }];
  return phases.run('resolve', capMs, 'DNS_TIMEOUT', (signal) =>
    new Promise((resolve, reject) => {
      // A signal aborted before the lookup (a check its caller gave up on) never fires 'abort' again: settle
      // now. After an abort, the lookup's late callback finds the promise already rejected.
      if (signal.aborted) return reject(signal.reason);
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      lookup(host, { all: true }, (err, addresses) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return reject(signal.reason);
        if (err) return reject(classifySocketError(err, 'resolve'));
        const list = (addresses as unknown as Array<{ address: string; family: number }>).map((a) => ({
          address: a.address,
          family: (a.family === 6 ? 6 : 4) as 4 | 6,
        }));
        if (list.length === 0) return reject(new MaildoctorError('DNS_NOT_FOUND', 'resolve', `No address for ${host}`));
        resolve(list);
      });
    }),
  );
}

/**
 * Resolve, then one TCP connect to the first address (blackbox_exporter's policy: a testing tool makes a
 * single attempt, no silent fallback to the next address; all addresses are recorded). A name with both
 * families is dialled as a mail client would (RFC 8305 §4-5: IPv6 first, IPv4 after the attempt delay or at
 * once when IPv6 fails, the first to connect carries the session), and each family's first address gets its
 * one attempt, recorded in `families`, so a broken family is seen instead of hidden by the fallback.
 * Rejects with a classified MaildoctorError; the probe turns it into data.
 */
export async function dial(req: DialRequest): Promise<Dialled> {
  const addresses = await resolveHost(req.host, req.phases, req.resolveTimeoutMs, req.lookup);
  const v6 = addresses.find((a) => a.family === 6);
  const v4 = addresses.find((a) => a.family === 4);
  const all = addresses.map((a) => a.address);
  if (!v6 || !v4) {
    const first = addresses[0]!;
    req.onResolved?.(addresses);
    const socket = await req.phases.run('connect', req.connectTimeoutMs, 'CONNECT_TIMEOUT', (signal) => connectOnce(first.address, req.port, signal, req.localAddress, req.paths));
    return { socket, address: first.address, family: first.family, addresses: all, localAddress: socket.localAddress };
  }
  req.onResolved?.([v6, ...addresses.filter((a) => a !== v6)]);
  const winner = await req.phases.run('connect', req.connectTimeoutMs, 'CONNECT_TIMEOUT', (signal) => {
    // One attempt per family (its first address); the losing one is closed at once if it connects.
    const raced = happyEyeballs([v6, v4], req, signal);
    req.onFamilies?.(raced.families);
    return raced.winner;
  });
  return { socket: winner.socket, address: winner.address, family: winner.family, addresses: all, localAddress: winner.socket.localAddress };
}

/** Two attempts, IPv6 first (RFC 8305): the first to connect wins; both outcomes are recorded. */
function happyEyeballs(
  order: Array<{ address: string; family: 4 | 6 }>,
  req: DialRequest,
  phaseSignal: AbortSignal,
): { winner: Promise<{ socket: net.Socket; address: string; family: 4 | 6 }>; families: Promise<FamilyAttempt[]> } {
  // The losing attempt outlives the phase (it is only recorded), bounded by the connect cap and the deadline.
  const own = new AbortController();
  const cap = setTimeout(() => own.abort(new MaildoctorError('CONNECT_TIMEOUT', 'connect', `Timeout awaiting 'connect' for ${req.connectTimeoutMs}ms`)), req.connectTimeoutMs);
  const onAbort = (): void => own.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', onAbort, { once: true });
  let decided = false;
  let startSecond!: () => void;
  const secondGo = new Promise<void>((resolve) => (startSecond = resolve));
  const delay = setTimeout(() => startSecond(), CONNECTION_ATTEMPT_DELAY_MS);
  const attempt = async (a: { address: string; family: 4 | 6 }, after?: Promise<void>): Promise<{ record: FamilyAttempt; socket?: net.Socket }> => {
    if (after) await after;
    const t0 = performance.now();
    try {
      if (own.signal.aborted) throw own.signal.reason;
      const socket = await connectOnce(a.address, req.port, own.signal, req.localAddress, req.paths);
      return { record: { family: a.family, address: a.address, outcome: 'connected', durationMs: Math.round(performance.now() - t0) }, socket };
    } catch (err) {
      const code = err instanceof MaildoctorError ? err.code : classifySocketError(err, 'connect').code;
      return { record: { family: a.family, address: a.address, outcome: code, durationMs: Math.round(performance.now() - t0) } };
    }
  };
  const first = attempt(order[0]!);
  void first.then((r) => {
    if (!r.socket) startSecond(); // RFC 8305 §5: a failed attempt starts the next one at once
  });
  const second = attempt(order[1]!, secondGo);
  const winner = new Promise<{ socket: net.Socket; address: string; family: 4 | 6 }>((resolve, reject) => {
    let failures = 0;
    const errors: MaildoctorError[] = [];
    for (const p of [first, second]) {
      void p.then((r) => {
        if (r.socket && !decided) {
          decided = true;
          clearTimeout(delay);
          return resolve({ socket: r.socket, address: r.record.address, family: r.record.family });
        }
        if (r.socket) return r.socket.destroy(); // the loser connected too: recorded, closed, nothing sent
        errors.push(new MaildoctorError(r.record.outcome as ErrorCode, 'connect', `${ERROR_TEXT[r.record.outcome as ErrorCode] ?? 'connect failed'} (${r.record.address})`));
        if (++failures === 2 && !decided) {
          decided = true;
          // The session's error is the first family's, as a client tries it first; both are in `families`.
          reject(errors.find((e) => e.message.includes(order[0]!.address)) ?? errors[0]!);
        }
      });
    }
    phaseSignal.addEventListener('abort', () => {
      if (!decided) {
        decided = true;
        reject(phaseSignal.reason);
      }
    }, { once: true });
  });
  const families = Promise.all([first, second]).then((rs) => {
    clearTimeout(cap);
    clearTimeout(delay);
    req.signal?.removeEventListener('abort', onAbort);
    return rs.map((r) => r.record);
  });
  return { winner, families };
}

/**
 * One TCP connect. With `paths`, its duration is recorded when the other side answers (connected or refused),
 * and a SYN still unanswered once the path's adaptive deadline has passed ends the wait as CONNECT_TIMEOUT: the
 * same code as the fixed cap's, with a message that says which deadline it was.
 */
function connectOnce(address: string, port: number, signal: AbortSignal, localAddress?: string, paths?: PathTimes): Promise<net.Socket> {
  const socket = net.connect({ host: address, port, localAddress, noDelay: true });
  const classify = (err: NodeJS.ErrnoException): MaildoctorError => classifySocketError(err, 'connect');
  if (!paths) return socketReady(socket, 'connect', signal, classify);
  const started = performance.now();
  const adaptive = new AbortController();
  const either = AbortSignal.any([signal, adaptive.signal]);
  let timer: NodeJS.Timeout | undefined;
  const retime = (): void => {
    const rtt = paths.rttMs(address);
    if (rtt === undefined || either.aborted) return;
    const deadlineMs = paths.connectDeadlineMs(address)!;
    clearTimeout(timer);
    const giveUp = (): void =>
      adaptive.abort(
        new MaildoctorError('CONNECT_TIMEOUT', 'connect', `No answer to the SYN in ${Math.round(deadlineMs)} ms (this path's round trip is ${rtt < 10 ? rtt.toFixed(1) : Math.round(rtt)} ms; a lost SYN is resent after ${SYN_RETRANSMIT_MS} ms)`),
      );
    timer = setTimeout(giveUp, Math.max(0, deadlineMs - (performance.now() - started)));
  };
  const unsubscribe = paths.onChange(retime);
  retime();
  const done = (): void => {
    clearTimeout(timer);
    unsubscribe();
  };
  return socketReady(socket, 'connect', either, (err) => {
    // A reset is an answer: the path's round trip, as much as a SYN-ACK is.
    if (err.code === 'ECONNREFUSED') paths.record(address, performance.now() - started);
    return classify(err);
  }).then(
    (s) => {
      done();
      paths.record(address, performance.now() - started);
      return s;
    },
    (err: unknown) => {
      done();
      throw err;
    },
  );
}
