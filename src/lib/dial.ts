import { lookup as systemLookup } from 'node:dns';
import net, { type LookupFunction } from 'node:net';
import { MaildoctorError } from './errors.js';
import { socketReady } from './events.js';
import type { ErrorCode } from './codes.js';
import type { PhaseRecorder } from './phases.js';

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
 * single attempt, no silent fallback to the next address; all addresses are recorded).
 * Rejects with a classified MaildoctorError; the probe turns it into data.
 */
export async function dial(req: DialRequest): Promise<Dialled> {
  const addresses = await resolveHost(req.host, req.phases, req.resolveTimeoutMs, req.lookup);
  const first = addresses[0]!;
  req.onResolved?.(addresses);
  const socket = await req.phases.run('connect', req.connectTimeoutMs, 'CONNECT_TIMEOUT', (signal) =>
    connectOnce(first.address, req.port, signal, req.localAddress),
  );
  return {
    socket,
    address: first.address,
    family: first.family,
    addresses: addresses.map((a) => a.address),
    localAddress: socket.localAddress,
  };
}

function connectOnce(address: string, port: number, signal: AbortSignal, localAddress?: string): Promise<net.Socket> {
  const socket = net.connect({ host: address, port, localAddress, noDelay: true });
  return socketReady(socket, 'connect', signal, (err) => classifySocketError(err, 'connect'));
}
