/**
 * The listener's TLS and basic auth, in the Prometheus exporter toolkit's web config format
 * (https://prometheus.io/docs/prometheus/latest/configuration/https/), so one file serves node_exporter,
 * blackbox_exporter and maildoctor alike:
 *
 *     tls_server_config:
 *       cert_file: exporter.crt
 *       key_file: exporter.key
 *       client_auth_type: RequireAndVerifyClientCert   # or NoClientCert (default), VerifyClientCertIfGiven
 *       client_ca_file: clients-ca.crt
 *       min_version: TLS12
 *     http_server_config:
 *       headers: { Strict-Transport-Security: max-age=31536000 }
 *     basic_auth_users:
 *       prometheus: $2y$10$…    # bcrypt hash (htpasswd -nBC 10 "" | tr -d ':\n')
 *
 * Toolkit settings maildoctor does not implement (cipher_suites, curve_preferences, http2…) are refused by
 * name rather than ignored: a security setting that silently does nothing is worse than an error.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type tls from 'node:tls';
import bcrypt from 'bcryptjs';
import { Checker } from '../lib/checker.js';
import { configError } from '../i18n/index.js';
import { parseYamlConfig, readConfigText } from './config.js';

export interface WebConfig {
  tls?: {
    certFile: string;
    keyFile: string;
    clientAuth: 'NoClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';
    clientCaFile?: string;
    minVersion?: tls.SecureVersion;
    maxVersion?: tls.SecureVersion;
  };
  /** User name → bcrypt hash. Empty: no basic auth. */
  basicAuthUsers: Record<string, string>;
  /** Extra response headers (the toolkit's allowed set). */
  headers: Record<string, string>;
}

const VERSIONS: Record<string, tls.SecureVersion> = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };
const CLIENT_AUTH = ['NoClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;
/** The toolkit lets a web config set only these response headers. */
const ALLOWED_HEADERS = ['Strict-Transport-Security', 'X-Content-Type-Options', 'X-Frame-Options', 'X-XSS-Protection', 'Content-Security-Policy'];
const TOOLKIT_UNSUPPORTED = ['cert', 'key', 'client_ca', 'client_allowed_sans', 'cipher_suites', 'curve_preferences', 'prefer_server_cipher_suites'];
/** $2a$, $2b$ and $2y$ (htpasswd's) are the same bcrypt. */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

export function validateWebConfig(input: unknown, source = 'web config', baseDir = process.cwd()): WebConfig {
  const c = new Checker({ baseDir, home: '' });
  const out: WebConfig = { basicAuthUsers: {}, headers: {} };
  if (input === undefined || input === null) return out;
  const root = c.object(input, '', ['tls_server_config', 'http_server_config', 'basic_auth_users']);
  if (!root) throw configError(source, c.issues);
  if (root.tls_server_config !== undefined) {
    const t = c.object(root.tls_server_config, 'tls_server_config', ['cert_file', 'key_file', 'client_auth_type', 'client_ca_file', 'min_version', 'max_version', ...TOOLKIT_UNSUPPORTED]);
    if (t) {
      for (const k of TOOLKIT_UNSUPPORTED) if (k in t) c.fail(`tls_server_config.${k}`, 'usage.config.toolkitUnsupported');
      const certFile = t.cert_file === undefined ? c.fail('tls_server_config.cert_file', 'usage.config.required') : c.filePath(t.cert_file, 'tls_server_config.cert_file');
      const keyFile = t.key_file === undefined ? c.fail('tls_server_config.key_file', 'usage.config.required') : c.filePath(t.key_file, 'tls_server_config.key_file');
      const clientAuth = (t.client_auth_type === undefined ? 'NoClientCert' : c.string(t.client_auth_type, 'tls_server_config.client_auth_type', (s) => ((CLIENT_AUTH as readonly string[]).includes(s) ? undefined : { msg: 'usage.config.oneOf', params: { choices: CLIENT_AUTH.join(', ') } }))) as NonNullable<WebConfig['tls']>['clientAuth'] | undefined;
      const clientCaFile = t.client_ca_file === undefined ? undefined : c.filePath(t.client_ca_file, 'tls_server_config.client_ca_file');
      if (clientAuth && clientAuth !== 'NoClientCert' && !clientCaFile) c.fail('tls_server_config.client_ca_file', 'usage.config.clientCaRequired', { value: clientAuth });
      const version = (k: 'min_version' | 'max_version'): tls.SecureVersion | undefined =>
        t[k] === undefined ? undefined : VERSIONS[c.string(t[k], `tls_server_config.${k}`, (s) => (s in VERSIONS ? undefined : { msg: 'usage.config.oneOf', params: { choices: Object.keys(VERSIONS).join(', ') } })) ?? ''];
      const minVersion = version('min_version');
      const maxVersion = version('max_version');
      if (certFile && keyFile && clientAuth) {
        out.tls = { certFile, keyFile, clientAuth, ...(clientCaFile ? { clientCaFile } : {}), ...(minVersion ? { minVersion } : {}), ...(maxVersion ? { maxVersion } : {}) };
      }
    }
  }
  if (root.http_server_config !== undefined) {
    const h = c.object(root.http_server_config, 'http_server_config', ['headers', 'http2']);
    if (h && 'http2' in h) c.fail('http_server_config.http2', 'usage.config.http2');
    if (h?.headers !== undefined) {
      const hs = c.object(h.headers, 'http_server_config.headers', ALLOWED_HEADERS);
      for (const [k, v] of Object.entries(hs ?? {})) {
        const s = c.line(v, `http_server_config.headers.${k}`);
        if (s && ALLOWED_HEADERS.includes(k)) out.headers[k] = s;
      }
    }
  }
  if (root.basic_auth_users !== undefined) {
    const u = c.object(root.basic_auth_users, 'basic_auth_users', Object.keys(root.basic_auth_users ?? {}));
    for (const [user, hash] of Object.entries(u ?? {})) {
      if (user.includes(':')) c.fail(`basic_auth_users.${user}`, 'usage.config.userColon');
      // The message never repeats the value: it is a hash, but a pasted password must not reach a log.
      const h = c.string(hash, `basic_auth_users.${user}`, (x) => (BCRYPT_HASH.test(x) ? undefined : { msg: 'usage.config.bcrypt' }));
      if (h) out.basicAuthUsers[user] = h;
    }
  }
  if (c.issues.length) throw configError(source, c.issues);
  return out;
}

export async function loadWebConfig(file: string): Promise<WebConfig> {
  const text = await readConfigText(file, 'web');
  return validateWebConfig(parseYamlConfig(text, file), file, path.dirname(path.resolve(file)));
}

/** Verdicts kept per (user, password digest): bcrypt costs ~90 ms by design, a scrape every second must not. */
const AUTH_CACHE_SIZE = 256;
/** Compared against when the user is unknown, so that timing does not tell which user names exist. */
const DUMMY_HASH = '$2b$10$XZDPUN4y0NV0I/AFqaQLQOKnLRjSDCNrQejypJyZPLh8BAGd33//S';

/** RFC 7617 basic auth against bcrypt hashes, as the exporter toolkit does it. */
export class BasicAuth {
  readonly #users: Record<string, string>;
  readonly #cache = new Map<string, boolean>();

  constructor(users: Record<string, string>) {
    this.#users = users;
  }

  get enabled(): boolean {
    return Object.keys(this.#users).length > 0;
  }

  /** Whether an `Authorization` header value names a user with the right password. */
  async check(header: string | undefined): Promise<boolean> {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const digest = createHash('sha256').update(password).digest();
    const key = `${user}\0${digest.toString('base64')}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    const known = Object.hasOwn(this.#users, user);
    const hash = (known ? this.#users[user]! : DUMMY_HASH).replace(/^\$2y\$/, '$2b$');
    const ok = (await bcrypt.compare(password, hash)) && known;
    if (this.#cache.size >= AUTH_CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, ok);
    return ok;
  }
}
