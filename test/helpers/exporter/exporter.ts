/** Shared by the exporter's tests: the built CLI they run as a user does. */
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../lab/lab.js';

/** The launcher users run; it loads dist/. */
export const BIN = join(REPO_ROOT, 'bin', 'maildoctor.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Build dist/ when it is missing or older than src/ (a stale build would test yesterday's code). */
export async function ensureBuilt(): Promise<void> {
  let built = 0;
  try {
    built = statSync(join(REPO_ROOT, 'dist', 'cli', 'exporter.js')).mtimeMs;
  } catch {
    /* not built */
  }
  if (built >= newestMtime(join(REPO_ROOT, 'src'))) return;
  await promisify(execFile)('npm', ['run', 'build'], { cwd: REPO_ROOT, timeout: 180_000 });
}
