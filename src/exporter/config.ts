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
import { Checker, errorRef, type ConfigIssueRef } from '../lib/checker.js';
import { configError } from '../i18n/index.js';
import { UsageError } from '../lib/errors.js';
import type { MessageRef } from '../lib/message.js';
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
  if (ms === undefined) return c.fail(p, 'usage.config.duration', { value: JSON.stringify(s) });
  if (ms < min || ms > max) return c.fail(p, 'usage.config.durationRange', { min, max: max / 1_000, value: s });
  return ms;
}

function moduleFrom(c: Checker, v: unknown, p: string): ExporterModule | undefined {
  const o = c.object(v, p, MODULE_FIELDS);
  if (!o) return undefined;
  let prober: Protocol | undefined;
  if (o.prober === undefined) c.fail(`${p}.prober`, 'usage.config.proberRequired', { choices: PROTOCOLS.join(', ') });
  else {
    const s = c.string(o.prober, `${p}.prober`, (x) => (isProtocol(x) ? undefined : { msg: 'usage.config.oneOf', params: { choices: PROTOCOLS.join(', ') } }));
    if (s) prober = s as Protocol;
  }
  const m: Partial<ExporterModule> = { timeoutMs: DEFAULT_MODULE_TIMEOUT_MS };
  if (o.port !== undefined) m.port = c.int(o.port, `${p}.port`, 1, 65_535);
  if (o.timeout !== undefined) m.timeoutMs = duration(c, o.timeout, `${p}.timeout`, 100, MAX_MODULE_TIMEOUT_MS) ?? m.timeoutMs;
  const plaintextPort = prober === 'smtp' || prober === 'pop3' || prober === 'imap';
  if (o.starttls !== undefined) {
    if (prober && !plaintextPort) c.fail(`${p}.starttls`, 'usage.config.starttlsProber', { prober });
    const s = c.string(o.starttls, `${p}.starttls`, (x) => (['required', 'optional', 'never'].includes(x) ? undefined : { msg: 'usage.config.starttls' }));
    if (s) m.starttls = s as ExporterModule['starttls'];
  }
  if (o.relay !== undefined) {
    if (prober && prober !== 'smtp' && prober !== 'smtps') c.fail(`${p}.relay`, 'usage.config.relayProber');
    const r = c.object(o.relay, `${p}.relay`, ['from', 'to']);
    if (r) {
      const test = (x: string): MessageRef | undefined => (isEnvelopeAddress(x) ? undefined : { msg: 'usage.config.email' });
      const from = r.from === undefined ? c.fail(`${p}.relay.from`, 'usage.config.required') : c.string(r.from, `${p}.relay.from`, test);
      const to = r.to === undefined ? c.fail(`${p}.relay.to`, 'usage.config.required') : c.string(r.to, `${p}.relay.to`, test);
      if (from && to) m.relay = { from, to };
    }
  }
  if (o.auth !== undefined) {
    if (prober === 'tcp') c.fail(`${p}.auth`, 'usage.config.tcpAuth');
    const a = c.object(o.auth, `${p}.auth`, ['username', 'password', 'password_env', 'password_file']);
    if (a) {
      if ('password' in a) c.fail(`${p}.auth.password`, 'usage.config.exporterPassword');
      const user = a.username === undefined ? c.fail(`${p}.auth.username`, 'usage.config.required') : c.line(a.username, `${p}.auth.username`);
      if (a.password_env !== undefined && a.password_file !== undefined) c.fail(`${p}.auth`, 'usage.config.passwordBoth');
      else if (a.password_env === undefined && a.password_file === undefined && !('password' in a)) c.fail(`${p}.auth`, 'usage.config.passwordNone');
      const passwordEnv = a.password_env === undefined ? undefined : c.envName(a.password_env, `${p}.auth.password_env`);
      const passwordFile = a.password_file === undefined ? undefined : c.filePath(a.password_file, `${p}.auth.password_file`);
      if (user && (passwordEnv || passwordFile)) m.auth = { user, ...(passwordEnv ? { passwordEnv } : {}), ...(passwordFile ? { passwordFile } : {}) };
    }
  }
  if (o.allow_plaintext_auth !== undefined) m.allowPlaintextAuth = c.boolean(o.allow_plaintext_auth, `${p}.allow_plaintext_auth`);
  if (o.tls !== undefined) {
    if (prober === 'tcp') c.fail(`${p}.tls`, 'usage.config.tcpTls');
    const t = c.object(o.tls, `${p}.tls`, ['ca_file', 'server_name', 'insecure_skip_verify']);
    if (t) {
      if (t.insecure_skip_verify !== undefined) c.fail(`${p}.tls.insecure_skip_verify`, 'usage.config.skipVerify');
      const tls: NonNullable<ExporterModule['tls']> = {};
      if (t.ca_file !== undefined) tls.caFile = c.filePath(t.ca_file, `${p}.tls.ca_file`);
      if (t.server_name !== undefined) tls.serverName = c.string(t.server_name, `${p}.tls.server_name`);
      m.tls = tls;
    }
  }
  if (o.helo_name !== undefined) m.heloName = c.string(o.helo_name, `${p}.helo_name`, (x) => (/^[A-Za-z0-9.-]+$/.test(x) ? undefined : { msg: 'usage.config.hostName' }));
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
  if (!root) throw configError(source, c.issues);
  if (root.allow !== undefined) {
    const list = c.strings(root.allow, 'allow', (s) => {
      try {
        parseAllowPattern(s);
        return undefined;
      } catch (err) {
        return errorRef(err);
      }
    });
    if (list) config.allow = list;
  }
  if (root.modules !== undefined) {
    const mods = c.object(root.modules, 'modules', Object.keys(root.modules ?? {}));
    for (const [name, v] of Object.entries(mods ?? {})) {
      if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) c.fail(`modules.${name}`, 'usage.config.moduleName');
      const m = moduleFrom(c, v, `modules.${name}`);
      if (m) config.modules[name] = m;
    }
  }
  if (root.limits !== undefined) {
    const l = c.object(root.limits, 'limits', ['concurrency', 'min_interval']);
    if (l?.concurrency !== undefined) config.limits.concurrency = c.int(l.concurrency, 'limits.concurrency', 1, 1_024) ?? config.limits.concurrency;
    if (l?.min_interval !== undefined) config.limits.minIntervalMs = duration(c, l.min_interval, 'limits.min_interval', 0, 86_400_000) ?? config.limits.minIntervalMs;
  }
  if (c.issues.length) throw configError(source, c.issues);
  return config;
}

/** Parse YAML text (one document) or throw a ConfigError naming the line. */
export function parseYamlConfig(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw configError(source, doc.errors.map((e) => ({ path: '', msg: { msg: 'usage.config.notYaml', params: { error: e.message.split('\n')[0]! } } })));
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
  const issues: ConfigIssueRef[] = [];
  const out = new Map<string, ModuleRuntime>();
  for (const [name, m] of Object.entries(config.modules)) {
    const runtime: ModuleRuntime = {};
    const cas: string[] = ca ? [ca] : [];
    if (m.tls?.caFile) {
      const pem = await readFile(m.tls.caFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
        issues.push({ path: `modules.${name}.tls.ca_file`, msg: { msg: 'usage.config.caUnreadable', params: { file: m.tls!.caFile!, code: err.code ?? err.message } } });
        return '';
      });
      if (pem && !pem.includes('-----BEGIN CERTIFICATE-----')) issues.push({ path: `modules.${name}.tls.ca_file`, msg: { msg: 'usage.config.caNoPem', params: { file: m.tls.caFile } } });
      else if (pem) cas.push(pem);
    }
    if (cas.length) runtime.ca = cas.join('\n');
    if (m.auth) {
      try {
        const password = await readSecret({ env: m.auth.passwordEnv, file: m.auth.passwordFile }, 'password', env);
        if (password !== undefined) runtime.credentials = { user: m.auth.user, password };
      } catch (err) {
        issues.push({ path: `modules.${name}.auth.${m.auth.passwordEnv ? 'password_env' : 'password_file'}`, msg: errorRef(err) });
      }
    }
    out.set(name, runtime);
  }
  if (issues.length) throw configError('config', issues);
  return out;
}
