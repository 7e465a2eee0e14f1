/**
 * Processes in the lab's namespaces: the line-protocol services (`*-main.ts` beside this file: resolver, control
 * listener, OAuth2 endpoint), a command run to completion, and the small environment they all get.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '../paths.js';
import { LAB_TOKEN_ENV, type ExecOptions, type ExecResult } from './types.js';

/** How long a helper process (resolver, control listener) may take to say `ready`. */
const SERVICE_START_TIMEOUT_MS = 15_000;
/** How long a helper process may take to exit after its stdin closes, before SIGKILL. */
const SERVICE_STOP_TIMEOUT_MS = 2_000;
/** Default cap of {@link Lab.exec}: a stuck command must not hang a test run. */
export const EXEC_TIMEOUT_MS = 60_000;

/** A helper process in a namespace that speaks a line protocol (resolver, control listener). */
export interface Service {
  name: string;
  child: ChildProcess;
  /** Its `ready …` line. */
  ready: string;
  /** Send a command line, get its one answer line. */
  command(line: string): Promise<string>;
}

/** A started helper (`ip netns exec … node --import tsx X-main.ts`) as a {@link Service}, once it prints `ready`. */
export async function startService(name: string, child: ChildProcess): Promise<Service> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<(line: string) => void> = [];
  const first = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lab ${name}: not ready after ${SERVICE_START_TIMEOUT_MS} ms\n${stderr}`)), SERVICE_START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lab ${name} exited (${code}) during start-up\n${stderr}`));
    });
    waiting.push((line) => {
      clearTimeout(timer);
      if (line.startsWith('ready')) resolve(line);
      else reject(new Error(`lab ${name}: ${line}\n${stderr}`));
    });
  });
  lines.on('line', (line) => waiting.shift()?.(line));
  const ready = await first;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    name,
    child,
    ready,
    command: (line) => {
      const answer = queue.then(
        () =>
          new Promise<string>((resolve, reject) => {
            if (child.exitCode !== null) return reject(new Error(`lab ${name} is not running\n${stderr}`));
            waiting.push(resolve);
            child.stdin!.write(`${line}\n`);
          }),
      );
      queue = answer.catch(() => undefined);
      return answer;
    },
  };
}

/** Send one command line; its answer must start with `ok`. */
export async function expectOk(service: Service, line: string): Promise<void> {
  const answer = await service.command(line);
  if (!answer.startsWith('ok')) throw new Error(`lab ${service.name}: ${line}: ${answer}`);
}

export async function stopService(s: Service): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
  s.child.stdin?.end();
  const timer = setTimeout(() => {
    if (s.child.pid) process.kill(s.child.pid, 'SIGKILL');
  }, SERVICE_STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Feed `options.input` to a spawned command and collect its output until it closes (SIGKILL after the cap). */
export function runToEnd(child: ChildProcess, argv: string[], options: ExecOptions = {}, started = performance.now()): Promise<ExecResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? EXEC_TIMEOUT_MS;
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`lab: ${argv.join(' ')} did not finish in ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}

/** `ip netns exec NS argv…` with cwd = repository root and {@link labEnv} unless told otherwise. */
export function spawnIn(ns: string, argv: string[], options: { env?: NodeJS.ProcessEnv; stdio?: Array<'pipe' | 'ignore' | 'inherit'> } = {}): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', ns, ...argv], {
    cwd: REPO_ROOT,
    env: options.env ?? labEnv(),
    stdio: (options.stdio ?? ['pipe', 'pipe', 'pipe']) as ['pipe', 'pipe', 'pipe'],
  });
  child.on('error', () => undefined);
  return child;
}

/** The CLI's environment: {@link labEnv}, the password in MAILDOCTOR_PASSWORD, a token in the lab's token variable. */
export function cliEnv(options: { password?: string; oauthToken?: string; env?: NodeJS.ProcessEnv }): NodeJS.ProcessEnv {
  return labEnv({
    ...(options.env as Record<string, string> | undefined),
    ...(options.password !== undefined ? { MAILDOCTOR_PASSWORD: options.password } : {}),
    ...(options.oauthToken !== undefined ? { [LAB_TOKEN_ENV]: options.oauthToken } : {}),
  });
}

/** Run steps of a teardown, collecting failures in `errors` instead of stopping at the first. */
export function attempter(errors: unknown[]): (what: () => Promise<unknown> | undefined) => Promise<void> {
  return async (what) => {
    try {
      await what();
    } catch (err) {
      errors.push(err);
    }
  };
}

/** SIGKILL every child still running. */
export function killAll(children: Iterable<ChildProcess>): void {
  for (const child of children) {
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}

/** A small, explicit environment for processes in the lab (no proxies, no colours, nothing of the caller's). */
export function labEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', NO_COLOR: '1', LANG: 'C.UTF-8' };
  for (const k of ['HOME', 'TMPDIR']) if (process.env[k]) env[k] = process.env[k];
  return { ...env, ...extra };
}
