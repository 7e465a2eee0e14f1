/**
 * The exporter's config file: YAML as Prometheus users write it (snake_case, durations like `10s`), validated
 * field by field; every mistake is reported with its path (`modules.acme.auth.password: …`), all at once, as a
 * ConfigError (exit code 2). Passwords are never read from the file: a module names an environment variable
 * or a secret file. The format is documented in docs/exporter.md.
 *
 *     allow: ["*.example.com"]
 *     limits: { concurrency: 16, min_interval: 10s }
 *     modules:
 *       acme_submission:
 *         prober: smtp
 *         port: 587
 *         starttls: required
 *         auth: { username: monitor@example.com, password_env: ACME_PASSWORD }
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { readSecret } from '../agent/secrets.js';
import { MAX_CONCURRENT_PROBES } from '../check/defaults.js';
import { isEnvelopeAddress } from '../discovery/address.js';
import { Checker, ConfigError, type ConfigIssue } from '../lib/checker.js';
import { UsageError } from '../lib/errors.js';
import type { Protocol } from '../lib/types.js';
import { isProtocol, PROTOCOLS } from '../probes/index.js';
import { parseAllowPattern } from './allow.js';
import { BUILTIN_MODULES, DEFAULT_MODULE_TIMEOUT_MS, type ExporterModule, type ModuleRuntime } from './modules.js';

/** Repeated scrapes of one module and target within this interval get the last result, not a new probe. */
export const DEFAULT_MIN_INTERVAL_MS = 10_000;
/** A module timeout longer than this is a typo: Prometheus' own scrape timeout is rarely over a minute. */
const MAX_MODULE_TIMEOUT_MS = 300_000;
/** A config file larger than this is not a config file. */
const MAX_CONFIG_BYTES = 1_000_000;

export interface ExporterLimits {
  /** Probes in flight at once; further requests wait for a slot within their own deadline. */
  concurrency: number;
  /** Per module and target: a scrape within this interval of the last probe gets that probe's result. */
  minIntervalMs: number;
}

/** The validated config: built-in modules merged with the file's (a file module replaces a built-in by name). */
export interface ExporterConfig {
  modules: Record<string, ExporterModule>;
  /** Allow-list patterns (docs/exporter.md); the command adds its `--allow` ones. */
  allow: string[];
  limits: ExporterLimits;
}

/** Prometheus durations: `1h30m`, `10s`, `500ms` (units y w d h m s ms, largest first). */
export function parseDuration(text: string): number | undefined {
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text.trim());
  if (!m || text.trim() === '') return undefined;
  const unitMs = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1];
  return unitMs.reduce((sum, u, i) => sum + Number(m[i + 1] ?? 0) * u, 0);
}

const MODULE_FIELDS = ['prober', 'port', 'timeout', 'starttls', 'relay', 'auth', 'allow_plaintext_auth', 'tls', 'helo_name', 'description'] as const;

function duration(c: Checker, v: unknown, p: string, min: number, max: number): number | undefined {
  const s = c.string(v, p);
  if (s === undefined) return undefined;
  const ms = parseDuration(s);
  if (ms === undefined) return c.fail(p, `must be a duration like 10s or 1m30s, got ${JSON.stringify(s)}`);
  if (ms < min || ms > max) return c.fail(p, `must be between ${min} ms and ${max / 1_000} s, got ${s}`);
  return ms;
}

function moduleFrom(c: Checker, v: unknown, p: string): ExporterModule | undefined {
  const o = c.object(v, p, MODULE_FIELDS);
  if (!o) return undefined;
  let prober: Protocol | undefined;
  if (o.prober === undefined) c.fail(`${p}.prober`, `is required (one of: ${PROTOCOLS.join(', ')})`);
  else {
    const s = c.string(o.prober, `${p}.prober`, (x) => (isProtocol(x) ? undefined : `must be one of: ${PROTOCOLS.join(', ')}`));
    if (s) prober = s as Protocol;
  }
  const m: Partial<ExporterModule> = { timeoutMs: DEFAULT_MODULE_TIMEOUT_MS };
  if (o.port !== undefined) m.port = c.int(o.port, `${p}.port`, 1, 65_535);
  if (o.timeout !== undefined) m.timeoutMs = duration(c, o.timeout, `${p}.timeout`, 100, MAX_MODULE_TIMEOUT_MS) ?? m.timeoutMs;
  const plaintextPort = prober === 'smtp' || prober === 'pop3' || prober === 'imap';
  if (o.starttls !== undefined) {
    if (prober && !plaintextPort) c.fail(`${p}.starttls`, `is for the smtp, pop3 and imap probers (${prober} is implicit TLS or has no TLS)`);
    const s = c.string(o.starttls, `${p}.starttls`, (x) => (['required', 'optional', 'never'].includes(x) ? undefined : 'must be required, optional or never'));
    if (s) m.starttls = s as ExporterModule['starttls'];
  }
  if (o.relay !== undefined) {
    if (prober && prober !== 'smtp' && prober !== 'smtps') c.fail(`${p}.relay`, 'is for the smtp and smtps probers');
    const r = c.object(o.relay, `${p}.relay`, ['from', 'to']);
    if (r) {
      const test = (x: string): string | undefined => (isEnvelopeAddress(x) ? undefined : 'must be an e-mail address');
      const from = r.from === undefined ? c.fail(`${p}.relay.from`, 'is required') : c.string(r.from, `${p}.relay.from`, test);
      const to = r.to === undefined ? c.fail(`${p}.relay.to`, 'is required') : c.string(r.to, `${p}.relay.to`, test);
      if (from && to) m.relay = { from, to };
    }
  }
  if (o.auth !== undefined) {
    if (prober === 'tcp') c.fail(`${p}.auth`, 'a tcp module does not log in');
    const a = c.object(o.auth, `${p}.auth`, ['username', 'password', 'password_env', 'password_file']);
    if (a) {
      if ('password' in a) c.fail(`${p}.auth.password`, 'passwords are never read from the config file: use password_env (an environment variable) or password_file (a file readable only by the exporter)');
      const user = a.username === undefined ? c.fail(`${p}.auth.username`, 'is required') : c.line(a.username, `${p}.auth.username`);
      if (a.password_env !== undefined && a.password_file !== undefined) c.fail(`${p}.auth`, 'give password_env or password_file, not both');
      else if (a.password_env === undefined && a.password_file === undefined && !('password' in a)) c.fail(`${p}.auth`, 'needs password_env or password_file');
      const passwordEnv = a.password_env === undefined ? undefined : c.envName(a.password_env, `${p}.auth.password_env`);
      const passwordFile = a.password_file === undefined ? undefined : c.filePath(a.password_file, `${p}.auth.password_file`);
      if (user && (passwordEnv || passwordFile)) m.auth = { user, ...(passwordEnv ? { passwordEnv } : {}), ...(passwordFile ? { passwordFile } : {}) };
    }
  }
  if (o.allow_plaintext_auth !== undefined) m.allowPlaintextAuth = c.boolean(o.allow_plaintext_auth, `${p}.allow_plaintext_auth`);
  if (o.tls !== undefined) {
    if (prober === 'tcp') c.fail(`${p}.tls`, 'a tcp module does not speak TLS');
    const t = c.object(o.tls, `${p}.tls`, ['ca_file', 'server_name', 'insecure_skip_verify']);
    if (t) {
      if (t.insecure_skip_verify !== undefined) c.fail(`${p}.tls.insecure_skip_verify`, 'certificates are always verified: a bad certificate is a finding (probe_error_info), not something to skip; add its CA with ca_file');
      const tls: NonNullable<ExporterModule['tls']> = {};
      if (t.ca_file !== undefined) tls.caFile = c.filePath(t.ca_file, `${p}.tls.ca_file`);
      if (t.server_name !== undefined) tls.serverName = c.string(t.server_name, `${p}.tls.server_name`);
      m.tls = tls;
    }
  }
  if (o.helo_name !== undefined) m.heloName = c.string(o.helo_name, `${p}.helo_name`, (x) => (/^[A-Za-z0-9.-]+$/.test(x) ? undefined : 'must be a host name'));
  if (o.description !== undefined) m.description = c.string(o.description, `${p}.description`);
  if (!prober) return undefined;
  return Object.fromEntries(Object.entries({ ...m, prober }).filter(([, x]) => x !== undefined)) as unknown as ExporterModule;
}

export interface ExporterValidateOptions {
  /** Named in error messages. @default 'config' */
  source: string;
  /** Relative paths are relative to this (the config file's directory). @default process.cwd() */
  baseDir: string;
}

/** Validate a parsed config document (undefined: no file) and merge the built-in modules. */
export function validateExporterConfig(input: unknown, options: Partial<ExporterValidateOptions> = {}): ExporterConfig {
  const source = options.source ?? 'config';
  const c = new Checker({ baseDir: options.baseDir ?? process.cwd(), home: os.homedir() });
  const config: ExporterConfig = { modules: { ...BUILTIN_MODULES }, allow: [], limits: { concurrency: MAX_CONCURRENT_PROBES, minIntervalMs: DEFAULT_MIN_INTERVAL_MS } };
  if (input === undefined || input === null) return config;
  const root = c.object(input, '', ['allow', 'modules', 'limits']);
  if (!root) throw new ConfigError(source, c.issues);
  if (root.allow !== undefined) {
    const list = c.strings(root.allow, 'allow', (s) => {
      try {
        parseAllowPattern(s);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    });
    if (list) config.allow = list;
  }
  if (root.modules !== undefined) {
    const mods = c.object(root.modules, 'modules', Object.keys(root.modules ?? {}));
    for (const [name, v] of Object.entries(mods ?? {})) {
      if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) c.fail(`modules.${name}`, 'a module name is letters, digits and _ (it goes in the URL)');
      const m = moduleFrom(c, v, `modules.${name}`);
      if (m) config.modules[name] = m;
    }
  }
  if (root.limits !== undefined) {
    const l = c.object(root.limits, 'limits', ['concurrency', 'min_interval']);
    if (l?.concurrency !== undefined) config.limits.concurrency = c.int(l.concurrency, 'limits.concurrency', 1, 1_024) ?? config.limits.concurrency;
    if (l?.min_interval !== undefined) config.limits.minIntervalMs = duration(c, l.min_interval, 'limits.min_interval', 0, 86_400_000) ?? config.limits.minIntervalMs;
  }
  if (c.issues.length) throw new ConfigError(source, c.issues);
  return config;
}

/** Parse YAML text (one document) or throw a ConfigError naming the line. */
export function parseYamlConfig(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new ConfigError(source, doc.errors.map((e) => ({ path: '', message: `not valid YAML: ${e.message.split('\n')[0]}` })));
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}

/** Read a file of at most {@link MAX_CONFIG_BYTES}, as UTF-8, or a UsageError saying why not. */
export async function readConfigText(file: string, kind: 'exporter' | 'web'): Promise<string> {
  const what = kind === 'web' ? 'web config' : 'exporter config';
  const buf = await readFile(file).catch((err: NodeJS.ErrnoException) => {
    const code = err.code ?? err.message;
    throw new UsageError(`cannot read the ${what} ${file}: ${code === 'ENOENT' ? 'no such file' : code}`, {
      msg: 'usage.exporter.configUnreadable',
      params: { kind, file, reason: { msg: 'usage.fileError', params: { code } } },
    });
  });
  if (buf.length > MAX_CONFIG_BYTES) {
    throw new UsageError(`the ${what} ${file} is larger than ${MAX_CONFIG_BYTES} bytes`, { msg: 'usage.exporter.configTooLarge', params: { kind, file, max: MAX_CONFIG_BYTES } });
  }
  return buf.toString('utf8');
}

/** Read, parse and validate a config file; paths in it are relative to its directory. */
export async function loadExporterConfig(file: string): Promise<ExporterConfig> {
  const text = await readConfigText(file, 'exporter');
  return validateExporterConfig(parseYamlConfig(text, file), { source: file, baseDir: path.dirname(path.resolve(file)) });
}

/**
 * Every module's secrets and CA text, read now so that a missing variable or file stops the start-up with exit
 * code 2 rather than failing scrapes later. `ca` is the command's `--ca` (PEM), trusted by every module.
 */
export async function moduleRuntimes(config: ExporterConfig, env: NodeJS.ProcessEnv, ca?: string): Promise<Map<string, ModuleRuntime>> {
  const issues: ConfigIssue[] = [];
  const out = new Map<string, ModuleRuntime>();
  for (const [name, m] of Object.entries(config.modules)) {
    const runtime: ModuleRuntime = {};
    const cas: string[] = ca ? [ca] : [];
    if (m.tls?.caFile) {
      const pem = await readFile(m.tls.caFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
        issues.push({ path: `modules.${name}.tls.ca_file`, message: `cannot read ${m.tls!.caFile}: ${err.code ?? err.message}` });
        return '';
      });
      if (pem && !pem.includes('-----BEGIN CERTIFICATE-----')) issues.push({ path: `modules.${name}.tls.ca_file`, message: `${m.tls.caFile} holds no PEM certificate` });
      else if (pem) cas.push(pem);
    }
    if (cas.length) runtime.ca = cas.join('\n');
    if (m.auth) {
      try {
        const password = await readSecret({ env: m.auth.passwordEnv, file: m.auth.passwordFile }, 'password', env);
        if (password !== undefined) runtime.credentials = { user: m.auth.user, password };
      } catch (err) {
        issues.push({ path: `modules.${name}.auth.${m.auth.passwordEnv ? 'password_env' : 'password_file'}`, message: (err as Error).message });
      }
    }
    out.set(name, runtime);
  }
  if (issues.length) throw new ConfigError('config', issues);
  return out;
}
