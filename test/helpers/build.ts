/**
 * The build the process-level tests and benches run: `bin/maildoctor.js` loads the bundle
 * (dist/cli-bundle/maildoctor.cjs), which `npm run build` writes last, after tsc's dist/. A bundle older than any
 * source file (or than the bundling script) is stale: those tests would run yesterday's code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** The launcher users run. */
export const BIN = join(REPO_ROOT, 'bin', 'maildoctor.js');
/** What the launcher loads: the newest output of `npm run build`. */
export const BUILT_ENTRY = join(REPO_ROOT, 'dist', 'cli-bundle', 'maildoctor.cjs');
const BUILD_TIMEOUT_MS = 180_000;

function newestMtime(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

/** Whether the command line is built at all. */
export function isBuilt(): boolean {
  return existsSync(BUILT_ENTRY);
}

/** Why the build cannot be tested as it is (missing, or older than the sources), else undefined. */
export function staleBuild(): string | undefined {
  if (!isBuilt()) return 'the CLI is not built: run `npm run build`';
  const built = statSync(BUILT_ENTRY).mtimeMs;
  const sources = Math.max(newestMtime(join(REPO_ROOT, 'src')), newestMtime(join(REPO_ROOT, 'scripts', 'bundle.mjs')));
  return sources > built ? 'the build is older than src/: run `npm run build`' : undefined;
}

/** Throws when the build is missing or stale (for tests that must not build themselves). */
export function assertBuilt(): void {
  const why = staleBuild();
  if (why) throw new Error(why);
}

/** Runs `npm run build` when the build is missing or stale. */
export function ensureBuilt(): void {
  if (!staleBuild()) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
}
