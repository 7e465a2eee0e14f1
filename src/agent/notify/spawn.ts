/**
 * Running a notifier program: argv only (never a shell, so nothing in an alert is ever interpreted), input on
 * stdin, a deadline after which it is killed, and the outcome as data.
 */
import { spawn as nodeSpawn } from 'node:child_process';

export type SpawnFn = typeof nodeSpawn;

export interface RunResult {
  /** `missing`: the program does not exist (ENOENT). */
  outcome: 'ok' | 'failed' | 'missing' | 'timeout' | 'aborted';
  code?: number | null;
  signal?: NodeJS.Signals | null;
  /** Last bytes of stderr, for the log. */
  stderr: string;
  error?: string;
}

/** stderr kept for the log line of a failing program. */
const STDERR_TAIL_BYTES = 2_000;

export function runProgram(
  argv: string[],
  options: { input?: string; env: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal; spawn?: SpawnFn },
): Promise<RunResult> {
  const doSpawn = options.spawn ?? nodeSpawn;
  return new Promise((resolve) => {
    let stderr = '';
    let settled = false;
    let timedOut = false;
    const finish = (r: Omit<RunResult, 'stderr'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ ...r, stderr: stderr.trim() });
    };
    let child: ReturnType<SpawnFn>;
    try {
      child = doSpawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'ignore', 'pipe'], env: options.env, shell: false, windowsHide: true });
    } catch (err) {
      resolve({ outcome: 'failed', stderr: '', error: (err as Error).message });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    const onAbort = (): void => {
      child.kill('SIGKILL');
      finish({ outcome: 'aborted' });
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-STDERR_TAIL_BYTES);
    });
    child.once('error', (err: NodeJS.ErrnoException) => finish({ outcome: err.code === 'ENOENT' ? 'missing' : 'failed', error: err.code ?? err.message }));
    child.once('close', (code, signal) => {
      if (timedOut) finish({ outcome: 'timeout', code, signal });
      else finish({ outcome: code === 0 ? 'ok' : 'failed', code, signal });
    });
    // A program that does not read stdin closes it early: EPIPE is its business, not an error of ours.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}
