/**
 * The built CLI (`bin/maildoctor.js` → `dist/cli-bundle/`) run as a user runs it: a child process with its own
 * environment, exit code, stdout and stderr. `npm run build` must have run (`npm ci` does it); a build older
 * than `src/` fails the test with that advice rather than testing yesterday's code.
 */
import { spawn } from 'node:child_process';
import { BIN } from '../build.js';

export { assertBuilt, BIN } from '../build.js';

/** A CLI run that takes longer is killed: every probe of these tests has a deadline well below it. */
const CLI_TIMEOUT_MS = 60_000;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
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
