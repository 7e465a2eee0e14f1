import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import pc from 'picocolors';
import { PASSWORD_ENV } from '../check/defaults.js';
import { MAX_TIMER_MS } from '../lib/deadline.js';
import { UsageError } from '../lib/errors.js';
import { EXIT, SIGNAL_EXIT } from '../lib/exit-codes.js';
import { readSecret, type SecretFailure } from '../lib/secret.js';
import { quoteInput } from '../lib/text.js';
import type { Credentials } from '../lib/types.js';
import type { Lang } from '../i18n/types.js';

/** Where the CLI writes; injectable so tests run commands in-process. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** The process's own streams: SIGINT/SIGTERM interrupt a command (see `interruptible`). */
  signals?: boolean;
  /** Aborts when the user interrupts the command; commands pass it to the library. */
  signal?: AbortSignal;
  /** The reader's language, decided once by main.ts (--lang, else LC_ALL, LC_MESSAGES, LANG). */
  lang?: Lang;
}

let pipesGuarded = false;

export function processIo(): Io {
  guardPipes();
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signals: true };
}

/**
 * A reader that went away (`maildoctor --help | head -1`, `check --json | head -c 100`) makes the next write
 * fail with EPIPE, emitted as an 'error' event: unhandled, Node prints a stack and exits 1. The reader has
 * what it wanted, so the rest of the output is dropped quietly and the command keeps its own exit code.
 */
function guardPipes(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
        stream.destroy(); // later writes are dropped (and report ERR_STREAM_DESTROYED, ignored here)
        return;
      }
      process.exitCode = EXIT.INTERNAL;
    });
  }
}

/**
 * Run a command that SIGINT/SIGTERM may interrupt: the first signal aborts `io.signal` (the library stops its
 * network work), the command ends without a verdict, `maildoctor: interrupted` goes to stderr and the exit code
 * is 130 (SIGINT) or 143 (SIGTERM), whatever the command returned or threw. A second signal ends the process
 * at once. Without `io.signals` (commands run in-process by tests and embedders), it only runs `command`.
 */
export async function interruptible(io: Io, command: (io: Io) => Promise<number>): Promise<number> {
  if (!io.signals) return command(io);
  const controller = new AbortController();
  let received: keyof typeof SIGNAL_EXIT | undefined;
  // The line is said in the reader's language: its words load on the first signal, while the command winds down.
  let interrupted = 'interrupted';
  let words: Promise<void> = Promise.resolve();
  const handlers = (Object.keys(SIGNAL_EXIT) as Array<keyof typeof SIGNAL_EXIT>).map((name) => {
    const handler = (): void => {
      if (received) {
        io.stderr.write(`maildoctor: ${interrupted}\n`);
        process.exit(SIGNAL_EXIT[name]);
      }
      received = name;
      if (io.lang && io.lang !== 'en') {
        const lang = io.lang;
        words = import('../i18n/index.js').then(
          (m) => void (interrupted = m.translator(lang).text('usage.interrupted')),
          () => undefined,
        );
      }
      controller.abort(new UsageError('interrupted', { msg: 'usage.interrupted' }));
    };
    process.on(name, handler);
    return () => process.off(name, handler);
  });
  try {
    const code = await command({ ...io, signal: controller.signal });
    if (!received) return code;
  } catch (err) {
    if (!received) throw err;
  } finally {
    for (const off of handlers) off();
  }
  await words;
  io.stderr.write(`maildoctor: ${interrupted}\n`);
  return SIGNAL_EXIT[received];
}

/** After the library returned: an interrupted command prints no result (interruptible says why it ended). */
export function throwIfInterrupted(io: Pick<Io, 'signal'>): void {
  if (io.signal?.aborted) throw io.signal.reason;
}

/** Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colors(io: Io, stream: 'stdout' | 'stderr' = 'stdout'): ReturnType<typeof pc.createColors> {
  const enabled = Boolean(io[stream].isTTY) && !('NO_COLOR' in io.env && io.env.NO_COLOR !== '') && io.env.TERM !== 'dumb';
  return pc.createColors(enabled || (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0'));
}

/** Largest password we accept on stdin: anything bigger is a mistake (a file piped by accident). */
const MAX_STDIN_SECRET_BYTES = 4_096;

/** Read a secret from stdin: the first line, without its line end. Never echoed, never logged. */
export async function readSecretFromStdin(io: Io): Promise<string> {
  if (io.stdin.isTTY) throw new UsageError('--password-stdin needs the password piped in, not typed (use the prompt instead)', { msg: 'usage.stdinIsTerminal' });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > MAX_STDIN_SECRET_BYTES) throw new UsageError(`more than ${MAX_STDIN_SECRET_BYTES} bytes on stdin: that is not a password`, { msg: 'usage.stdinTooLarge', params: { max: MAX_STDIN_SECRET_BYTES } });
    chunks.push(b);
    if (b.includes(0x0a)) break;
  }
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (line === '') throw new UsageError('--password-stdin: stdin held no password', { msg: 'usage.stdinEmpty' });
  return line;
}

/**
 * `--user` with its password or OAuth2 access token, never from argv (every user sees it in `ps`): a token from
 * `--oauth-token-env VAR` or `--oauth-token-file FILE`; a password from `--password-stdin`, `--password-env VAR`,
 * else MAILDOCTOR_PASSWORD, else a prompt on a terminal (`ifMissing: 'prompt'`; none without a terminal) or a
 * usage error (`'error'`: a probe asked to log in must have a secret).
 */
export async function credentialsFrom(
  opts: { user?: string; passwordEnv?: string; passwordStdin?: boolean; oauthTokenEnv?: string; oauthTokenFile?: string },
  io: Io,
  ifMissing: 'prompt' | 'error',
): Promise<Credentials | undefined> {
  const sources = [
    opts.passwordEnv && '--password-env',
    opts.passwordStdin && '--password-stdin',
    opts.oauthTokenEnv && '--oauth-token-env',
    opts.oauthTokenFile && '--oauth-token-file',
  ].filter((s): s is string => Boolean(s));
  if (sources.length > 1) throw new UsageError(`give the secret one way, not ${sources.join(' and ')}`, { msg: 'usage.secretTwice', params: { sources } });
  if (!opts.user) {
    if (sources.length > 0) {
      throw opts.oauthTokenEnv || opts.oauthTokenFile
        ? new UsageError('an OAuth2 token needs --user', { msg: 'usage.tokenNeedsUser' })
        : new UsageError('a password needs --user', { msg: 'usage.passwordNeedsUser' });
    }
    return undefined;
  }
  if (opts.oauthTokenEnv || opts.oauthTokenFile) {
    return { user: opts.user, oauthToken: (await readSecret({ env: opts.oauthTokenEnv, file: opts.oauthTokenFile }, 'oauth2', io.env, secretUsageError))! };
  }
  if (opts.passwordStdin) return { user: opts.user, password: await readSecretFromStdin(io) };
  if (opts.passwordEnv) return { user: opts.user, password: (await readSecret({ env: opts.passwordEnv }, 'password', io.env, secretUsageError))! };
  const fromEnv = io.env[PASSWORD_ENV];
  if (fromEnv) return { user: opts.user, password: fromEnv };
  if (ifMissing === 'error') {
    throw new UsageError(`--user needs a password or a token: ${PASSWORD_ENV}, --password-env VAR, --password-stdin, --oauth-token-env VAR or --oauth-token-file FILE (never a secret on the command line)`, {
      msg: 'usage.userNeedsSecret',
      params: { env: PASSWORD_ENV },
    });
  }
  const typed = await promptSecret(io, { msg: 'cli.passwordPrompt', params: { user: opts.user } });
  return typed ? { user: opts.user, password: typed } : undefined;
}

/**
 * lib's secret reader failing, as the usage error of a command-line option, in the catalogue's words. The
 * command line names a file only for a token (`--oauth-token-file`); the file's content is never echoed,
 * even for a file that is too large.
 */
function secretUsageError(f: SecretFailure): UsageError {
  switch (f.reason) {
    case 'unset':
      return new UsageError(`environment variable ${f.env} is not set or empty`, { msg: 'usage.envUnset', params: { name: f.env } });
    case 'unreadable': {
      const reason = fileErrorReason(f.error);
      return new UsageError(`cannot read the token file ${f.file}: ${reason.english}`, { msg: 'usage.tokenFileUnreadable', params: { file: f.file, reason: reason.ref } });
    }
    case 'tooLarge':
      return new UsageError(`the token file ${f.file} is larger than ${f.max} bytes: that is not a token`, { msg: 'usage.tokenFileTooLarge', params: { file: f.file, max: f.max } });
    case 'empty':
      return new UsageError(`the token file ${f.file} is empty`, { msg: 'usage.tokenFileEmpty', params: { file: f.file } });
  }
}

/** Why a file could not be read, in English and as the catalogue's `usage.fileError` (its code selects the words). */
export function fileErrorReason(err: NodeJS.ErrnoException): { english: string; ref: { msg: string; params: { code: string } } } {
  const code = err.code ?? err.message;
  const english = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : code;
  return { english, ref: { msg: 'usage.fileError', params: { code } } };
}

/**
 * Prompt on the terminal without echo, in the reader's language (the catalogues load here, only when a
 * terminal is there to ask). Only when stdin is a TTY.
 */
export async function promptSecret(io: Io, question: { msg: 'cli.passwordPrompt'; params: { user: string } }): Promise<string | undefined> {
  const stdin = io.stdin as NodeJS.ReadStream;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return undefined;
  const { langFromEnv, translator } = await import('../i18n/index.js');
  // Raw before the question shows: a key pressed as soon as it is on screen (Ctrl-C included) is the prompt's.
  stdin.setRawMode(true);
  io.stderr.write(translator(io.lang ?? langFromEnv(io.env)).text(question.msg, question.params));
  stdin.resume();
  try {
    let value = '';
    for await (const chunk of stdin as AsyncIterable<Buffer>) {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return value;
        if (ch === '\u0003') throw new UsageError('cancelled', { msg: 'usage.cancelled' });
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    }
    return value;
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    io.stderr.write('\n');
  }
}


/** `--timeout MS` and friends: a whole number from 1 to the largest delay a timer holds (MAX_TIMER_MS). */
export function parsePositiveInt(name: string, value: string, max = MAX_TIMER_MS): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n <= 0 || n > max) throw new UsageError(`${name} takes a whole number from 1 to ${max}, got ${quoteInput(value)}`, { msg: 'usage.wholeNumber', params: { name, max, value: quoteInput(value) } });
  return n;
}

/** A CA bundle is well under this (Debian's whole ca-certificates.crt is ~200 KB): more is not a CA file. */
export const MAX_CA_FILE_BYTES = 1024 * 1024;

/**
 * `--ca FILE`: the PEM text of extra trusted CAs, or a UsageError that says what is wrong with the file. Read
 * through a bounded stream, not readFile: `/dev/zero` or a FIFO has no size to check first.
 */
export async function readCaFile(file: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_CA_FILE_BYTES) {
        throw new UsageError(`the CA file ${quoteInput(file)} is larger than ${MAX_CA_FILE_BYTES} bytes: that is not a CA bundle`, { msg: 'usage.caFileTooLarge', params: { file: quoteInput(file), max: MAX_CA_FILE_BYTES } });
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const reason = fileErrorReason(err as NodeJS.ErrnoException);
    throw new UsageError(`cannot read the CA file ${quoteInput(file)}: ${reason.english}`, { msg: 'usage.caFileUnreadable', params: { file: quoteInput(file), reason: reason.ref } });
  }
  const pem = Buffer.concat(chunks).toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`the CA file ${quoteInput(file)} holds no PEM certificate`, { msg: 'usage.caFileNoPem', params: { file: quoteInput(file) } });
  return pem;
}

/**
 * `--autoconfig FILE`, checked before the check runs (not after a minute of probing): its directory must
 * exist and the file must not be a directory. Whether it can be written shows only when it is written.
 */
export async function assertWritableFile(option: string, file: string): Promise<void> {
  if (file === '') throw new UsageError(`${option} needs a file name`, { msg: 'usage.fileNameMissing', params: { option } });
  const target = await stat(file).catch(() => undefined);
  if (target?.isDirectory()) throw new UsageError(`${option} ${quoteInput(file)} is a directory, not a file`, { msg: 'usage.fileIsDirectory', params: { option, file: quoteInput(file) } });
  const dir = await stat(dirname(resolve(file))).catch(() => undefined);
  if (!dir?.isDirectory()) {
    const params = { option, file: quoteInput(file), dir: quoteInput(dirname(file)) };
    throw new UsageError(`${option} ${params.file}: the directory ${params.dir} does not exist`, { msg: 'usage.fileNoDirectory', params });
  }
}

/** `--local-address ADDR`: an IP address of this machine (a name would be resolved in a place nobody sees). */
export function parseLocalAddress(value: string): string {
  if (isIP(value) === 0) throw new UsageError(`--local-address takes an IP address, got ${quoteInput(value)}`, { msg: 'usage.localAddress', params: { value: quoteInput(value) } });
  return value;
}
