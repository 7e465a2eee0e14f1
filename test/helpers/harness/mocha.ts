/**
 * Mocha glue: start a backend once for a `describe` block and always stop it, even when a test or the
 * start itself fails.
 *
 * ```ts
 * describe('smtp probe', () => {
 *   const backend = useNativeBackend();
 *   it('sees STARTTLS', async () => { const b = backend(); ... b.smtp.host, b.smtp.port, b.ca ... });
 * });
 * ```
 */
import { startNativeBackend, type MailBackend, type NativeBackendOptions } from './backend.js';

/** Budget for starting the native backend in a `before` hook (it takes well under a second). */
export const BACKEND_START_TIMEOUT_MS = 15_000;
/** Budget for stopping it in an `after` hook (Dovecot alone takes ~1.1 s to shut down). */
export const BACKEND_STOP_TIMEOUT_MS = 10_000;

export function useNativeBackend(options?: NativeBackendOptions): () => MailBackend {
  let backend: MailBackend | undefined;
  before(async function () {
    this.timeout(BACKEND_START_TIMEOUT_MS);
    backend = await startNativeBackend(options);
  });
  after(async function () {
    this.timeout(BACKEND_STOP_TIMEOUT_MS);
    await backend?.stop();
  });
  return () => {
    if (!backend) throw new Error('useNativeBackend: the backend is not started (use it inside it()/hooks)');
    return backend;
  };
}
