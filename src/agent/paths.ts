/**
 * Where maildoctor keeps its files by default, per platform conventions:
 * - state: XDG Base Directory spec (`$XDG_STATE_HOME`, default `~/.local/state`) on Linux and other Unixes;
 *   `~/Library/Application Support` on macOS; `%LOCALAPPDATA%` on Windows (machine-local, not roaming).
 * - config: `$XDG_CONFIG_HOME` (default `~/.config`), `~/Library/Application Support`, `%APPDATA%`.
 * - cache (the command line's compiled code, src/cli/launch.ts): `$XDG_CACHE_HOME` (default `~/.cache`),
 *   `~/Library/Caches`, `%LOCALAPPDATA%`.
 */
import os from 'node:os';
import path from 'node:path';

export interface PlatformContext {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

function context(partial: Partial<PlatformContext> = {}): PlatformContext {
  return { platform: partial.platform ?? process.platform, env: partial.env ?? process.env, home: partial.home ?? os.homedir() };
}

/** XDG says a relative value is invalid and must be ignored. */
function xdg(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v && path.isAbsolute(v) ? v : undefined;
}

/** Windows' machine-local (not roaming) application data. */
function localAppData(env: NodeJS.ProcessEnv, home: string): string {
  return env.LOCALAPPDATA ?? path.win32.join(home, 'AppData', 'Local');
}

/** The directory of the agent's state file (`state.json`). */
export function defaultStateDir(ctx: Partial<PlatformContext> = {}): string {
  const { platform, env, home } = context(ctx);
  if (platform === 'win32') return path.win32.join(localAppData(env, home), 'maildoctor');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'maildoctor');
  return path.posix.join(xdg(env, 'XDG_STATE_HOME') ?? path.posix.join(home, '.local', 'state'), 'maildoctor');
}

/** The agent's config file when `--config` is not given. */
export function defaultConfigFile(ctx: Partial<PlatformContext> = {}): string {
  const { platform, env, home } = context(ctx);
  if (platform === 'win32') {
    const base = env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(base, 'maildoctor', 'agent.json');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'maildoctor', 'agent.json');
  return path.posix.join(xdg(env, 'XDG_CONFIG_HOME') ?? path.posix.join(home, '.config'), 'maildoctor', 'agent.json');
}

/** The directory of the command line's code cache: files that only make the next start faster. */
export function defaultCacheDir(ctx: Partial<PlatformContext> = {}): string {
  const { platform, env, home } = context(ctx);
  if (platform === 'win32') return path.win32.join(localAppData(env, home), 'maildoctor', 'cache');
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Caches', 'maildoctor');
  return path.posix.join(xdg(env, 'XDG_CACHE_HOME') ?? path.posix.join(home, '.cache'), 'maildoctor');
}
