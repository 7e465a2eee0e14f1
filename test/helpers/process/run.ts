/**
 * The process tier's helpers: the BUILT command line (`bin/maildoctor.js` over the bundle in dist/cli-bundle/)
 * as a child process, optionally inside a private network namespace with a misbehaving resolver (netns-run.ts).
 * Tests assert what a user sees: exit code, stdout, stderr.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../../../src/lib/exit-codes.js';
import type { Misbehaviour } from '../servers/dns-server.js';
import { BIN } from '../build.js';

export { BIN, ensureBuilt } from '../build.js';
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const CLOSED_ZONE = join(ROOT, 'fixtures', 'process', 'closed.zone');
const NETNS_RUN = join(ROOT, 'test', 'helpers', 'process', 'netns-run.ts');

/** Exit codes a command may end with (src/lib/exit-codes.ts); 130/143 only when interrupted, never 70 (a bug). */
export const DOCUMENTED_EXITS: readonly number[] = Object.values(EXIT).filter((code) => code !== EXIT.INTERNAL);



export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** In a namespace: DNS questions the resolver received while the command ran. */
  dnsQueries?: number;
}

export interface RunOptions {
  /** Run inside a private namespace whose resolver misbehaves this way for names outside the zone. */
  resolver?: Misbehaviour;
  zones?: string[];
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  /**
   * Called once the command runs (to send it a signal): with `resolver`, when the namespace runner has started
   * it (a signal before that would end the runner instead); otherwise at spawn.
   */
  onStarted?: (child: ReturnType<typeof spawn>) => void;
}

/** Run `argv` (a command and its arguments), in a namespace when `resolver` is given. */
export function runCommand(argv: string[], options: RunOptions = {}): Promise<Ran> {
  const full =
    options.resolver === undefined
      ? argv
      : ['unshare', '--net', '--mount', process.execPath, '--import', 'tsx', NETNS_RUN, '--resolver', options.resolver, ...(options.zones ?? [CLOSED_ZONE]).flatMap((z) => ['--zone', z]), '--', ...argv];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(full[0]!, full.slice(1), { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.stdin!.end(options.stdin ?? '');
    const control = child.stdio[3] as NodeJS.ReadableStream;
    let controlText = '';
    control.on('data', (d: Buffer) => (controlText += d.toString()));
    if (options.onStarted) {
      const onStarted = options.onStarted;
      if (options.resolver === undefined) onStarted(child);
      else control.once('data', () => onStarted(child));
    }
    child.on('close', (code, signal) => {
      const queries = /^queries (\d+)$/m.exec(controlText);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started, ...(queries ? { dnsQueries: Number(queries[1]) } : {}) });
    });
  });
}

/** The built CLI: `node bin/maildoctor.js ARGS`. */
export function runCli(args: string[], options: RunOptions = {}): Promise<Ran> {
  return runCommand([process.execPath, BIN, ...args], options);
}

/** A shell pipeline (bash, pipefail off): for `| head -1` and friends. */
export function runShell(script: string, options: RunOptions = {}): Promise<Ran> {
  return runCommand(['bash', '-c', script], options);
}

/** A stack trace or an unhandled-error dump on stderr: never acceptable from a command. */
export const STACK_TRACE = /\n\s+at .+[:(]\d+|Node\.js v\d+|Error \[ERR_|Unhandled|Warning:/;
