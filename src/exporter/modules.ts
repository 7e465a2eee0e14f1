/**
 * Exporter modules: what one `/probe?module=NAME` runs. A module names one of maildoctor's probes (`prober`,
 * as blackbox_exporter's modules do) and its settings; the probe itself is the one in src/probes, unchanged.
 * The built-in modules below are ordinary modules; the config file adds more or replaces them by name.
 */
import { DEFAULT_RELAY_RECIPIENT } from '../check/defaults.js';
import { DEFAULT_PORTS } from '../lib/probe-input.js';
import type { Credentials, ProbeOptions, Protocol, RelayTest, StartTlsPolicy } from '../lib/types.js';

/** Prometheus' default scrape timeout: a probe that needs longer is a failure to report, not to wait for. */
export const DEFAULT_MODULE_TIMEOUT_MS = 10_000;
/** MAIL FROM of the built-in relay test (RFC 2606 domain). Set your own address in a module for real servers. */
export const DEFAULT_RELAY_SENDER = 'maildoctor-exporter@example.org';

export interface ModuleAuth {
  user: string;
  /** Environment variable holding the password. */
  passwordEnv?: string;
  /** File whose first line is the password. */
  passwordFile?: string;
}

export interface ExporterModule {
  /** One of maildoctor's probes. */
  prober: Protocol;
  /** Port of a target given without one; the protocol's well-known port by default (none for `tcp`). */
  port?: number;
  /** Deadline of one probe; a shorter scrape timeout (X-Prometheus-Scrape-Timeout-Seconds) caps it. */
  timeoutMs: number;
  /** Plaintext-port probes: STARTTLS policy. */
  starttls?: StartTlsPolicy;
  /** SMTP: MAIL FROM / RCPT TO an outside address, then RSET. Never DATA. */
  relay?: RelayTest;
  /** Log in with these credentials (the password is never in the config). */
  auth?: ModuleAuth;
  allowPlaintextAuth?: boolean;
  /** Extra trusted CAs (PEM file) and the TLS server name to verify. Certificates are always verified. */
  tls?: { caFile?: string; serverName?: string };
  heloName?: string;
  /** One line for the module list at `/`. */
  description?: string;
}

/** The built-in modules, named as blackbox_exporter users expect. */
export const BUILTIN_MODULES: Readonly<Record<string, ExporterModule>> = Object.freeze({
  tcp: { prober: 'tcp', timeoutMs: DEFAULT_MODULE_TIMEOUT_MS, description: 'TCP connect only (the target needs a port)' },
  smtp: { prober: 'smtp', timeoutMs: DEFAULT_MODULE_TIMEOUT_MS, starttls: 'optional', description: 'SMTP on 25: greeting, EHLO, STARTTLS when offered' },
  smtp_starttls: { prober: 'smtp', timeoutMs: DEFAULT_MODULE_TIMEOUT_MS, starttls: 'required', description: 'SMTP on 25 with STARTTLS required' },
  smtps: { prober: 'smtps', timeoutMs: DEFAULT_MODULE_TIMEOUT_MS, description: 'SMTP over implicit TLS on 465 (RFC 8314)' },
  submission: {
    prober: 'smtp',
    port: 587,
    timeoutMs: DEFAULT_MODULE_TIMEOUT_MS,
    starttls: 'required',
    description: 'message submission on 587: STARTTLS required, AUTH offered (AUTH attempted when a config module gives credentials)',
  },
  smtp_relay: {
    prober: 'smtp',
    timeoutMs: DEFAULT_MODULE_TIMEOUT_MS,
    starttls: 'optional',
    relay: { from: DEFAULT_RELAY_SENDER, to: DEFAULT_RELAY_RECIPIENT },
    description: 'relay test on 25: MAIL FROM, RCPT TO an outside address, RSET (nothing is sent); success = the server relays for this network',
  },
  pop3s: { prober: 'pop3s', timeoutMs: DEFAULT_MODULE_TIMEOUT_MS, description: 'POP3 over implicit TLS on 995' },
  pop3_starttls: { prober: 'pop3', timeoutMs: DEFAULT_MODULE_TIMEOUT_MS, starttls: 'required', description: 'POP3 on 110 with STLS required' },
  imaps: { prober: 'imaps', timeoutMs: DEFAULT_MODULE_TIMEOUT_MS, description: 'IMAP over implicit TLS on 993' },
  imap_starttls: { prober: 'imap', timeoutMs: DEFAULT_MODULE_TIMEOUT_MS, starttls: 'required', description: 'IMAP on 143 with STARTTLS required' },
});

/** The port a target without one gets under this module, or undefined (`tcp`). */
export function defaultPort(module: ExporterModule): number | undefined {
  return module.port ?? DEFAULT_PORTS[module.prober];
}

/** What a module's probe needs at run time besides the module: secrets and CA text, read once at start-up. */
export interface ModuleRuntime {
  credentials?: Credentials;
  ca?: string;
}

/** The probe options of one run of a module. */
export function probeOptionsFor(module: ExporterModule, runtime: ModuleRuntime, timeoutMs: number, signal: AbortSignal): Partial<ProbeOptions> {
  return {
    timeoutMs,
    signal,
    ...(module.starttls ? { starttls: module.starttls } : {}),
    ...(module.relay ? { relayTest: module.relay } : {}),
    ...(runtime.credentials ? { credentials: runtime.credentials } : {}),
    ...(module.allowPlaintextAuth ? { allowPlaintextAuth: true } : {}),
    ...(runtime.ca ? { ca: runtime.ca } : {}),
    ...(module.tls?.serverName ? { servername: module.tls.serverName } : {}),
    ...(module.heloName ? { heloName: module.heloName } : {}),
  };
}
