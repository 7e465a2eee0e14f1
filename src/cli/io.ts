import { readFile } from 'node:fs/promises';
import pc from 'picocolors';
import { UsageError } from '../lib/errors.js';

/** Where the CLI writes; injectable so tests run commands in-process. */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Exit codes, in one place. Documented in --help and the README. */
export const EXIT = {
  OK: 0,
  PROBLEMS: 1,
  USAGE: 2,
  INTERNAL: 70, // EX_SOFTWARE: a bug in maildoctor
} as const;

/** Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colors(io: Io, stream: 'stdout' | 'stderr' = 'stdout'): ReturnType<typeof pc.createColors> {
  const enabled = Boolean(io[stream].isTTY) && !('NO_COLOR' in io.env && io.env.NO_COLOR !== '') && io.env.TERM !== 'dumb';
  return pc.createColors(enabled || (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0'));
}

/** Largest password we accept on stdin: anything bigger is a mistake (a file piped by accident). */
const MAX_STDIN_SECRET_BYTES = 4_096;

/** Read a secret from stdin: the first line, without its line end. Never echoed, never logged. */
export async function readSecretFromStdin(io: Io): Promise<string> {
  if (io.stdin.isTTY) throw new UsageError('--password-stdin needs the password piped in, not typed (use the prompt instead)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += b.length;
    if (size > MAX_STDIN_SECRET_BYTES) throw new UsageError(`more than ${MAX_STDIN_SECRET_BYTES} bytes on stdin: that is not a password`);
    chunks.push(b);
    if (b.includes(0x0a)) break;
  }
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (line === '') throw new UsageError('--password-stdin: stdin held no password');
  return line;
}

export function readSecretFromEnv(io: Io, name: string): string {
  const value = io.env[name];
  if (value === undefined || value === '') throw new UsageError(`environment variable ${name} is not set or empty`);
  return value;
}

/** Prompt on the terminal without echo. Only when stdin is a TTY. */
export async function promptSecret(io: Io, question: string): Promise<string | undefined> {
  const stdin = io.stdin as NodeJS.ReadStream;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') return undefined;
  io.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    let value = '';
    for await (const chunk of stdin as AsyncIterable<Buffer>) {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return value;
        if (ch === '\u0003') throw new UsageError('cancelled');
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

/** "host", "host:587", "[2001:db8::1]:25", "2001:db8::1" → host and optional port. */
export function parseHostPort(input: string): { host: string; port?: number } {
  const text = input.trim();
  let host = text;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [host, portText] = text.split(':') as [string, string];
  }
  if (!host || /[\s/@]/.test(host)) throw new UsageError(`not a host name or address: ${JSON.stringify(input)}`);
  if (portText === undefined) return { host };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65_535) throw new UsageError(`not a port number: ${JSON.stringify(portText)}`);
  return { host, port };
}

export function parsePositiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n <= 0) throw new UsageError(`${name} takes a positive whole number, got ${JSON.stringify(value)}`);
  return n;
}

/** `--ca FILE`: the PEM text of extra trusted CAs, or a UsageError that says what is wrong with the file. */
export async function readCaFile(file: string): Promise<string> {
  const pem = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the CA file ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`the CA file ${file} holds no PEM certificate`);
  return pem;
}
