/**
 * The agent's config file: JSON, validated field by field. Every mistake is reported with the path of the bad
 * field (`accounts[1].passwordEnv: …`), all at once, as a {@link ConfigError} (a UsageError: exit code 2).
 * Passwords are never read from the file itself: an account names an environment variable or a secret file.
 * The format is documented in docs/agent.md.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isEnvelopeAddress, parseAddress } from '../discovery/address.js';
import { Checker, errorRef, fieldPath, kind } from '../lib/checker.js';
import { UsageError } from '../lib/errors.js';
import type { MessageRef } from '../lib/message.js';
import { configError } from '../i18n/index.js';
import { parseListen } from '../lib/listen.js';
import { parseHostPort } from '../lookup/host-port.js';
import { isLang } from '../i18n/lang.js';
import { LANGS, type Lang } from '../i18n/types.js';
import { defaultStateDir } from './paths.js';

/** Fingerprint poll: reads /proc and getifaddrs only, so every 2 s costs next to nothing. */
export const DEFAULT_POLL_MS = 2_000;
/** A change must hold this long: Wi-Fi roaming and DHCP renewals flap for about a second. */
export const DEFAULT_DEBOUNCE_MS = 1_500;
/** Re-check on an unchanged network: servers and certificates change too. */
export const DEFAULT_RECHECK_MS = 15 * 60_000;
/** Local only: the metrics say which servers you use. */
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:9877';
/** One webhook POST, connect to last byte. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
/** Retries after the first attempt of one alert's POST. */
export const DEFAULT_WEBHOOK_RETRIES = 5;
/** First retry delay; doubles up to the maximum. */
export const DEFAULT_WEBHOOK_MIN_BACKOFF_MS = 1_000;
export const DEFAULT_WEBHOOK_MAX_BACKOFF_MS = 60_000;
/** Alerts waiting for a slow or dead webhook; the oldest is dropped past this. */
export const DEFAULT_NOTIFY_QUEUE = 100;
/** An alert command that runs longer is killed. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 10_000;

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** One mailbox to watch. */
export interface AccountConfig {
  address: string;
  /** Login name. @default the address, when a password source is given */
  user?: string;
  /** Environment variable holding the password. */
  passwordEnv?: string;
  /** File whose first line is the password (keep it mode 0600). */
  passwordFile?: string;
  /** Environment variable holding an OAuth2 access token (logins then use OAUTHBEARER or XOAUTH2). */
  oauthTokenEnv?: string;
  /** File whose first line is an OAuth2 access token, kept fresh by the tool that obtains it (mode 0600). */
  oauthTokenFile?: string;
  /** Resolvers (`HOST[:PORT]`) instead of the network's. Usually left out: the point is to use the network's. */
  dns?: string[];
  /** PEM file of extra trusted CAs. */
  ca?: string;
  /** Control endpoints `HOST[:PORT]`; overrides the top-level `controls`. */
  controls?: string[];
  relayRecipient?: string;
  allowPlaintextAuth?: boolean;
  /** Deadline of one check. @default 45000 */
  timeoutMs?: number;
  /** Ask the ISP settings database: true, false, or a base URL. @default true */
  ispdb?: boolean | string;
  /** HTTPS URL answering with the public address (off unless set). */
  echoUrl?: string;
  /** Probe the current network's own SMTP servers (the hybrid option). @default true */
  probeNetworkSmtp?: boolean;
}

export interface LogConfig {
  /** Log to standard output. @default true */
  console: boolean;
  /** JSON lines on the console instead of text. @default false */
  json: boolean;
  /** Also append JSON lines to this file. */
  file?: string;
  /** @default 'info' */
  level: LogLevel;
}

export interface WebhookConfig {
  url: string;
  timeoutMs: number;
  retries: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  queueSize: number;
  /** Extra request headers (not secrets: the file is not a secret store). */
  headers: Record<string, string>;
}

export interface CommandConfig {
  /** Program and arguments, run without a shell; the alert comes on stdin (JSON) and in MAILDOCTOR_ALERT_* variables. */
  argv: string[];
  timeoutMs: number;
}

/** The validated config, every default filled in and every path absolute. */
export interface AgentConfig {
  accounts: AccountConfig[];
  intervals: { pollMs: number; debounceMs: number; recheckMs: number };
  stateDir: string;
  /** Default control endpoints of every account; absent means the check's defaults. */
  controls?: string[];
  /** Watch OS network events (Linux `ip monitor`, macOS `route monitor`) on top of polling. @default true */
  networkEvents: boolean;
  /** The language of alerts (`en`, `it`). @default the agent's locale: LC_ALL, LC_MESSAGES, LANG */
  lang?: Lang;
  notifiers: {
    log: LogConfig;
    webhook?: WebhookConfig;
    /** Desktop notifications (notify-send, osascript) where available. @default true */
    desktop: boolean;
    command?: CommandConfig;
  };
  /** `listen`: `HOST:PORT` of /metrics and /healthz, or false. `control`: POST /-/reload and /-/check. */
  metrics: { listen: string | false; control: boolean };
}

export interface ValidateOptions {
  /** Named in error messages. @default 'config' */
  source: string;
  /** Relative paths are relative to this (the config file's directory). @default process.cwd() */
  baseDir: string;
  /** `~/` in paths. @default os.homedir() */
  home: string;
  /** Default of `stateDir`. @default defaultStateDir() */
  defaultStateDir: string;
}

/** `undefined` for a `HOST[:PORT]` the one parser (src/lookup/host-port.ts) accepts, else what is wrong. */
function hostPortProblem(s: string): MessageRef | undefined {
  try {
    parseHostPort(s);
    return undefined;
  } catch {
    return { msg: 'usage.config.hostPort' };
  }
}
/** Where an account's secret may come from: one of these, never the config file itself (read by secrets.ts). */
export const SECRET_FIELDS = ['passwordEnv', 'passwordFile', 'oauthTokenEnv', 'oauthTokenFile'] as const;
const ACCOUNT_FIELDS = ['address', 'user', 'passwordEnv', 'passwordFile', 'oauthTokenEnv', 'oauthTokenFile', 'password', 'dns', 'ca', 'controls', 'relayRecipient', 'allowPlaintextAuth', 'timeoutMs', 'ispdb', 'echoUrl', 'probeNetworkSmtp'] as const;

function httpUrl(s: string, schemes: string[]): MessageRef | undefined {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return { msg: 'usage.config.url' };
  }
  return schemes.includes(u.protocol) ? undefined : { msg: 'usage.config.urlScheme', params: { plain: schemes.includes('http:') ? 'yes' : 'no', scheme: u.protocol } };
}

function account(c: Checker, v: unknown, p: string): AccountConfig | undefined {
  const o = c.object(v, p, ACCOUNT_FIELDS);
  if (!o) return undefined;
  const out: Partial<AccountConfig> = {};
  if (o.address === undefined) c.fail(fieldPath(p, 'address'), 'usage.config.required');
  else {
    const a = c.string(o.address, fieldPath(p, 'address'), (s) => {
      try {
        parseAddress(s);
        return undefined;
      } catch (err) {
        return errorRef(err);
      }
    });
    if (a) out.address = a.trim();
  }
  if ('password' in o) {
    c.fail(fieldPath(p, 'password'), 'usage.config.agentPassword');
  }
  const sources = SECRET_FIELDS.filter((f) => o[f] !== undefined);
  if (sources.length > 1) c.fail(p, 'usage.config.oneSecret', { fields: SECRET_FIELDS.join(', '), given: sources });
  for (const f of ['passwordEnv', 'oauthTokenEnv'] as const) {
    if (o[f] === undefined) continue;
    const e = c.envName(o[f], fieldPath(p, f));
    if (e) out[f] = e;
  }
  for (const f of ['passwordFile', 'oauthTokenFile'] as const) {
    if (o[f] === undefined) continue;
    const file = c.filePath(o[f], fieldPath(p, f));
    if (file) out[f] = file;
  }
  if (o.user !== undefined) {
    const u = c.line(o.user, fieldPath(p, 'user'));
    if (u) out.user = u;
    if (sources.length === 0) c.fail(fieldPath(p, 'user'), 'usage.config.userNeedsSecret');
  } else if (out.address && SECRET_FIELDS.some((f) => out[f])) {
    out.user = out.address;
  }
  if (o.dns !== undefined) {
    const d = c.strings(o.dns, fieldPath(p, 'dns'), hostPortProblem, false);
    if (d) out.dns = d;
  }
  if (o.ca !== undefined) {
    const f = c.filePath(o.ca, fieldPath(p, 'ca'));
    if (f) out.ca = f;
  }
  if (o.controls !== undefined) {
    const d = c.strings(o.controls, fieldPath(p, 'controls'), hostPortProblem);
    if (d) out.controls = d;
  }
  if (o.relayRecipient !== undefined) {
    const r = c.string(o.relayRecipient, fieldPath(p, 'relayRecipient'), (s) => (isEnvelopeAddress(s) ? undefined : { msg: 'usage.config.email' }));
    if (r) out.relayRecipient = r;
  }
  if (o.allowPlaintextAuth !== undefined) {
    const b = c.boolean(o.allowPlaintextAuth, fieldPath(p, 'allowPlaintextAuth'));
    if (b !== undefined) out.allowPlaintextAuth = b;
  }
  if (o.timeoutMs !== undefined) {
    const n = c.int(o.timeoutMs, fieldPath(p, 'timeoutMs'), 1_000, 600_000);
    if (n !== undefined) out.timeoutMs = n;
  }
  if (o.ispdb !== undefined) {
    if (typeof o.ispdb === 'boolean') out.ispdb = o.ispdb;
    else {
      const u = c.string(o.ispdb, fieldPath(p, 'ispdb'), (s) => httpUrl(s, ['https:', 'http:']));
      if (u) out.ispdb = u;
    }
  }
  if (o.echoUrl !== undefined) {
    const u = c.string(o.echoUrl, fieldPath(p, 'echoUrl'), (s) => httpUrl(s, ['https:']));
    if (u) out.echoUrl = u;
  }
  if (o.probeNetworkSmtp !== undefined) {
    const b = c.boolean(o.probeNetworkSmtp, fieldPath(p, 'probeNetworkSmtp'));
    if (b !== undefined) out.probeNetworkSmtp = b;
  }
  return out.address ? (out as AccountConfig) : undefined;
}

/**
 * Validate a parsed config document and fill in the defaults. Idempotent: a validated config validates to
 * itself. Throws {@link ConfigError} listing every bad field.
 */
export function validateAgentConfig(input: unknown, options: Partial<ValidateOptions> = {}): AgentConfig {
  const opts: ValidateOptions = {
    source: options.source ?? 'config',
    baseDir: options.baseDir ?? process.cwd(),
    home: options.home ?? os.homedir(),
    defaultStateDir: options.defaultStateDir ?? defaultStateDir(),
  };
  const c = new Checker(opts);
  const root = c.object(input, '', ['$schema', 'accounts', 'intervals', 'stateDir', 'controls', 'networkEvents', 'lang', 'notifiers', 'metrics']);
  if (!root) throw configError(opts.source, c.issues);

  const accounts: AccountConfig[] = [];
  if (!Array.isArray(root.accounts) || root.accounts.length === 0) c.fail('accounts', 'usage.config.accounts', { got: kind(root.accounts) });
  else {
    root.accounts.forEach((a, i) => {
      const acc = account(c, a, `accounts[${i}]`);
      if (!acc) return;
      if (accounts.some((x) => x.address.toLowerCase() === acc.address.toLowerCase())) c.fail(`accounts[${i}].address`, 'usage.config.listedTwice', { address: acc.address });
      else accounts.push(acc);
    });
  }

  const intervals = { pollMs: DEFAULT_POLL_MS, debounceMs: DEFAULT_DEBOUNCE_MS, recheckMs: DEFAULT_RECHECK_MS };
  if (root.intervals !== undefined) {
    const o = c.object(root.intervals, 'intervals', ['pollMs', 'debounceMs', 'recheckMs']);
    if (o) {
      if (o.pollMs !== undefined) intervals.pollMs = c.int(o.pollMs, 'intervals.pollMs', 100, 3_600_000) ?? intervals.pollMs;
      if (o.debounceMs !== undefined) intervals.debounceMs = c.int(o.debounceMs, 'intervals.debounceMs', 0, 600_000) ?? intervals.debounceMs;
      // 0 turns scheduled re-checks off; otherwise at least a second, so a typo cannot hammer the servers.
      if (o.recheckMs !== undefined) {
        const r = c.int(o.recheckMs, 'intervals.recheckMs', 0, 7 * 86_400_000);
        if (r !== undefined && r > 0 && r < 1_000) c.fail('intervals.recheckMs', 'usage.config.recheck', { value: r });
        else if (r !== undefined) intervals.recheckMs = r;
      }
    }
  }

  const stateDir = root.stateDir === undefined ? opts.defaultStateDir : (c.filePath(root.stateDir, 'stateDir') ?? opts.defaultStateDir);
  let controls: string[] | undefined;
  if (root.controls !== undefined) controls = c.strings(root.controls, 'controls', hostPortProblem);
  const networkEvents = root.networkEvents === undefined ? true : (c.boolean(root.networkEvents, 'networkEvents') ?? true);
  let lang: Lang | undefined;
  if (root.lang !== undefined) {
    if (typeof root.lang === 'string' && isLang(root.lang)) lang = root.lang;
    else c.fail('lang', 'usage.config.lang', { langs: LANGS.join(', '), value: JSON.stringify(root.lang) });
  }

  const log: LogConfig = { console: true, json: false, level: 'info' };
  let webhook: WebhookConfig | undefined;
  let desktop = true;
  let command: CommandConfig | undefined;
  if (root.notifiers !== undefined) {
    const n = c.object(root.notifiers, 'notifiers', ['log', 'webhook', 'desktop', 'command']);
    if (n?.log !== undefined) {
      const o = c.object(n.log, 'notifiers.log', ['console', 'json', 'file', 'level']);
      if (o) {
        if (o.console !== undefined) log.console = c.boolean(o.console, 'notifiers.log.console') ?? true;
        if (o.json !== undefined) log.json = c.boolean(o.json, 'notifiers.log.json') ?? false;
        if (o.file !== undefined) {
          const f = c.filePath(o.file, 'notifiers.log.file');
          if (f) log.file = f;
        }
        if (o.level !== undefined) {
          const l = c.string(o.level, 'notifiers.log.level', (s) => (['error', 'warn', 'info', 'debug'].includes(s) ? undefined : { msg: 'usage.config.logLevel' }));
          if (l) log.level = l as LogLevel;
        }
      }
    }
    if (n?.webhook !== undefined) {
      const o = c.object(n.webhook, 'notifiers.webhook', ['url', 'timeoutMs', 'retries', 'minBackoffMs', 'maxBackoffMs', 'queueSize', 'headers']);
      if (o) {
        const url = o.url === undefined ? c.fail('notifiers.webhook.url', 'usage.config.required') : c.string(o.url, 'notifiers.webhook.url', (s) => httpUrl(s, ['https:', 'http:']));
        const w: WebhookConfig = {
          url: url ?? '',
          timeoutMs: o.timeoutMs === undefined ? DEFAULT_WEBHOOK_TIMEOUT_MS : (c.int(o.timeoutMs, 'notifiers.webhook.timeoutMs', 100, 300_000) ?? 0),
          retries: o.retries === undefined ? DEFAULT_WEBHOOK_RETRIES : (c.int(o.retries, 'notifiers.webhook.retries', 0, 20) ?? 0),
          minBackoffMs: o.minBackoffMs === undefined ? DEFAULT_WEBHOOK_MIN_BACKOFF_MS : (c.int(o.minBackoffMs, 'notifiers.webhook.minBackoffMs', 0, 3_600_000) ?? 0),
          maxBackoffMs: o.maxBackoffMs === undefined ? DEFAULT_WEBHOOK_MAX_BACKOFF_MS : (c.int(o.maxBackoffMs, 'notifiers.webhook.maxBackoffMs', 0, 3_600_000) ?? 0),
          queueSize: o.queueSize === undefined ? DEFAULT_NOTIFY_QUEUE : (c.int(o.queueSize, 'notifiers.webhook.queueSize', 1, 10_000) ?? 1),
          headers: {},
        };
        if (w.maxBackoffMs < w.minBackoffMs) c.fail('notifiers.webhook.maxBackoffMs', 'usage.config.backoff', { min: w.minBackoffMs });
        if (o.headers !== undefined) {
          const h = c.object(o.headers, 'notifiers.webhook.headers', Object.keys(o.headers ?? {}));
          for (const [k, v] of Object.entries(h ?? {})) {
            if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(k)) c.fail(`notifiers.webhook.headers.${k}`, 'usage.config.headerName');
            const s = c.line(v, `notifiers.webhook.headers.${k}`);
            if (s) w.headers[k] = s;
          }
        }
        webhook = w;
      }
    }
    if (n?.desktop !== undefined) desktop = c.boolean(n.desktop, 'notifiers.desktop') ?? true;
    if (n?.command !== undefined) {
      const o = c.object(n.command, 'notifiers.command', ['argv', 'timeoutMs']);
      if (o) {
        const argv = o.argv === undefined ? c.fail('notifiers.command.argv', 'usage.config.required') : c.strings(o.argv, 'notifiers.command.argv', undefined, false);
        const timeoutMs = o.timeoutMs === undefined ? DEFAULT_COMMAND_TIMEOUT_MS : c.int(o.timeoutMs, 'notifiers.command.timeoutMs', 100, 600_000);
        if (argv && timeoutMs !== undefined) command = { argv, timeoutMs };
      }
    }
  }

  const metrics: AgentConfig['metrics'] = { listen: DEFAULT_METRICS_LISTEN, control: false };
  if (root.metrics !== undefined) {
    const o = c.object(root.metrics, 'metrics', ['listen', 'control']);
    if (o?.listen !== undefined) {
      if (o.listen === false) metrics.listen = false;
      else {
        const l = c.string(o.listen, 'metrics.listen', (s) => (parseListen(s) ? undefined : { msg: 'usage.config.metricsListen' }));
        if (l) metrics.listen = l;
      }
    }
    if (o?.control !== undefined) metrics.control = c.boolean(o.control, 'metrics.control') ?? false;
  }

  if (c.issues.length) throw configError(opts.source, c.issues);
  return {
    accounts,
    intervals,
    stateDir,
    ...(controls ? { controls } : {}),
    networkEvents,
    ...(lang ? { lang } : {}),
    notifiers: { log, ...(webhook ? { webhook } : {}), desktop, ...(command ? { command } : {}) },
    metrics,
  };
}

/** Read, parse and validate a config file; paths in it are relative to its directory. */
export async function loadAgentConfig(file: string, options: Partial<Omit<ValidateOptions, 'source' | 'baseDir'>> = {}): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`cannot read the agent config ${file}: ${code}`, { msg: 'usage.agent.configUnreadable', params: { file, reason: { msg: 'usage.fileError', params: { code } } } });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw configError(file, [{ path: '', msg: { msg: 'usage.config.notJson', params: { error: (err as Error).message } } }]);
  }
  return validateAgentConfig(doc, { ...options, source: file, baseDir: path.dirname(path.resolve(file)) });
}
