/**
 * Run the built CLI in a private network namespace with a scripted world around it
 * (test/helpers/cli/private-world-main.ts). Needs root (`unshare -n`) and a build (`npm run build`).
 */
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SmtpFaultOptions } from '../servers/gallery.js';
import { isBuilt } from '../build.js';

export type EchoKind = `smtp:${'PLAIN' | 'LOGIN' | 'CRAM-MD5'}` | `pop3:${'USER' | 'PLAIN'}` | `imap:${'LOGIN' | 'PLAIN' | 'PLAIN-IR'}`;

export interface PrivateWorld {
  /** Zone text (test/helpers/servers/dns-server.ts format); `{port:NAME}` is scripted server NAME's port. */
  zone: string;
  /** Scripted SMTP servers by name (STARTTLS with the test CA's certificate for localhost, mail.test, 127.0.0.1). */
  smtp?: Record<string, Omit<SmtpFaultOptions, 'tls'>>;
  /**
   * Servers that echo credentials back in their refusals (test/helpers/servers/echo-servers.ts), by name, implicit TLS
   * with the scripted servers' certificate:
   * `smtp:PLAIN`, `smtp:LOGIN`, `smtp:CRAM-MD5`, `pop3:USER`, `pop3:PLAIN`, `imap:LOGIN`, `imap:PLAIN`, `imap:PLAIN-IR`.
   */
  echo?: Record<string, EchoKind>;
  /**
   * The scripted servers present the valid certificate with its notAfter bytes replaced by this text (same
   * length, re-signed by the test CA; withNotAfter in test/helpers/certs.ts): a certificate whose dates are not dates.
   */
  notAfter?: string;
  /** Files written in the world's directory before the CLI starts (`{port:NAME}`, `{dns}`, `{ca}`, `{dir}` filled in). */
  files?: Record<string, string>;
  /** A long-running command (the agent): SIGTERM it once its stdout holds this text. */
  stopWhen?: string;
  /** Files of the world's directory read back after the CLI ended (missing: absent from `files`). */
  readBack?: string[];
  /** CLI arguments; `{dir}` is the world's directory, `{dns}` is the resolver `127.0.0.1:PORT`, `{ca}` the test CA file. */
  args: string[];
  /** The CLI's whole environment besides PATH (e.g. MAILDOCTOR_PASSWORD). */
  env?: Record<string, string>;
}

export interface WorldRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** `name TYPE` of every query the test resolver answered. */
  queries: string[];
  /** The `readBack` files that exist, by name. */
  files?: Record<string, string>;
}

const MAIN = fileURLToPath(new URL('./private-world-main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Why this machine cannot run a private world, or undefined. */
export function cannotRunPrivateWorld(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'needs root (unshare -n)';
  try {
    execFileSync('sh', ['-c', 'command -v unshare && command -v ip'], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    return 'needs unshare, ip and a build (npm run build)';
  }
  if (!isBuilt()) return 'needs a build (npm run build)';
  return undefined;
}

/** In a `before` hook: skips the block, saying why on stderr, when a private world cannot run here. */
export function skipUnlessPrivateWorld(ctx: Mocha.Context): void {
  const why = cannotRunPrivateWorld();
  if (why) {
    process.stderr.write(`      (skipped: ${why})\n`);
    ctx.skip();
  }
}

export function runInPrivateWorld(world: PrivateWorld): Promise<WorldRun> {
  const script = `ip link set lo up && exec "$0" --import tsx "$1" "$2"`;
  return new Promise((resolve, reject) => {
    execFile('unshare', ['-n', 'sh', '-c', script, process.execPath, MAIN, JSON.stringify(world)], { cwd: ROOT, timeout: 90_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as WorldRun);
      } catch {
        reject(new Error(`private world failed (${err?.message ?? 'no JSON'}):\n${stderr}\n${stdout}`));
      }
    });
  });
}
