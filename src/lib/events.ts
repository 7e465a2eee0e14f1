import type { Duplex } from 'node:stream';

/**
 * Wait until a fresh socket emits `success` ('connect', 'secureConnect'). An 'error' rejects with
 * `mapError(err)`, a 'close' before success (or a socket already destroyed) with `mapError` of an ECONNRESET,
 * an abort of `signal` with its reason; on failure the socket is destroyed. Every listener is removed either
 * way (undici's discipline: no listener outlives its wait).
 *
 * 'close' matters: a TLS upgrade over a socket the peer (or our line reader) already tore down emits neither
 * 'secureConnect' nor 'error', only 'close'; waiting for the other two left the caller's promise pending.
 */
export function socketReady<S extends Duplex>(socket: S, success: string, signal: AbortSignal, mapError: (err: NodeJS.ErrnoException) => unknown): Promise<S> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off(success, onSuccess);
      socket.off('close', onClose);
    };
    const fail = (reason: unknown): void => {
      cleanup();
      socket.destroy();
      reject(reason);
    };
    const onAbort = (): void => fail(signal.reason);
    const onError = (err: NodeJS.ErrnoException): void => fail(mapError(err));
    const onClose = (): void => fail(mapError(closedError()));
    const onSuccess = (): void => {
      cleanup();
      resolve(socket);
    };
    if (signal.aborted) return onAbort();
    if (socket.destroyed) return fail(mapError(closedError()));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once(success, onSuccess);
  });
}

function closedError(): NodeJS.ErrnoException {
  return Object.assign(new Error('the connection was closed'), { code: 'ECONNRESET' });
}
