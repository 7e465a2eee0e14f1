/**
 * The built CLI (`bin/maildoctor.js` → `dist/`) run as a user runs it: a child process with its own
 * environment, exit code, stdout and stderr. `npm run build` must have run (`npm ci` does it); a `dist/` older
 * than `src/` fails the test with that advice rather than testing yesterday's code.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = path.join(ROOT, 'bin', 'maildoctor.js');
/** A CLI run that takes longer is killed: every probe of these tests has a deadline well below it. */
const CLI_TIMEOUT_MS = 60_000;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Throws when `dist/` is missing or older than `src/`. */
export function assertBuilt(): void {
  let dist = 0;
  try {
    dist = statSync(path.join(ROOT, 'dist', 'cli', 'main.js')).mtimeMs;
  } catch {
    throw new Error('dist/ is missing: run `npm run build` before these tests');
  }
  if (newestMtime(path.join(ROOT, 'src')) > dist) throw new Error('dist/ is older than src/: run `npm run build` before these tests');
}

/** Runs `node bin/maildoctor.js ARGS` with only PATH, HOME and `env` in its environment (no MAILDOCTOR_* of the runner). */
export function runBuiltCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}
