/**
 * The agent's log (winston): text or JSON lines on the console, JSON lines in a file. Every line passes through
 * the Redactor, so a password that slipped into an error message is scrubbed before it is written.
 */
import { Writable } from 'node:stream';
import winston from 'winston';
import type { LogConfig } from './config.js';
import type { Redactor } from './redact.js';

export type Logger = winston.Logger;

/** Scrub every field of a log entry (message and meta alike). */
function redactFormat(redactor: Redactor): winston.Logform.Format {
  return winston.format((info) => {
    if (redactor.size === 0) return info;
    const level = info.level;
    const clean = redactor.redactValue({ ...info }) as winston.Logform.TransformableInfo;
    for (const k of Object.keys(info)) delete (info as Record<string, unknown>)[k];
    Object.assign(info, clean, { level });
    return info;
  })();
}

/** `time level message key=value …` for a person reading a terminal or the journal. */
const textFormat = winston.format.printf((info) => {
  const { level, message, timestamp, ...meta } = info as Record<string, unknown>;
  const extra = Object.entries(meta)
    .filter(([k]) => typeof k === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${String(timestamp)} ${String(level).padEnd(5)} ${String(message)}${extra ? ` ${extra}` : ''}`;
});

export function createAgentLogger(config: LogConfig, redactor: Redactor): Logger {
  const transports: winston.transport[] = [];
  const base = winston.format.combine(redactFormat(redactor), winston.format.timestamp());
  if (config.console) {
    transports.push(new winston.transports.Console({ format: config.json ? winston.format.json() : textFormat }));
  }
  if (config.file) transports.push(new winston.transports.File({ filename: config.file, format: winston.format.json() }));
  // winston warns when a logger has no transport; a silent one is what "no log" means.
  if (transports.length === 0) transports.push(new winston.transports.Console({ silent: true }));
  return winston.createLogger({ level: config.level, format: base, transports, exitOnError: false });
}

/** A logger that keeps entries in memory (tests, the benchmark). */
export function memoryLogger(redactor?: Redactor, level = 'debug'): Logger & { entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  const sink = new winston.transports.Stream({
    stream: new Writable({
      objectMode: true,
      write(info: Record<string, unknown>, _enc, done) {
        entries.push(info);
        done();
      },
    }),
  });
  const logger = winston.createLogger({
    level,
    format: redactor ? winston.format.combine(redactFormat(redactor), winston.format.timestamp()) : winston.format.timestamp(),
    transports: [sink],
  });
  return Object.assign(logger, { entries });
}

/** Close a logger and wait until its transports (a file) have written everything. */
export async function closeLogger(logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = (): void => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    logger.once('finish', finish);
    logger.end();
    // A transport that never finishes must not hold the shutdown.
    setTimeout(finish, 1_000).unref();
  });
}
