import { PassThrough, Readable } from 'node:stream';
import type { Io } from '../../../src/cli/io.js';

/** An in-memory Io for running CLI commands in-process. */
export function memoryIo(env: NodeJS.ProcessEnv = {}, stdinText?: string): Io & { out(): string; err(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const stdin = Readable.from(stdinText === undefined ? [] : [Buffer.from(stdinText)]);
  return { stdout, stderr, stdin, env, out: () => out, err: () => err };
}
