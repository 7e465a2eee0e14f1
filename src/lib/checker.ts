/**
 * THE validator of config documents (the agent's JSON, the exporter's YAML and its web config): field-by-field
 * checks that collect every issue with the path of its field (`accounts[1].passwordEnv: …`,
 * `modules.acme.auth.password: …`), reported all at once as one {@link ConfigError} (a UsageError: exit code
 * 2). A checker returns the value when it is good and `undefined` after recording the issue, so a validator
 * goes on and finds the next mistake too. Each issue names its sentence in the text catalogue (`usage.config.*`,
 * src/i18n; `configError` there formats the English), so the CLI can say it in the reader's language (issue 14).
 */
import path from 'node:path';
import { UsageError } from './errors.js';
import type { MessageParams, MessageRef } from './message.js';

/** What a checker records: the field and its sentence as a message of the text catalogue (`usage.config.*`). */
export interface ConfigIssueRef {
  /** `accounts[0].passwordEnv`; empty for the document itself. */
  path: string;
  msg: MessageRef;
}

export interface ConfigIssue extends ConfigIssueRef {
  /** The sentence in English (logs, library callers). */
  message: string;
}

/** Formats a message of the text catalogue in one language (src/i18n's `Translator.text`, lib being below i18n). */
export type FormatMessage = (ref: MessageRef) => string;

/**
 * A config file that is not valid: every issue, with the path of its field. `message` is English; the CLI says
 * it in the reader's language with {@link ConfigError.render}. Field paths and key names are never translated:
 * they are what the reader types in the file.
 */
export class ConfigError extends UsageError {
  readonly issues: ConfigIssue[];
  constructor(
    readonly source: string,
    issues: readonly ConfigIssueRef[],
    english: FormatMessage,
  ) {
    super(renderIssues(source, issues, english), { msg: 'usage.config.problems', params: { source, count: issues.length } });
    this.issues = issues.map((i) => ({ ...i, message: english(i.msg) }));
  }

  /** The whole error in the language of `format`: `source: path: sentence`, or a header and one issue a line. */
  render(format: FormatMessage): string {
    return renderIssues(this.source, this.issues, format);
  }
}

function renderIssues(source: string, issues: readonly ConfigIssueRef[], format: FormatMessage): string {
  const lines = issues.map((i) => (i.path ? `${i.path}: ${format(i.msg)}` : format(i.msg)));
  if (issues.length === 1) return `${source}: ${lines[0]}`;
  return [format({ msg: 'usage.config.problems', params: { source, count: issues.length } }), ...lines].join('\n  ');
}

/** By shape, as isUsageError: a second copy of this module makes `instanceof` fail. */
export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError || (err instanceof Error && Array.isArray((err as ConfigError).issues) && typeof (err as ConfigError).render === 'function');
}

/** A thrown error as the message of an issue: a UsageError's own catalogue message, else its English text. */
export function errorRef(err: unknown): MessageRef {
  return (err as UsageError).msg ?? { msg: 'usage.config.error', params: { error: (err as Error).message } };
}

/** A message of the `usage.config.*` catalogue. */
function m(msg: string, params?: MessageParams): MessageRef {
  return params ? { msg, params } : { msg };
}

export interface CheckerOptions {
  /** Relative paths are relative to this (the config file's directory). */
  baseDir: string;
  /** `~/` in paths. */
  home: string;
}

export type Json = Record<string, unknown>;

/** An environment variable's name, as the agent and the exporter take it for a secret. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A check of a string: undefined when it is good, else the catalogue message of what is wrong. */
export type ConfigTest = (s: string) => MessageRef | undefined;

/** Field-by-field checks that collect every issue with its path. */
export class Checker {
  readonly issues: ConfigIssueRef[] = [];
  constructor(private readonly opts: CheckerOptions) {}

  /** Record an issue: the field's path and the catalogue id of its sentence (`usage.config.*`). */
  fail(p: string, msg: string | MessageRef, params?: MessageParams): undefined {
    this.issues.push({ path: p, msg: typeof msg === 'string' ? m(msg, params) : msg });
    return undefined;
  }

  object(v: unknown, p: string, allowed: readonly string[]): Json | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.fail(p, 'usage.config.notObject', { got: kind(v) });
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) this.fail(fieldPath(p, k), 'usage.config.unknownField', { fields: allowed.join(', ') });
    }
    return v as Json;
  }

  string(v: unknown, p: string, test?: ConfigTest): string | undefined {
    if (typeof v !== 'string' || v.trim() === '') return this.fail(p, 'usage.config.notString', { got: kind(v) });
    const why = test?.(v);
    return why ? this.fail(p, why) : v;
  }

  /** A string without CR, LF or NUL: it goes into one protocol line or one header. */
  line(v: unknown, p: string): string | undefined {
    return this.string(v, p, (s) => (/[\r\n\0]/.test(s) ? m('usage.config.oneLine') : undefined));
  }

  /** The name of an environment variable (a secret's source). */
  envName(v: unknown, p: string): string | undefined {
    return this.string(v, p, (s) => (ENV_NAME.test(s) ? undefined : m('usage.config.envName')));
  }

  boolean(v: unknown, p: string): boolean | undefined {
    return typeof v === 'boolean' ? v : this.fail(p, 'usage.config.notBoolean', { got: kind(v) });
  }

  int(v: unknown, p: string, min: number, max: number): number | undefined {
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.fail(p, 'usage.config.notInteger', { got: kind(v) });
    if (v < min || v > max) return this.fail(p, 'usage.config.range', { min, max, value: v });
    return v;
  }

  strings(v: unknown, p: string, test?: ConfigTest, allowEmpty = true): string[] | undefined {
    if (!Array.isArray(v)) return this.fail(p, 'usage.config.notStrings', { got: kind(v) });
    if (!allowEmpty && v.length === 0) return this.fail(p, 'usage.config.empty');
    const out = v.map((x, i) => this.string(x, `${p}[${i}]`, test));
    return out.every((x): x is string => x !== undefined) ? out : undefined;
  }

  /** A file path: `~/` expanded, relative paths against the config file's directory. */
  filePath(v: unknown, p: string): string | undefined {
    const s = this.string(v, p);
    if (s === undefined) return undefined;
    if (s === '~' || s.startsWith('~/')) return path.join(this.opts.home, s.slice(1));
    return path.resolve(this.opts.baseDir, s);
  }
}

/** A value as an issue names it: `"text"` (cut at 40 characters), `an array`, `number 7`, `null`. */
export function kind(v: unknown): MessageRef {
  const type = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  const text = typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : typeof v === 'object' ? '' : String(v);
  return m('usage.config.kind', { type, text });
}

/** The path of field `k` of the object at `p`: `notifiers.webhook`, or `k` at the document's root. */
export function fieldPath(p: string, k: string): string {
  return p ? `${p}.${k}` : k;
}
