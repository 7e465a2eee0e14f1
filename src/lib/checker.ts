/**
 * THE validator of config documents (the agent's JSON, the exporter's YAML and its web config): field-by-field
 * checks that collect every issue with the path of its field (`accounts[1].passwordEnv: …`,
 * `modules.acme.auth.password: …`), reported all at once as one {@link ConfigError} (a UsageError: exit code
 * 2). A checker returns the value when it is good and `undefined` after recording the issue, so a validator
 * goes on and finds the next mistake too.
 */
import path from 'node:path';
import { UsageError } from './errors.js';

export interface ConfigIssue {
  /** `accounts[0].passwordEnv`; empty for the document itself. */
  path: string;
  message: string;
}

/** A config file that is not valid: every issue, with the path of its field. */
export class ConfigError extends UsageError {
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`${source}: ${issues.length === 1 ? '' : `${issues.length} problems:\n  `}${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n  ')}`);
  }
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

/** Field-by-field checks that collect every issue with its path. */
export class Checker {
  readonly issues: ConfigIssue[] = [];
  constructor(private readonly opts: CheckerOptions) {}

  fail(p: string, message: string): undefined {
    this.issues.push({ path: p, message });
    return undefined;
  }

  object(v: unknown, p: string, allowed: readonly string[]): Json | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.fail(p, `must be an object, got ${kind(v)}`);
    for (const k of Object.keys(v)) {
      if (!allowed.includes(k)) this.fail(fieldPath(p, k), `unknown field (expected one of: ${allowed.join(', ')})`);
    }
    return v as Json;
  }

  string(v: unknown, p: string, test?: (s: string) => string | undefined): string | undefined {
    if (typeof v !== 'string' || v.trim() === '') return this.fail(p, `must be a non-empty string, got ${kind(v)}`);
    const why = test?.(v);
    return why ? this.fail(p, why) : v;
  }

  /** A string without CR, LF or NUL: it goes into one protocol line or one header. */
  line(v: unknown, p: string): string | undefined {
    return this.string(v, p, (s) => (/[\r\n\0]/.test(s) ? 'must be one line' : undefined));
  }

  /** The name of an environment variable (a secret's source). */
  envName(v: unknown, p: string): string | undefined {
    return this.string(v, p, (s) => (ENV_NAME.test(s) ? undefined : 'must be an environment variable name (letters, digits, _)'));
  }

  boolean(v: unknown, p: string): boolean | undefined {
    return typeof v === 'boolean' ? v : this.fail(p, `must be true or false, got ${kind(v)}`);
  }

  int(v: unknown, p: string, min: number, max: number): number | undefined {
    if (typeof v !== 'number' || !Number.isInteger(v)) return this.fail(p, `must be a whole number, got ${kind(v)}`);
    if (v < min || v > max) return this.fail(p, `must be between ${min} and ${max}, got ${v}`);
    return v;
  }

  strings(v: unknown, p: string, test?: (s: string) => string | undefined, allowEmpty = true): string[] | undefined {
    if (!Array.isArray(v)) return this.fail(p, `must be an array of strings, got ${kind(v)}`);
    if (!allowEmpty && v.length === 0) return this.fail(p, 'must not be empty');
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
export function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** The path of field `k` of the object at `p`: `notifiers.webhook`, or `k` at the document's root. */
export function fieldPath(p: string, k: string): string {
  return p ? `${p}.${k}` : k;
}
