import type { Duplex } from 'node:stream';

/**
 * Wait until a fresh socket emits `success` ('connect', 'secureConnect'). An 'error' rejects with
 * `mapError(err)`, an abort of `signal` with its reason; on failure the socket is destroyed. Every listener is
 * removed either way (undici's discipline: no listener outlives its wait).
 */
export function socketReady<S extends Duplex>(socket: S, success: string, signal: AbortSignal, mapError: (err: NodeJS.ErrnoException) => unknown): Promise<S> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off(success, onSuccess);
    };
    const fail = (reason: unknown): void => {
      cleanup();
      socket.destroy();
      reject(reason);
    };
    const onAbort = (): void => fail(signal.reason);
    const onError = (err: NodeJS.ErrnoException): void => fail(mapError(err));
    const onSuccess = (): void => {
      cleanup();
      resolve(socket);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once(success, onSuccess);
  });
}
